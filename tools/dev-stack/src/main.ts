/**
 * `npm start`: the local platform. Today that is the emulator (issue 7 adds the apps around it); it runs in
 * this process on the data folder, logs through pino-pretty and stops in order on Ctrl-C.
 */
import * as path from 'node:path';
import pino from 'pino';
import { startEmulator } from '@tributary/emulator';
import { banner } from './banner';

async function main(): Promise<void> {
  const port = Number(process.env['EMULATOR_PORT'] ?? 4566);
  const dataDir = path.resolve(process.env['TRIBUTARY_DATA_DIR'] ?? '.data', 'emulator');
  const logger = pino({
    level: process.env['LOG_LEVEL'] ?? 'info',
    transport: { target: 'pino-pretty', options: { colorize: process.stdout.isTTY, ignore: 'pid,hostname' } },
  });
  const log = logger.child({ app: 'kinesis-emulator' });
  let emulator;
  try {
    emulator = await startEmulator({ port, dataDir, logger: log });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${port} is in use (set EMULATOR_PORT to use another)` : e.message;
    process.stderr.write(`tributary: the kinesis-emulator failed to start: ${why}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(emulator.url, dataDir) + '\n');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping');
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
