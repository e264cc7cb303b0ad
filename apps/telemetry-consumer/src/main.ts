/**
 * apps/telemetry-consumer: a consumer worker of the telemetry stream (start several; they share the shards).
 *
 * Started through the runtime's service runner (exit codes and the stop: libs/runtime README, "Service runner"):
 * on SIGTERM/SIGINT the batch in flight finishes, checkpoints are written, leases are handed to the other workers,
 * open rollups and files are published, and the process exits 0. A second signal exits at once (130/143); so does a
 * stop that outlasts --shutdown-timeout (exit 1). Files left open are published by any running worker's sweep
 * (or the next start's) once they are older than --file-max-age plus the orphan grace.
 */
import { runService } from '@tributary/runtime';
import { HELP, loadConfig } from './telemetry-consumer-config';
import { TelemetryConsumerError } from './telemetry-consumer-error';
import { startTelemetryConsumer } from './telemetry-consumer-app';

void runService({
  name: 'telemetry-consumer',
  help: HELP,
  loadConfig: (argv, env) => loadConfig(argv, env),
  logger: (config) => ({ level: config.logLevel, base: { pid: process.pid, workerId: config.workerId } }),
  start: (config, logger) => startTelemetryConsumer({ config, logger }),
  ready: (running, config) => ({
    url: running.url,
    stream: config.stream,
    application: config.applicationName,
    retrieval: config.retrieval,
    outputDir: config.outputDir,
    stateTable: config.stateTable,
    dlq: config.dlq,
  }),
  stopTimeoutMs: (config) => config.shutdownTimeoutMs,
  stopping: (running) => ({ fields: { leases: running.consumer.stats().leasesHeld.length }, msg: 'stopping: finishing the batch in flight, handing leases off' }),
  stopped: (running) => {
    const s = running.consumer.stats();
    return { fields: { recordsProcessed: s.recordsProcessed, deadLettered: s.deadLettered, files: running.files.telemetry.stats().filesCommitted }, msg: 'stopped' };
  },
  timedOut: () => ({ msg: 'graceful stop timed out; exiting (open files are published by a worker’s orphan sweep)' }),
  secondSignal: 'second signal: exiting without waiting for the graceful stop',
  isExpectedStartError: (err) => err instanceof TelemetryConsumerError,
});
