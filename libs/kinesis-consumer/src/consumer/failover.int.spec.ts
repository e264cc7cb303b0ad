/**
 * Three workers in processes of their own share a stream; one is killed with SIGKILL while records flow. Its
 * shards must resume on the others within the failover time (default settings: 3 s lease, 1 s taker), no record
 * may be lost, and duplicates are allowed only across an ownership change, of what the previous owner handled
 * after its last checkpoint (checkpointAfter 'batch', written at most every checkpointIntervalMs): a record delivered
 * again is a defect only when the worker that first delivered it had already written a checkpoint at or past it well
 * before the next owner took the lease (the next owner may be the same worker, taking back a lease it gave up).
 * (The rule used to be "first delivered at most 1 s before the takeover": on a loaded machine an owner starved of
 * CPU for seconds handles a batch, then finds its lease taken and its checkpoint refused, which is at-least-once
 * working as designed, not a duplicate beyond it.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { createActiveStream, uniqueStreamName, uniqueTableName } from '@tributary/emulator/testing';
import { CONSUMER_DEFAULTS } from '../defaults';
import { NumberedProducer, sleep, startConsumerTestEnv, waitFor, type ConsumerTestEnv } from '../testing/consumer-int-kit';

const WORKER_SCRIPT = path.resolve(__dirname, '../testing/consumer-worker-process.ts');
const TSX_CJS = require.resolve('tsx/cjs');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

interface Batch {
  worker: string;
  shardId: string;
  t: number;
  recs: [string, number][];
  /** Sequence number of the batch's last record. */
  last?: string;
}

interface CheckpointWritten {
  worker: string;
  shardId: string;
  t: number;
  seq: string;
}

interface Worker {
  id: string;
  proc: ChildProcess;
  held: Set<string>;
  ready: Promise<void>;
}

let env: ConsumerTestEnv;
const workers: Worker[] = [];
const batches: Batch[] = [];
const acquisitions: { worker: string; shardId: string; t: number }[] = [];
const checkpoints: CheckpointWritten[] = [];
/** Slack between a taker reading the lease (and its checkpoint) and its acquisition event. */
const TAKER_READ_SLACK_MS = 2_000;

beforeAll(async () => {
  env = await startConsumerTestEnv();
});
afterAll(async () => {
  for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  await env.close();
});

