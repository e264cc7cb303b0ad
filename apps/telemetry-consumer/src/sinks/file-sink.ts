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
 *   name. A reader never sees half a file.
 * - gzip, one stream per file, with a sync flush after every batch: `write()` resolves once the batch's
 *   compressed bytes are in the file (in the OS, not yet fsynced), which is when the handler lets the consumer
 *   checkpoint. If the process dies, the temporary file holds every acknowledged batch as a readable gzip prefix;
 *   `start()` salvages such orphans (temporary files untouched for longer than a live file can stay open):
 *   it decompresses what is complete, keeps whole lines, and publishes them under the final name.
 *
 * Writes are serialised per sink (one batch at a time, in call order), so rotation never races a write.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { noopLogger, type Logger } from '../logger';
import { TelemetryConsumerError } from '../telemetry-consumer-error';
import { systemClock, systemTimers, type Clock, type Timers } from '../time';

export const FILE_SINK_DEFAULTS = {
  /** Uncompressed NDJSON bytes per file (Firehose's S3 buffer size goes up to 128 MiB). */
  maxFileBytes: 64 * 1024 * 1024,
  /** Firehose's default buffer interval for S3: 300 s. */
  maxFileAgeMs: 300_000,
  /** Partitions (hours) with a file open at once; a late record for an old hour opens one more. */
  maxOpenFiles: 4,
  /** A temporary file untouched for maxFileAgeMs plus this long belongs to no live writer. */
  orphanGraceMs: 60_000,
  compressionLevel: 6,
} as const;

const TEMP_SUFFIX = '.inprogress';
const FILE_EXTENSION = '.ndjson.gz';

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
  compressionLevel?: number;
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
  /** Orphaned temporary files published by `start()` (or after a failed write). */
  filesRecovered: number;
  /** Files abandoned after an I/O error (left for salvage). */
  writeErrors: number;
}

interface OpenFile {
  partition: string;
  dir: string;
  tempPath: string;
  /** Number of the file, used for its final name unless that name is taken. */
  n: number;
  handle: FileHandle;
  gzip: zlib.Gzip;
  output: Buffer[];
  records: number;
  bytes: number;
  compressedBytes: number;
  timer: unknown;
}

