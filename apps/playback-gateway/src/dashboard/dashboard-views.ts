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
