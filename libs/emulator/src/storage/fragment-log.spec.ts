import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeFragmentFrame, encodeFragmentFrame, fragmentFrameSize, type FragmentRecord } from './fragment-frame-codec';
import { segmentFiles, tempDirsRemovedAfterEach } from '../testing/temp-dirs';
import { FileSegmentBackend, MemorySegmentBackend, type SegmentBackend } from './segment-backend';
import { FragmentLog, type FragmentLogOptions } from './fragment-log';

const T0 = Date.UTC(2024, 0, 1);
const HEADER = Buffer.from('header-bytes');

/** Fragment `i`: 1 s apart, number 1000 + 7i, a 200-byte cluster and 10 bytes of tags. */
const frag = (i: number, serverTimestampMs = T0 + i * 1000): FragmentRecord => ({
  fragmentNumber: (1n << 156n) + BigInt(1000 + 7 * i),
  serverTimestampMs,
  producerTimestampMs: serverTimestampMs - 50,
  durationMs: 966,
  header: HEADER,
  cluster: Buffer.alloc(200, i % 256),
  tags: Buffer.alloc(10, 0xee),
});
const FRAME = fragmentFrameSize(frag(0));

const tempDir = tempDirsRemovedAfterEach('tributary-fragment-log-');function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

describe('fragment frame codec', () => {
  it('encodes and decodes every field, with views for the parts', () => {
    const record = frag(3);
    const bytes = encodeFragmentFrame(record);
    expect(bytes.length).toBe(FRAME);
    expect(bytes.readUInt32BE(0)).toBe(FRAME - 4);
    const r = decodeFragmentFrame(bytes, 0);
    expect(r.kind).toBe('frame');
    if (r.kind !== 'frame') return;
    expect(r.frame).toMatchObject({
      fragmentNumber: record.fragmentNumber,
      serverTimestampMs: record.serverTimestampMs,
      producerTimestampMs: record.producerTimestampMs,
      durationMs: 966,
      frameBytes: FRAME,
    });
    expect(Buffer.from(r.frame.header)).toEqual(HEADER);
    expect(Buffer.from(r.frame.cluster)).toEqual(record.cluster);
    expect(Buffer.from(r.frame.tags)).toEqual(record.tags);
    expect(r.frame.cluster.buffer).toBe(bytes.buffer);
  });

  it('tells a short frame (need more, with its size) from a corrupt one', () => {
    const bytes = encodeFragmentFrame(frag(0));
    expect(decodeFragmentFrame(bytes.subarray(0, 3), 0)).toEqual({ kind: 'need-more' });
    expect(decodeFragmentFrame(bytes.subarray(0, 100), 0)).toEqual({ kind: 'need-more', frameBytes: FRAME });
    const flipped = Buffer.from(bytes);
    flipped[FRAME - 1] ^= 1;
    expect(decodeFragmentFrame(flipped, 0)).toEqual({ kind: 'corrupt', reason: 'CRC mismatch' });
    expect(decodeFragmentFrame(Buffer.alloc(8), 0).kind).toBe('corrupt');
  });

  it('refuses numbers wider than 160 bits', () => {
    expect(() => encodeFragmentFrame({ ...frag(0), fragmentNumber: 1n << 160n })).toThrow(RangeError);
  });
});

const backends: Array<[string, () => SegmentBackend]> = [
  ['FileSegmentBackend', () => new FileSegmentBackend(path.join(tempDir(), 'stream'))],
  ['MemorySegmentBackend', () => new MemorySegmentBackend()],
];

describe.each(backends)('FragmentLog on %s', (_name, makeBackend) => {
  const open = (options: FragmentLogOptions = {}): FragmentLog => new FragmentLog(makeBackend(), options);

  it('appends in order, indexes every field and reads a fragment back in one piece', () => {
    const log = open();
    expect(log.length).toBe(0);
    expect(log.last).toBeUndefined();
    const entries = [0, 1, 2].map((i) => log.append(frag(i)));
    expect(log.length).toBe(3);
    expect(entries.map((e) => e.ordinal)).toEqual([0, 1, 2]);
    expect(entries[1]).toEqual({
      ordinal: 1,
      fragmentNumber: frag(1).fragmentNumber,
      fragmentNumberText: frag(1).fragmentNumber.toString(),
      serverTimestampMs: T0 + 1000,
      producerTimestampMs: T0 + 950,
      durationMs: 966,
      sizeBytes: 210,
    });
    const read = log.read(entries[2]);
    expect(Buffer.from(read.cluster)).toEqual(frag(2).cluster);
    expect(log.find(frag(1).fragmentNumber.toString())?.ordinal).toBe(1);
    expect(log.find(`000${frag(1).fragmentNumber}`)?.ordinal).toBe(1);
    expect(log.find('12')).toBeUndefined();
    expect(log.entries().map((e) => e.ordinal)).toEqual([0, 1, 2]);
  });

  it('refuses a fragment number that does not increase', () => {
    const log = open();
    log.append(frag(1));
    expect(() => log.append(frag(0))).toThrow(RangeError);
    expect(log.length).toBe(1);
  });

  it('finds the first fragment at or after a server time', () => {
    const log = open();
    for (let i = 0; i < 5; i++) log.append(frag(i));
    expect(log.ordinalAtOrAfterServerTime(T0 - 1)).toBe(0);
    expect(log.ordinalAtOrAfterServerTime(T0 + 1000)).toBe(1);
    expect(log.ordinalAtOrAfterServerTime(T0 + 1001)).toBe(2);
    expect(log.ordinalAtOrAfterServerTime(T0 + 99_000)).toBe(5);
  });

  it('trims before a cutoff: hides older fragments and deletes whole segments only', () => {
    const log = open({ segmentBytes: FRAME * 2 });
    for (let i = 0; i < 7; i++) log.append(frag(i));
    log.trimBefore(T0 + 3000);
    expect(log.firstOrdinal).toBe(3);
    expect(log.entry(2)).toBeUndefined();
    expect(log.find(frag(2).fragmentNumber.toString())).toBeUndefined();
    expect(log.entries().map((e) => e.ordinal)).toEqual([3, 4, 5, 6]);
    expect(Buffer.from(log.read(must(log.entry(3))).cluster)).toEqual(frag(3).cluster);
    log.trimBefore(T0); // never moves back
    expect(log.firstOrdinal).toBe(3);
    log.trimBefore(T0 + 99_000);
    expect(log.last).toBeUndefined();
    expect(log.length).toBe(7);
    log.append(frag(7));
    expect(log.entries().map((e) => e.ordinal)).toEqual([7]);
  });

  it('notifies onAppend listeners until they unsubscribe', () => {
    const log = open();
    const seen: number[] = [];
    const off = log.onAppend((e) => seen.push(e.ordinal));
    log.append(frag(0));
    off();
    log.append(frag(1));
    expect(seen).toEqual([0]);
  });
});

