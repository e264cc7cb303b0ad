/**
 * Where the records of every shard go: filtered (--key, --where), formatted (JSON lines or raw), counted
 * (--count) and written to stdout one chunk per batch, with stdout's backpressure. A shard's batches are written
 * in order (its reader awaits each write), so per shard the output is in sequence order.
 */
import type { ConsumerRecord } from '@tributary/kinesis-consumer';
import type { Output } from '../../cli/output';
import { RecordFormatter, decodeData, rawLine } from './record-format';
import type { WherePredicate } from './where-expression';

export interface SinkSettings {
  stream: string;
  format: 'json' | 'raw';
  keys?: ReadonlySet<string>;
  where?: WherePredicate;
  /** Stop after this many records printed. */
  count?: number;
}

export class RecordSink {
  private printedCount = 0;
  private readonly formatters = new Map<string, RecordFormatter>();

  constructor(
    private readonly out: Pick<Output, 'write'>,
    private readonly settings: SinkSettings,
  ) {}

  get printed(): number {
    return this.printedCount;
  }

  /** --count reached: readers stop. */
  get full(): boolean {
    return this.settings.count !== undefined && this.printedCount >= this.settings.count;
  }

  /** Writes what passes the filters; resolves when stdout took it (or at once when it had room). */
  write(shardId: string, records: readonly ConsumerRecord[]): Promise<void> | undefined {
    if (records.length === 0 || this.full) return undefined;
    return this.settings.format === 'raw' ? this.writeRaw(records) : this.writeJson(shardId, records);
  }

  private writeJson(shardId: string, records: readonly ConsumerRecord[]): Promise<void> | undefined {
    let formatter = this.formatters.get(shardId);
    if (!formatter) {
      formatter = new RecordFormatter(this.settings.stream, shardId);
      this.formatters.set(shardId, formatter);
    }
    const { keys, where } = this.settings;
    const left = this.left();
    let chunk = '';
    let taken = 0;
    for (let i = 0; i < records.length && taken < left; i++) {
      const record = records[i];
      if (keys && !keys.has(record.partitionKey)) continue;
      const data = decodeData(record.data);
      if (where && !where({ data: data.value, key: record.partitionKey, shard: shardId, sequence: record.sequenceNumber })) continue;
      chunk += formatter.line(record, data);
      taken++;
    }
    this.printedCount += taken;
    return taken > 0 ? this.out.write(chunk) : undefined;
  }

  private writeRaw(records: readonly ConsumerRecord[]): Promise<void> | undefined {
    const { keys, where } = this.settings;
    const left = this.left();
    const parts: Buffer[] = [];
    let taken = 0;
    for (let i = 0; i < records.length && taken < left; i++) {
      const record = records[i];
      if (keys && !keys.has(record.partitionKey)) continue;
      if (where && !where({ data: decodeData(record.data).value, key: record.partitionKey, shard: record.shardId, sequence: record.sequenceNumber })) continue;
      parts.push(...rawLine(record));
      taken++;
    }
    this.printedCount += taken;
    return taken > 0 ? this.out.write(Buffer.concat(parts)) : undefined;
  }

  private left(): number {
    return this.settings.count === undefined ? Number.POSITIVE_INFINITY : this.settings.count - this.printedCount;
  }
}
