/**
 * apps/telemetry-producer: simulated devices and an HTTP ingest API, into Kinesis Data Streams.
 *
 * Started through the runtime's service runner (exit codes and the stop: libs/runtime README, "Service runner"):
 * on SIGTERM/SIGINT it stops intake, flushes every accepted record and exits 0; past --shutdown-timeout it exits 1.
 * A second signal exits at once (130/143), abandoning what is still buffered.
 */
import { runService } from '@tributary/runtime';
import { HELP, loadConfig } from './telemetry-producer-config';
import { StartupError } from './stream-bootstrap';
import { startTelemetryProducer } from './telemetry-producer-app';

void runService({
  name: 'telemetry-producer',
  help: HELP,
  loadConfig: (argv, env) => loadConfig(argv, env),
  logger: (config) => ({ level: config.logLevel }),
  start: (config, logger) => startTelemetryProducer({ config, logger }),
  ready: (running, config) => ({
    url: running.url,
    mode: config.mode,
    stream: config.stream,
    ...(running.simulator ? { devices: config.devices, ratePerDevice: config.ratePerDevice } : {}),
  }),
  stopTimeoutMs: (config) => config.shutdownTimeoutMs,
  stopping: (running) => ({ fields: { bufferedRecords: running.producer.stats().bufferedRecords }, msg: 'stopping: no new records, flushing what was accepted' }),
  stopped: (running) => {
    const s = running.producer.stats();
    return { fields: { recordsPut: s.totals.userRecordsPut, failures: s.totals.failures, simulator: running.simulator?.stats() }, msg: 'stopped' };
  },
  timedOut: (running) => ({ fields: { producer: running.producer.stats() }, msg: 'shutdown timed out; exiting with records unsettled' }),
  secondSignal: 'second signal: exiting without waiting for the flush',
  isExpectedStartError: (err) => err instanceof StartupError,
});
