/**
 * The durable buffer's files: records the producer could not deliver, on disk in the order they were spilled,
 * until Kinesis acknowledges them. Modelled on the video-producer's fragment spool (apps/video-producer/src/spool):
 * bounded by bytes with the oldest dropped first, fsynced before a write counts, scanned on start so that what an
 * earlier run left behind is replayed first, `.tmp` + rename for every rewrite. Telemetry records are small, so
 * instead of a file per item they go to append-only segment files of frames (spill-frame-codec.ts):
 *
 *   <dir>/<segment number, 16 digits>.seg    frames, in spill order; the highest number is the one appended to
 *
 * - Records are read back in the order of their sequence numbers (the order put() accepted them), not in file
 *   order: a record that expires in the producer's memory is spilled after records of other devices accepted later
 *   straight into the buffer, and per-device order rests on replaying by sequence (durable-producer.ts).
 * - A segment is deleted once every record in it is acknowledged (or dropped).
 * - A torn tail (a crash inside a write) fails its length or CRC check on the next start and is cut off, counted.
 * - Bounds: `maxBytes` of segment files (the oldest whole segment is dropped to make room: segments are at most
 *   `segmentBytes`, an eighth of the bound by default, so a drop costs at most an eighth) and `maxAgeMs` (a record
 *   older than that is dropped instead of replayed). Every drop is counted and handed to `onDrop`.
 * - Acknowledgements are kept in memory. On close() a partly acknowledged segment is rewritten with only the
 *   records still pending, so a restart replays nothing twice; after a crash, records acknowledged in a segment not
 *   yet fully acknowledged are replayed again (at-least-once, as Kinesis itself: consumers dedupe by a sequence in
 *   the payload).
 */
import { mkdirSync, readdirSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialQueue, type Clock, type Logger } from '@tributary/runtime';
import { ProducerError } from '../errors';
import { decodeSpillSegment, decodeSpillFrame, encodeSpillFrame, type SpilledRecord } from './spill-frame-codec';

export type BufferDropReason = 'max-bytes' | 'max-age';

export interface DurableBufferStoreOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  /** fsync each append before it counts (default true: a power cut on a device keeps what was spilled). */
  fsync?: boolean;
  /** Roll to a new segment past this size (default: an eighth of maxBytes, at most 4 MiB). */
  segmentBytes?: number;
  clock: Clock;
  logger: Logger;
  onDrop?: (records: number, reason: BufferDropReason) => void;
}

interface Entry {
  seq: number;
  putAt: number;
  offset: number;
  length: number;
  done: boolean;
}

/** A pending record and where it is. */
interface Located {
  entry: Entry;
  segment: Segment;
}

interface Segment {
  id: number;
  path: string;
  bytes: number;
  entries: Entry[];
  pending: number;
  /** Index of the first entry that may still be pending (entries before it are done). */
  head: number;
}

const FILE_RE = /^(\d{16})\.seg$/;

