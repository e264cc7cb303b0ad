/**
 * The store-and-forward spool of one camera: every fragment is on disk before it is sent and is deleted once KVS
 * says PERSISTED, so a network outage, an emulator/KVS restart or a producer restart loses no video that made it
 * into the spool. It implements libs/kvs's ReplayableFragments, which the PutMedia session drives: append before
 * sending, read back by timecode to resend after a reconnect (in order, from the first not persisted), release on
 * PERSISTED, and pending() for what an earlier run left behind (sent first after a restart).
 *
 * Layout: one file per fragment, `<timecode, 16 digits>.frag`, written to a `.tmp` name and renamed (optionally
 * fsynced first), so a crash leaves either the whole fragment or nothing. A file holds
 * `"TVF1" | u32 header length | stream header | fragment bytes`: each fragment carries the stream header it was
 * cut under (a restarted ffmpeg may change codec parameters; the session resends each fragment behind its own).
 * The header costs a few hundred bytes per one-to-ten-second fragment, which buys independence of every file.
 *
 * Bounded by `maxBytes` (file sizes). When a fragment would not fit, the policy decides:
 *   - `drop-oldest`: the oldest fragments are deleted (the session reports them evicted), the new one is kept;
 *   - `stop-capture`: the new fragment is refused (SPOOL_FULL) and the camera pipeline discards new video until
 *     there is room again: the oldest video, already captured, is kept.
 * Each transition into "full" is logged once, with the policy.
 */
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayableFragment, ReplayableFragments } from '@tributary/kvs';
import type { Logger } from '@tributary/runtime';
import { VideoProducerError } from '../video-producer-error';
import { fragmentFileSize, HeaderInterner, readFragmentFile, scanFragmentFiles, writeFragmentFile } from './fragment-file';

export type SpoolPolicy = 'drop-oldest' | 'stop-capture';

/** The runtime's Logger, the two levels the spool logs at. */
export type SpoolLogger = Pick<Logger, 'info' | 'warn'>;

export interface FragmentSpoolOptions {
  /** This camera's directory (created when missing). */
  dir: string;
  maxBytes: number;
  policy: SpoolPolicy;
  /** fsync each file before the rename (default true: a power cut on an edge device keeps what was spooled). */
  fsync?: boolean;
  logger?: SpoolLogger;
  /** Each fragment deleted by drop-oldest. */
  onDrop?: (timecode: number, bytes: number) => void;
}

const FILE_RE = /^(\d{1,16})\.frag$/;

interface Entry {
  timecode: number;
  /** Size of the file. */
  size: number;
}

export class FragmentSpool implements ReplayableFragments {
  private readonly entries = new Map<number, Entry>(); // insertion order = timecode order
  private heldBytes = 0;
  private full = false;
  private readonly fsync: boolean;
  private readonly roomWaiters: (() => void)[] = [];
  /** Headers by content, so fragments read back share one instance per header (the session compares them). */
  private readonly headers = new HeaderInterner();
  private droppedTotal = 0;

  constructor(private readonly options: FragmentSpoolOptions) {
    if (!(options.maxBytes > 0)) throw new VideoProducerError('SPOOL_FULL', `Spool maxBytes must be positive, got ${options.maxBytes}.`, false);
    this.fsync = options.fsync ?? true;
    mkdirSync(options.dir, { recursive: true });
    this.load();
  }

  /** Scans the directory: fragments of an earlier run become pending; half-written `.tmp` files are removed. */
  private load(): void {
    const found: Entry[] = [];
    for (const { match, size } of scanFragmentFiles(this.options.dir, FILE_RE)) found.push({ timecode: Number(match[1]), size });
    found.sort((a, b) => a.timecode - b.timecode);
    for (const e of found) {
      this.entries.set(e.timecode, e);
      this.heldBytes += e.size;
    }
    if (found.length > 0) this.options.logger?.info({ dir: this.options.dir, fragments: found.length, bytes: this.heldBytes }, 'spool: resuming fragments of an earlier run');
  }

