/**
 * apps/telemetry-producer: simulated devices and an HTTP ingest API, into Kinesis Data Streams.
 *
 * Reads its settings (flags, environment; AWS's own variables for region, credentials and endpoint), starts,
 * and on SIGTERM/SIGINT stops intake, flushes every accepted record and exits 0. A second signal exits at once
 * (128 + the signal number, as a shell reports a process killed by it), abandoning what is still buffered.
 */
import { announceNodeSupport, createServiceLogger } from '@tributary/runtime';
import { ConfigError, HELP, loadConfig } from './telemetry-producer-config';
import { StartupError } from './stream-bootstrap';
import { startTelemetryProducer } from './telemetry-producer-app';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<void> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.help) {
    process.stdout.write(HELP);
    return;
  }
  const { config } = loaded;
  const logger = createServiceLogger({ name: 'telemetry-producer', level: config.logLevel });
  // On Node 20: one warn line of our own instead of the AWS SDK's multi-line warning (before any client exists).
  announceNodeSupport(logger, process.env, process.version);
  const running = await startTelemetryProducer({ config, logger });
  logger.info(
    {
      url: running.url,
      mode: config.mode,
      stream: config.stream,
      ...(running.simulator ? { devices: config.devices, ratePerDevice: config.ratePerDevice } : {}),
    },
    'ready',
  );

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the flush');
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopping = true;
    logger.info({ signal, bufferedRecords: running.producer.stats().bufferedRecords }, 'stopping: no new records, flushing what was accepted');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs, producer: running.producer.stats() }, 'shutdown timed out; exiting with records unsettled');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    running.close().then(
      () => {
        const s = running.producer.stats();
        logger.info({ recordsPut: s.totals.userRecordsPut, failures: s.totals.failures, simulator: running.simulator?.stats() }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`telemetry-producer failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
