/**
 * apps/telemetry-consumer: a consumer worker of the telemetry stream (start several; they share the shards).
 *
 * Reads its settings (flags, environment; AWS's own variables for region, credentials and endpoints), starts,
 * and on SIGTERM/SIGINT stops gracefully: the batch in flight finishes, checkpoints are written, leases are handed
 * to the other workers, open rollups and files are published, and the process exits 0. A second signal exits at
 * once (128 + the signal number, as a shell reports a process killed by it); so does a stop that outlasts
 * --shutdown-timeout (exit 1). Files left open are published by any running worker's sweep
 * (or the next start's) once they are older than --file-max-age plus the orphan grace.
 */
import { announceNodeSupport, createServiceLogger } from '@tributary/runtime';
import { ConfigError, HELP, loadConfig } from './telemetry-consumer-config';
import { TelemetryConsumerError } from './telemetry-consumer-error';
import { startTelemetryConsumer } from './telemetry-consumer-app';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<void> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.help) {
    process.stdout.write(HELP);
    return;
  }
  const { config } = loaded;
  const logger = createServiceLogger({ name: 'telemetry-consumer', level: config.logLevel, base: { pid: process.pid, workerId: config.workerId } });
  // On Node 20: one warn line of our own instead of the AWS SDK's multi-line warning (before any client exists).
  announceNodeSupport(logger, process.env, process.version);

  let stopping = false;
  const worker: { running?: Awaited<ReturnType<typeof startTelemetryConsumer>> } = {};
  const onSignal = (signal: NodeJS.Signals): void => {
    const running = worker.running;
    if (stopping || !running) {
      logger.warn({ signal }, stopping ? 'second signal: exiting without waiting for the graceful stop' : 'signal before the worker was up: exiting');
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopping = true;
    const app = running;
    logger.info({ signal, leases: app.consumer.stats().leasesHeld.length }, 'stopping: finishing the batch in flight, handing leases off');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful stop timed out; exiting (open files are published by a worker’s orphan sweep)');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        const s = app.consumer.stats();
        logger.info({ recordsProcessed: s.recordsProcessed, deadLettered: s.deadLettered, files: app.files.telemetry.stats().filesCommitted }, 'stopped');
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

  const running = await startTelemetryConsumer({ config, logger });
  worker.running = running;
  logger.info(
    { url: running.url, stream: config.stream, application: config.applicationName, retrieval: config.retrieval, outputDir: config.outputDir, stateTable: config.stateTable, dlq: config.dlq },
    'ready',
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof TelemetryConsumerError) {
    process.stderr.write(`telemetry-consumer failed to start: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`telemetry-consumer failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
