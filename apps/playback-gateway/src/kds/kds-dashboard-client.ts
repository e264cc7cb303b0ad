/**
 * The dashboard's reads of Kinesis Data Streams, through the SDK v3 Kinesis client only (standard AWS config, like
 * the KVS client: the same code reads the emulator and AWS):
 *
 *   list     ListStreams (all pages), then DescribeStreamSummary per stream, `describeConcurrency` at once
 *   sample   per stream: ListShards (open shards, at most `maxShards`), and per shard GetShardIterator
 *            AT_TIMESTAMP (now − windowMs) and at most `maxPagesPerShard` GetRecords; when that bound stops a busy
 *            shard before its tip, one more iterator AT_TIMESTAMP (now − tipMs) and one GetRecords of up to
 *            `tipRecords` for the newest records (a shard takes at most 1,000 records/s, so that page reaches the tip). What it measures: the records whose ApproximateArrivalTimestamp falls in the window, their
 *            data bytes, user records after KPL deaggregation, and the newest arrival; plus a preview of the newest
 *            few user records.
 *
 * Both answers are cached (PromiseCache, single-flight) and shared by every viewer: N dashboards polling every 2 s
 * cost one list per `listCacheMs` and one sample per stream per `sampleCacheMs`, whatever N. GetRecords shares a
 * shard's 5 reads/s with the stream's real consumers, hence the long sample period and the call bounds.
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  type _Record,
  type KinesisClientConfig,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@tributary/kpl';
import { mapWithConcurrency, PromiseCache, systemClock, type Clock } from '@tributary/runtime';
import { classifyKdsError } from '../gateway-error';
import type { DataStreamFlow, PreviewRecord } from '../dashboard/dashboard-views';

export const KDS_DASHBOARD_DEFAULTS = {
  listCacheMs: 10_000,
  sampleCacheMs: 10_000,
  windowMs: 60_000,
  /**
   * The tip read: one GetRecords of up to `tipRecords` from AT_TIMESTAMP (now − tipMs). A shard accepts at most
   * 1,000 records and 1 MiB per second (KDS quotas), so one such page reaches the tip but for a burst.
   */
  tipMs: 1_000,
  tipRecords: 1_000,
  describeConcurrency: 4,
  sampleConcurrency: 4,
  /** Streams whose flow is sampled at most (the first by name). */
  maxStreams: 20,
  maxShards: 16,
  maxPagesPerShard: 3,
  recordsPerPage: 1_000,
  previewRecords: 10,
  previewChars: 2_000,
} as const;

export type KdsDashboardSettings = { -readonly [K in keyof typeof KDS_DASHBOARD_DEFAULTS]: number };

export interface KdsStreamSummary {
  name: string;
  status: string | null;
  mode: string | null;
  openShards: number | null;
  retentionHours: number | null;
  consumers: number | null;
}

/** A sample without the age of its newest record, which depends on when it is read. */
export type KdsFlowSample = Omit<DataStreamFlow, 'lastRecordAgeMs'>;

export interface KdsStreamSample {
  flow: KdsFlowSample;
  /** Newest first. */
  preview: PreviewRecord[];
}

export interface KdsDashboardClientOptions {
  clientConfig?: KinesisClientConfig;
  /** Per-call timeout (the SDK's abortSignal). */
  timeoutMs: number;
  clock?: Clock;
  settings?: Partial<KdsDashboardSettings>;
}

/** What one shard's read found. */
interface ShardRead {
  records: number;
  bytes: number;
  userRecords: number;
  lastArrival: number | null;
  /** The time the read covers, for the rate: the whole window, or up to the last record read when cut short. */
  coveredMs: number;
  complete: boolean;
  newest: PreviewRecord[];
}

export class KdsDashboardClient {
  readonly client: KinesisClient;
  readonly settings: KdsDashboardSettings;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly lists: PromiseCache<KdsStreamSummary[]>;
  private readonly samples: PromiseCache<KdsStreamSample>;

  constructor(options: KdsDashboardClientOptions) {
    this.client = new KinesisClient(options.clientConfig ?? {});
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs;
    this.settings = { ...KDS_DASHBOARD_DEFAULTS, ...options.settings };
    this.lists = new PromiseCache({ ttlMs: this.settings.listCacheMs, maxEntries: 1, clock: this.clock });
    // Keys are stream names the list gave, or one a caller asked for (refused unless listed: see sample()).
    this.samples = new PromiseCache({ ttlMs: this.settings.sampleCacheMs, maxEntries: this.settings.maxStreams * 2, clock: this.clock });
  }

