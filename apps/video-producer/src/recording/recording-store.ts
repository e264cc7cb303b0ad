/**
 * The local recording of one camera (the KVS Edge Agent's RecorderConfig, kept apart from the upload): every
 * fragment the camera produces is written here, whether or not it is ever uploaded, and kept until retention
 * deletes it, oldest first, by size (`maxBytes`) and by age of capture (`maxAgeMs`). Uploading only marks a
 * fragment; it never deletes one (the Edge Agent's DeleteAfterUpload is the opposite choice: here the recording
 * stays the device's own copy for its whole retention).
 *
 * Beside the spool, not inside it: the spool holds what waits for PERSISTED and deletes it then, bounded by a
 * small byte budget with a full-spool policy; the recording is a time-bounded archive (hours to days) whose
 * deletions have nothing to do with the network. They share the file format and its durable write
 * (spool/fragment-file.ts).
 *
 * Layout: one file per fragment, `<timecode, 16 digits>.rec` until it is uploaded, then renamed to `.up` (a rename
 * is atomic, so the mark survives a crash without an index file). On start the directory is scanned: `.rec` files
 * are the backlog of an earlier run, `.tmp` files (a write cut by a crash) are deleted.
 *
 * Timecodes are the producer timestamps as sent (ABSOLUTE, TimecodeScale 1 ms, which ffmpeg's Matroska muxer
 * writes and the camera pipeline keeps): capture time in epoch milliseconds, which the age retention and the
 * backlog age read. `timecodeToMs` converts for another scale.
 */
import { mkdirSync, unlinkSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayableFragment } from '@tributary/kvs';
import { SerialQueue, type Logger } from '@tributary/runtime';
import { fragmentFileSize, HeaderInterner, readFragmentFile, scanFragmentFiles, writeFragmentFile } from '../spool/fragment-file';

export type RecordingLogger = Pick<Logger, 'info' | 'warn'>;

export interface RecordingStoreOptions {
  /** This camera's recording directory (created when missing). */
  dir: string;
  /** Bytes kept at most (file sizes); the oldest fragments go first. */
  maxBytes: number;
  /** Capture age kept at most; older fragments are deleted by sweep() and on each append. */
  maxAgeMs: number;
  /** fsync each file before its rename (default true). */
  fsync?: boolean;
  now?: () => number;
  timecodeToMs?: (timecode: number) => number;
  logger?: RecordingLogger;
  /** Each fragment retention deletes; `uploaded` false means it never reached KVS. */
  onDelete?: (e: { timecode: number; bytes: number; uploaded: boolean; reason: 'size' | 'age' }) => void;
}

interface Entry {
  timecode: number;
  size: number;
  uploaded: boolean;
}

export interface RecordingStats {
  fragments: number;
  bytes: number;
  /** Not uploaded yet: the backlog. */
  pendingFragments: number;
  pendingBytes: number;
  /** Capture time (epoch ms) of the oldest fragment not uploaded. */
  oldestPendingMs?: number;
  oldestMs?: number;
  /** Deleted by retention before they were uploaded, since start. */
  deletedNotUploaded: number;
}

const FILE_RE = /^(\d{1,16})\.(rec|up)$/;

export class RecordingStore {
  /** Timecode order (kept sorted: appends are normally newest, see append()). */
  private entries: Entry[] = [];
  private readonly byTimecode = new Map<number, Entry>();
  /**
   * Timecodes not uploaded, ascending: the backlog, so that picking the next fragment after days of uploaded
   * recording is a binary search, not a scan.
   */
  private pending: number[] = [];
  private heldBytes = 0;
  private pendingCount = 0;
  private pendingBytesValue = 0;
  private deletedNotUploaded = 0;
  private readonly fsync: boolean;
  private readonly now: () => number;
  private readonly toMs: (timecode: number) => number;
  private readonly headers = new HeaderInterner();
  /** Serialises retention with appends and marks (the file operations of one fragment do not interleave). */
  private readonly queue = new SerialQueue();

