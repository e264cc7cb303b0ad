/**
 * One file the tailer follows, held open by its descriptor: a file renamed out of the glob or deleted keeps being
 * read through it to its end (the agent keeps its channel open the same way, TrackedFile.java), and while it is
 * open its inode cannot be recycled. State only; the decisions are in file-tailer.ts.
 */
import type { FileHandle } from 'node:fs/promises';
import { AckTracker } from '../checkpoint/ack-tracker';
import { FINGERPRINT_MAX_BYTES, hashOf, headMatches, idOf, readHead } from './file-identity';
import type { FileIdentity, TrackedFileId } from './tailer-types';

export class TrackedFile {
  /** `${dev}:${ino}`: the key of the file for the tailer's lifetime. */
  readonly key: string;
  /** Truncations seen: part of the id delivery gets, so that acks of old content are ignored. */
  generation = 0;
  readOffset: number;
  /** Size and mtime at the last stat by the reader. */
  size: number;
  /** The largest size any stat saw since the last truncation (scans too, while paused): what was written. */
  seenSize: number;
  mtimeMs: number;
  /** When the size or mtime last changed (clock ms). */
  lastGrowthAt: number;
  /** No longer under a path the glob matches (renamed away, or deleted). */
  rotated = false;
  /** A copy of another tracked file, not read until that file is truncated (start-position.ts rule 2). */
  parkedCopyOf: string | undefined;
  /** The size at which the last read found only a partial line (not read again until the size changes). */
  partialAt = -1;
  endOfFileSent = false;
  /** The checkpoint or identity changed since the store last got them. */
  checkpointDirty = true;
  readonly tracker: AckTracker;

  constructor(
    readonly handle: FileHandle,
    public identity: FileIdentity,
    public path: string,
    start: { offset: number; size: number; mtimeMs: number; now: number },
  ) {
    this.key = idOf(identity);
    this.readOffset = start.offset;
    this.size = start.size;
    this.seenSize = start.size;
    this.mtimeMs = start.mtimeMs;
    this.lastGrowthAt = start.now;
    this.tracker = new AckTracker(start.offset);
  }

  /** The id chunks, acks and events carry (tailer-types.ts TrackedFileId). */
  get id(): TrackedFileId {
    return `${this.key}/${this.generation}`;
  }

  /**
   * Reads the first bytes again: false when they no longer match the fingerprint (truncated and rewritten in
   * place). While the file is shorter than FINGERPRINT_MAX_BYTES the fingerprint grows with it.
   */
  async verifyHead(size: number): Promise<boolean> {
    const want = Math.min(size, FINGERPRINT_MAX_BYTES);
    if (want === 0) return this.identity.fingerprintBytes === 0;
    const head = await readHead(this.handle, want);
    if (!headMatches(this.identity, head)) return false;
    if (head.length > this.identity.fingerprintBytes) {
      this.identity = { ...this.identity, fingerprintBytes: head.length, fingerprint: hashOf(head) };
      this.checkpointDirty = true;
    }
    return true;
  }

  /** Restarts the file at 0 after a truncation: a new generation, nothing pending, the fingerprint taken again. */
  async restartAfterTruncation(size: number, now: number): Promise<void> {
    this.generation++;
    this.readOffset = 0;
    this.tracker.reset(0);
    this.partialAt = -1;
    this.endOfFileSent = false;
    this.size = size;
    this.seenSize = size;
    this.lastGrowthAt = now;
    const head = await readHead(this.handle, Math.min(size, FINGERPRINT_MAX_BYTES));
    this.identity = { ...this.identity, fingerprintBytes: head.length, fingerprint: hashOf(head) };
    this.checkpointDirty = true;
  }

  /** Starts reading a parked copy at `offset` (where its original had been read to). */
  unpark(offset: number, now: number): void {
    this.parkedCopyOf = undefined;
    this.readOffset = Math.min(offset, this.size);
    this.tracker.reset(this.readOffset);
    this.lastGrowthAt = now;
    this.checkpointDirty = true;
  }

  /** Rotated, read to the end, last chunk handed over, every range acknowledged: it can be closed. */
  isFinished(now: number, idleMs: number): boolean {
    if (!this.rotated) return false;
    if (this.parkedCopyOf !== undefined) return true;
    return this.endOfFileSent && now - this.lastGrowthAt >= idleMs && this.tracker.settled && this.tracker.checkpoint >= this.readOffset;
  }
}
