/**
 * The emulator in a process of its own, for tests that must kill it (durability after `kill -9`).
 *
 * Run: `node --require tsx/cjs emulator-child.ts '<EmulatorOptions as JSON>'`. Prints one JSON line,
 * `{"url":…,"port":…,"pid":…}`, on stdout once it listens; closes cleanly on SIGTERM/SIGINT. The emulator is
 * imported by relative path so that no tsconfig path alias is needed at run time.
 */
import { startEmulator, type EmulatorOptions } from '../emulator';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
  const emu = await startEmulator({ port: 0, ...options });
  const stop = (): void => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: emu.url, port: emu.port, pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