  constructor(private readonly options: RecordingStoreOptions) {
    // A programming error (the config schema checks the settings), never retried.
    if (!(options.maxBytes > 0)) throw new RangeError(`Recording maxBytes must be positive, got ${options.maxBytes}.`);
    if (!(options.maxAgeMs > 0)) throw new RangeError(`Recording maxAgeMs must be positive, got ${options.maxAgeMs}.`);
    this.fsync = options.fsync ?? true;
    this.now = options.now ?? Date.now;
    this.toMs = options.timecodeToMs ?? ((t) => t);
    mkdirSync(options.dir, { recursive: true });
    this.load();
  }

  private load(): void {
    for (const { path, match: m, size } of scanFragmentFiles(this.options.dir, FILE_RE)) {
      const timecode = Number(m[1]);
      const existing = this.byTimecode.get(timecode);
      if (existing) {
        // Both names for one timecode (a crash between a rewrite and a rename): the upload mark wins.
        if (m[2] === 'up') this.setUploaded(existing);
        unlinkSync(m[2] === 'up' ? this.pathOf(timecode, false) : path);
        continue;
      }
      this.add({ timecode, size, uploaded: m[2] === 'up' });
    }
    this.entries.sort((a, b) => a.timecode - b.timecode);
    this.pending.sort((a, b) => a - b);
    if (this.entries.length > 0) {
      this.options.logger?.info({ dir: this.options.dir, fragments: this.entries.length, bytes: this.heldBytes, backlog: this.pendingCount }, 'recording: resuming an earlier recording');
    }
  }

  private pathOf(timecode: number, uploaded: boolean): string {
    return join(this.options.dir, `${String(timecode).padStart(16, '0')}.${uploaded ? 'up' : 'rec'}`);
  }

  private add(e: Entry): void {
    this.entries.push(e);
    this.byTimecode.set(e.timecode, e);
    this.heldBytes += e.size;
    if (!e.uploaded) {
      this.pendingCount++;
      this.pendingBytesValue += e.size;
      const last = this.pending[this.pending.length - 1];
      if (last === undefined || last < e.timecode) this.pending.push(e.timecode);
      else this.pending.splice(upperBound(this.pending, e.timecode), 0, e.timecode);
    }
  }

  private dropPending(timecode: number): void {
    const i = upperBound(this.pending, timecode) - 1;
    if (i >= 0 && this.pending[i] === timecode) this.pending.splice(i, 1);
  }

  private setUploaded(e: Entry): void {
    if (e.uploaded) return;
    e.uploaded = true;
    this.pendingCount--;
    this.pendingBytesValue -= e.size;
    this.dropPending(e.timecode);
  }

  /** Records a fragment (durably), then applies retention. A timecode already recorded is rewritten. */
  append(fragment: ReplayableFragment): Promise<void> {
    return this.queue.run(async () => {
      const size = fragmentFileSize(fragment);
      const previous = this.byTimecode.get(fragment.timecode);
      if (previous) await this.remove(previous);
      await writeFragmentFile(this.pathOf(fragment.timecode, false), fragment, this.fsync);
      const last = this.entries[this.entries.length - 1];
      this.add({ timecode: fragment.timecode, size, uploaded: false });
      // A wall clock stepped back gives an older timecode: keep the order the backlog and retention rely on.
      if (last !== undefined && last.timecode > fragment.timecode) this.entries.sort((a, b) => a.timecode - b.timecode);
      await this.enforce();
    });
  }

  /** Deletes what is past the age limit (the app calls it periodically; appends do it too). */
  sweep(): Promise<void> {
    return this.queue.run(() => this.enforce());
  }