function startWorker(id: string, args: object): Worker {
  const proc = spawn(process.execPath, ['--require', TSX_CJS, WORKER_SCRIPT, JSON.stringify({ ...args, workerId: id })], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const worker: Worker = { id, proc, held: new Set(), ready: Promise.resolve() };
  worker.ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before it was ready: ${stderr}`)));
    readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: string; acquired?: string; batch?: string; checkpointed?: string; seq?: string; last?: string; t: number; recs?: [string, number][] };
      if (msg.ready) resolve();
      if (msg.acquired) {
        worker.held.add(msg.acquired);
        acquisitions.push({ worker: id, shardId: msg.acquired, t: msg.t });
      }
      if (msg.batch) batches.push({ worker: id, shardId: msg.batch, t: msg.t, recs: msg.recs ?? [], last: msg.last });
      if (msg.checkpointed && msg.seq) checkpoints.push({ worker: id, shardId: msg.checkpointed, t: msg.t, seq: msg.seq });
    });
  });
  workers.push(worker);
  return worker;
}

it('a worker killed with SIGKILL: its shards resume on the others within the failover time, nothing lost', async () => {
  const stream = uniqueStreamName('failover');
  await createActiveStream(env.kinesis, stream, 6);
  const app = uniqueTableName('app');
  const args = { clientOptions: env.clientOptions, streamName: stream, applicationName: app };
  const producer = new NumberedProducer(env, stream);
  let producing = true;
  const load = (async () => {
    while (producing) {
      await producer.put(60, 2);
      await sleep(30);
    }
  })();

  for (const id of ['w1', 'w2', 'w3']) await startWorker(id, args).ready;
  // Converged: every worker holds two shards (stealing toward an even share).
  await waitFor('an even share', () => workers.every((w) => w.held.size >= 2), 20_000, 50);
  const victim = workers[0];
  const lastHeld = new Set(acquisitions.filter((a) => a.worker === victim.id).map((a) => a.shardId));
  await sleep(500);
  const killedAt = Date.now();
  victim.proc.kill('SIGKILL');

  // Every shard of the victim is read again by another worker.
  await waitFor(
    'the victim shards to resume elsewhere',
    () => [...lastHeld].every((s) => batches.some((b) => b.shardId === s && b.worker !== victim.id && b.t > killedAt)),
    15_000,
    20,
  );
  const resumedAt = Math.max(...[...lastHeld].map((s) => Math.min(...batches.filter((b) => b.shardId === s && b.worker !== victim.id && b.t > killedAt).map((b) => b.t))));
  const failoverMs = resumedAt - killedAt;
  // Lease expiry (3 s) + one taker period (1 s) + the read: about 4 s (the issue's target, ≤ 5 s, is measured by
  // `npm run bench:consumer`). The bound here leaves room for a loaded CI machine, yet fails with KCL's timings
  // (10 s lease + 20 s taker) or when the takeover depends on anything but expiry.
  expect(failoverMs).toBeLessThanOrEqual(CONSUMER_DEFAULTS.failoverTimeMs + CONSUMER_DEFAULTS.takerIntervalMs + 4_000);

  producing = false;
  await load;
  await producer.close();

  const seen = new Map<string, Batch[]>();
  await waitFor(
    'every record',
    () => {
      let distinct = 0;
      const keys = new Set<string>();
      for (const b of batches) for (const [k, n] of b.recs) keys.add(`${k}#${n}`);
      distinct = keys.size;
      return distinct === producer.total();
    },
    15_000,
    50,
  );
  for (const b of batches) {
    for (const [k, n] of b.recs) {
      const id = `${k}#${n}`;
      const list = seen.get(id) ?? [];
      list.push(b);
      seen.set(id, list);
    }
  }
  // Duplicates only across an ownership change, and only of what the previous owner had not checkpointed when the
  // next owner read the lease: the victim's batches after its last checkpoint, or a shard's old owner's batches
  // whose checkpoint came too late (refused: the lease was gone) — KCL's "duplicates on every lease change".
  const checkpointedBefore = (worker: string, shardId: string, before: number, seq: string): boolean =>
    checkpoints.some((c) => c.worker === worker && c.shardId === shardId && c.t < before && BigInt(c.seq) >= BigInt(seq));
  const badDuplicates: string[] = [];
  let duplicates = 0;
  for (const [id, list] of seen) {
    if (list.length === 1) continue;
    duplicates += list.length - 1;
    const bad = list.slice(1).some((again, i) => {
      const first = list[i];
      const takeover = acquisitions.filter((a) => a.shardId === again.shardId && a.worker === again.worker && a.t <= again.t).pop();
      if (takeover === undefined || first.last === undefined) return true;
      // The same worker again is a defect unless it lost the lease and took it back in between (a worker that
      // fenced itself on a starved machine resumes from its last checkpoint like any new owner).
      if (first.worker === again.worker && takeover.t <= first.t) return true;
      return checkpointedBefore(first.worker, first.shardId, takeover.t - TAKER_READ_SLACK_MS, first.last);
    });
    if (bad && badDuplicates.length < 10) badDuplicates.push(`${id}: ${list.map((b) => `${b.worker}/${b.shardId}@${b.t - killedAt}`).join(', ')}`);
  }
  expect(badDuplicates).toEqual([]);
  console.log(`failover after SIGKILL: ${failoverMs} ms; ${duplicates} duplicate deliveries of ${producer.total()} records`);
  // Three worker processes start one after the other (tsx compiles each): 15–20 s apiece on a loaded machine.
}, 120_000);
