/**
 * The emulator (Kinesis + DynamoDB for the lease tables, one port) in a process of its own for the consumer
 * bench, with AWS's limits on or off — bench-server.ts always turns them off, and the consumer's latency and
 * failover figures are wanted with them on. Started by consumer-bench.ts as
 *
 *   node --import tsx tools/bench/src/consumer-bench-server.ts limits-on|limits-off
 *
 * it prints `{"port":N}` once it listens on 127.0.0.1, and exits cleanly (so `--cpu-prof` writes its profile) on
 * SIGTERM, SIGINT or when its stdin closes (the parent died). In memory; the fsync policy is irrelevant there.
 */
import { startEmulator } from '@tributary/emulator';

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'limits-on' && mode !== 'limits-off') throw new Error(`expected limits-on or limits-off, got ${mode}`);
  const emu = await startEmulator({ port: 0, limits: mode === 'limits-on' });
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    emu
      .close()
      .catch((err: unknown) => console.error('consumer bench server: close failed', err))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ port: emu.port }) + '\n');
}

main().catch((err: unknown) => {
  console.error('consumer bench server failed to start:', err);
  process.exit(1);
});