export class DurableBufferStore {
  private readonly segments: Segment[] = [];
  /** Records by sequence number, from `orderHead` on (done ones are skipped, and cut off now and then). */
  private order: Located[] = [];
  private orderHead = 0;
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private totalBytes = 0;
  private pendingRecords = 0;
  private nextSegmentId = 1;
  private lastSeq = 0;
  private readonly fsync: boolean;
  private readonly segmentBytes: number;
  private readonly dropped = { 'max-bytes': 0, 'max-age': 0 };
  /** Appends and rewrites run one at a time, in call order. */
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(private readonly o: DurableBufferStoreOptions) {
    if (!(o.maxBytes > 0)) throw new ProducerError('INVALID_OPTION', `Invalid producer option buffer.maxBytes: must be positive, got ${o.maxBytes}.`, false);
    if (!(o.maxAgeMs > 0)) throw new ProducerError('INVALID_OPTION', `Invalid producer option buffer.maxAgeMs: must be positive, got ${o.maxAgeMs}.`, false);
    this.fsync = o.fsync ?? true;
    this.segmentBytes = o.segmentBytes ?? Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(o.maxBytes / 8)));
    mkdirSync(o.dir, { recursive: true });
    this.load();
  }

  /** Scans the directory (synchronously, once): segments of an earlier run become pending, torn tails are cut. */
  private load(): void {
    const names: { id: number; name: string }[] = [];
    for (const name of readdirSync(this.o.dir)) {
      if (name.endsWith('.tmp')) {
        unlinkSync(join(this.o.dir, name));
        continue;
      }
      const m = FILE_RE.exec(name);
      if (m) names.push({ id: Number(m[1]), name });
    }
    names.sort((a, b) => a.id - b.id);
    let torn = 0;
    for (const { id, name } of names) {
      const path = join(this.o.dir, name);
      const bytes = readFileSync(path);
      const decoded = decodeSpillSegment(bytes);
      if (decoded.tail !== 'clean') {
        torn++;
        truncateSync(path, decoded.validBytes);
        this.o.logger.warn({ segment: name, keptBytes: decoded.validBytes, cutBytes: bytes.length - decoded.validBytes, tail: decoded.tail }, 'durable buffer: a segment ended in a torn or damaged frame; cut it off');
      }
      this.nextSegmentId = Math.max(this.nextSegmentId, id + 1);
      if (decoded.records.length === 0) {
        unlinkSync(path);
        continue;
      }
      const segment: Segment = { id, path, bytes: decoded.validBytes, entries: [], pending: 0, head: 0 };
      let offset = 0;
      for (const r of decoded.records) {
        const length = frameLength(bytes, offset);
        segment.entries.push({ seq: r.seq, putAt: r.putAt, offset, length, done: false });
        offset += length;
        if (r.seq > this.lastSeq) this.lastSeq = r.seq;
      }
      segment.pending = segment.entries.length;
      for (const entry of segment.entries) this.order.push({ entry, segment });
      this.segments.push(segment);
      this.totalBytes += segment.bytes;
      this.pendingRecords += segment.pending;
    }
    this.order.sort((a, b) => a.entry.seq - b.entry.seq);
    if (this.pendingRecords > 0 || torn > 0) {
      this.o.logger.info({ dir: this.o.dir, records: this.pendingRecords, bytes: this.totalBytes, segments: this.segments.length, tornSegments: torn }, 'durable buffer: replaying records of an earlier run');
    }
  }

  /** The highest sequence number on disk (0 when empty): new records number on from it. */
  get maxSeq(): number {
    return this.lastSeq;
  }

  get pending(): number {
    return this.pendingRecords;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  stats(): { pendingRecords: number; bytes: number; segments: number; dropped: Record<BufferDropReason, number> } {
    return { pendingRecords: this.pendingRecords, bytes: this.totalBytes, segments: this.segments.length, dropped: { ...this.dropped } };
  }

  /** Appends records (in the order given) durably; resolves once they are written (and fsynced). */
  append(records: readonly SpilledRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.queue.run(() => this.doAppend(records));
  }

  private async doAppend(records: readonly SpilledRecord[]): Promise<void> {
    if (this.closed) throw new ProducerError('BUFFER_IO', 'The durable buffer is closed.', false);
    const frames = records.map(encodeSpillFrame);
    const size = frames.reduce((s, f) => s + f.length, 0);
    await this.makeRoom(size);
    if (!this.active || this.active.segment.bytes >= this.segmentBytes) await this.roll();
    const { segment, handle } = this.active as { segment: Segment; handle: FileHandle };
    try {
      await handle.writev(frames, segment.bytes);
      if (this.fsync) await handle.sync();
    } catch (err) {
      throw new ProducerError('BUFFER_IO', `Could not write to the durable buffer ${this.o.dir}: ${(err as Error).message}`, true, { cause: err });
    }
    let offset = segment.bytes;
    for (let i = 0; i < records.length; i++) {
      const entry: Entry = { seq: records[i].seq, putAt: records[i].putAt, offset, length: frames[i].length, done: false };
      segment.entries.push(entry);
      this.insertInOrder({ entry, segment });
      offset += frames[i].length;
      if (records[i].seq > this.lastSeq) this.lastSeq = records[i].seq;
    }
    segment.bytes = offset;
    segment.pending += records.length;
    this.totalBytes += size;
    this.pendingRecords += records.length;
  }

  private async roll(): Promise<void> {
    if (this.active) {
      const old = this.active;
      this.active = undefined;
      await old.handle.close();
      if (old.segment.pending === 0) await this.deleteSegment(old.segment);
    }
    const id = this.nextSegmentId++;
    const path = join(this.o.dir, `${String(id).padStart(16, '0')}.seg`);
    let handle: FileHandle;
    try {
      handle = await open(path, 'w');
    } catch (err) {
      throw new ProducerError('BUFFER_IO', `Could not create a durable-buffer segment in ${this.o.dir}: ${(err as Error).message}`, true, { cause: err });
    }
    const segment: Segment = { id, path, bytes: 0, entries: [], pending: 0, head: 0 };
    this.segments.push(segment);
    this.active = { segment, handle };
  }

  /** Drops the oldest segments until `size` more bytes fit (the one being appended to goes last, after a roll). */
  private async makeRoom(size: number): Promise<void> {
    while (this.totalBytes + size > this.o.maxBytes && this.segments.length > 0) {
      const oldest = this.segments[0];
      if (this.active?.segment === oldest) await this.roll();
      await this.dropSegment(oldest, 'max-bytes');
    }
  }

  private async dropSegment(segment: Segment, reason: BufferDropReason): Promise<void> {
    const lost = segment.pending;
    for (const e of segment.entries) e.done = true;
    this.pendingRecords -= lost;
    segment.pending = 0;
    await this.deleteSegment(segment);
    if (lost > 0) this.noteDropped(lost, reason);
  }

  private noteDropped(records: number, reason: BufferDropReason): void {
    this.dropped[reason] += records;
    this.o.onDrop?.(records, reason);
  }

  private async deleteSegment(segment: Segment): Promise<void> {
    const i = this.segments.indexOf(segment);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.totalBytes -= segment.bytes;
    try {
      await unlink(segment.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /**
   * The oldest `max` pending records, in spill order, with their data (read back from the files). Records older
   * than `maxAgeMs` are dropped on the way (counted), not returned.
   */
  peek(max: number): Promise<SpilledRecord[]> {
    return this.queue.run(() => this.doPeek(max));
  }

  private async doPeek(max: number): Promise<SpilledRecord[]> {
    const now = this.o.clock.now();
    const wanted: Located[] = [];
    let aged = 0;
    while (this.orderHead < this.order.length && this.order[this.orderHead].entry.done) this.orderHead++;
    for (let i = this.orderHead; i < this.order.length && wanted.length < max; i++) {
      const item = this.order[i];
      if (item.entry.done) continue;
      if (item.entry.putAt + this.o.maxAgeMs < now) {
        item.entry.done = true;
        item.segment.pending--;
        this.pendingRecords--;
        aged++;
        continue;
      }
      wanted.push(item);
    }
    if (aged > 0) {
      for (const segment of [...this.segments]) if (segment.pending === 0 && this.active?.segment !== segment) await this.deleteSegment(segment);
      this.noteDropped(aged, 'max-age');
    }
    this.compactOrder();
    // One read per segment, of the range its wanted records span.
    const ranges = new Map<Segment, { from: number; to: number }>();
    for (const { entry, segment } of wanted) {
      const r = ranges.get(segment);
      if (!r) ranges.set(segment, { from: entry.offset, to: entry.offset + entry.length });
      else {
        r.from = Math.min(r.from, entry.offset);
        r.to = Math.max(r.to, entry.offset + entry.length);
      }
    }
    const bytesOf = new Map<Segment, Uint8Array>();
    for (const [segment, r] of ranges) bytesOf.set(segment, await readRange(segment.path, r.from, r.to - r.from));
    return wanted.map(({ entry, segment }) => {
      const from = (ranges.get(segment) as { from: number }).from;
      const step = decodeSpillFrame(bytesOf.get(segment) as Uint8Array, entry.offset - from);
      if (step.kind !== 'record') throw new ProducerError('BUFFER_IO', `Durable-buffer segment ${segment.path} is shorter than recorded.`, false);
      return step.record;
    });
  }

  /** Appends keep sequence order but for records that expired in memory while later ones went straight to disk. */
  private insertInOrder(item: Located): void {
    const order = this.order;
    if (order.length === this.orderHead || order[order.length - 1].entry.seq < item.entry.seq) {
      order.push(item);
      return;
    }
    let lo = this.orderHead;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid].entry.seq < item.entry.seq) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, item);
  }

  private compactOrder(): void {
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
  }

  /** Marks records acknowledged (or given up); segments left with nothing pending are deleted. */
  ack(seqs: ReadonlySet<number>): Promise<void> {
    if (seqs.size === 0) return Promise.resolve();
    return this.queue.run(() => this.doAck(seqs));
  }

  private async doAck(seqs: ReadonlySet<number>): Promise<void> {
    let remaining = seqs.size;
    for (const segment of [...this.segments]) {
      if (remaining === 0) break;
      for (let i = segment.head; i < segment.entries.length && remaining > 0; i++) {
        const e = segment.entries[i];
        if (e.done || !seqs.has(e.seq)) continue;
        e.done = true;
        segment.pending--;
        this.pendingRecords--;
        remaining--;
      }
      while (segment.head < segment.entries.length && segment.entries[segment.head].done) segment.head++;
      if (segment.pending === 0 && this.active?.segment !== segment) await this.deleteSegment(segment);
    }
  }

  /**
   * Closes the files. A segment partly acknowledged is rewritten with its pending records only (`.tmp` + rename),
   * so that the next start does not send the acknowledged ones again; an empty one is deleted.
   */
  close(): Promise<void> {
    return this.queue.run(() => this.doClose());
  }

  private async doClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.active) {
      await this.active.handle.close();
      this.active = undefined;
    }
    for (const segment of [...this.segments]) {
      if (segment.pending === 0) {
        await this.deleteSegment(segment);
        continue;
      }
      if (segment.pending === segment.entries.length) continue;
      const keep = segment.entries.filter((e) => !e.done);
      const all = readFileSync(segment.path);
      const tmp = `${segment.path}.tmp`;
      const handle = await open(tmp, 'w');
      try {
        await handle.writev(keep.map((e) => all.subarray(e.offset, e.offset + e.length)));
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, segment.path);
    }
  }
}

function frameLength(bytes: Uint8Array, offset: number): number {
  return 8 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

async function readRange(path: string, position: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
