/**
 * A FileSink in a process of its own, for tests that kill a writer with SIGKILL and restart or keep other workers.
 *
 * Run: `node --require tsx/cjs file-sink-worker-process.ts '<WorkerArgs as JSON>'` (cwd = the repository root).
 * Prints JSON lines on stdout:
 * - mode `write`: `{"acked":k}` once the k-th batch's write() resolved (the point where the consumer would
 *   checkpoint it), then keeps writing until killed. Batch k holds lines `{"w":<worker>,"b":k,"i":i}`, one per
 *   partition (hour) in turn, so `partitions` files are open at once.
 * - mode `start`: `{"recovered":n}` after `start()` (the orphan sweep a restarting worker does), then exits 0.
 * - mode `serve`: `{"ready":true}` after `start()`, `{"committed":…}` per file it publishes (its sweeps run every
 *   sweepIntervalMs); SIGTERM closes it and exits 0.
 */
import { FileSink } from '../sinks/file-sink';

interface WorkerArgs {
  mode: 'write' | 'start' | 'serve';
  root: string;
  workerId: string;
  maxFileAgeMs: number;
  orphanGraceMs: number;
  sweepIntervalMs: number;
  /** write: records per batch, and hour partitions they are spread over (files open at once). */
  batchSize?: number;
  partitions?: number;
}

const out = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const HOUR = 3_600_000;
const FIRST_HOUR = Date.UTC(2025, 5, 1, 0, 0, 0);

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
  const partitions = args.partitions ?? 1;
  const sink = new FileSink({
    root: args.root,
    prefix: 'telemetry',
    name: 'telemetry',
    workerId: args.workerId,
    maxFileAgeMs: args.maxFileAgeMs,
    orphanGraceMs: args.orphanGraceMs,
    sweepIntervalMs: args.sweepIntervalMs,
    maxOpenFiles: Math.max(4, partitions),
    onCommitted: (file) => out({ committed: { path: file.path, records: file.records, reason: file.reason } }),
  });
  if (args.mode === 'start') {
    const { recovered } = await sink.start();
    out({ recovered });
    await sink.close();
    return;
  }
  if (args.mode === 'serve') {
    process.once('SIGTERM', () => {
      sink.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    await sink.start();
    // The sink's timers are unref'd (in the app the HTTP listener keeps the process up); this keeps it.
    setInterval(() => undefined, 60_000);
    out({ ready: true });
    return;
  }
  const batchSize = args.batchSize ?? 50;
  for (let b = 0; ; b++) {
    const records = Array.from({ length: batchSize }, (_, i) => ({ at: FIRST_HOUR + ((b * batchSize + i) % partitions) * HOUR, line: JSON.stringify({ w: args.workerId, b, i }) }));
    await sink.write(records);
    out({ acked: b });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`file-sink-worker-process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
