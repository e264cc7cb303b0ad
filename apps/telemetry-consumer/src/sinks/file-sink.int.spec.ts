/**
 * Regression (issue 12, items 1 and 2): a worker killed with SIGKILL in the middle of its files left hidden
 * `.inprogress` files whose records were already checkpointed. Two workers restarting together both salvaged them
 * under the same `<tmp>.salvage` name: one crashed (ENOENT on link) and records were published twice (5,100 for
 * 5,000); and with no restart, running workers never swept, so the records stayed hidden for 11+ minutes.
 *
 * Real processes and a real SIGKILL: a child writes through the real FileSink and reports each acknowledged batch;
 * after the kill, (a) two children start at once, or (b) a worker that was running all along sweeps. Every
 * acknowledged record must be published exactly once, in (b) within maxFileAgeMs + orphanGraceMs + sweepIntervalMs
 * (plus process scheduling slack) of the kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';

const TSX_CJS = require.resolve('tsx/cjs');
const WORKER_SCRIPT = path.join(__dirname, '..', 'testing', 'file-sink-worker-process.ts');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

const TIMING = { maxFileAgeMs: 1_000, orphanGraceMs: 300, sweepIntervalMs: 200 };
const BATCH = 20;

interface Worker {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

let root: string;
const workers: Worker[] = [];

beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'file-sink-int-'));
});
afterEach(async () => {
  for (const w of workers.splice(0)) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  await fsp.rm(root, { recursive: true, force: true });
});

function startWorker(args: Record<string, unknown>): Worker {
  const proc = spawn(process.execPath, ['--require', TSX_CJS, WORKER_SCRIPT, JSON.stringify({ root, ...TIMING, ...args })], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (!proc.stdout) throw new Error('no stdout pipe');
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const worker: Worker = {
    proc,
    lines,
    exited,
    waitFor: (pred, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${String(args.workerId)}: no matching line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const check = (): void => {
          const found = lines.find(pred);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      }),
  };
  workers.push(worker);
  return worker;
}

/** Kills a writer with SIGKILL once it has acknowledged `batches` batches; resolves with the acknowledged count. */
async function killWriterAfter(writer: Worker, batches: number): Promise<number> {
  await writer.waitFor((l) => typeof l.acked === 'number' && l.acked >= batches - 1);
  writer.proc.kill('SIGKILL');
  await writer.exited;
  return writer.lines.filter((l) => typeof l.acked === 'number').length;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** Every record line in the published files (`*.ndjson.gz`, not hidden), with repeats. */
async function publishedRecords(): Promise<string[]> {
  const files = (await walk(root)).filter((f) => f.endsWith('.ndjson.gz') && !path.basename(f).startsWith('.'));
  const out: string[] = [];
  for (const f of files) {
    const text = zlib.gunzipSync(await fsp.readFile(f)).toString('utf8');
    out.push(...text.split('\n').filter((l) => l !== ''));
  }
  return out;
}

const hiddenFiles = async (): Promise<string[]> => (await walk(root)).filter((f) => path.basename(f).startsWith('.')).map((f) => path.relative(root, f));

function expectExactlyOnce(published: string[], writer: string, ackedBatches: number): void {
  const counts = new Map<string, number>();
  for (const l of published) counts.set(l, (counts.get(l) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1);
  expect(repeated).toEqual([]);
  const missing: string[] = [];
  for (let b = 0; b < ackedBatches; b++) {
    for (let i = 0; i < BATCH; i++) {
      const l = JSON.stringify({ w: writer, b, i });
      if (!counts.has(l)) missing.push(l);
    }
  }
  expect(missing).toEqual([]);
}

describe('FileSink after a worker is killed with SIGKILL mid-file', () => {
  it('two workers restarting at once publish every acknowledged record exactly once, and both start', async () => {
    // 100 hour partitions: 100 files open, and orphaned, at the kill (the 100 planted files).
    const writer = startWorker({ mode: 'write', workerId: 'dead', batchSize: BATCH, partitions: 100, maxFileAgeMs: 60_000 });
    const acked = await killWriterAfter(writer, 30);
    expect((await hiddenFiles()).length).toBeGreaterThanOrEqual(20);
    // The restarted workers see the files as orphans once they are older than a live file can be (their settings).
    await new Promise((r) => setTimeout(r, TIMING.maxFileAgeMs + TIMING.orphanGraceMs + 100));

    const a = startWorker({ mode: 'start', workerId: 'a' });
    const b = startWorker({ mode: 'start', workerId: 'b' });
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    expectExactlyOnce(await publishedRecords(), 'dead', acked);
    expect(await hiddenFiles()).toEqual([]);
    const recovered = [a, b].map((w) => (w.lines.find((l) => 'recovered' in l)?.recovered as number) ?? 0);
    const orphans = (await walk(root)).filter((f) => f.endsWith('.ndjson.gz')).length;
    // Each orphan was published by exactly one of the two.
    expect(recovered[0] + recovered[1]).toBe(orphans);
  }, 30_000);

  it('a worker that keeps running sweeps the dead worker’s files within maxFileAgeMs + orphanGraceMs + sweepIntervalMs', async () => {
    const survivor = startWorker({ mode: 'serve', workerId: 'alive' });
    await survivor.waitFor((l) => l.ready === true);
    const writer = startWorker({ mode: 'write', workerId: 'dead', batchSize: BATCH, partitions: 3, maxFileAgeMs: 60_000 });
    const acked = await killWriterAfter(writer, 20);
    const killedAt = Date.now();
    expect((await hiddenFiles()).length).toBe(3);

    // Wait for the survivor's sweep to publish the three orphans.
    await survivor.waitFor(() => survivor.lines.filter((l) => l.committed !== undefined).length >= 3, 10_000);
    const publishedAfterMs = Date.now() - killedAt;
    // The writer created its files before the kill, so they are orphans by maxFileAgeMs + grace after the kill at
    // the latest; one sweep period more, and slack for two processes starting on a shared 2-core machine.
    expect(publishedAfterMs).toBeLessThan(TIMING.maxFileAgeMs + TIMING.orphanGraceMs + TIMING.sweepIntervalMs + 1_500);

    expectExactlyOnce(await publishedRecords(), 'dead', acked);
    expect(await hiddenFiles()).toEqual([]);
    survivor.proc.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
  }, 30_000);
});
