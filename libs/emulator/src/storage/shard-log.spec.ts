import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeFrames, frameSize, type RecordInput } from './record-frame-codec';
import { segmentFiles, tempDirsRemovedAfterEach } from '../testing/temp-dirs';
import { FileSegmentBackend, MemorySegmentBackend, type SegmentBackend } from './segment-backend';
import { ShardLog, type ShardLogOptions, type StoredRecord } from './shard-log';

/** Records with one-byte keys and 100-byte data: every frame is 18 + 1 + 100 = 119 bytes. */
const FRAME = frameSize(1, 100);
const rec = (i: number, arrival = 1000 + i): RecordInput => ({
  partitionKey: String.fromCharCode(97 + (i % 26)),
  data: Buffer.alloc(100, i % 256),
  arrival,
});
const keyBytes = (records: readonly RecordInput[]): number[] => records.map((r) => Buffer.byteLength(r.partitionKey, 'utf8'));

function appendAll(log: ShardLog, records: RecordInput[]): number {
  return log.append(records, keyBytes(records));
}

/** Comparable view of what a read returned. */
const plain = (records: StoredRecord[]) =>
  records.map((r) => ({ ordinal: r.ordinal, arrival: r.arrival, partitionKey: r.partitionKey, data: Buffer.from(r.data) }));
const expected = (from: number, to: number, make = rec) =>
  Array.from({ length: to - from }, (_, k) => {
    const r = make(from + k);
    return { ordinal: from + k, arrival: r.arrival, partitionKey: r.partitionKey, data: Buffer.from(r.data) };
  });

const tempDir = tempDirsRemovedAfterEach('tributary-shard-log-');

const backends: Array<[string, () => SegmentBackend]> = [
  ['FileSegmentBackend', () => new FileSegmentBackend(path.join(tempDir(), 'shard'))],
  ['MemorySegmentBackend', () => new MemorySegmentBackend()],
];

