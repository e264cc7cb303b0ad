/**
 * Where the records of every shard go: filtered (--key, --where), formatted (JSON lines or raw), counted
 * (--count) and written to stdout as one Buffer per batch, with stdout's backpressure. A shard's batches are
 * written in order (its reader awaits each write), so per shard the output is in sequence order.
 *
 * Plain Kinesis records are formatted straight from the SDK's objects through one reused view (no object per
 * record); KPL aggregates go through the consumer lib's deaggregator.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { deaggregateRecords } from '@tributary/kinesis-consumer';
import { isAggregated } from '@tributary/kpl';
import type { Output } from '../../cli/output';
import { bodyOffsetsOf, type BodyOffsets } from './get-records-decoder';
import { LineBuffer } from './line-buffer';
import { RecordFormatter, appendRaw, decodeData, type TailRecord } from './record-format';
import type { WherePredicate } from './where-expression';

export interface SinkSettings {
  stream: string;
  format: 'json' | 'raw';
  keys?: ReadonlySet<string>;
  where?: WherePredicate;
  /** Stop after this many records printed. */
  count?: number;
}

const EPOCH = new Date(0);
const EMPTY = new Uint8Array(0);

export class RecordSink {
  private printedCount = 0;
  private readonly formatters = new Map<string, RecordFormatter>();
  private readonly lines = new LineBuffer();
  /** The view plain records are formatted through (fields overwritten per record). */
  private readonly view: TailRecord = { data: EMPTY, partitionKey: '', sequenceNumber: '', subSequenceNumber: 0, aggregated: false, approximateArrivalTimestamp: EPOCH };

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

  /** Writes what passes the filters of a GetRecords / SubscribeToShard batch; resolves when stdout took it. */
  writeKinesis(shardId: string, records: readonly KinesisRecord[]): Promise<void> | undefined {
    const formatter = this.formatterOf(shardId);
    const view = this.view;
    // Straight from the GetRecords body where the decoder read it: JSON lines without --where (which reads values).
    const fromBody = this.settings.format === 'json' && !this.settings.where ? bodyOffsetsOf(records) : undefined;
    for (let i = 0; i < records.length && !this.full; i++) {
      const record = records[i];
      const data = record.Data ?? EMPTY;
      if (isAggregated(data)) {
        const subs = deaggregateRecords([record], shardId).records;
        for (let k = 0; k < subs.length && !this.full; k++) this.take(shardId, formatter, subs[k]);
        continue;
      }
      view.data = data;
      view.partitionKey = record.PartitionKey ?? '';
      view.sequenceNumber = record.SequenceNumber ?? '';
      view.approximateArrivalTimestamp = record.ApproximateArrivalTimestamp ?? EPOCH;
      if (fromBody) this.takeFromBody(formatter, view, fromBody, i);
      else this.take(shardId, formatter, view);
    }
    return this.flush();
  }

  /** take() for a plain record with its body offsets (JSON lines, no --where). */
  private takeFromBody(formatter: RecordFormatter, record: TailRecord, at: BodyOffsets, i: number): void {
    const keys = this.settings.keys;
    if (keys && !keys.has(record.partitionKey)) return;
    const o = at.offsets;
    const seqStart = o[4 * i];
    const keyStart = o[4 * i + 2];
    if (seqStart < 0 || keyStart < 0) formatter.append(this.lines, record);
    else formatter.appendFromBody(this.lines, record, at.body, seqStart, o[4 * i + 1], keyStart, o[4 * i + 3]);
    this.printedCount++;
  }

  /** Writes user records (already deaggregated) that pass the filters. */
  write(shardId: string, records: readonly TailRecord[]): Promise<void> | undefined {
    const formatter = this.formatterOf(shardId);
    for (let i = 0; i < records.length && !this.full; i++) this.take(shardId, formatter, records[i]);
    return this.flush();
  }

  private take(shardId: string, formatter: RecordFormatter, record: TailRecord): void {
    const { keys, where } = this.settings;
    if (keys && !keys.has(record.partitionKey)) return;
    const decoded = where ? decodeData(record.data) : undefined;
    if (where && !where({ data: decoded?.value, key: record.partitionKey, shard: shardId, sequence: record.sequenceNumber })) return;
    if (this.settings.format === 'raw') appendRaw(this.lines, record);
    else formatter.append(this.lines, record, decoded);
    this.printedCount++;
  }

  private flush(): Promise<void> | undefined {
    return this.lines.length > 0 ? this.out.write(this.lines.take()) : undefined;
  }

  private formatterOf(shardId: string): RecordFormatter {
    let formatter = this.formatters.get(shardId);
    if (!formatter) {
      formatter = new RecordFormatter(this.settings.stream, shardId);
      this.formatters.set(shardId, formatter);
    }
    return formatter;
  }
}