  private async enforce(): Promise<void> {
    const oldestKept = this.now() - this.options.maxAgeMs;
    while (this.entries.length > 0) {
      const oldest = this.entries[0];
      const reason = this.heldBytes > this.options.maxBytes ? 'size' : this.toMs(oldest.timecode) < oldestKept ? 'age' : undefined;
      if (reason === undefined) break;
      // Never the newest fragment for size: a single fragment larger than the budget is still recorded.
      if (reason === 'size' && this.entries.length === 1) break;
      await this.remove(oldest);
      if (!oldest.uploaded) this.deletedNotUploaded++;
      this.options.onDelete?.({ timecode: oldest.timecode, bytes: oldest.size, uploaded: oldest.uploaded, reason });
    }
  }

  private async remove(e: Entry): Promise<void> {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    this.byTimecode.delete(e.timecode);
    this.heldBytes -= e.size;
    if (!e.uploaded) {
      this.pendingCount--;
      this.pendingBytesValue -= e.size;
      this.dropPending(e.timecode);
    }
    try {
      await unlink(this.pathOf(e.timecode, e.uploaded));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Marks a fragment uploaded (PERSISTED, or refused for good): it leaves the backlog and stays recorded. */
  markUploaded(timecode: number): Promise<void> {
    const e = this.byTimecode.get(timecode);
    if (!e || e.uploaded) return Promise.resolve();
    // Synchronously, so the backlog never picks it between the ack and the rename.
    this.setUploaded(e);
    return this.queue.run(async () => {
      if (this.byTimecode.get(timecode) !== e) return; // deleted by retention meanwhile
      try {
        await rename(this.pathOf(timecode, false), this.pathOf(timecode, true));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    });
  }

  isUploaded(timecode: number): boolean | undefined {
    return this.byTimecode.get(timecode)?.uploaded;
  }

  /**
   * The oldest fragment not uploaded with a timecode after `after`, skipping those `skip` names (the live
   * session's own), or undefined.
   */
  nextPending(after = -Infinity, skip?: (timecode: number) => boolean): { timecode: number; size: number } | undefined {
    for (let i = upperBound(this.pending, after); i < this.pending.length; i++) {
      const timecode = this.pending[i];
      if (skip?.(timecode)) continue;
      const e = this.byTimecode.get(timecode);
      if (e) return { timecode, size: e.size };
    }
    return undefined;
  }

  async read(timecode: number): Promise<ReplayableFragment | undefined> {
    const e = this.byTimecode.get(timecode);
    if (!e) return undefined;
    const read = await readFragmentFile(this.pathOf(timecode, e.uploaded));
    if (read === 'missing') return undefined;
    if (read === 'unreadable') {
      this.options.logger?.warn({ timecode, dir: this.options.dir }, 'recording: unreadable fragment file deleted');
      await this.queue.run(() => this.remove(e));
      return undefined;
    }
    return { timecode, header: this.headers.intern(read.header), bytes: read.bytes };
  }

  /** One instance per distinct header, so a session sees the same header object for fragments that share it. */

  /** Timecodes recorded, oldest first (with their upload mark), for inspection. */
  list(): { timecode: number; uploaded: boolean }[] {
    return this.entries.map((e) => ({ timecode: e.timecode, uploaded: e.uploaded }));
  }

  stats(): RecordingStats {
    const oldestPending = this.pending.length > 0 ? this.byTimecode.get(this.pending[0]) : undefined;
    return {
      fragments: this.entries.length,
      bytes: this.heldBytes,
      pendingFragments: this.pendingCount,
      pendingBytes: this.pendingBytesValue,
      ...(oldestPending ? { oldestPendingMs: this.toMs(oldestPending.timecode) } : {}),
      ...(this.entries.length > 0 ? { oldestMs: this.toMs(this.entries[0].timecode) } : {}),
      deletedNotUploaded: this.deletedNotUploaded,
    };
  }

  /** Waits for the appends, marks and deletions queued so far. */
  settled(): Promise<void> {
    return this.queue.settled();
  }
}

/** The index of the first value above `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
