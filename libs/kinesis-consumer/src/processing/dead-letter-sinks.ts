/**
 * The two built-in dead-letter destinations. Both store the envelope of dead-letter-envelope.ts and resolve
 * send() only once the entries are durable: the consumer checkpoints past a dead-lettered record as soon as
 * send() resolves, so a sink that acknowledged and then lost a record would lose it for good.
 *
 * - FileDeadLetterSink: NDJSON lines appended to one file, fsync'd per send(), one write at a time (sends from
 *   several shards queue up). A failed write is cut back off the file, and a line left unterminated by a crash
 *   is closed with a newline when the file is reopened, so every line stays parseable. One process per file:
 *   give each worker its own path.
 * - KinesisDeadLetterSink: PutRecords into another stream, the envelope as the data and the record's original
 *   partition key (so a key's dead letters stay together, in one shard). Entries that fail are retried a bounded
 *   number of times with backoff; errors that cannot heal (stream missing, access denied) fail at once.
 *   Retried entries may land after entries of the same call that succeeded first.
 */
import { dirname } from 'node:path';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import {
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { classifyCallError, classifyEntryError } from '@tributary/errors';
import { ConsumerError } from '../consumer-error';
import { noopLogger, systemTimers, type Logger, type Timers } from '../consumer-types';
import { toDeadLetterEnvelope, type DeadLetterEnvelope } from './dead-letter-envelope';
import { PROCESSING_DEFAULTS, PUT_RECORDS_LIMITS } from '../defaults';
import { invalidOption } from './processing-options';
import type { DeadLetterEntry, DeadLetterSink, RetryBackoff } from './processing-types';
import { fullJitterDelayMs, sleep } from '@tributary/runtime';

function deadLetterFailed(message: string, retriable: boolean, cause?: unknown): ConsumerError {
  return new ConsumerError('DEAD_LETTER_FAILED', message, retriable, cause === undefined ? {} : { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface FileDeadLetterSinkOptions {
  /** The NDJSON file; its directory is created if missing. */
  path: string;
}

export class FileDeadLetterSink implements DeadLetterSink {
  readonly path: string;
  private handle: FileHandle | undefined;
  /** The file's size after the last acknowledged send: a failed write is truncated back to it. */
  private size = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: FileDeadLetterSinkOptions) {
    if (typeof options?.path !== 'string' || options.path === '') throw invalidOption('onFailure.path', 'must be a file path.');
    this.path = options.path;
  }

  send(entries: DeadLetterEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(deadLetterFailed(`The dead-letter file ${this.path} is closed.`, false));
    const write = this.queue.then(() => this.write(entries));
    this.queue = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async write(entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const bytes = Buffer.from(entries.map((e) => `${JSON.stringify(toDeadLetterEnvelope(e))}\n`).join(''), 'utf8');
    try {
      const handle = await this.opened();
      for (let offset = 0; offset < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
      await handle.sync();
      this.size += bytes.length;
    } catch (error) {
      await this.discardPartialWrite();
      throw deadLetterFailed(`Could not append ${entries.length} dead-letter entries to ${this.path}: ${messageOf(error)}`, true, error);
    }
  }

  private async opened(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.path), { recursive: true });
    let handle: FileHandle;
    let created = true;
    try {
      handle = await open(this.path, 'ax');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      created = false;
      handle = await open(this.path, 'a+');
    }
    try {
      this.size = (await handle.stat()).size;
      if (this.size > 0) {
        // A crash (or a failed truncate) may have left a last line without its newline: close it.
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, this.size - 1);
        if (last[0] !== 0x0a) {
          await handle.write(Buffer.from('\n'));
          await handle.sync();
          this.size += 1;
        }
      }
      if (created) await syncDirectory(dirname(this.path));
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  private async discardPartialWrite(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    await handle.truncate(this.size).catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}

/** A new file's directory entry is only durable once the directory is fsync'd (not supported everywhere: best effort). */
async function syncDirectory(path: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await open(path, 'r');
    await dir.sync();
  } catch {
    // EISDIR / EPERM / EINVAL on platforms without directory fsync.
  } finally {
    await dir?.close().catch(() => undefined);
  }
}

/** The one call the sink makes; a KinesisClient satisfies it. */
export interface PutRecordsClient {
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
}

export interface KinesisDeadLetterSinkOptions {
  client: PutRecordsClient;
  /** The dead-letter stream, by name or ARN (one of the two). */
  streamName?: string;
  streamArn?: string;
  /** PutRecords attempts for an entry before send() rejects (default 5). */
  maxAttempts?: number;
  backoff?: Partial<RetryBackoff>;
  /**
   * An envelope larger than a Kinesis record (base64 grows data by a third: records above ~750 KiB) cannot be
   * written. 'fail' (default): send() rejects, non-retriable, and the shard stops before the record.
   * 'omit-data': the envelope goes without the data (`dataOmitted: true`, `dataBytes`), position and error kept.
   */
  oversize?: 'fail' | 'omit-data';
  /** Largest record of the dead-letter stream, data + partition key (default 1 MiB). */
  maxRecordBytes?: number;
  timers?: Timers;
  random?: () => number;
  logger?: Logger;
}

interface Prepared {
  entry: PutRecordsRequestEntry;
  bytes: number;
}

export class KinesisDeadLetterSink implements DeadLetterSink {
  private readonly client: PutRecordsClient;
  private readonly target: { StreamName: string } | { StreamARN: string };
  private readonly maxAttempts: number;
  private readonly backoff: RetryBackoff;
  private readonly oversize: 'fail' | 'omit-data';
  private readonly maxRecordBytes: number;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(options: KinesisDeadLetterSinkOptions) {
    if (typeof options?.client?.send !== 'function') throw invalidOption('onFailure.client', 'must be a KinesisClient.');
    if (options.streamArn) this.target = { StreamARN: options.streamArn };
    else if (options.streamName) this.target = { StreamName: options.streamName };
    else throw invalidOption('onFailure.streamName', 'one of streamName or streamArn is required.');
    this.client = options.client;
    this.maxAttempts = options.maxAttempts ?? PROCESSING_DEFAULTS.kinesisSinkMaxAttempts;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw invalidOption('onFailure.maxAttempts', 'must be a positive integer.');
    this.backoff = {
      baseMs: options.backoff?.baseMs ?? PROCESSING_DEFAULTS.kinesisSinkBackoff.baseMs,
      maxMs: options.backoff?.maxMs ?? PROCESSING_DEFAULTS.kinesisSinkBackoff.maxMs,
    };
    if (!(this.backoff.baseMs >= 0 && this.backoff.maxMs >= this.backoff.baseMs)) {
      throw invalidOption('onFailure.backoff', 'needs 0 <= baseMs <= maxMs.');
    }
    this.oversize = options.oversize ?? 'fail';
    if (this.oversize !== 'fail' && this.oversize !== 'omit-data') throw invalidOption('onFailure.oversize', "must be 'fail' or 'omit-data'.");
    this.maxRecordBytes = options.maxRecordBytes ?? PUT_RECORDS_LIMITS.maxRecordBytes;
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? noopLogger;
  }

  send(entries: DeadLetterEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(deadLetterFailed('The Kinesis dead-letter sink is closed.', false));
    const run = this.sendAll(entries);
    const tracked = run.catch(() => undefined);
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return run;
  }

  /** Refuses new sends and waits for those in flight. The client is the caller's: it is not destroyed. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight]);
  }

  private async sendAll(entries: DeadLetterEntry[]): Promise<void> {
    const prepared = entries.map((e) => this.prepare(e));
    for (const chunk of chunksOf(prepared)) await this.put(chunk);
  }

  private prepare(deadLetter: DeadLetterEntry): Prepared {
    const partitionKey = deadLetter.record.partitionKey;
    const keyBytes = Buffer.byteLength(partitionKey, 'utf8');
    let envelope: DeadLetterEnvelope = toDeadLetterEnvelope(deadLetter);
    let data = Buffer.from(JSON.stringify(envelope), 'utf8');
    if (data.length + keyBytes > this.maxRecordBytes) {
      const where = `record ${deadLetter.record.sequenceNumber}:${deadLetter.record.subSequenceNumber} of ${deadLetter.record.shardId}`;
      if (this.oversize === 'fail') {
        throw deadLetterFailed(
          `The dead-letter envelope of ${where} is ${data.length + keyBytes} bytes, above the ${this.maxRecordBytes}-byte record limit ` +
            "of the dead-letter stream (use oversize: 'omit-data' or a FileDeadLetterSink).",
          false,
        );
      }
      envelope = { ...envelope, data: '', dataOmitted: true, dataBytes: deadLetter.record.data.byteLength };
      data = Buffer.from(JSON.stringify(envelope), 'utf8');
      this.logger.warn({ shardId: deadLetter.record.shardId, sequenceNumber: deadLetter.record.sequenceNumber }, 'dead-letter envelope too large: data omitted');
    }
    return { entry: { Data: data, PartitionKey: partitionKey }, bytes: data.length + keyBytes };
  }

  /** One PutRecords-sized chunk, retrying what failed until it is all written or the attempts are used up. */
  private async put(chunk: Prepared[]): Promise<void> {
    let pending = chunk.map((p) => p.entry);
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.timers, fullJitterDelayMs(attempt - 1, this.backoff.baseMs, this.backoff.maxMs, this.random));
      let output: PutRecordsCommandOutput;
      try {
        output = await this.client.send(new PutRecordsCommand({ ...this.target, Records: pending }));
      } catch (error) {
        const failure = classifyCallError(error);
        lastError = `${failure.code}: ${failure.message}`;
        if (failure.kind === 'permanent') {
          throw deadLetterFailed(`PutRecords to the dead-letter stream failed: ${lastError}`, false, error);
        }
        this.logger.debug({ attempt, code: failure.code, entries: pending.length }, 'dead-letter PutRecords failed; retrying');
        continue;
      }
      const results = output.Records ?? [];
      const failed: PutRecordsRequestEntry[] = [];
      for (let i = 0; i < pending.length; i++) {
        const code = results[i]?.ErrorCode;
        // A missing result entry counts as failed: only an acknowledged entry is written.
        if (results[i] === undefined || code) {
          const failure = classifyEntryError(code ?? 'MissingResult', results[i]?.ErrorMessage ?? 'no result entry');
          lastError = `${failure.code}: ${failure.message}`;
          if (failure.kind === 'permanent') {
            throw deadLetterFailed(`The dead-letter stream refused an entry: ${lastError}`, false);
          }
          failed.push(pending[i]);
        }
      }
      if (failed.length === 0) return;
      this.logger.debug({ attempt, failed: failed.length, entries: pending.length, lastError }, 'dead-letter entries failed; retrying them');
      pending = failed;
    }
    throw deadLetterFailed(
      `${pending.length} of ${chunk.length} dead-letter entries could not be written in ${this.maxAttempts} attempt(s); last error ${lastError}.`,
      true,
    );
  }

}

/** PutRecords limits: at most 500 entries and 5 MiB (data + partition keys) per call, order kept. */
function chunksOf(prepared: Prepared[]): Prepared[][] {
  const chunks: Prepared[][] = [];
  let current: Prepared[] = [];
  let bytes = 0;
  for (const p of prepared) {
    if (current.length > 0 && (current.length === PUT_RECORDS_LIMITS.maxEntries || bytes + p.bytes > PUT_RECORDS_LIMITS.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += p.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
