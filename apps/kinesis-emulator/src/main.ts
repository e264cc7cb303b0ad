/**
 * apps/kinesis-emulator: the command-line launcher of libs/emulator. Reads its settings, starts the emulator,
 * logs with pino, and closes cleanly on SIGINT/SIGTERM (open segment files are synced first).
 */
import * as fs from 'node:fs';
import { createServiceLogger } from '@tributary/runtime';
import { startEmulator } from '@tributary/emulator';
import { ConfigError, HELP, loadConfig, openFileLimitOf } from './emulator-config';

/** The open-file limit (Linux), for the default connection cap; undefined elsewhere. */
function readOpenFileLimit(): number | undefined {
  try {
    return openFileLimitOf(fs.readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env, process.cwd(), readOpenFileLimit());
  if (config.help) {
    process.stdout.write(HELP);
    return;
  }
  const logger = createServiceLogger({ name: 'kinesis-emulator', level: config.logLevel });
  const emulator = await startEmulator({
    host: config.host,
    port: config.port,
    dataDir: config.inMemory ? undefined : config.dataDir,
    limits: config.limits,
    fsync: config.fsync,
    tls: config.tlsCert && config.tlsKey ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) } : undefined,
    corsOrigins: config.corsOrigins,
    allowedHosts: config.allowedHosts,
    connections: {
      maxConnections: config.maxConnections,
      idleTimeoutMs: config.idleTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    logger,
  });
  logger.info({ url: emulator.url, dataDir: config.inMemory ? '(in memory)' : config.dataDir, limits: config.limits }, 'ready');
  // One machine-readable line for scripts that start the emulator and need its URL (port 0).
  if (!process.stdout.isTTY) process.stdout.write(`${JSON.stringify({ ready: true, url: emulator.url })}\n`);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`kinesis-emulator failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