describe('FragmentLog recovery', () => {
  it('rebuilds the index from the files after reopening, across segments', () => {
    const dir = path.join(tempDir(), 'stream');
    const log = new FragmentLog(new FileSegmentBackend(dir), { segmentBytes: FRAME * 2 });
    for (let i = 0; i < 5; i++) log.append(frag(i));
    log.close();
    expect(segmentFiles(dir)).toHaveLength(3);
    const again = new FragmentLog(new FileSegmentBackend(dir), { segmentBytes: FRAME * 2 });
    expect(again.length).toBe(5);
    expect(again.entries().map((e) => e.fragmentNumber)).toEqual([0, 1, 2, 3, 4].map((i) => frag(i).fragmentNumber));
    expect(Buffer.from(again.read(must(again.entry(4))).cluster)).toEqual(frag(4).cluster);
    again.append(frag(5));
    expect(again.length).toBe(6);
    again.close();
  });

  it('reopens at the first kept segment after a trim', () => {
    const dir = path.join(tempDir(), 'stream');
    const log = new FragmentLog(new FileSegmentBackend(dir), { segmentBytes: FRAME * 2 });
    for (let i = 0; i < 6; i++) log.append(frag(i));
    log.trimBefore(T0 + 4000);
    log.close();
    expect(segmentFiles(dir)).toHaveLength(1);
    const again = new FragmentLog(new FileSegmentBackend(dir));
    expect(again.firstOrdinal).toBe(4);
    expect(again.length).toBe(6);
    again.close();
  });

  it.each([
    ['a torn tail (half a frame)', 2, (file: string) => fs.truncateSync(file, fs.statSync(file).size - 30)],
    ['a corrupt last frame', 2, (file: string) => {
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.from([0xff]), 0, 1, fs.statSync(file).size - 5);
      fs.closeSync(fd);
    }],
    ['zeros after the last frame (preallocated space)', 3, (file: string) => fs.appendFileSync(file, Buffer.alloc(100))],
  ])('cuts %s off and goes on appending after the last good frame', (_what, kept, damage) => {
    const dir = path.join(tempDir(), 'stream');
    const warnings: string[] = [];
    const log = new FragmentLog(new FileSegmentBackend(dir));
    for (let i = 0; i < 3; i++) log.append(frag(i));
    log.close();
    const file = path.join(dir, segmentFiles(dir)[0]);
    const goodSize = fs.statSync(file).size;
    damage(file);
    const again = new FragmentLog(new FileSegmentBackend(dir), { onWarning: (m) => warnings.push(m) });
    expect(again.length).toBe(kept);
    expect(warnings[0]).toMatch(/truncating \d+ bytes of torn tail/);
    expect(fs.statSync(file).size).toBe(kept === 3 ? goodSize : FRAME * 2);
    again.append(frag(3));
    again.close();
    const third = new FragmentLog(new FileSegmentBackend(dir));
    expect(third.length).toBe(kept + 1);
    expect(third.last?.fragmentNumber).toBe(frag(3).fragmentNumber);
    third.close();
  });

  it('drops segments that do not follow on, and removes its files on destroy', () => {
    const dir = path.join(tempDir(), 'stream');
    const log = new FragmentLog(new FileSegmentBackend(dir), { segmentBytes: FRAME });
    for (let i = 0; i < 3; i++) log.append(frag(i));
    log.close();
    fs.rmSync(path.join(dir, segmentFiles(dir)[1]));
    const warnings: string[] = [];
    const again = new FragmentLog(new FileSegmentBackend(dir), { onWarning: (m) => warnings.push(m) });
    expect(again.length).toBe(1);
    expect(warnings.join()).toMatch(/does not follow/);
    again.destroy();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