/** `YYYY/MM/DD/HH` of an epoch-ms instant, in UTC. */
export function partitionOf(at: number): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a valid instant: ${at}`);
  const pad = (v: number, w = 2): string => String(v).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

/** A string safe as part of a file name on every platform we run on. */
export function fileNameSafe(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe;
}

export class FileSink {
  private readonly base: string;
  private readonly name: string;
  private readonly workerId: string;
  private readonly maxFileBytes: number;
  private readonly maxFileAgeMs: number;
  private readonly maxOpenFiles: number;
  private readonly orphanGraceMs: number;
  private readonly compressionLevel: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly onCommitted: ((file: CommittedFile) => void) | undefined;
  /** Open files by partition, oldest first (Map keeps insertion order). */
  private readonly open = new Map<string, OpenFile>();
  private chain: Promise<unknown> = Promise.resolve();
  private nextN = 0;
  private closed = false;
  private readonly counters = { filesCommitted: 0, recordsWritten: 0, bytesWritten: 0, compressedBytesWritten: 0, filesRecovered: 0, writeErrors: 0 };

  constructor(options: FileSinkOptions) {
    this.name = fileNameSafe(options.name);
    this.workerId = fileNameSafe(options.workerId);
    if (options.prefix.split(/[\\/]/).some((p) => p === '..')) throw new RangeError(`FileSink: prefix must stay under the root (got ${options.prefix})`);
    this.base = path.join(options.root, options.prefix);
    this.maxFileBytes = options.maxFileBytes ?? FILE_SINK_DEFAULTS.maxFileBytes;
    this.maxFileAgeMs = options.maxFileAgeMs ?? FILE_SINK_DEFAULTS.maxFileAgeMs;
    this.maxOpenFiles = options.maxOpenFiles ?? FILE_SINK_DEFAULTS.maxOpenFiles;
    this.orphanGraceMs = options.orphanGraceMs ?? FILE_SINK_DEFAULTS.orphanGraceMs;
    this.compressionLevel = options.compressionLevel ?? FILE_SINK_DEFAULTS.compressionLevel;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? noopLogger;
    this.onCommitted = options.onCommitted;
    for (const [key, value] of Object.entries({ maxFileBytes: this.maxFileBytes, maxFileAgeMs: this.maxFileAgeMs, maxOpenFiles: this.maxOpenFiles })) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`FileSink: ${key} must be a positive integer (got ${value})`);
    }
  }

  /** The folder this sink writes under (`<root>/<prefix>`). */
  get directory(): string {
    return this.base;
  }

  stats(): FileSinkStats {
    return { openFiles: this.open.size, ...this.counters };
  }

  /** Creates the folder and salvages orphaned temporary files older than a live file can be. */
  start(): Promise<{ recovered: number }> {
    return this.enqueue(async () => {
      await fsp.mkdir(this.base, { recursive: true });
      const cutoff = this.clock.now() - (this.maxFileAgeMs + this.orphanGraceMs);
      let recovered = 0;
      for (const tempPath of await findTempFiles(this.base)) {
        const stat = await fsp.stat(tempPath).catch(() => undefined);
        if (!stat || stat.mtimeMs > cutoff) continue;
        if (await this.salvage(tempPath)) recovered++;
      }
      return { recovered };
    });
  }

  /** Appends records (each to its hour's file); resolves once their compressed bytes are in the files. */
  write(records: readonly FileSinkRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.enqueue(() => this.writeNow(records));
  }

  /** Closes and publishes every open file. */
  flush(): Promise<void> {
    return this.enqueue(() => this.commitAll('flush'));
  }

  /** Publishes every open file; later writes fail with CLOSED. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      this.closed = true;
      await this.commitAll('flush');
    });
  }

  /** Resolves once every write, rotation and flush queued so far has finished (whatever its outcome). */
  settled(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
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
      } catch (err) {
        await this.abandon(file, err);
        throw new TelemetryConsumerError('FILE_SINK_FAILED', `could not write ${file.tempPath}: ${(err as Error).message}`, true, { cause: err });
      }
      const bytes = Buffer.byteLength(text);
      file.records += lines.length;
      file.bytes += bytes;
      this.counters.recordsWritten += lines.length;
      this.counters.bytesWritten += bytes;
      if (file.bytes >= this.maxFileBytes) await this.commit(file, 'size');
    }
  }

  private async openFile(partition: string): Promise<OpenFile> {
    while (this.open.size >= this.maxOpenFiles) {
      const oldest = this.open.values().next().value as OpenFile;
      await this.commit(oldest, 'evicted');
    }
    const dir = path.join(this.base, ...partition.split('/'));
    try {
      await fsp.mkdir(dir, { recursive: true });
      for (;;) {
        const n = this.nextN++;
        const tempPath = path.join(dir, `.${this.fileName(n)}${TEMP_SUFFIX}`);
        let handle: FileHandle;
        try {
          handle = await fsp.open(tempPath, 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw err;
        }
        const gzip = zlib.createGzip({ level: this.compressionLevel });
        const file: OpenFile = { partition, dir, tempPath, n, handle, gzip, output: [], records: 0, bytes: 0, compressedBytes: 0, timer: undefined };
        gzip.on('data', (chunk: Buffer) => file.output.push(chunk));
        // Errors surface through write/flush/end; this keeps an 'error' event from being unhandled.
        gzip.on('error', () => undefined);
        file.timer = this.timers.setTimeout(() => {
          void this.enqueue(async () => {
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

  private fileName(n: number, suffix = ''): string {
    return `${this.name}-${this.workerId}-${n}${suffix}${FILE_EXTENSION}`;
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
    let finalPath: string;
    try {
      await new Promise<void>((resolve, reject) => {
        file.gzip.once('end', resolve);
        file.gzip.once('error', reject);
        file.gzip.end();
      });
      await this.drainOutput(file);
      await file.handle.sync();
      await file.handle.close();
      finalPath = await this.publish(file.tempPath, file.dir, file.n);
    } catch (err) {
      await this.abandon(file, err);
      throw new TelemetryConsumerError('FILE_SINK_FAILED', `could not publish ${file.tempPath}: ${(err as Error).message}`, true, { cause: err });
    }
    this.counters.filesCommitted++;
    const committed: CommittedFile = { path: finalPath, partition: file.partition, records: file.records, bytes: file.bytes, compressedBytes: file.compressedBytes, reason };
    this.logger.debug({ ...committed }, 'file sink: file published');
    this.onCommitted?.(committed);
  }

  /**
   * Gives `tempPath` its final name in `dir` without ever replacing an existing file: a hard link fails on an
   * existing name (EEXIST), and then the next free number is tried. Then the directory is synced so the new name
   * survives a power loss.
   */
  private async publish(tempPath: string, dir: string, n: number, suffix = ''): Promise<string> {
    let candidate = n;
    for (let attempt = 0; ; attempt++) {
      const finalPath = path.join(dir, this.fileName(candidate, suffix));
      try {
        await fsp.link(tempPath, finalPath);
        await fsp.unlink(tempPath);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && attempt < 1000) {
          candidate = this.nextN++;
          continue;
        }
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          // A file system without hard links: check, then rename (a small window for a clash, never a torn file).
          const exists = await fsp.access(finalPath, fsConstants.F_OK).then(() => true, () => false);
          if (exists) {
            candidate = this.nextN++;
            continue;
          }
          await fsp.rename(tempPath, finalPath);
          break;
        }
        throw err;
      }
    }
    await syncDirectory(dir);
    return path.join(dir, this.fileName(candidate, suffix));
  }

  /** After an I/O error: stop using the file and try to publish what it holds (it may have acknowledged batches). */
  private async abandon(file: OpenFile, err: unknown): Promise<void> {
    this.counters.writeErrors++;
    this.open.delete(file.partition);
    this.timers.clearTimeout(file.timer);
    file.gzip.destroy();
    await file.handle.close().catch(() => undefined);
    this.logger.error({ err, path: file.tempPath }, 'file sink: I/O error, file abandoned; salvaging what it holds');
    await this.salvage(file.tempPath).catch(() => false);
  }

  /**
   * Publishes the complete lines of a temporary file that no writer will finish: decompresses up to the last
   * sync flush (a half-written tail is dropped), recompresses, and publishes under the file's final name (or a
   * `-r<k>` variant). Unreadable files are renamed `.corrupt` and left for an operator.
   */
  private async salvage(tempPath: string): Promise<boolean> {
    const dir = path.dirname(tempPath);
    const match = /^\.(.+)-(\d+)\.ndjson\.gz\.inprogress$/.exec(path.basename(tempPath));
    if (!match) return false;
    let text: string;
    try {
      const raw = await fsp.readFile(tempPath);
      text = zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    } catch (err) {
      this.logger.error({ err, path: tempPath }, 'file sink: orphaned file is unreadable; renamed .corrupt');
      await fsp.rename(tempPath, `${tempPath}.corrupt`).catch(() => undefined);
      return false;
    }
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete === '') {
      await fsp.unlink(tempPath).catch(() => undefined);
      return false;
    }
    // Recompress into a fresh temporary file, then publish it like any other; the orphan goes last.
    const salvagePath = `${tempPath}.salvage`;
    const body = zlib.gzipSync(complete, { level: this.compressionLevel });
    const handle = await fsp.open(salvagePath, 'w');
    try {
      await handle.write(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The orphan's own name prefix (`<name>-<worker>`) is kept: it says who wrote the records.
    const published = await this.publishSalvaged(salvagePath, dir, match[1], Number(match[2]));
    await fsp.unlink(tempPath).catch(() => undefined);
    const records = complete.split('\n').length - 1;
    this.counters.filesRecovered++;
    const partition = path.relative(this.base, dir).split(path.sep).join('/');
    const committed: CommittedFile = { path: published, partition, records, bytes: Buffer.byteLength(complete), compressedBytes: body.length, reason: 'recovered' };
    this.logger.warn({ ...committed, orphan: tempPath }, 'file sink: published the complete lines of an orphaned file');
    this.onCommitted?.(committed);
    return true;
  }

  private async publishSalvaged(salvagePath: string, dir: string, stem: string, n: number): Promise<string> {
    for (let k = 0; k < 1000; k++) {
      const finalPath = path.join(dir, `${stem}-${n}${k === 0 ? '' : `-r${k}`}${FILE_EXTENSION}`);
      try {
        await fsp.link(salvagePath, finalPath);
        await fsp.unlink(salvagePath);
        await syncDirectory(dir);
        return finalPath;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
    }
    throw new Error(`no free name for the salvaged ${stem}-${n} in ${dir}`);
  }
}

async function findTempFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findTempFiles(full)));
    else if (entry.isFile() && entry.name.startsWith('.') && entry.name.endsWith(`${FILE_EXTENSION}${TEMP_SUFFIX}`)) out.push(full);
  }
  return out;
}

/** fsync of a directory (Linux, macOS); platforms that refuse it (Windows) only lose the power-loss guarantee. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