  /** Every data stream with its summary, by name; shared for listCacheMs. */
  listStreams(): Promise<KdsStreamSummary[]> {
    return this.lists.get('streams', () => this.fetchStreams());
  }

  /** The flow and newest records of `name`; shared for sampleCacheMs. */
  sample(name: string): Promise<KdsStreamSample> {
    return this.samples.get(name, () => this.fetchSample(name));
  }

  close(): void {
    this.client.destroy();
  }

  private callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.timeoutMs) };
  }

  private async fetchStreams(): Promise<KdsStreamSummary[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListStreamsCommand(NextToken ? { NextToken } : { Limit: 1_000 }), this.callOptions());
        names.push(...(page.StreamNames ?? []));
        NextToken = page.HasMoreStreams ? page.NextToken : undefined;
      } while (NextToken);
    } catch (err) {
      throw classifyKdsError(err, 'ListStreams');
    }
    names.sort();
    return mapWithConcurrency(names, this.settings.describeConcurrency, async (name): Promise<KdsStreamSummary> => {
      try {
        const out = await this.client.send(new DescribeStreamSummaryCommand({ StreamName: name }), this.callOptions());
        const d = out.StreamDescriptionSummary;
        return {
          name,
          status: d?.StreamStatus ?? null,
          mode: d?.StreamModeDetails?.StreamMode ?? null,
          openShards: d?.OpenShardCount ?? null,
          retentionHours: d?.RetentionPeriodHours ?? null,
          consumers: d?.ConsumerCount ?? null,
        };
      } catch {
        // Deleted between the two calls, or refused: listed without figures rather than failing the panel.
        return { name, status: null, mode: null, openShards: null, retentionHours: null, consumers: null };
      }
    });
  }

  private async fetchSample(name: string): Promise<KdsStreamSample> {
    const sampledAt = this.clock.now();
    const open = await this.openShards(name);
    const sampled = open.slice(0, this.settings.maxShards);
    const reads = await mapWithConcurrency(sampled, this.settings.sampleConcurrency, (shardId) => this.readShard(name, shardId, sampledAt));
    const sum = (f: (r: ShardRead) => number): number => reads.reduce((a, r) => a + f(r), 0);
    const perSecond = (f: (r: ShardRead) => number): number =>
      Math.round(reads.reduce((a, r) => a + (f(r) * 1000) / Math.max(1_000, r.coveredMs), 0) * 100) / 100;
    const arrivals = reads.map((r) => r.lastArrival).filter((t): t is number => t !== null);
    const flow: KdsFlowSample = {
      windowMs: this.settings.windowMs,
      records: sum((r) => r.records),
      bytes: sum((r) => r.bytes),
      userRecords: sum((r) => r.userRecords),
      recordsPerSecond: perSecond((r) => r.records),
      userRecordsPerSecond: perSecond((r) => r.userRecords),
      bytesPerSecond: perSecond((r) => r.bytes),
      lastRecordAt: arrivals.length > 0 ? Math.max(...arrivals) : null,
      complete: reads.every((r) => r.complete),
      shardsSampled: sampled.length,
      shardsOpen: open.length,
      sampledAt,
    };
    const preview = reads
      .flatMap((r) => r.newest)
      .sort((a, b) => b.arrivedAt - a.arrivedAt || compareSequenceNumbers(b.sequenceNumber, a.sequenceNumber) || (b.subSequence ?? 0) - (a.subSequence ?? 0))
      .slice(0, this.settings.previewRecords);
    return { flow, preview };
  }

  private async openShards(name: string): Promise<string[]> {
    const out: string[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListShardsCommand(NextToken ? { NextToken } : { StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }),
          this.callOptions(),
        );
        for (const s of page.Shards ?? []) if (s.ShardId && !s.SequenceNumberRange?.EndingSequenceNumber) out.push(s.ShardId);
        NextToken = page.NextToken;
      } while (NextToken && out.length < this.settings.maxShards);
    } catch (err) {
      throw classifyKdsError(err, 'ListShards');
    }
    return out;
  }

  private async readShard(name: string, shardId: string, now: number): Promise<ShardRead> {
    const { windowMs, maxPagesPerShard, recordsPerPage } = this.settings;
    const from = now - windowMs;
    const read: ShardRead = { records: 0, bytes: 0, userRecords: 0, lastArrival: null, coveredMs: windowMs, complete: false, newest: [] };
    let iterator = await this.iterator(name, shardId, from);
    let last: _Record[] = [];
    for (let page = 0; page < maxPagesPerShard && iterator; page++) {
      const out = await this.getRecords(iterator, recordsPerPage);
      const records = (out.Records ?? []).filter((r) => arrivalOf(r) >= from && arrivalOf(r) <= now);
      for (const r of records) {
        read.records++;
        read.bytes += r.Data?.length ?? 0;
        read.userRecords += userRecordCount(r.Data);
        read.lastArrival = Math.max(read.lastArrival ?? 0, arrivalOf(r));
      }
      if (records.length > 0) last = records;
      iterator = out.NextShardIterator;
      if ((out.MillisBehindLatest ?? 0) === 0) {
        read.complete = true;
        break;
      }
    }
    if (!read.complete) {
      // Cut short: the rate covers from `from` to the last record read; the preview comes from the tip.
      if (read.lastArrival !== null) read.coveredMs = Math.max(1_000, read.lastArrival - from);
      const tip = await this.iterator(name, shardId, now - this.settings.tipMs);
      const out = tip ? await this.getRecords(tip, this.settings.tipRecords) : { Records: [] };
      const newest = out.Records ?? [];
      if (newest.length > 0) {
        last = newest;
        read.lastArrival = Math.max(read.lastArrival ?? 0, ...newest.map(arrivalOf));
      }
    }
    read.newest = previewOf(shardId, last, this.settings.previewRecords, this.settings.previewChars);
    return read;
  }

  private async iterator(name: string, shardId: string, at: number): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(at) }),
        this.callOptions(),
      );
      return out.ShardIterator;
    } catch (err) {
      throw classifyKdsError(err, 'GetShardIterator');
    }
  }

  private async getRecords(iterator: string, limit: number) {
    try {
      return await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), this.callOptions());
    } catch (err) {
      throw classifyKdsError(err, 'GetRecords');
    }
  }
}

