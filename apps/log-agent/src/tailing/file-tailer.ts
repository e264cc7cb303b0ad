/**
 * Tails the files of one flow (contract in tailer-types.ts). One loop per flow does everything in turn, so the
 * per-file state needs no locks: scan the directory when due (a watcher 'rename' event, the poll interval, or the
 * safety interval while watching), read one bounded chunk per file with new complete lines (round robin, so one
 * busy file does not starve the others), hand it to onChunk and wait for it, finish rotated files, checkpoint.
 *
 * Rotation, as the agent's SourceFileTracker names the kinds, handled by identity rather than by its heuristics:
 * - rename-and-create: the renamed file keeps its inode and descriptor; still under a matching name it stays
 *   tracked, under another name (or deleted) it is `rotated` and read to its end through the open descriptor,
 *   then handed over with an `endOfFile` chunk and closed once acknowledged. The new file is found by the scan
 *   and read from 0.
 * - copytruncate / truncation: the file shrank below its last size, or its first bytes changed: it is read again
 *   from 0 (a new generation). Lines already read were delivered; lines written after the last read and before
 *   the truncation are in the copy only: a copy under a name the glob matches is read from where the original
 *   had been read to (start-position.ts), nothing is lost; a copy under another name is not seen, and those bytes
 *   (reported as `unreadBytesLost`) are lost, as with the agent.
 * - deleted while pending: the descriptor keeps the inode alive; the file is read to its end like a rotated one.
 *
 * Backpressure: at most one chunk (≤ maxChunkBytes) is in onChunk at a time, and pause() stops reading until
 * resume(); the files stay open and the scan keeps running, so memory stays bounded while Kinesis is away.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { noopLogger, systemClock, type Clock, type Logger } from '@tributary/runtime';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import { DirectoryWatcher } from './directory-watcher';
import { FINGERPRINT_MAX_BYTES, hashOf, readHead } from './file-identity';
import { parseFilePattern, type FilePattern } from './file-pattern';
import { lastLineStart, readLines } from './line-reader';
import { decideStart, type InitialPosition, type StartDecision } from './start-position';
import type { TailChunk, TailerEvent, TailerStats, TrackedFileId } from './tailer-types';
import { TrackedFile } from './tracked-file';

export interface FileTailerOptions {
  flowId: string;
  filePattern: string;
  initialPosition: InitialPosition;
  store: CheckpointStore;
  /** Complete lines of one file; awaited before the next chunk of the flow is read. */
  onChunk(chunk: TailChunk): void | Promise<void>;
  /** A rotated-away or deleted file was read to its end and acknowledged, and is closed and forgotten. */
  onFileDone?(file: TrackedFileId, path: string): void;
  onEvent?(event: TailerEvent): void;
  logger?: Logger;
  /**
   * Scan and read interval while polling (default 100 ms: the agent's minTimeBetweenFilePollsMillis, FileFlow.java;
   * a flow's value can be passed through).
   */
  pollIntervalMs?: number;
  /**
   * Scan interval while watching with inotify, as a safety net (default 10 s: the agent's
   * maxTimeBetweenFileTrackerRefreshMillis, FileFlow.java).
   */
  safetyScanIntervalMs?: number;
  /** Poll even where fs.watch works (default false; network filesystems are detected and polled anyway). */
  forcePolling?: boolean;
  /** Largest read, and largest chunk handed over (default 256 KiB). */
  maxChunkBytes?: number;
  /** A rotated file that has not grown for this long is at its end (default 2000 ms). */
  rotatedIdleMs?: number;
  /**
   * 0 (default): the checkpoint is written as soon as an acknowledgement moves it, one write at a time (what
   * arrives during a write goes into the next), so after kill -9 at most the records in flight plus those acked
   * during one write are sent again; the agent likewise commits its checkpoint after every published buffer
   * (Checkpointer.java). N > 0: written every N ms instead (fewer fsyncs on flash that wears; kill -9 then also
   * re-sends what was acked in the last N ms). Other changes (files found, truncations) are written every second.
   */
  checkpointIntervalMs?: number;
  /** How long a truncated file's former content is remembered to recognise its copy (default 60 s). */
  copyWindowMs?: number;
  clock?: Clock;
  /** For relative filePatterns (default process.cwd()). */
  cwd?: string;
}

