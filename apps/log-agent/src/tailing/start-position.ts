/**
 * Where a file the tailer has just found starts to be read. Pure: the caller reads the file's first bytes and
 * passes them with what it knows (checkpoint entry, files tracked, recent truncations).
 *
 * The rules, in order:
 * 1. A checkpoint for the same dev + inode whose fingerprint still matches the file's first bytes: resume at its
 *    offset (the file may have been renamed by rotation while the agent was down: matching is by identity, not
 *    path). If the file is now shorter than the offset it was truncated while the agent was down: from 0. A
 *    checkpoint whose fingerprint does not match belongs to an earlier file on a recycled inode: it is dropped.
 * 2. A copy (copytruncate, copy): a new file whose first KiB equals that of a file truncated a moment ago starts
 *    where the truncated file had been read to, so bytes written before the truncation and not yet read are
 *    read from the copy instead of lost; a copy of a tracked file that was not truncated (yet) is parked, not
 *    read, until the original is truncated (logrotate copies first, then truncates). Only a full
 *    FINGERPRINT_MAX_BYTES fingerprint counts: a few equal leading bytes (a shared header) prove nothing.
 * 3. At the first scan, the agent (SourceFileTracker.initializeCurrentFile) tails the newest file of the flow
 *    from initialPosition and ignores the older ones; here older files start at their end (their later appends
 *    are read). When the flow has checkpoints, a file without one that changed after the latest checkpoint was
 *    written appeared while the agent was down and is read from 0; an older one starts at its end. "After" has
 *    a slack of MTIME_SLACK_MS: mtimes come from the kernel's coarse clock, a few ms behind Date.now(), and a file
 *    created just after the last checkpoint must not be taken for an old one (that would lose its lines).
 * 4. Found later, while running: a new file, read from 0.
 */
import { FINGERPRINT_MAX_BYTES, headMatches } from './file-identity';
import type { FileIdentity, TrackedFileId } from './tailer-types';

export const MTIME_SLACK_MS = 2000;

export type InitialPosition = 'START_OF_FILE' | 'END_OF_FILE';

export interface FoundFile {
  /** The file's first bytes (up to FINGERPRINT_MAX_BYTES). */
  head: Uint8Array;
  size: number;
  mtimeMs: number;
}

export interface StartContext {
  checkpoint?: { offset: number; fingerprintBytes: number; fingerprint: string };
  firstScan: boolean;
  /** At the first scan: whether this is the newest (last modified) file of the flow. */
  newest: boolean;
  initialPosition: InitialPosition;
  /** updatedAt of the flow's newest checkpoint entry, or undefined when the flow has none. */
  latestCheckpointAt?: number;
  /** Files tracked now (not truncated): a new file with the same first KiB is a copy of one of them. */
  tracked: ReadonlyArray<{ id: TrackedFileId } & Pick<FileIdentity, 'fingerprintBytes' | 'fingerprint'>>;
  /** Files truncated recently, with the offset they had been read to before. */
  truncated: ReadonlyArray<{ id: TrackedFileId; readOffset: number } & Pick<FileIdentity, 'fingerprintBytes' | 'fingerprint'>>;
}

export type StartDecision = {
  /** Whether an existing checkpoint entry for this dev + inode belongs to another file and must be dropped. */
  dropStaleCheckpoint: boolean;
} & (
  | { kind: 'checkpoint'; offset: number }
  | { kind: 'truncated-while-down'; offset: 0; checkpointOffset: number }
  | { kind: 'copy-of-truncated'; source: TrackedFileId; offset: number }
  | { kind: 'parked-copy'; source: TrackedFileId }
  | { kind: 'initial-position'; position: InitialPosition }
  | { kind: 'older-file'; atEnd: true }
  | { kind: 'new-file'; offset: 0 }
);

export function decideStart(file: FoundFile, ctx: StartContext): StartDecision {
  let dropStaleCheckpoint = false;
  if (ctx.checkpoint) {
    if (headMatches(ctx.checkpoint, file.head)) {
      return file.size >= ctx.checkpoint.offset
        ? { kind: 'checkpoint', offset: ctx.checkpoint.offset, dropStaleCheckpoint }
        : { kind: 'truncated-while-down', offset: 0, checkpointOffset: ctx.checkpoint.offset, dropStaleCheckpoint };
    }
    dropStaleCheckpoint = true;
  }
  const isCopyOf = (source: Pick<FileIdentity, 'fingerprintBytes' | 'fingerprint'>): boolean =>
    source.fingerprintBytes === FINGERPRINT_MAX_BYTES && headMatches(source, file.head);
  const truncatedSource = ctx.truncated.find(isCopyOf);
  if (truncatedSource) {
    return { kind: 'copy-of-truncated', source: truncatedSource.id, offset: Math.min(truncatedSource.readOffset, file.size), dropStaleCheckpoint };
  }
  const liveSource = ctx.tracked.find(isCopyOf);
  if (liveSource) return { kind: 'parked-copy', source: liveSource.id, dropStaleCheckpoint };
  if (!ctx.firstScan) return { kind: 'new-file', offset: 0, dropStaleCheckpoint };
  if (ctx.latestCheckpointAt === undefined) {
    return ctx.newest
      ? { kind: 'initial-position', position: ctx.initialPosition, dropStaleCheckpoint }
      : { kind: 'older-file', atEnd: true, dropStaleCheckpoint };
  }
  return file.mtimeMs > ctx.latestCheckpointAt - MTIME_SLACK_MS
    ? { kind: 'new-file', offset: 0, dropStaleCheckpoint }
    : { kind: 'older-file', atEnd: true, dropStaleCheckpoint };
}
