/**
 * The loop of `tributary put`: lines in, producer.put() out, without awaiting each record (the producer batches
 * and aggregates what is queued; awaiting one by one would send one record per linger period). Backpressure is
 * the producer's: when its buffer is full, `whenWritable()` is awaited before the next line is read. Every
 * record's promise is kept track of only to count it and to report its line if it fails.
 */
import { randomUUID } from 'node:crypto';
import type { KinesisProducer, RecordsPutEvent } from '@tributary/kinesis-producer';
import { untilAborted } from './abortable-chunks';
import { keyAtPath, type KeyPath } from './key-path';
import { isLine, splitLines } from './line-splitter';
import { putUnitsOf, putUnitsOfCall, type PutFailure, type PutTotals } from './put-summary';

/** How each line gets its partition key. */
export type KeyChoice = { kind: 'random' } | { kind: 'fixed'; key: string } | { kind: 'path'; path: KeyPath };

export interface PutSource {
  /** As shown in failure lines: the file's path, or `stdin`. */
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

export class RecordPutter {
  readonly totals: PutTotals = {
    records: 0,
    bytes: 0,
    emptyLines: 0,
    delivered: 0,
    kinesisRecords: 0,
    unitsUnaggregated: 0,
    unitsSent: 0,
    failures: 0,
    elapsedMs: 0,
  };
  readonly failures: PutFailure[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly producer: KinesisProducer,
    private readonly keys: KeyChoice,
    private readonly onBytesRead: (n: number) => void = () => undefined,
  ) {
    producer.on('records-put', (e: RecordsPutEvent) => {
      this.totals.kinesisRecords += e.kinesisRecords;
      this.totals.unitsSent += putUnitsOfCall(e.kinesisRecords, e.bytes);
    });
  }

  /** Reads `source` to its end (or until `signal` aborts), queuing each line. */
  async putAll(source: PutSource, signal: AbortSignal): Promise<void> {
    for await (const item of splitLines(counted(untilAborted(source.chunks, signal), this.onBytesRead))) {
      if (signal.aborted) return;
      if (!isLine(item)) {
        this.totals.emptyLines++;
        continue;
      }
      const key = this.keyOf(item.data);
      if (!key.ok) {
        this.fail({ source: source.name, lineNumber: item.lineNumber, code: 'KEY_PATH', message: `${key.reason}; the line was not sent` });
        continue;
      }
      this.put(source.name, item.lineNumber, item.data, key.key);
      if (!this.producer.writable) await this.producer.whenWritable();
    }
  }

  /** Resolves once every record queued so far is delivered or failed. */
  async settled(): Promise<void> {
    await this.producer.flush();
    await Promise.all([...this.pending]);
  }

  private put(sourceName: string, lineNumber: number, data: Buffer, partitionKey: string): void {
    const bytes = data.length + Buffer.byteLength(partitionKey, 'utf8');
    this.totals.records++;
    this.totals.bytes += bytes;
    const done = this.producer.put({ partitionKey, data }).then(
      () => {
        this.totals.delivered++;
        // Counted on delivery, as the units sent are: the comparison is between what was stored both ways.
        this.totals.unitsUnaggregated += putUnitsOf(bytes);
      },
      (error: unknown) => {
        const e = error as { code?: string; message?: string };
        this.fail({ source: sourceName, lineNumber, code: e.code ?? 'FAILED', message: e.message ?? String(error) });
      },
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  private keyOf(data: Buffer): { ok: true; key: string } | { ok: false; reason: string } {
    switch (this.keys.kind) {
      case 'random':
        return { ok: true, key: randomUUID() };
      case 'fixed':
        return { ok: true, key: this.keys.key };
      case 'path':
        return keyAtPath(data.toString('utf8'), this.keys.path);
    }
  }

  private fail(failure: PutFailure): void {
    this.totals.failures++;
    this.failures.push(failure);
  }
}

async function* counted(chunks: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onBytes(chunk.byteLength);
    yield chunk;
  }
}
