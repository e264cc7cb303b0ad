/**
 * apps/log-agent: the Kinesis Agent's job in Node — tails the files its agent.json names and ships their lines to
 * Kinesis Data Streams through libs/kinesis-producer, checkpointing only what Kinesis acknowledged.
 *
 * Started through the runtime's service runner (libs/runtime README, "Service runner"): a bad flag or a bad
 * agent.json exits 2 before anything starts; on SIGTERM/SIGINT it stops reading, flushes what was read, writes the
 * checkpoints and exits 0; past agent.json's shutdownTimeoutMillis it exits 1 (the checkpoints on disk then stand
 * before the unacknowledged lines, which are sent again at the next start). A second signal exits at once.
 */
import { runService } from '@tributary/runtime';
import { HELP } from './config';
import { appConfigOf, loadStartup } from './agent-startup';
import { startLogAgent } from './log-agent-app';

void runService({
  name: 'log-agent',
  help: HELP,
  loadConfig: (argv, env) => loadStartup(argv, env),
  logger: (startup) => ({ level: startup.settings.logLevel }),
  start: (startup, logger) => startLogAgent({ config: appConfigOf(startup), logger }),
  ready: (running, startup) => ({
    url: running.url,
    config: startup.settings.configPath,
    flows: running.flows.map((f) => ({ flow: f.flowId, stream: f.stream, files: f.tailer.stats().filesTracked })),
    aggregation: startup.settings.aggregation,
  }),
  stopTimeoutMs: (startup) => startup.agent.config.shutdownTimeoutMillis,
  stopping: (running) => ({
    fields: { recordsInFlight: running.flows.reduce((n, f) => n + f.flowDelivery.stats().inFlight, 0) },
    msg: 'stopping: no more reading, flushing what was read, then writing the checkpoints',
  }),
  stopped: (running) => ({
    fields: { flows: running.flows.map((f) => ({ flow: f.flowId, linesRead: f.counters.linesRead, recordsAcknowledged: f.flowDelivery.stats().recordsAcked })) },
    msg: 'stopped',
  }),
  timedOut: (running) => ({
    fields: { recordsInFlight: running.flows.reduce((n, f) => n + f.flowDelivery.stats().inFlight, 0) },
    msg: 'shutdown timed out: exiting; the checkpoints stand before the unacknowledged lines, sent again at the next start',
  }),
  secondSignal: 'second signal: exiting without waiting for the flush (checkpoints stand before the unacknowledged lines)',
});
