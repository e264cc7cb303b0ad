/**
 * apps/kinesis-emulator: the command-line launcher of libs/emulator. Reads its settings, starts the emulator,
 * logs with pino, and closes cleanly on SIGINT/SIGTERM (open segment files are synced first), through the runtime's
 * service runner like every app (exit codes and the stop deadline: libs/runtime README, "Service runner").
 */
import * as fs from 'node:fs';
import { runService, type LoadedServiceConfig } from '@tributary/runtime';
import { startEmulator } from '@tributary/emulator';
import { HELP, loadConfig, openFileLimitOf, type EmulatorConfig } from './emulator-config';

/** The open-file limit (Linux), for the default connection cap; undefined elsewhere. */
function readOpenFileLimit(): number | undefined {
  try {
    return openFileLimitOf(fs.readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

void runService({
  name: 'kinesis-emulator',
  help: HELP,
  loadConfig: (argv, env): LoadedServiceConfig<EmulatorConfig> => {
    const config = loadConfig([...argv], env, process.cwd(), readOpenFileLimit());
    return config.help ? { help: true } : { help: false, config };
  },
  logger: (config) => ({ level: config.logLevel }),
  start: async (config, logger) => {
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
      // One knob for every status machine (streams, consumers, KVS streams, tables): the library's `delays`.
      delays: { create: config.transitionMs, delete: config.transitionMs, update: config.transitionMs, consumer: config.transitionMs },
      shardLimit: config.shardLimit,
      logger,
    });
    // One machine-readable line for scripts that start the emulator and need its URL (port 0).
    if (!process.stdout.isTTY) process.stdout.write(`${JSON.stringify({ ready: true, url: emulator.url })}\n`);
    return emulator;
  },
  ready: (emulator, config) => ({
    url: emulator.url,
    dataDir: config.inMemory ? '(in memory)' : config.dataDir,
    limits: config.limits,
    transitionMs: config.transitionMs,
  }),
});