describe.each(backends)('ShardLog on %s', (_name, makeBackend) => {
  const open = (options: ShardLogOptions = {}): ShardLog => new ShardLog(makeBackend(), options);

  it('appends in order and reads back what was written', () => {
    const log = open();
    expect(log.length).toBe(0);
    expect(log.lastArrival).toBeUndefined();
    expect(appendAll(log, [rec(0), rec(1), rec(2)])).toBe(0);
    expect(appendAll(log, [rec(3)])).toBe(3);
    expect(appendAll(log, [])).toBe(4);
    expect(log.length).toBe(4);
    expect(log.trimHorizon).toBe(0);
    expect(log.lastArrival).toBe(1003);
    expect(log.arrivalOf(2)).toBe(1002);
    expect(plain(log.read(0, 100, 1 << 20))).toEqual(expected(0, 4));
    expect(plain(log.read(2, 100, 1 << 20))).toEqual(expected(2, 4));
    expect(log.read(4, 100, 1 << 20)).toEqual([]);
    log.close();
  });

  it('keeps UTF-8 partition keys and empty data', () => {
    const log = open();
    const records: RecordInput[] = [
      { partitionKey: 'ключ', data: Buffer.alloc(0), arrival: 1 },
      { partitionKey: '🔑'.repeat(3), data: Buffer.from('x'), arrival: 2 },
    ];
    appendAll(log, records);
    expect(log.read(0, 10, 1 << 20).map((r) => [r.partitionKey, Buffer.from(r.data).toString()])).toEqual([
      ['ключ', ''],
      ['🔑🔑🔑', 'x'],
    ]);
    log.close();
  });

  it('stops at maxCount', () => {
    const log = open();
    appendAll(log, Array.from({ length: 10 }, (_, i) => rec(i)));
    expect(plain(log.read(0, 3, 1 << 20))).toEqual(expected(0, 3));
    expect(plain(log.read(8, 3, 1 << 20))).toEqual(expected(8, 10));
    expect(log.read(0, 1, 1 << 20).map((r) => r.ordinal)).toEqual([0]);
    log.close();
  });

  it('stops at maxBytes (frame bytes), but always returns the first record', () => {
    // Regression: a budget that was not used up but too small for the next frame (3 frames - 1 byte) made read()
    // loop forever, which hung GetRecords and SubscribeToShard on shards holding more than one response's bytes.
    const log = open();
    appendAll(log, Array.from({ length: 10 }, (_, i) => rec(i)));
    expect(log.read(0, 100, 2 * FRAME).map((r) => r.ordinal)).toEqual([0, 1]);
    expect(log.read(0, 100, 3 * FRAME - 1).map((r) => r.ordinal)).toEqual([0, 1]);
    expect(log.read(4, 100, 3 * FRAME).map((r) => r.ordinal)).toEqual([4, 5, 6]);
    expect(log.read(5, 100, 1).map((r) => r.ordinal)).toEqual([5]);
    log.close();
  });

  it('rolls segments at segmentBytes and reads across their boundaries', () => {
    // Batches of two frames (238 bytes): a segment is full once it holds 300 bytes, so each holds two batches.
    const log = open({ segmentBytes: 300 });
    for (let b = 0; b < 5; b++) appendAll(log, [rec(2 * b), rec(2 * b + 1)]);
    expect(log.length).toBe(10);
    expect(plain(log.read(0, 100, 1 << 20))).toEqual(expected(0, 10));
    expect(plain(log.read(3, 4, 1 << 20))).toEqual(expected(3, 7));
    // The byte budget is carried across segments.
    expect(log.read(2, 100, 5 * FRAME).map((r) => r.ordinal)).toEqual([2, 3, 4, 5, 6]);
    expect(log.read(3, 100, 2 * FRAME).map((r) => r.ordinal)).toEqual([3, 4]);
    log.close();
  });

  it('finds the first ordinal at or after a timestamp (ordinalAtOrAfter)', () => {
    const log = open();
    expect(log.ordinalAtOrAfter(0)).toBe(0);
    appendAll(log, [rec(0, 100), rec(1, 100), rec(2, 200), rec(3, 300)]);
    expect([50, 100, 101, 200, 250, 300, 301].map((t) => log.ordinalAtOrAfter(t))).toEqual([0, 0, 2, 2, 3, 3, 4]);
    log.close();
  });

  it('trims before a cutoff: hides older records and deletes only whole segments', () => {
    const log = open({ segmentBytes: 300 });
    const at = (i: number): RecordInput => rec(i, 1000 + 10 * i);
    for (let b = 0; b < 4; b++) appendAll(log, [at(2 * b), at(2 * b + 1)]);
    // Segments: [0..3] [4..7]. Cutoff 1025 hides ordinals 0-2: no segment is wholly expired yet.
    log.trimBefore(1025);
    expect(log.trimHorizon).toBe(3);
    expect(plain(log.read(0, 100, 1 << 20))).toEqual(expected(3, 8, at));
    expect(log.ordinalAtOrAfter(0)).toBe(3);
    // Trimming never moves backwards.
    log.trimBefore(0);
    expect(log.trimHorizon).toBe(3);
    log.trimBefore(1045);
    expect(log.trimHorizon).toBe(5);
    expect(plain(log.read(0, 100, 1 << 20))).toEqual(expected(5, 8, at));
    expect(log.arrivalOf(5)).toBe(1050);
    // New records still append after the tip, and everything can expire.
    appendAll(log, [at(8)]);
    expect(plain(log.read(6, 100, 1 << 20))).toEqual(expected(6, 9, at));
    log.trimBefore(10_000);
    expect(log.trimHorizon).toBe(9);
    expect(log.read(0, 100, 1 << 20)).toEqual([]);
    expect(log.length).toBe(9);
    log.close();
  });

  it('keeps the index right after many appends and trims (index columns grow and drop their head)', () => {
    const log = open({ segmentBytes: 10 * FRAME });
    let n = 0;
    for (let round = 0; round < 30; round++) {
      appendAll(log, Array.from({ length: 100 }, () => rec(n, n++)));
      log.trimBefore(n - 150);
    }
    expect(log.length).toBe(3000);
    expect(log.trimHorizon).toBe(2850);
    expect(plain(log.read(0, 1000, 1 << 30))).toEqual(expected(2850, 3000, (i) => rec(i, i)));
    expect(log.ordinalAtOrAfter(2900)).toBe(2900);
    log.close();
  });

  it('notifies onAppend listeners until they unsubscribe', () => {
    const log = open();
    const calls: number[] = [];
    const off = log.onAppend(() => calls.push(log.length));
    appendAll(log, [rec(0), rec(1)]);
    appendAll(log, [rec(2)]);
    off();
    appendAll(log, [rec(3)]);
    expect(calls).toEqual([2, 3]);
    log.close();
  });
});