interface FoundEntry {
  path: string;
  mtimeMs: number;
}

interface RecentTruncation {
  id: string;
  readOffset: number;
  fingerprintBytes: number;
  fingerprint: string;
  at: number;
}

/** Checkpoint entries kept for files let go (see finishRotated). */
const FINISHED_KEPT_PER_FLOW = 256;

const DEFAULTS = {
  pollIntervalMs: 100,
  safetyScanIntervalMs: 10_000,
  maxChunkBytes: 256 * 1024,
  rotatedIdleMs: 2000,
  checkpointIntervalMs: 0,
  copyWindowMs: 60_000,
};

export class FileTailer {
  readonly pattern: FilePattern;
  private readonly files = new Map<string, TrackedFile>();
  private readonly settings: typeof DEFAULTS;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly watcher: DirectoryWatcher;
  private recentTruncations: RecentTruncation[] = [];
  private firstScan = true;
  private scanRequested = true;
  private nextScanAt = 0;
  private nextCheckpointAt = 0;
  private paused = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private checkpointWriting = false;
  private checkpointAgain = false;
  /** Set after a failed checkpoint write: acks do not trigger writes until then. */
  private checkpointFailedUntil = 0;

  constructor(private readonly options: FileTailerOptions) {
    this.pattern = parseFilePattern(options.filePattern, options.cwd);
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      safetyScanIntervalMs: options.safetyScanIntervalMs ?? DEFAULTS.safetyScanIntervalMs,
      maxChunkBytes: options.maxChunkBytes ?? DEFAULTS.maxChunkBytes,
      rotatedIdleMs: options.rotatedIdleMs ?? DEFAULTS.rotatedIdleMs,
      checkpointIntervalMs: options.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs,
      copyWindowMs: options.copyWindowMs ?? DEFAULTS.copyWindowMs,
    };
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? noopLogger).child({ flow: options.flowId });
    const directoryName = basename(this.pattern.directory);
    this.watcher = new DirectoryWatcher({
      directory: this.pattern.directory,
      forcePolling: options.forcePolling ?? false,
      onChange: (event, fileName) => {
        // Only a name the glob matches can be a tracked file's or a new one's (a tracked file renamed away is
        // reported under its old, matching name too), or the directory's own (deleted or moved: inotify names it);
        // a scan stats every matching file, and the checkpoint file saved beside the logs (after every
        // acknowledgement) or other logs rotating there asked for one each time.
        if (event === 'rename' && (fileName === undefined || fileName === directoryName || this.pattern.matches(fileName))) this.scanRequested = true;
        this.wake();
      },
      onFallback: (reason) => this.emit({ kind: 'watch-fallback', directory: this.pattern.directory, error: reason }),
    });
  }

  /**
   * Runs the first scan (files found, start positions decided) and starts the loop. A scan that fails (the
   * directory unreadable) is logged and retried by the loop, as the agent keeps a flow whose files it cannot list.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    try {
      await this.scan();
    } catch (error) {
      this.scanRequested = true;
      this.logger.error({ err: error, directory: this.pattern.directory }, 'first scan failed; retrying');
    }
    this.loop = this.run();
  }

  /** Stops reading, writes the checkpoint as the acks left it, and closes every file. Call after delivery flushed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.loop = undefined;
    this.watcher.close();
    await this.checkpoint(true, true);
    for (const file of this.files.values()) await file.handle.close().catch(() => undefined);
    this.files.clear();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wake();
  }

  /** A record built from bytes [start, end) of `file` is being sent (in file order). False for a stale id. */
  recordSent(file: TrackedFileId, start: number, end: number): boolean {
    const tracked = this.byId(file);
    if (!tracked) return false;
    tracked.tracker.sent(start, end);
    return true;
  }

  /** Kinesis acknowledged the record [start, end) of `file`. False for a stale id or an unknown range. */
  recordAcked(file: TrackedFileId, start: number, _end?: number): boolean {
    const tracked = this.byId(file);
    if (!tracked || !tracked.tracker.acked(start)) return false;
    tracked.checkpointDirty = true;
    if (tracked.rotated) this.wake();
    this.checkpointSoon();
    return true;
  }

  /** Bytes of `file` up to `offset` need no record (after the last announced one). */
  bytesConsumed(file: TrackedFileId, offset: number): boolean {
    const tracked = this.byId(file);
    if (!tracked) return false;
    if (tracked.tracker.consumedUpTo(offset)) {
      tracked.checkpointDirty = true;
      this.checkpointSoon();
    }
    return true;
  }

  stats(): TailerStats {
    const files = [...this.files.values()]
      .filter((f) => f.parkedCopyOf === undefined)
      .map((f) => ({
        file: f.id,
        path: f.path,
        bytesBehind: Math.max(0, f.seenSize - f.readOffset),
        bytesUnacknowledged: Math.max(0, f.seenSize - f.tracker.checkpoint),
        readOffset: f.readOffset,
        checkpointOffset: f.tracker.checkpoint,
        rotated: f.rotated,
      }));
    return { flowId: this.options.flowId, filesTracked: files.length, files, watching: this.watcher.watching, paused: this.paused };
  }

  private byId(id: TrackedFileId): TrackedFile | undefined {
    const slash = id.lastIndexOf('/');
    const file = this.files.get(id.slice(0, slash));
    return file && String(file.generation) === id.slice(slash + 1) ? file : undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let progressed = false;
      try {
        if (this.scanRequested || this.clock.now() >= this.nextScanAt) await this.scan();
        if (!this.paused) progressed = await this.readPass();
        await this.finishRotated();
        await this.checkpoint(false);
      } catch (error) {
        this.logger.error({ err: error }, 'tailing pass failed; retrying at the next interval');
      }
      if (!progressed && !this.stopping) await this.idle();
    }
  }

  private async idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const now = this.clock.now();
    const ms = Math.max(1, Math.min(this.nextScanAt - now, this.nextCheckpointAt - now, this.settings.rotatedIdleMs));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.woken = false;
  }

  private wake(): void {
    this.woken = true;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private emit(event: TailerEvent): void {
    // The app logs events at their level through onEvent; debug here keeps them visible without it.
    this.logger.debug({ ...event }, `tailer: ${event.kind}`);
    this.options.onEvent?.(event);
  }

  /** Lists the directory, follows renames, marks files gone from the glob as rotated, opens new ones. */
  private async scan(): Promise<void> {
    this.scanRequested = false;
    await this.watcher.ensureWatching();
    const interval = this.watcher.watching ? this.settings.safetyScanIntervalMs : this.settings.pollIntervalMs;
    this.nextScanAt = this.clock.now() + interval;
    const fresh = new Map<string, FoundEntry>();
    const seen = new Set<string>();
    let raced = false;
    for (const entry of await this.listMatching()) {
      const st = await stat(entry, { bigint: true }).catch(() => undefined);
      // Gone between readdir and stat: renamed (maybe to another matching name the listing did not have yet).
      if (!st) raced = true;
      if (!st?.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      const known = this.files.get(key);
      if (!known) {
        fresh.set(key, { path: entry, mtimeMs: Number(st.mtimeMs) });
        continue;
      }
      await this.noteSize(known, Number(st.size));
      if (known.path !== entry || known.rotated) {
        // A rename within the glob (app.log → app.log.1), or back into it: the same file, still tracked.
        if (known.path !== entry) this.emit({ kind: 'file-renamed', file: known.id, from: known.path, to: entry });
        known.path = entry;
        known.rotated = false;
        known.checkpointDirty = true;
      }
    }
    // After a race the listing may miss a file that is still under a matching name: decide at the next scan.
    if (raced) this.scanRequested = true;
    for (const file of raced ? [] : this.files.values()) {
      if (!seen.has(file.key) && !file.rotated) {
        file.rotated = true;
        this.emit({ kind: 'file-rotated', file: file.id, path: file.path });
      }
    }
    const cutoff = this.clock.now() - this.settings.copyWindowMs;
    this.recentTruncations = this.recentTruncations.filter((t) => t.at >= cutoff);
    await this.openFresh([...fresh.values()]);
    // A file missed by a race at the first scan still gets the first start's rules at the next one.
    if (!raced) this.firstScan = false;
  }

  /** A scan's stat of a tracked file: notes growth for loss accounting, and truncation even while paused. */
  private async noteSize(file: TrackedFile, size: number): Promise<void> {
    if (size < file.seenSize || size < file.readOffset) await this.onTruncated(file, size);
    else file.seenSize = size;
  }

  private async listMatching(): Promise<string[]> {
    try {
      const names = await readdir(this.pattern.directory);
      return names.filter((n) => this.pattern.matches(n)).map((n) => join(this.pattern.directory, n));
    } catch (error) {
      // A missing directory lists nothing, as the agent's SourceFile.listFiles: it may appear later, and is
      // watched again then (and polled until it is).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.watcher.reset();
        return [];
      }
      throw error;
    }
  }

  private async openFresh(found: FoundEntry[]): Promise<void> {
    const newestMtime = Math.max(...found.map((f) => f.mtimeMs));
    const flowEntries = this.options.store.entriesOf(this.options.flowId);
    const latestCheckpointAt = flowEntries.length ? Math.max(...flowEntries.map((e) => e.updatedAt)) : undefined;
    // At a restart, every checkpointed content counts as possibly truncated while the agent was down: a copy made
    // by copytruncate meanwhile (same first KiB, another inode) resumes at the checkpoint instead of at 0.
    const truncated = this.firstScan
      ? [
          ...this.recentTruncations,
          ...flowEntries.map((e) => ({ id: `${e.dev}:${e.ino}`, readOffset: e.offset, fingerprintBytes: e.fingerprintBytes, fingerprint: e.fingerprint })),
        ]
      : this.recentTruncations;
    for (const entry of found) {
      let handle;
      try {
        handle = await open(entry.path, 'r');
      } catch {
        continue; // gone between listing and opening: the next scan decides
      }
      try {
        const st = await handle.stat({ bigint: true });
        const head = await readHead(handle, FINGERPRINT_MAX_BYTES);
        const dev = String(st.dev);
        const ino = String(st.ino);
        const size = Number(st.size);
        const checkpoint = this.options.store.get(this.options.flowId, dev, ino);
        const decision = decideStart(
          { head, size, mtimeMs: Number(st.mtimeMs) },
          {
            checkpoint,
            firstScan: this.firstScan,
            newest: entry.mtimeMs === newestMtime,
            initialPosition: this.options.initialPosition,
            latestCheckpointAt,
            tracked: [...this.files.values()].map((f) => ({ id: f.key, ...f.identity })),
            truncated,
          },
        );
        if (decision.dropStaleCheckpoint) this.options.store.remove(this.options.flowId, dev, ino);
        const identity = { dev, ino, fingerprintBytes: head.length, fingerprint: hashOf(head) };
        const offset = await this.startOffset(decision, handle, size);
        const file = new TrackedFile(handle, identity, entry.path, { offset, size, mtimeMs: Number(st.mtimeMs), now: this.clock.now() });
        if (decision.kind === 'parked-copy') file.parkedCopyOf = decision.source;
        this.files.set(file.key, file);
        this.emit({ kind: 'file-found', file: file.id, path: entry.path, offset, reason: decision.kind });
        if (decision.kind === 'truncated-while-down') {
          this.emit({ kind: 'file-truncated', file: file.id, path: entry.path, readOffset: decision.checkpointOffset, unreadBytesLost: 0 });
        }
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
    }
  }

  private async startOffset(decision: StartDecision, handle: Parameters<typeof lastLineStart>[0], size: number): Promise<number> {
    switch (decision.kind) {
      case 'checkpoint':
      case 'copy-of-truncated':
        return decision.offset;
      case 'truncated-while-down':
      case 'new-file':
        return 0;
      case 'parked-copy':
        return size;
      case 'initial-position':
        if (decision.position === 'START_OF_FILE') return 0;
        return lastLineStart(handle, size, this.settings.maxChunkBytes);
      case 'older-file':
        return lastLineStart(handle, size, this.settings.maxChunkBytes);
    }
  }

  /** One read per file with something new; true when any lines were handed over. */
  private async readPass(): Promise<boolean> {
    let progressed = false;
    for (const file of [...this.files.values()]) {
      if (this.paused || this.stopping) break;
      if (file.parkedCopyOf !== undefined || !this.files.has(file.key)) continue;
      if (await this.readFile(file)) progressed = true;
    }
    return progressed;
  }

  private async readFile(file: TrackedFile): Promise<boolean> {
    const st = await file.handle.stat();
    const now = this.clock.now();
    if (st.nlink === 0 && !file.rotated) {
      file.rotated = true;
      this.emit({ kind: 'file-rotated', file: file.id, path: file.path });
    }
    const changed = st.size !== file.size || st.mtimeMs !== file.mtimeMs;
    if (st.size < file.seenSize || st.size < file.readOffset || (changed && !(await file.verifyHead(st.size)))) {
      await this.onTruncated(file, st.size);
      return true;
    }
    if (changed) file.lastGrowthAt = now;
    file.size = st.size;
    file.seenSize = st.size;
    file.mtimeMs = st.mtimeMs;
    if (st.size === file.readOffset || file.partialAt === st.size) return this.maybeEndOfFile(file, now);
    const read = await readLines(file.handle, file.readOffset, this.settings.maxChunkBytes, st.size - file.readOffset);
    if (read.kind === 'lines' || read.kind === 'long-line') {
      await this.deliver(file, read.bytes, read.endOffset, read.kind === 'long-line' ? { continuesLine: true } : {});
      return true;
    }
    if (read.kind === 'partial') file.partialAt = st.size;
    return this.maybeEndOfFile(file, now);
  }

  /** A rotated file idle for rotatedIdleMs gets its last chunk: the bytes after its last '\n', maybe none. */
  private async maybeEndOfFile(file: TrackedFile, now: number): Promise<boolean> {
    if (!file.rotated || file.endOfFileSent || now - file.lastGrowthAt < this.settings.rotatedIdleMs) return false;
    const tail = Buffer.alloc(file.size - file.readOffset);
    if (tail.length > 0) await file.handle.read(tail, 0, tail.length, file.readOffset);
    await this.deliver(file, tail, file.size, { endOfFile: true });
    // Bytes delivery neither announced nor declared consumed are not passed here: at shutdown delivery stops
    // taking chunks without announcing them, and counting them as done would lose them.
    file.endOfFileSent = true;
    this.wake();
    return true;
  }

  private async deliver(file: TrackedFile, bytes: Buffer, endOffset: number, flags: Pick<TailChunk, 'continuesLine' | 'endOfFile'>): Promise<void> {
    const startOffset = file.readOffset;
    await this.options.onChunk({ flowId: this.options.flowId, file: file.id, path: file.path, chunk: bytes, startOffset, endOffset, ...flags });
    // Moved only once handed over: a chunk whose onChunk threw is read again (at least once).
    file.readOffset = endOffset;
    file.partialAt = -1;
  }

  private async onTruncated(file: TrackedFile, newSize: number): Promise<void> {
    const now = this.clock.now();
    const readOffset = file.readOffset;
    const lastSize = Math.max(file.seenSize, readOffset);
    this.recentTruncations.push({ id: file.key, readOffset, fingerprintBytes: file.identity.fingerprintBytes, fingerprint: file.identity.fingerprint, at: now });
    // Copies made before the truncation (logrotate copies, then truncates) are read from where this file was.
    let heldByCopy = readOffset;
    for (const other of this.files.values()) {
      if (other.parkedCopyOf !== file.key) continue;
      // The copy is complete by now (logrotate copies, then truncates): its size bounds where it can start.
      other.size = other.seenSize = (await other.handle.stat()).size;
      other.unpark(readOffset, now);
      heldByCopy = Math.max(heldByCopy, other.size);
      this.emit({ kind: 'file-found', file: other.id, path: other.path, offset: other.readOffset, reason: 'copy-of-truncated' });
    }
    const oldId = file.id;
    await file.restartAfterTruncation(newSize, now);
    this.emit({ kind: 'file-truncated', file: oldId, path: file.path, readOffset, unreadBytesLost: Math.max(0, lastSize - heldByCopy) });
    // The content before the truncation is over: its last chunk (empty) lets processing send the multi-line
    // record it still holds, then delivery may forget the old generation (its acks no longer move anything).
    try {
      await this.options.onChunk({ flowId: this.options.flowId, file: oldId, path: file.path, chunk: Buffer.alloc(0), startOffset: readOffset, endOffset: readOffset, endOfFile: true });
    } catch (error) {
      this.logger.warn({ err: error, file: oldId }, 'the last chunk of a truncated file was not taken');
    }
    this.options.onFileDone?.(oldId, file.path);
  }

  /**
   * Closes rotated files read to their end and acknowledged. Their checkpoint entry stays (with its final
   * offset): a file let go that shows up again under a matching name (renamed back, or a scan that missed it
   * mid-rename) resumes at its end instead of being read again from 0. Entries of files no longer tracked are
   * kept up to FINISHED_KEPT_PER_FLOW per flow, newest first, and expire with the store's TTL.
   */
  private async finishRotated(): Promise<void> {
    const now = this.clock.now();
    let finished = false;
    for (const file of [...this.files.values()]) {
      if (!file.isFinished(now, this.settings.rotatedIdleMs)) continue;
      this.files.delete(file.key);
      await file.handle.close().catch(() => undefined);
      if (file.parkedCopyOf !== undefined) continue;
      this.options.store.set({ flow: this.options.flowId, path: file.path, ...file.identity, offset: file.tracker.checkpoint });
      finished = true;
      this.emit({ kind: 'file-done', file: file.id, path: file.path });
      this.options.onFileDone?.(file.id, file.path);
    }
    if (finished) this.pruneFinished();
  }

  private pruneFinished(): void {
    const untracked = this.options.store
      .entriesOf(this.options.flowId)
      .filter((e) => !this.files.has(`${e.dev}:${e.ino}`))
      .sort((a, b) => b.updatedAt - a.updatedAt);
    for (const e of untracked.slice(FINISHED_KEPT_PER_FLOW)) this.options.store.remove(this.options.flowId, e.dev, e.ino);
  }

  /** With checkpointIntervalMs 0: writes now, or right after the write in progress. */
  private checkpointSoon(): void {
    // After a failed write (disk full) only the loop's once-a-second write retries: no write and warning per ack.
    if (this.settings.checkpointIntervalMs > 0 || this.clock.now() < this.checkpointFailedUntil) return;
    if (this.checkpointWriting) {
      this.checkpointAgain = true;
      return;
    }
    this.checkpointWriting = true;
    void (async () => {
      do {
        this.checkpointAgain = false;
        await this.checkpoint(true);
      } while (this.checkpointAgain);
      this.checkpointWriting = false;
    })();
  }

  /**
   * Writes changed checkpoints on the interval (and when forced: at stop, and after acks with interval 0); the
   * store fsyncs its durable copy behind (checkpoint-store.ts), `durable` waits for it (stop).
   */
  private async checkpoint(force: boolean, durable = false): Promise<void> {
    const now = this.clock.now();
    if (!force && now < this.nextCheckpointAt) return;
    if (!force) this.nextCheckpointAt = now + (this.settings.checkpointIntervalMs || 1000);
    for (const file of this.files.values()) {
      if (!file.checkpointDirty || file.parkedCopyOf !== undefined) continue;
      file.checkpointDirty = false;
      this.options.store.set({ flow: this.options.flowId, path: file.path, ...file.identity, offset: file.tracker.checkpoint });
    }
    try {
      await this.options.store.flush({ durable });
      this.checkpointFailedUntil = 0;
    } catch (error) {
      const retryIn = this.settings.checkpointIntervalMs || 1000;
      if (this.checkpointFailedUntil === 0 || !force) this.logger.warn({ err: error }, `checkpoint not written; retrying in ${retryIn} ms`);
      this.checkpointFailedUntil = this.clock.now() + retryIn;
    }
  }
}
