/**
 * Answers of the dashboard API (dashboard-api.ts) that the dashboard page reads as they are. Types only, with no
 * imports: the page's type check (tsconfig.public.json, a browser program without Node's types) uses this very file
 * through public-api.d.ts, so the server and the page share one declaration.
 */

/** One shard of GET /api/dashboard/consumers: the lease table's progress and the derived rate. */
export interface ShardProgress {
  shardId: string;
  owner: string | null;
  checkpoint: string;
  millisBehindLatest: number | null;
  recordsProcessed: number | null;
  statsUpdatedAt: number | null;
  recordsPerSecond: number | null;
}

/** GET /api/dashboard/consumers. */
export interface ConsumersView {
  shards: ShardProgress[];
  /** Sum over shards with a known rate; null when none has one yet. */
  recordsPerSecond: number | null;
  maxMillisBehindLatest: number | null;
  sampledAt: number;
  truncated: boolean;
}

/** One metric of GET /api/dashboard/devices/:id/rollups: minute windows, oldest first. */
export interface RollupSeries {
  t: number[];
  mean: number[];
  min: number[];
  max: number[];
  count: number[];
}

/**
 * What reached a data stream over the sampler's window (kds/kds-dashboard-client.ts): the records whose
 * ApproximateArrivalTimestamp falls in the last `windowMs`, read back with GetRecords from AT_TIMESTAMP.
 */
export interface DataStreamFlow {
  windowMs: number;
  /** Kinesis records (an aggregate counts once) and their data bytes (partition keys not counted). */
  records: number;
  bytes: number;
  /** User records: aggregates deaggregated (KPL). */
  userRecords: number;
  recordsPerSecond: number;
  userRecordsPerSecond: number;
  bytesPerSecond: number;
  /** The newest arrival seen (epoch ms), null when nothing arrived in the window. */
  lastRecordAt: number | null;
  /** Now − lastRecordAt when answered (the sample itself may be a few seconds old). */
  lastRecordAgeMs: number | null;
  /**
   * Every sampled shard was read up to its tip. False: the call bound stopped a busy shard's read early, and its
   * rate is the part read over the time that part spans (an estimate).
   */
  complete: boolean;
  shardsSampled: number;
  shardsOpen: number;
  sampledAt: number;
}

/** One stream of GET /api/dashboard/data-streams. */
export interface DataStreamSummary {
  name: string;
  status: string | null;
  /** PROVISIONED | ON_DEMAND */
  mode: string | null;
  openShards: number | null;
  retentionHours: number | null;
  consumers: number | null;
  /** Null when not sampled (beyond the stream cap, not ACTIVE/UPDATING, or the sample failed: see flowError). */
  flow: DataStreamFlow | null;
  flowError: string | null;
}

/** GET /api/dashboard/data-streams. */
export interface DataStreamsView {
  streams: DataStreamSummary[];
  /** More streams than the sampler covers: those past the cap have no flow. */
  flowLimited: boolean;
}

/** One user record of GET /api/dashboard/data-streams/:name/records. */
export interface PreviewRecord {
  shardId: string;
  sequenceNumber: string;
  /** Its index inside a KPL aggregate, null for a plain record. */
  subSequence: number | null;
  partitionKey: string;
  arrivedAt: number;
  bytes: number;
  /** 'text' (UTF-8), 'json' (UTF-8 that parses as a JSON object or array) or 'base64' (not UTF-8). */
  encoding: 'text' | 'json' | 'base64';
  /** The data as text, cut at the preview's length (see `cut`). */
  text: string;
  cut: boolean;
}

/** GET /api/dashboard/data-streams/:name/records: the newest user records the sampler read, newest first. */
export interface DataStreamRecordsView {
  stream: string;
  records: PreviewRecord[];
  sampledAt: number;
}

/** One device of GET /api/dashboard/devices: the device-state item (dashboard-tables.ts), the part the page reads. */
export interface DeviceState {
  deviceId: string;
  seq: number;
  /** The newest record's timestamp (epoch ms). */
  ts: number;
  metrics: Record<string, number>;
}

/** GET /api/dashboard/devices?limit=&offset=&q=&sort=&order=: one page of the device list (device-page.ts). */
export interface DevicesPage {
  devices: DeviceState[];
  /** Devices matching the search, over all pages. */
  total: number;
  offset: number;
  limit: number;
  /** Every metric name the fleet reports, sorted: the table's columns and sort keys. */
  metrics: string[];
  /** Devices read from the table (before the search). */
  fleet: number;
  /** The read's page cap stopped it: more devices exist than were read. */
  truncated: boolean;
  /** Items outside the contract, not shown. */
  skipped: number;
}

/**
 * GET /api/dashboard/consumers/history?minutes=15: the consumer samples the gateway kept (consumer-history.ts), oldest
 * first, one column per sample; a shard's column holds null where it had no lease item then.
 */
export interface ConsumerHistoryView {
  /** Sample times (the lease table reads), epoch ms. */
  t: number[];
  recordsPerSecond: Array<number | null>;
  maxMillisBehindLatest: Array<number | null>;
  shards: Record<string, Array<number | null>>;
  /** The look-back asked for, and what the gateway keeps at most. */
  fromMs: number;
  toMs: number;
  keptMs: number;
}

/** What a camera tile says (camera-state.ts). */
export type CameraState = 'streaming' | 'reconnecting' | 'buffering' | 'stopped' | 'stale' | 'no-video' | 'live' | 'idle' | 'unknown';