describe('ShardLog recovery (FileSegmentBackend)', () => {
  const reopen = (dir: string, options: ShardLogOptions = {}): ShardLog => new ShardLog(new FileSegmentBackend(dir), options);

  it('rebuilds the index from the segment files after reopening the same dir', () => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir, { segmentBytes: 300 });
    for (let b = 0; b < 5; b++) appendAll(log, [rec(2 * b), rec(2 * b + 1)]);
    log.close();
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.seg', '00000000000000000004.seg', '00000000000000000008.seg']);

    const warnings: string[] = [];
    const again = reopen(dir, { segmentBytes: 300, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(again.length).toBe(10);
    expect(again.trimHorizon).toBe(0);
    expect(again.lastArrival).toBe(1009);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(0, 10));
    expect(again.ordinalAtOrAfter(1005)).toBe(5);
    expect(appendAll(again, [rec(10)])).toBe(10);
    again.close();
    expect(plain(reopen(dir).read(0, 100, 1 << 20))).toEqual(expected(0, 11));
  });

  it('after a trim, reopens at the first kept segment', () => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir, { segmentBytes: 300 });
    for (let b = 0; b < 4; b++) appendAll(log, [rec(2 * b), rec(2 * b + 1)]);
    log.trimBefore(1005);
    expect(segmentFiles(dir)).toEqual(['00000000000000000004.seg']);
    log.close();
    const again = reopen(dir, { segmentBytes: 300 });
    // Trimming is persisted per segment: ordinal 4 is the first kept one.
    expect(again.trimHorizon).toBe(4);
    expect(again.length).toBe(8);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(4, 8));
    expect(appendAll(again, [rec(8)])).toBe(8);
    expect(plain(again.read(7, 100, 1 << 20))).toEqual(expected(7, 9));
    again.close();
  });

  it.each([
    ['a partial frame', (valid: Buffer) => valid.subarray(0, 30)],
    ['a partial length field', () => Buffer.from([0x00, 0x00])],
    ['garbage with a plausible length', () => Buffer.concat([Buffer.from([0, 0, 0, 40]), Buffer.alloc(40, 0xab)])],
    ['a frame with a bad CRC', (valid: Buffer) => Buffer.concat([valid.subarray(0, 4), Buffer.from([0, 0, 0, 0]), valid.subarray(8)])],
  ])('truncates a torn tail (%s), keeps the acknowledged records and continues appending', (_label, tail) => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir, { segmentBytes: 300 });
    for (let b = 0; b < 3; b++) appendAll(log, [rec(2 * b), rec(2 * b + 1)]);
    log.close();
    const files = segmentFiles(dir);
    const last = path.join(dir, files[files.length - 1]);
    const goodSize = fs.statSync(last).size;
    fs.appendFileSync(last, tail(encodeFrames([rec(6)], keyBytes([rec(6)]))));

    const warnings: string[] = [];
    const again = reopen(dir, { segmentBytes: 300, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^truncating \d+ bytes of torn tail \((need-more|corrupt)\) in segment 4$/);
    expect(fs.statSync(last).size).toBe(goodSize);
    expect(again.length).toBe(6);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(0, 6));

    expect(appendAll(again, [rec(6), rec(7)])).toBe(6);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(0, 8));
    again.close();
    const third = reopen(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(plain(third.read(0, 100, 1 << 20))).toEqual(expected(0, 8));
    third.close();
  });

  it('cuts at the first corrupt frame inside the last segment, dropping what follows it', () => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir);
    appendAll(log, [rec(0), rec(1), rec(2), rec(3)]);
    log.close();
    const file = path.join(dir, segmentFiles(dir)[0]);
    const bytes = fs.readFileSync(file);
    bytes[2 * FRAME + 50] ^= 0xff; // inside record 2's data
    fs.writeFileSync(file, bytes);
    const again = reopen(dir);
    expect(again.length).toBe(2);
    expect(fs.statSync(file).size).toBe(2 * FRAME);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(0, 2));
    again.close();
  });

  it('drops segments that do not follow on (a missing middle segment)', () => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir, { segmentBytes: 300 });
    for (let b = 0; b < 5; b++) appendAll(log, [rec(2 * b), rec(2 * b + 1)]);
    log.close();
    fs.rmSync(path.join(dir, '00000000000000000004.seg'));
    const warnings: string[] = [];
    const again = reopen(dir, { segmentBytes: 300, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['segment starting at 8 does not follow ordinal 4; dropped']);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.seg']);
    expect(again.length).toBe(4);
    expect(appendAll(again, [rec(4)])).toBe(4);
    expect(plain(again.read(0, 100, 1 << 20))).toEqual(expected(0, 5));
    again.close();
  });

  it('syncs every append under syncEveryAppend and removes its files on destroy', () => {
    const dir = path.join(tempDir(), 'shard');
    const log = reopen(dir, { syncEveryAppend: true });
    appendAll(log, [rec(0)]);
    expect(fs.statSync(path.join(dir, segmentFiles(dir)[0])).size).toBe(FRAME);
    log.destroy();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
