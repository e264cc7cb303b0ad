/**
 * The durable buffer's files in a temporary directory: append, read back in order, acknowledge, delete, survive a
 * restart (a torn tail cut off), and keep to its byte and age bounds by dropping the oldest, counted.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger } from '@tributary/runtime';
import { FakeTimers } from '@tributary/runtime/testing';
import { DurableBufferStore, type BufferDropReason, type DurableBufferStoreOptions } from './durable-buffer-store';
import { encodeSpillFrame, type SpilledRecord } from './spill-frame-codec';

let dir: string;
let timers: FakeTimers;
let drops: Array<[number, BufferDropReason]>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-buffer-spec-'));
  timers = new FakeTimers();
  drops = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (o: Partial<DurableBufferStoreOptions> = {}) =>
  new DurableBufferStore({ dir, maxBytes: 1_000_000, maxAgeMs: 60_000, fsync: false, clock: timers, logger: noopLogger, onDrop: (n, r) => void drops.push([n, r]), ...o });
const rec = (seq: number, size = 10): SpilledRecord => ({ seq, putAt: timers.now(), partitionKey: `k${seq % 3}`, data: Buffer.alloc(size, seq % 251) });
const seqs = (rs: SpilledRecord[]) => rs.map((r) => r.seq);
const segments = () => readdirSync(dir).filter((n) => n.endsWith('.seg'));

describe('DurableBufferStore', () => {
  it('reads records back in append order, and deletes a segment once all of it is acknowledged', async () => {
    const store = open({ segmentBytes: 200 });
    for (let i = 1; i <= 20; i++) await store.append([rec(i)]);
    expect(store.pending).toBe(20);
    expect(segments().length).toBeGreaterThan(2);
    expect(seqs(await store.peek(5))).toEqual([1, 2, 3, 4, 5]);
    await store.ack(new Set([1, 2, 3, 5]));
    // 4 is not acknowledged: it comes first again.
    expect(seqs(await store.peek(3))).toEqual([4, 6, 7]);
    const before = segments().length;
    await store.ack(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
    expect(store.pending).toBe(0);
    expect(segments().length).toBeLessThan(before);
    expect(await store.peek(10)).toEqual([]);
    await store.close();
    expect(segments()).toEqual([]);
  });

  it('reads back by sequence number, not file order (a record that expired in memory is spilled after later ones)', async () => {
    const store = open({ segmentBytes: 100 });
    await store.append([rec(1), rec(4), rec(5)]);
    await store.append([rec(2), rec(6)]);
    await store.append([rec(3)]);
    expect(seqs(await store.peek(10))).toEqual([1, 2, 3, 4, 5, 6]);
    await store.ack(new Set([1, 2]));
    await store.close();
    const again = open();
    expect(seqs(await again.peek(10))).toEqual([3, 4, 5, 6]);
    await again.close();
  });

  it('a new store on the same directory replays what an earlier one left, numbering on after it', async () => {
    const first = open();
    await first.append([rec(1), rec(2), rec(3)]);
    await first.ack(new Set([1]));
    await first.close();
    const second = open();
    expect(second.pending).toBe(2);
    expect(second.maxSeq).toBe(3);
    const back = await second.peek(10);
    expect(seqs(back)).toEqual([2, 3]);
    expect(Buffer.from(back[0].data)).toEqual(Buffer.alloc(10, 2));
    await second.close();
  });

  it('without a clean close (a crash), records acknowledged in a partly acknowledged segment come back: at-least-once', async () => {
    const first = open();
    await first.append([rec(1), rec(2)]);
    await first.ack(new Set([1]));
    // No close(): the process died.
    const second = open();
    expect(seqs(await second.peek(10))).toEqual([1, 2]);
    await second.close();
    await first.close().catch(() => undefined);
  });

  it('cuts a torn tail on start: the records before it are kept, the half-written one is gone', async () => {
    const first = open();
    await first.append([rec(1), rec(2)]);
    await first.close();
    const [name] = segments();
    const whole = statSync(join(dir, name)).size;
    appendFileSync(join(dir, name), encodeSpillFrame(rec(3, 100)).subarray(0, 40));
    const second = open();
    expect(seqs(await second.peek(10))).toEqual([1, 2]);
    expect(statSync(join(dir, name)).size).toBe(whole);
    // Appends go on after the cut: the file is readable to the end.
    await second.append([rec(4)]);
    await second.close();
    const third = open();
    expect(seqs(await third.peek(10))).toEqual([1, 2, 4]);
    await third.close();
  });

  it('past maxBytes, the oldest segments are dropped to make room, and the drop is counted', async () => {
    const store = open({ maxBytes: 2_000, segmentBytes: 400 });
    for (let i = 1; i <= 100; i++) await store.append([rec(i, 50)]);
    expect(store.bytes).toBeLessThanOrEqual(2_000);
    const kept = seqs(await store.peek(1_000));
    // What is kept is the newest, contiguous, in order.
    expect(kept.at(-1)).toBe(100);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 100 - kept.length + 1 + i));
    const dropped = drops.reduce((s, [n]) => s + n, 0);
    expect(drops.every(([, r]) => r === 'max-bytes')).toBe(true);
    expect(dropped + kept.length).toBe(100);
    expect(store.stats().dropped['max-bytes']).toBe(dropped);
    await store.close();
  });

  it('records older than maxAgeMs are dropped instead of read back, counted', async () => {
    const store = open({ maxAgeMs: 1_000 });
    await store.append([rec(1), rec(2)]);
    timers.set(timers.now() + 600);
    await store.append([rec(3)]);
    timers.set(timers.now() + 600);
    expect(seqs(await store.peek(10))).toEqual([3]);
    expect(drops).toEqual([[2, 'max-age']]);
    expect(store.pending).toBe(1);
    await store.close();
  });
});
