/**
 * NDJSON files in the layout Amazon Data Firehose writes to S3, on a local (or mounted) file system:
 *
 *   <root>/<prefix>/YYYY/MM/DD/HH/<name>-<worker>-<n>.ndjson.gz
 *
 * with the hour in UTC, taken from each record's `at` (the caller decides: arrival time for raw telemetry, as
 * Firehose does, window start for rollups). So the folder tree can be copied to S3 as is and queried with
 * Athena/Glue partition projection on `YYYY/MM/DD/HH`.
 *
 * - Rotation: a file is closed once it holds `maxFileBytes` of uncompressed NDJSON, or `maxFileAgeMs` after it
 *   was opened (Firehose's buffering hints: size and interval), or when more than `maxOpenFiles` partitions are
 *   open (the oldest file is closed), or on `flush()`/`close()`.
 * - Atomic: a file is written under a hidden temporary name in its partition folder (`.<final>.inprogress`, which
 *   Athena, Spark and Hive skip) and appears under its final name only once it is complete and synced: hard link
 *   to the final name (which fails rather than overwrite a file of the same name), then unlink of the temporary
 *   name. A reader never sees half a file. The final name is chosen when the file is opened (one no file has
 *   yet) and never changes, so two workers publishing the same records cannot both succeed: the second link
 *   fails with EEXIST.
 * - Durable before acknowledged: `write()` resolves once the batch is sync-flushed out of gzip, written AND
 *   fsynced, and the temporary file is still ours (not claimed, see below). That is when the handler lets the
 *   consumer checkpoint, so a checkpointed record is on disk in a file that gets published whatever happens to
 *   this worker: by this worker at rotation, or by any worker's sweep if this one dies.
 * - Orphans (a worker killed in the middle of a file) are swept by every running worker, at `start()` and every
 *   `sweepIntervalMs`, not only at the next start of the same worker (records already checkpointed stayed hidden
 *   for 11+ minutes that way). A temporary file is an orphan once it is older than a live file can be: a live
 *   writer publishes its file `maxFileAgeMs` after opening it, so one created (birth time; the modification time
 *   where the file system keeps none) more than `maxFileAgeMs + orphanGraceMs` ago has no writer left. Age, not
 *   a pid or a lock, because workers on several hosts may share the disk (a pid means nothing on another host,
 *   and locks on network file systems are unreliable); the grace covers a late rotation and clock skew.
 * - Claims are atomic: a sweeper renames the orphan to a name unique to itself (`<temp>.claimed-<worker>-<pid>`);
 *   of several sweepers exactly one rename succeeds, and ENOENT means another worker took the file (not
 *   corruption). The claimer decompresses what is complete (up to the last sync flush; a torn tail is dropped),
 *   keeps whole lines, recompresses, and publishes under the orphan's own final name. If that name exists with
 *   the same lines, someone published the orphan already and the claim is dropped: never published twice. A
 *   claimer that dies leaves `.claimed-…`; such a claim is taken over once it is `orphanGraceMs` old.
 * - A live writer checks after each write that its temporary name still points at its file: if a sweeper took
 *   it (a rotation late by more than the grace), the write fails (the consumer retries the batch into a new
 *   file) rather than acknowledging records the claimer may not have read.
 *
 * Writes are serialised per sink (one batch at a time, in call order), so rotation never races a write; sweeps run
 * beside them (they never touch this sink's open files).
 *
 * This file holds the writer (open, append, fsync-ack, rotate, publish); the names are sink-file-names.ts', the
 * link-and-fsync publication file-publisher.ts', and the orphan sweep with its claims orphan-sweeper.ts'.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SerialQueue } from '@tributary/runtime';
import { noopLogger, type Logger } from '../logger';
import { TelemetryConsumerError } from '../telemetry-consumer-error';
import { systemClock, systemTimers, type Clock, type Timers } from '../time';
import { exists, isNotFound, publishOnce, readLines, syncDirectories, syncDirectory } from './file-publisher';
import { OrphanSweeper } from './orphan-sweeper';
import { CLAIM_MARK, FILE_EXTENSION, TEMP_SUFFIX, fileNameSafe, partitionOf } from './sink-file-names';

export { classifySinkFile, fileNameSafe, partitionOf } from './sink-file-names';

export const FILE_SINK_DEFAULTS = {
  /** Uncompressed NDJSON bytes per file (Firehose's S3 buffer size goes up to 128 MiB). */
  maxFileBytes: 64 * 1024 * 1024,
  /** Firehose's default buffer interval for S3: 300 s. */
  maxFileAgeMs: 300_000,
  /** Partitions (hours) with a file open at once; a late record for an old hour opens one more. */
  maxOpenFiles: 4,
  /** A temporary file older than maxFileAgeMs plus this long belongs to no live writer (late rotation, clock skew). */
  orphanGraceMs: 60_000,
  /** How often a running sink looks for orphans: part of the bound on how long a dead worker's records stay hidden. */
  sweepIntervalMs: 30_000,
  compressionLevel: 6,
} as const;
export interface FileSinkRecord {
  /** Epoch ms that picks the hour partition (UTC). */
  at: number;
  /** One NDJSON line, without the newline (JSON.stringify output never contains one). */
  line: string;
}

