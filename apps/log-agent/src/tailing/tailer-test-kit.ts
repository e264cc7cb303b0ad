/**
 * Test helpers for the tailer specs: a stand-in for delivery that splits chunks into lines, announces one record
 * per line and acknowledges it (at once, or when told), and waits for conditions on real files. Spec-only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../checkpoint/checkpoint-store';
import { FileTailer, type FileTailerOptions } from './file-tailer';
import type { TailChunk, TailerEvent } from './tailer-types';
import { waitUntil } from '@tributary/runtime/testing';

export interface Delivered {
  file: string;
  path: string;
  line: string;
  start: number;
  end: number;
}

/** Delivery stand-in: one record per line; `autoAck` acknowledges each record as soon as it is announced. */
export class FakeDelivery {
  readonly lines: Delivered[] = [];
  readonly chunks: TailChunk[] = [];
  readonly events: TailerEvent[] = [];
  readonly done: string[] = [];
  autoAck = true;
  tailer!: FileTailer;
  private readonly unacked: Delivered[] = [];

  onChunk = (chunk: TailChunk): void => {
    this.chunks.push(chunk);
    let start = chunk.startOffset;
    let from = 0;
    for (;;) {
      const nl = chunk.chunk.indexOf(0x0a, from);
      const endIndex = nl < 0 ? chunk.chunk.length : nl + 1;
      if (endIndex === from) break;
      const line = chunk.chunk.subarray(from, nl < 0 ? endIndex : nl).toString('utf8');
      const rec = { file: chunk.file, path: chunk.path, line, start, end: start + (endIndex - from) };
      this.lines.push(rec);
      this.tailer.recordSent(chunk.file, rec.start, rec.end);
      if (this.autoAck) this.tailer.recordAcked(chunk.file, rec.start, rec.end);
      else this.unacked.push(rec);
      start = rec.end;
      from = endIndex;
      if (nl < 0) break;
    }
  };

  ackAll(): void {
    for (const rec of this.unacked.splice(0)) this.tailer.recordAcked(rec.file, rec.start, rec.end);
  }

  texts(): string[] {
    return this.lines.map((l) => l.line);
  }
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'log-agent-tail-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Polls `check` every 10 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return waitUntil(what, check, { timeoutMs, intervalMs: 10 });
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Numbered lines `prefix-<n>` for n in [from, to), each ending in '\n'. */
export function numberedLines(prefix: string, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${prefix}-${String(i).padStart(6, '0')} GET /index.html HTTP/1.1 200 2326\n`;
  return s;
}

/** A started tailer on `pattern` with a fresh delivery stand-in and fast intervals. */
export async function startTailer(
  store: CheckpointStore,
  pattern: string,
  options: Partial<FileTailerOptions> = {},
  delivery = new FakeDelivery(),
): Promise<{ tailer: FileTailer; delivery: FakeDelivery }> {
  const tailer = new FileTailer({
    flowId: 'flow-1',
    filePattern: pattern,
    initialPosition: 'START_OF_FILE',
    store,
    onChunk: delivery.onChunk,
    onFileDone: (file) => delivery.done.push(file),
    onEvent: (event) => delivery.events.push(event),
    pollIntervalMs: 50,
    safetyScanIntervalMs: 200,
    rotatedIdleMs: 100,
    checkpointIntervalMs: 50,
    ...options,
  });
  delivery.tailer = tailer;
  await tailer.start();
  return { tailer, delivery };
}
