/**
 * Workers in processes of their own (consumer-worker-process.ts) and what they report, for the integration specs
 * of the lease protocols: batches, acquisitions, losses and checkpoints, and the checks made of them (every
 * record seen; per shard, how long two workers handled it at once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const WORKER_SCRIPT = path.resolve(__dirname, 'consumer-worker-process.ts');
const TSX_CJS = require.resolve('tsx/cjs');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface FleetBatch {
  worker: string;
  shardId: string;
  t: number;
  recs: [string, number][];
}

export interface FleetWorker {
  id: string;
  proc: ChildProcess;
  held: Set<string>;
  ready: Promise<void>;
  exited: Promise<void>;
}

export class WorkerFleet {
  readonly workers: FleetWorker[] = [];
  readonly batches: FleetBatch[] = [];
  readonly acquisitions: Array<{ worker: string; shardId: string; t: number }> = [];
  readonly losses: Array<{ worker: string; shardId: string; reason: string; t: number }> = [];

  /** Starts a worker; `args` are consumer-worker-process's (clientOptions, streamName, applicationName, leaseProtocol, …). */
  start(id: string, args: object): FleetWorker {
    const proc = spawn(process.execPath, ['--require', TSX_CJS, WORKER_SCRIPT, JSON.stringify({ ...args, workerId: id })], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const worker: FleetWorker = { id, proc, held: new Set(), ready: Promise.resolve(), exited };
    worker.ready = new Promise<void>((resolve, reject) => {
      proc.once('exit', (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before it was ready: ${stderr}`)));
      readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: string; acquired?: string; lost?: string; reason?: string; batch?: string; t: number; recs?: [string, number][] };
        if (msg.ready) resolve();
        if (msg.acquired) {
          worker.held.add(msg.acquired);
          this.acquisitions.push({ worker: id, shardId: msg.acquired, t: msg.t });
        }
        if (msg.lost) {
          worker.held.delete(msg.lost);
          this.losses.push({ worker: id, shardId: msg.lost, reason: msg.reason ?? '', t: msg.t });
        }
        if (msg.batch) this.batches.push({ worker: id, shardId: msg.batch, t: msg.t, recs: msg.recs ?? [] });
      });
    });
    this.workers.push(worker);
    return worker;
  }

  /** Graceful stop (SIGTERM: final checkpoints, leases released), waiting for the process to end. */
  async stop(worker: FleetWorker): Promise<void> {
    worker.proc.kill('SIGTERM');
    await worker.exited;
  }

  killAll(): void {
    for (const w of this.workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  }

  /** The shards each worker handled batches of since `since` (ms epoch): who handles what now. */
  handledSince(since: number): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const b of this.batches) {
      if (b.t < since) continue;
      const set = out.get(b.worker) ?? new Set<string>();
      set.add(b.shardId);
      out.set(b.worker, set);
    }
    return out;
  }

  distinctRecords(): number {
    const keys = new Set<string>();
    for (const b of this.batches) for (const [k, n] of b.recs) keys.add(`${k}#${n}`);
    return keys.size;
  }

  deliveries(): number {
    return this.batches.reduce((n, b) => n + b.recs.length, 0);
  }

  /**
   * Per shard, the longest time two workers handled it at once. Each acquisition of a shard by a worker opens a
   * session that spans its batches until that worker's next acquisition of the shard; two sessions of different
   * workers overlap from the later first batch to the earlier last batch. Returns the worst, with where.
   */
  worstOverlap(): { ms: number; where: string } {
    const sessions: Array<{ worker: string; shardId: string; first: number; last: number }> = [];
    for (const acq of this.acquisitions) {
      const nextAcq = Math.min(
        ...this.acquisitions.filter((a) => a.worker === acq.worker && a.shardId === acq.shardId && a.t > acq.t).map((a) => a.t),
        Number.POSITIVE_INFINITY,
      );
      const times = this.batches.filter((b) => b.worker === acq.worker && b.shardId === acq.shardId && b.t >= acq.t && b.t < nextAcq).map((b) => b.t);
      if (times.length > 0) sessions.push({ worker: acq.worker, shardId: acq.shardId, first: Math.min(...times), last: Math.max(...times) });
    }
    let worst = { ms: 0, where: 'none' };
    for (const a of sessions) {
      for (const b of sessions) {
        if (a.shardId !== b.shardId || a.worker >= b.worker) continue;
        const ms = Math.min(a.last, b.last) - Math.max(a.first, b.first);
        if (ms > worst.ms) worst = { ms, where: `${a.shardId}: ${a.worker} [${a.first}, ${a.last}] and ${b.worker} [${b.first}, ${b.last}]` };
      }
    }
    return worst;
  }

}