export type CommitReason = 'size' | 'age' | 'evicted' | 'flush' | 'recovered';

export interface CommittedFile {
  path: string;
  /** `YYYY/MM/DD/HH`. */
  partition: string;
  records: number;
  /** Uncompressed NDJSON bytes. */
  bytes: number;
  compressedBytes: number;
  reason: CommitReason;
}

export interface FileSinkOptions {
  /** Output folder (created if missing). */
  root: string;
  /** Folder under the root, like a Firehose S3 prefix (`telemetry`, `rollups`). */
  prefix: string;
  /** First part of file names (Firehose puts the delivery stream name there). */
  name: string;
  /** Second part of file names: which worker wrote the file (characters outside `A-Za-z0-9_.-` become `_`). */
  workerId: string;
  maxFileBytes?: number;
  maxFileAgeMs?: number;
  maxOpenFiles?: number;
  orphanGraceMs?: number;
  /** Period of the orphan sweep once started (0: only at `start()`). */
  sweepIntervalMs?: number;
  compressionLevel?: number;
  /** Part of this sink's claim names, with the worker id (default process.pid). */
  pid?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  /** Called after each file is published. */
  onCommitted?: (file: CommittedFile) => void;
}

export interface FileSinkStats {
  openFiles: number;
  filesCommitted: number;
  recordsWritten: number;
  bytesWritten: number;
  compressedBytesWritten: number;
  /** Orphaned temporary files this sink claimed and published (at `start()`, in a sweep, or after a failed write). */
  filesRecovered: number;
  /** Files abandoned after an I/O error (salvaged at once, or left for a sweep). */
  writeErrors: number;
  /** Open files of this sink that another worker's sweep claimed (it publishes them). */
  filesTakenByOthers: number;
}

interface OpenFile {
  partition: string;
  dir: string;
  tempPath: string;
  /** The name it will be published under (free when the file was opened). */
  finalName: string;
  /** Inode of the temporary file: tells whether the temporary name still points at it. */
  ino: number;
  handle: FileHandle;
  gzip: zlib.Gzip;
  output: Buffer[];
  records: number;
  bytes: number;
  compressedBytes: number;
  timer: unknown;
}

export class FileSink {
  private readonly base: string;
  private readonly name: string;
  private readonly workerId: string;
  private readonly maxFileBytes: number;
  private readonly maxFileAgeMs: number;
  private readonly maxOpenFiles: number;
  private readonly orphanGraceMs: number;
  private readonly sweepIntervalMs: number;
  private readonly compressionLevel: number;
  private readonly sweeper: OrphanSweeper;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly onCommitted: ((file: CommittedFile) => void) | undefined;
  /** Open files by partition, oldest first (Map keeps insertion order). */
  private readonly open = new Map<string, OpenFile>();
  // Writes, rotations and flushes one at a time, in call order.
  private readonly queue = new SerialQueue();
  private nextN = 0;
  private closed = false;
  private sweeping: Promise<number> | undefined;
  private sweepTimer: unknown;
  private readonly counters = { filesCommitted: 0, recordsWritten: 0, bytesWritten: 0, compressedBytesWritten: 0, filesRecovered: 0, writeErrors: 0, filesTakenByOthers: 0 };