/** Sequence numbers are decimal strings of up to 128 digits: by length, then digit by digit. */
const compareSequenceNumbers = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

const arrivalOf = (r: _Record): number => r.ApproximateArrivalTimestamp?.getTime() ?? 0;

/**
 * User records in one Kinesis record: an aggregate's count, else 1. A malformed aggregate (checksum or protobuf)
 * counts as one, as KCL passes it on whole and as the preview shows it.
 */
function userRecordCount(data: Uint8Array | undefined): number {
  if (!data) return 1;
  try {
    return deaggregate(data)?.length ?? 1;
  } catch {
    return 1;
  }
}

/** The newest `count` user records of `records` (oldest first, as GetRecords gives them), newest first. */
export function previewOf(shardId: string, records: readonly _Record[], count: number, maxChars: number): PreviewRecord[] {
  const out: PreviewRecord[] = [];
  for (let i = records.length - 1; i >= 0 && out.length < count; i--) {
    const r = records[i] as _Record;
    const data = r.Data ?? new Uint8Array(0);
    const base = { shardId, sequenceNumber: r.SequenceNumber ?? '', arrivedAt: arrivalOf(r) };
    let users: Array<{ partitionKey: string; data: Uint8Array; subSequence: number | null }>;
    try {
      const agg = deaggregate(data);
      users = agg ? agg.map((u, n) => ({ partitionKey: u.partitionKey, data: u.data, subSequence: n })) : [];
    } catch {
      users = []; // malformed aggregate: shown as the raw record below
    }
    if (users.length === 0) users = [{ partitionKey: r.PartitionKey ?? '', data, subSequence: null }];
    for (let n = users.length - 1; n >= 0 && out.length < count; n--) {
      const u = users[n] as (typeof users)[number];
      out.push({ ...base, partitionKey: u.partitionKey, subSequence: u.subSequence, bytes: u.data.length, ...decodePreview(u.data, maxChars) });
    }
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The data as text when it is UTF-8 (marked json when it parses as an object or array), else as base64; cut at maxChars. */
export function decodePreview(data: Uint8Array, maxChars: number): Pick<PreviewRecord, 'encoding' | 'text' | 'cut'> {
  let text: string;
  let encoding: PreviewRecord['encoding'];
  try {
    text = utf8.decode(data);
    encoding = 'text';
    const head = text.trimStart()[0];
    if (head === '{' || head === '[') {
      try {
        JSON.parse(text);
        encoding = 'json';
      } catch {
        // text that only looks like JSON
      }
    }
  } catch {
    text = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, Math.ceil((maxChars * 3) / 4))).toString('base64');
    encoding = 'base64';
    return { encoding, text, cut: data.length > Math.ceil((maxChars * 3) / 4) };
  }
  return { encoding, text: text.length > maxChars ? text.slice(0, maxChars) : text, cut: text.length > maxChars };
}
