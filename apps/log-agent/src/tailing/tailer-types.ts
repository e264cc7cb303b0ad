/**
 * The tailer's contract with delivery (engineer C) and processing (engineer A). One `FileTailer` per flow.
 *
 *   const tailer = new FileTailer({ flowId, filePattern, initialPosition, store, onChunk, onFileDone, … });
 *   await tailer.start();            // loads nothing itself: the CheckpointStore was loaded by the caller
 *   onChunk(chunk)                   // complete lines of one file, [startOffset, endOffset); awaited: a slow
 *                                    // consumer slows reading (at most one chunk per flow is in the consumer)
 *   tailer.recordSent(chunk.file, start, end)   // a record built from bytes [start, end) of that file is sent
 *   tailer.recordAcked(chunk.file, start, end)  // Kinesis acknowledged it (any order)
 *   tailer.bytesConsumed(chunk.file, offset)    // bytes up to offset need no record (skipped header, dropped
 *                                               // line): lets the checkpoint pass them once earlier records ack
 *   tailer.pause() / tailer.resume()            // stop reading while the producer's buffers are full
 *   onFileDone(file)                 // a rotated-away or deleted file was read to its end and every range acked:
 *                                    // the tailer closed it and forgot it; delivery may drop its state too. Also
 *                                    // for the generation before a truncation, right after its (empty) endOfFile
 *                                    // chunk: the id changes with the truncation (see TrackedFileId)
 *   tailer.stats()                   // files tracked, bytes behind per file (for /metrics)
 *   await tailer.stop()              // stops reading, writes the checkpoint and waits for its fsync (SIGTERM
 *                                    // path: call it after delivery stopped taking chunks and flushed)
 *
 * Records must be announced with recordSent in file order (the order of the bytes they came from); acks may
 * arrive in any order. Bytes that produce no record (dropped lines, skipped headers) are declared with
 * bytesConsumed once no record before them is pending announcement; otherwise the checkpoint passes them only when
 * a later record is acked (a gap between announced ranges counts as done), and a rotated file whose last bytes
 * are never covered stays open (never let go) rather than be counted as sent.
 * Ids are matched with their generation: calls with an id of before a truncation return false and change nothing.
 * The checkpoint of a file moves only to the end of the longest acknowledged prefix (checkpoint/ack-tracker.ts)
 * and is written as soon as it moves (checkpointIntervalMs 0, the default), so after kill -9 at most the records
 * in flight (plus those acked during one checkpoint write) are sent again. One record that never acks holds the
 * checkpoint of its file, however many after it are acked: the window is then everything read since it.
 * onChunk should not throw: a chunk whose onChunk threw is read and handed over again; records it had already
 * announced may be announced again with the same ranges (ignored), other overlaps are refused with a RangeError.
 *
 * Lines: a chunk holds whole lines, each ending in '\n' (a '\r' before it is left in place for processing).
 * Two exceptions, flagged on the chunk so processing can tell:
 * - `continuesLine`: a single line longer than `maxChunkBytes` is handed over in pieces; every piece but the last
 *   carries `continuesLine: true` (processing truncates at the record limit anyway, as the agent does).
 * - `endOfFile`: a file that was rotated away or deleted (no longer under a path the glob matches) and did not grow
 *   for `rotatedIdleMs` gets one last chunk with `endOfFile: true`: the bytes after its last '\n' (a last line
 *   without its '\n', handed over as a line), or no bytes at all. Processing flushes what it holds for the file
 *   (a multi-line record waiting for the next start line) and delivery sends it; once every range is acked the
 *   file is closed and onFileDone is called. A file still at a matching path never has its partial last line
 *   sent: it waits for the newline.
 */

/**
 * How delivery names a file in chunks, acks and events: opaque. It is `${dev}:${ino}/${generation}` (decimal, from
 * a bigint stat); the generation counts truncations of the file, so acks for records read before a truncation
 * (copytruncate) are told apart from the new content's and ignored.
 */
export type TrackedFileId = string;

/**
 * A file's identity: device + inode, and a fingerprint of its first bytes so that an inode recycled for a new file
 * (delete, then create) is not taken for the old one. The fingerprint covers the first `fingerprintBytes` bytes
 * (up to FINGERPRINT_MAX_BYTES; fewer while the file is shorter); two identities match when dev and ino are equal
 * and the other file's first `fingerprintBytes` bytes hash to the same `fingerprint`.
 */
export interface FileIdentity {
  dev: string;
  ino: string;
  /** How many leading bytes the fingerprint covers (0 for an empty file: any content then matches). */
  fingerprintBytes: number;
  /** SHA-256 (hex) of those bytes. */
  fingerprint: string;
}

/** Complete lines read from one file. `chunk` is owned by the receiver (a fresh buffer per chunk). */
export interface TailChunk {
  flowId: string;
  file: TrackedFileId;
  /** The path the file had when it was read (a rotated file keeps the path it was last seen under). */
  path: string;
  chunk: Buffer;
  startOffset: number;
  endOffset: number;
  /** The chunk is a piece of one over-long line whose rest follows (see file header). */
  continuesLine?: boolean;
  /** The last bytes of a rotated-away file, without a final '\n' (see file header). */
  endOfFile?: boolean;
}

/** What happened to a tracked file, for logs and metrics (C may log these). */
export type TailerEvent =
  | {
      kind: 'file-found';
      file: TrackedFileId;
      path: string;
      offset: number;
      /** Why it starts at `offset` (start-position.ts): `parked-copy` is not read until its original is truncated. */
      reason: 'checkpoint' | 'truncated-while-down' | 'initial-position' | 'older-file' | 'new-file' | 'copy-of-truncated' | 'parked-copy';
    }
  | { kind: 'file-rotated'; file: TrackedFileId; path: string }
  | { kind: 'file-renamed'; file: TrackedFileId; from: string; to: string }
  /** Same inode shrank below what was read, or its first bytes changed: reading restarts at 0.
   * `unreadBytesLost` is what was written and not read before the truncation, as far as the last stat saw, less
   * what a copy of the file (copytruncate into a name the glob matches) still holds and will be read from. */
  | { kind: 'file-truncated'; file: TrackedFileId; path: string; readOffset: number; unreadBytesLost: number }
  | { kind: 'file-done'; file: TrackedFileId; path: string }
  | { kind: 'watch-fallback'; directory: string; error: string };

export interface TailedFileStats {
  file: TrackedFileId;
  path: string;
  /** Size of the file minus the bytes read (what the tailer still has to read). */
  bytesBehind: number;
  /** Size of the file minus the checkpoint (what is not yet acknowledged). */
  bytesUnacknowledged: number;
  readOffset: number;
  checkpointOffset: number;
  rotated: boolean;
}

export interface TailerStats {
  flowId: string;
  filesTracked: number;
  files: TailedFileStats[];
  /** Whether the directory is watched with fs.watch (false: polling only). */
  watching: boolean;
  paused: boolean;
}