  constructor(options: FileSinkOptions) {
    this.name = fileNameSafe(options.name);
    this.workerId = fileNameSafe(options.workerId);
    if (options.prefix.split(/[\\/]/).some((p) => p === '..')) throw new RangeError(`FileSink: prefix must stay under the root (got ${options.prefix})`);
    this.base = path.join(options.root, options.prefix);
    this.maxFileBytes = options.maxFileBytes ?? FILE_SINK_DEFAULTS.maxFileBytes;
    this.maxFileAgeMs = options.maxFileAgeMs ?? FILE_SINK_DEFAULTS.maxFileAgeMs;
    this.maxOpenFiles = options.maxOpenFiles ?? FILE_SINK_DEFAULTS.maxOpenFiles;
    this.orphanGraceMs = options.orphanGraceMs ?? FILE_SINK_DEFAULTS.orphanGraceMs;
    this.sweepIntervalMs = options.sweepIntervalMs ?? FILE_SINK_DEFAULTS.sweepIntervalMs;
    this.compressionLevel = options.compressionLevel ?? FILE_SINK_DEFAULTS.compressionLevel;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? noopLogger;
    this.onCommitted = options.onCommitted;
    this.sweeper = new OrphanSweeper({
      base: this.base,
      claimSuffix: `${CLAIM_MARK}${this.workerId}-${options.pid ?? process.pid}`,
      compressionLevel: this.compressionLevel,
      orphanAgeMs: this.maxFileAgeMs + this.orphanGraceMs,
      orphanGraceMs: this.orphanGraceMs,
      clock: this.clock,
      logger: this.logger,
      onRecovered: (file) => {
        this.counters.filesRecovered++;
        this.onCommitted?.(file);
      },
    });
    for (const [key, value] of Object.entries({ maxFileBytes: this.maxFileBytes, maxFileAgeMs: this.maxFileAgeMs, maxOpenFiles: this.maxOpenFiles })) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`FileSink: ${key} must be a positive integer (got ${value})`);
    }
    for (const [key, value] of Object.entries({ orphanGraceMs: this.orphanGraceMs, sweepIntervalMs: this.sweepIntervalMs })) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`FileSink: ${key} must be a non-negative integer (got ${value})`);
    }
  }

  /** The folder this sink writes under (`<root>/<prefix>`). */
  get directory(): string {
    return this.base;
  }

  /** How long after its creation an orphan is claimed: a live file is published by then. */
  get orphanAgeMs(): number {
    return this.maxFileAgeMs + this.orphanGraceMs;
  }

  stats(): FileSinkStats {
    return { openFiles: this.open.size, ...this.counters };
  }

  /** Creates the folder, publishes the orphans already there, and sweeps again every `sweepIntervalMs`. */
  async start(): Promise<{ recovered: number }> {
    await this.queue.run(() => fsp.mkdir(this.base, { recursive: true }));
    const recovered = await this.sweep();
    this.scheduleSweep();
    return { recovered };
  }

  /**
   * Claims and publishes the orphaned temporary files under the sink's folder (see the file header); resolves
   * with how many it published. One sweep at a time: a call during a sweep joins it.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweeper.sweep(new Set([...this.open.values()].map((f) => f.tempPath))).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Appends records (each to its hour's file); resolves once their compressed bytes are in the files and synced. */
  write(records: readonly FileSinkRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.queue.run(() => this.writeNow(records));
  }

  /** Closes and publishes every open file. */
  flush(): Promise<void> {
    return this.queue.run(() => this.commitAll('flush'));
  }

  /** Publishes every open file and stops sweeping; later writes fail with CLOSED. */
  close(): Promise<void> {
    this.closed = true;
    this.timers.clearTimeout(this.sweepTimer);
    return this.queue.run(async () => {
      await this.sweeping?.catch(() => undefined);
      await this.commitAll('flush');
    });
  }

  /** Resolves once every write, rotation and flush queued so far has finished (whatever its outcome). */
  settled(): Promise<void> {
    return this.queue.settled();
  }


  private scheduleSweep(): void {
    if (this.closed || this.sweepIntervalMs === 0) return;
    this.timers.clearTimeout(this.sweepTimer);
    this.sweepTimer = this.timers.setTimeout(() => {
      this.sweep()
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message, dir: this.base }, 'file sink: orphan sweep failed; trying again at the next one'))
        .finally(() => this.scheduleSweep());
    }, this.sweepIntervalMs);
  }

  private async writeNow(records: readonly FileSinkRecord[]): Promise<void> {
    if (this.closed) throw new TelemetryConsumerError('CLOSED', `file sink ${this.base} is closed`, false);
    const byPartition = new Map<string, string[]>();
    for (const r of records) {
      const partition = partitionOf(r.at);
      let lines = byPartition.get(partition);
      if (!lines) byPartition.set(partition, (lines = []));
      lines.push(r.line);
    }
    for (const [partition, lines] of byPartition) {
      const file = this.open.get(partition) ?? (await this.openFile(partition));
      const text = `${lines.join('\n')}\n`;
      try {
        file.gzip.write(text);
        await new Promise<void>((resolve) => file.gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
        await this.drainOutput(file);
        // Durable before the consumer may checkpoint these records (and the write moves the mtime on).
        await file.handle.sync();
      } catch (err) {
        await this.abandon(file, err);
        throw new TelemetryConsumerError('FILE_SINK_FAILED', `could not write ${file.tempPath}: ${(err as Error).message}`, true, { cause: err });
      }
      if (!(await this.stillOurs(file))) {
        // A sweeper took the file (our rotation came later than the grace): it may have read it before this batch
        // reached it, so the batch is not acknowledged; the consumer retries it into a new file.
        this.letGo(file);
        throw new TelemetryConsumerError('FILE_SINK_FAILED', `${file.tempPath} was claimed by another worker's sweep before this batch was acknowledged`, true);
      }
      const bytes = Buffer.byteLength(text);
      file.records += lines.length;
      file.bytes += bytes;
      this.counters.recordsWritten += lines.length;
      this.counters.bytesWritten += bytes;
      if (file.bytes >= this.maxFileBytes) await this.commit(file, 'size');
    }
  }

  private async stillOurs(file: OpenFile): Promise<boolean> {
    const stat = await fsp.stat(file.tempPath).catch(() => undefined);
    return stat !== undefined && stat.ino === file.ino;
  }

  /** Forgets an open file another worker claimed: its records are that worker's to publish now. */
  private letGo(file: OpenFile): void {
    this.counters.filesTakenByOthers++;
    this.open.delete(file.partition);
    this.timers.clearTimeout(file.timer);
    file.gzip.destroy();
    void file.handle.close().catch(() => undefined);
    this.logger.warn({ path: file.tempPath }, 'file sink: an open file was claimed by another worker (rotation later than the orphan grace); it publishes the file');
  }

  private async openFile(partition: string): Promise<OpenFile> {
    while (this.open.size >= this.maxOpenFiles) {
      const oldest = this.open.values().next().value as OpenFile;
      await this.commit(oldest, 'evicted');
    }
    const dir = path.join(this.base, ...partition.split('/'));
    try {
      const created = await fsp.mkdir(dir, { recursive: true });
      // New folders' entries must survive a power loss too, or the fsynced file is unreachable.
      if (created !== undefined) await syncDirectories(path.dirname(created), dir);
      for (;;) {
        const n = this.nextN++;
        const finalName = this.fileName(n);
        const tempPath = path.join(dir, `.${finalName}${TEMP_SUFFIX}`);
        let handle: FileHandle;
        try {
          handle = await fsp.open(tempPath, 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw err;
        }
        // The final name is fixed now, while the temporary name reserves it: a name already published (an earlier
        // run with the same worker id) is skipped, so EEXIST at publication can only mean "published already".
        if (await exists(path.join(dir, finalName))) {
          await handle.close();
          await fsp.unlink(tempPath);
          continue;
        }
        const ino = (await handle.stat()).ino;
        await syncDirectory(dir);
        const gzip = zlib.createGzip({ level: this.compressionLevel });
        const file: OpenFile = { partition, dir, tempPath, finalName, ino, handle, gzip, output: [], records: 0, bytes: 0, compressedBytes: 0, timer: undefined };
        gzip.on('data', (chunk: Buffer) => file.output.push(chunk));
        // Errors surface through write/flush/end; this keeps an 'error' event from being unhandled.
        gzip.on('error', () => undefined);
        file.timer = this.timers.setTimeout(() => {
          void this.queue.run(async () => {
            if (this.open.get(partition) === file) await this.commit(file, 'age');
          }).catch((err: unknown) => this.logger.error({ err, path: file.tempPath }, 'file sink: rotation by age failed'));
        }, this.maxFileAgeMs);
        this.open.set(partition, file);
        return file;
      }
    } catch (err) {
      throw new TelemetryConsumerError('FILE_SINK_FAILED', `could not open a file in ${dir}: ${(err as Error).message}`, true, { cause: err });
    }
  }

  private fileName(n: number): string {
    return `${this.name}-${this.workerId}-${n}${FILE_EXTENSION}`;
  }

  private async drainOutput(file: OpenFile): Promise<void> {
    if (file.output.length === 0) return;
    const chunk = file.output.length === 1 ? file.output[0] : Buffer.concat(file.output);
    file.output = [];
    await file.handle.write(chunk);
    file.compressedBytes += chunk.length;
    this.counters.compressedBytesWritten += chunk.length;
  }

  private async commitAll(reason: CommitReason): Promise<void> {
    const failures: unknown[] = [];
    for (const file of [...this.open.values()]) {
      try {
        await this.commit(file, reason);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Ends the gzip stream, syncs, and publishes the file under its final name. */
  private async commit(file: OpenFile, reason: CommitReason): Promise<void> {
    this.open.delete(file.partition);
    this.timers.clearTimeout(file.timer);
    let published: { path: string; linked: boolean } | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        file.gzip.once('end', resolve);
        file.gzip.once('error', reject);
        file.gzip.end();
      });
      await this.drainOutput(file);
      await file.handle.sync();
      await file.handle.close();
      published = await publishOnce(file.tempPath, file.dir, file.finalName, () => readLines(file.tempPath));
      if (published.linked) await fsp.unlink(file.tempPath);
      else await fsp.unlink(file.tempPath).catch(() => undefined);
      await syncDirectory(file.dir);
    } catch (err) {
      if (published === undefined && isNotFound(err) && !(await exists(file.tempPath))) {
        // A sweeper renamed the file away: it publishes everything acknowledged (written and synced before now).
        this.counters.filesTakenByOthers++;
        this.logger.warn({ path: file.tempPath }, 'file sink: an open file was claimed by another worker before its publication; it publishes the file');
        return;
      }
      await this.abandon(file, err);
      throw new TelemetryConsumerError('FILE_SINK_FAILED', `could not publish ${file.tempPath}: ${(err as Error).message}`, true, { cause: err });
    }
    if (!published.linked) {
      this.logger.warn({ path: published.path }, 'file sink: this file was already published by another worker');
      return;
    }
    this.counters.filesCommitted++;
    const committed: CommittedFile = { path: published.path, partition: file.partition, records: file.records, bytes: file.bytes, compressedBytes: file.compressedBytes, reason };
    this.logger.debug({ ...committed }, 'file sink: file published');
    this.onCommitted?.(committed);
  }

  /** After an I/O error: stop using the file and try to publish what it holds (it may have acknowledged batches). */
  private async abandon(file: OpenFile, err: unknown): Promise<void> {
    this.counters.writeErrors++;
    this.open.delete(file.partition);
    this.timers.clearTimeout(file.timer);
    file.gzip.destroy();
    await file.handle.close().catch(() => undefined);
    this.logger.error({ err, path: file.tempPath }, 'file sink: I/O error, file abandoned; salvaging what it holds');
    await this.sweeper.claimAndSalvage({ kind: 'temp', path: file.tempPath, finalName: file.finalName }).catch(() => false);
  }
}