  private pathOf(timecode: number): string {
    return join(this.options.dir, `${String(timecode).padStart(16, '0')}.frag`);
  }

  /** Bytes a fragment takes on disk. */
  static fileSize(fragment: Pick<ReplayableFragment, 'bytes' | 'header'>): number {
    return fragmentFileSize(fragment);
  }

  /** Whether append() would keep a fragment of this size without dropping anything. */
  hasRoomFor(fileBytes: number): boolean {
    return this.heldBytes + fileBytes <= this.options.maxBytes;
  }

  /** Resolves once something was released (stop-capture waits on it). */
  waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  async append(fragment: ReplayableFragment): Promise<void> {
    const size = FragmentSpool.fileSize(fragment);
    if (size > this.options.maxBytes) {
      throw new VideoProducerError('SPOOL_FULL', `A fragment of ${size} bytes is larger than the whole spool (${this.options.maxBytes} bytes).`, false);
    }
    if (!this.hasRoomFor(size)) {
      this.markFull();
      if (this.options.policy === 'stop-capture') {
        throw new VideoProducerError('SPOOL_FULL', `Spool ${this.options.dir} is full (${this.heldBytes} of ${this.options.maxBytes} bytes; policy stop-capture).`, true);
      }
      await this.dropOldestUntil(size);
    }
    const previous = this.entries.get(fragment.timecode);
    await writeFragmentFile(this.pathOf(fragment.timecode), fragment, this.fsync);
    if (previous) this.heldBytes -= previous.size;
    this.entries.set(fragment.timecode, { timecode: fragment.timecode, size });
    this.heldBytes += size;
  }

  private async dropOldestUntil(size: number): Promise<void> {
    for (const e of [...this.entries.values()]) {
      if (this.hasRoomFor(size)) break;
      await this.remove(e.timecode, true);
      this.droppedTotal++;
      this.options.onDrop?.(e.timecode, e.size);
    }
  }

  private markFull(): void {
    if (this.full) return;
    this.full = true;
    this.options.logger?.warn(
      { dir: this.options.dir, bytes: this.heldBytes, maxBytes: this.options.maxBytes, fragments: this.entries.size, policy: this.options.policy },
      this.options.policy === 'drop-oldest' ? 'spool full: dropping the oldest fragments' : 'spool full: new video is discarded until fragments are persisted',
    );
  }

  async read(timecode: number): Promise<ReplayableFragment | undefined> {
    if (!this.entries.has(timecode)) return undefined;
    const read = await readFragmentFile(this.pathOf(timecode));
    if (read === 'missing') {
      this.forget(timecode);
      return undefined;
    }
    if (read === 'unreadable') {
      this.options.logger?.warn({ timecode, dir: this.options.dir }, 'spool: unreadable fragment file deleted');
      await this.remove(timecode);
      return undefined;
    }
    return { timecode, header: this.headers.intern(read.header), bytes: read.bytes };
  }


  async release(timecode: number): Promise<void> {
    if (!this.entries.has(timecode)) return;
    await this.remove(timecode);
  }

  pending(): readonly number[] {
    return [...this.entries.keys()];
  }

  /** `evicted`: dropped to make room, which does not end the "full" episode (only persisted fragments do). */
  private async remove(timecode: number, evicted = false): Promise<void> {
    this.forget(timecode, evicted);
    try {
      await unlink(this.pathOf(timecode));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private forget(timecode: number, evicted = false): void {
    const e = this.entries.get(timecode);
    if (!e) return;
    this.entries.delete(timecode);
    this.heldBytes -= e.size;
    if (evicted) return;
    if (this.full && this.heldBytes <= this.options.maxBytes * 0.9) {
      this.full = false;
      this.options.logger?.info({ dir: this.options.dir, bytes: this.heldBytes }, 'spool has room again');
    }
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Fragments held. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held (file sizes). */
  get bytes(): number {
    return this.heldBytes;
  }

  get isFull(): boolean {
    return this.full;
  }

  get dropped(): number {
    return this.droppedTotal;
  }
}

