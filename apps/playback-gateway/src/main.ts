/**
 * apps/playback-gateway: KVS playback for browsers — auth, stream list and health, HLS sessions (direct or
 * proxied), clips, snapshots, and the web player.
 *
 * Reads its settings (flags, environment; AWS's own variables for region, credentials and endpoint), starts, and
 * on SIGTERM/SIGINT stops accepting connections, lets requests in progress finish and exits 0. Stateless: any
 * number of instances with the same playback key can run behind a load balancer.
 */
import { announceNodeSupport, createServiceLogger } from '@tributary/runtime';
import { ConfigError, HELP, loadConfig } from './playback-gateway-config';
import { startPlaybackGateway } from './playback-gateway-app';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.help) {
    process.stdout.write(HELP);
    return;
  }
  const { config } = loaded;
  const logger = createServiceLogger({ name: 'playback-gateway', level: config.logLevel });
  // On Node 20: one warn line of our own instead of the AWS SDK's multi-line warning (before any client exists).
  announceNodeSupport(logger, process.env, process.version);
  const running = await startPlaybackGateway(config, { logger });
  logger.info({ url: running.url, delivery: config.delivery, segmentCacheBytes: config.segmentCacheBytes }, 'ready');

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.warn('requests still open after the shutdown timeout; exiting');
      process.exit(0);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    running.close().then(
      () => process.exit(0),
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
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`playback-gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
