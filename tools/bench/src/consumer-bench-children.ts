/**
 * The consumer bench's child processes, which talk in JSON lines (consumer-bench-protocol.ts): the consumer
 * workers (consumer-bench-worker.ts) and the producer (consumer-bench-producer.ts), and what their lines say.
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { spawnScript } from './bench-support';
import { onJsonLines, type ProducerInput, type ProducerMessage, type ProducerResult, type WorkerInput, type WorkerMessage } from './consumer-bench-protocol';

const WORKER_SCRIPT = path.join(__dirname, 'consumer-bench-worker.ts');
const PRODUCER_SCRIPT = path.join(__dirname, 'consumer-bench-producer.ts');

/** A child process whose stdout lines are JSON messages, kept in order; waits for one that answers a question. */
export class LineChild<M> {
  readonly messages: M[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;
  private exitedWith: string | undefined;

  constructor(
    readonly proc: ChildProcess,
    readonly label: string,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitedWith = String(signal ?? code);
        for (const w of this.waiters) w();
        resolve(code);
      }),
    );
    onJsonLines<M>(proc, (m) => {
      this.messages.push(m);
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** Resolves with `find()`'s first defined answer, looked at on every message; rejects on exit or timeout. */
  waitFor<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        let found: T | undefined;
        try {
          found = find();
        } catch (err) {
          finish();
          reject(err as Error);
          return;
        }
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.exitedWith !== undefined) {
          finish();
          reject(new Error(`${this.label} exited (${this.exitedWith}) while the bench waited for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  send(message: object): void {
    this.proc.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 35_000): Promise<void> {
    if (this.exitedWith !== undefined) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function startWorker(input: WorkerInput, profile: boolean): LineChild<WorkerMessage> {
  return new LineChild<WorkerMessage>(spawnScript(WORKER_SCRIPT, [JSON.stringify(input)], { profile, stdin: 'pipe' }), `worker ${input.workerId} (${input.mode})`);
}

export function startProducer(input: ProducerInput): LineChild<ProducerMessage> {
  return new LineChild<ProducerMessage>(spawnScript(PRODUCER_SCRIPT, [JSON.stringify(input)], { stdin: 'ignore' }), `producer (${input.mode})`);
}

const errorOf = (c: LineChild<WorkerMessage>): string | undefined => {
  const e = c.messages.find((m) => m.type === 'error');
  return e && e.type === 'error' ? e.message : undefined;
};

/** The worker's message of type `type`, or a thrown error if the worker reported one first. */
export function messageOf<T extends WorkerMessage['type']>(c: LineChild<WorkerMessage>, type: T): Extract<WorkerMessage, { type: T }> | undefined {
  const error = errorOf(c);
  if (error !== undefined) throw new Error(`${c.label} failed: ${error}`);
  return c.messages.find((m): m is Extract<WorkerMessage, { type: T }> => m.type === type);
}

/** Leases a worker holds now, from its acquired/lost lines. */
export function heldBy(c: LineChild<WorkerMessage>): Set<string> {
  const held = new Set<string>();
  for (const m of c.messages) {
    if (m.type === 'acquired') held.add(m.shardId);
    if (m.type === 'lost') held.delete(m.shardId);
  }
  return held;
}

export async function producerResult(p: LineChild<ProducerMessage>, timeoutMs: number): Promise<ProducerResult> {
  const m = await p.waitFor('its result', () => p.messages.find((x) => x.type === 'result'), timeoutMs);
  await p.exited;
  if (m.type !== 'result') throw new Error('unreachable');
  if (m.result.failed > 0 || m.result.acknowledged !== m.result.sent) throw new Error(`${p.label}: ${m.result.sent} sent, ${m.result.acknowledged} acknowledged, ${m.result.failed} failed`);
  return m.result;
}
