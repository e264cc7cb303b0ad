/**
 * One server under test, in its own process so that it gets its own core and the load generator another
 * (the bench machine has two). Started by the benches (startServerProcess in bench-support.ts) as
 *
 *   node --import tsx tools/bench/src/bench-server.ts emulator [dataDir]
 *   node --import tsx tools/bench/src/bench-server.ts emulator-aws-limits
 *   node --import tsx tools/bench/src/bench-server.ts kinesalite
 *
 * it prints one line, `{"port":N}`, once it listens on 127.0.0.1, and exits cleanly (so `--cpu-prof` can write
 * its profile) on SIGTERM, SIGINT or when its stdin closes (the parent died).
 */
import type { AddressInfo } from 'node:net';
import { startEmulator } from '@tributary/emulator';
import kinesalite from 'kinesalite';

type Stop = () => Promise<void>;

async function startServer(kind: string, dataDir: string | undefined): Promise<{ port: number; stop: Stop }> {
  if (kind === 'emulator' || kind === 'emulator-aws-limits') {
    // `emulator`: limits off (throughput benches measure the code, not AWS's quotas); `emulator-aws-limits`: AWS's
    // quotas on, for latency figures a user would see. The fsync policy stays the default (`interval`).
    const emu = await startEmulator({ port: 0, limits: kind === 'emulator-aws-limits', dataDir });
    return { port: emu.port, stop: () => emu.close() };
  }
  if (kind === 'kinesalite') {
    const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const stop: Stop = () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return { port: (server.address() as AddressInfo).port, stop };
  }
  throw new Error(`unknown server kind ${kind}; expected emulator, emulator-aws-limits or kinesalite`);
}

async function main(): Promise<void> {
  const [kind, dataDir] = process.argv.slice(2);
  const { port, stop } = await startServer(kind, dataDir);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    stop()
      .catch((err: unknown) => console.error('bench server: close failed', err))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ port }) + '\n');
}

main().catch((err: unknown) => {
  console.error('bench server failed to start:', err);
  process.exit(1);
});
