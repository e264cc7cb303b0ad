// For the type checker only (tsconfig.public.json): the JSON the gateway's browser pages (public/*.js) read, as the
// pages see it. The server's own types are the source (named beside each shape); they are not imported because
// they pull Node's types into the browser program. src/http/public-api.contract.spec.ts checks at compile time
// that each server type still fits the shape declared here.

/** kvs/stream-health.ts StreamHealth. */
export interface StreamHealth {
  status: 'live' | 'idle';
  lastFragmentAt: string | null;
  lastProducerTimestamp: string | null;
  fragmentsPerSecond: number;
  bitrateBps: number;
  windowSeconds: number;
}

/** GET /api/streams (api/streams-api.ts): kvs-playback-client.ts StreamSummary plus its health. */
export interface StreamsResponse {
  streams: Array<{ name: string; status: string | null; health: StreamHealth | null }>;
}

/** The body of POST /api/streams/:name/playback (api/api-requests.ts playbackRequestSchema). */
export interface PlaybackRequest {
  mode: 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';
  start?: string;
  end?: string;
  delivery?: 'direct' | 'proxied';
}

/** Its answer (api/streams-api.ts). */
export interface PlaybackSession {
  stream: string;
  mode: PlaybackRequest['mode'];
  delivery: 'direct' | 'proxied';
  url: string;
  expiresAt: string;
}

/** GET /api/dashboard (dashboard/dashboard-api.ts). */
export interface DashboardConfig {
  refreshMs: number;
  panels: { cameras: boolean; cameraHealth: boolean; devices: boolean; rollups: boolean; consumers: boolean };
}

/** dashboard-api.ts CameraProducerHealth (the schemas' CameraHealthItem plus two derived fields), the part read. */
export interface CameraProducerHealth {
  state: 'streaming' | 'reconnecting' | 'buffering' | 'stopped';
  stale: boolean;
  lastFragmentAgeMs: number | null;
  fragmentsPerSecond: number;
  bitrateKbps: number;
  ackLatencyP50Ms?: number;
  ackLatencyP99Ms?: number;
  spooledFragments: number;
}

/** GET /api/dashboard/cameras: dashboard-api.ts DashboardCamera. */
export interface DashboardCamera {
  name: string;
  status: string | null;
  health: StreamHealth | null;
  producer: CameraProducerHealth | null;
}

/** GET /api/dashboard/devices: dashboard-tables.ts DeviceStateItem, the part read. */
export interface DeviceState {
  deviceId: string;
  seq: number;
  ts: number;
  metrics: Record<string, number>;
}

export interface DevicesResponse {
  devices: DeviceState[];
  truncated: boolean;
  skipped: number;
}

/** dashboard-api.ts RollupSeries. */
export interface RollupSeries {
  t: number[];
  mean: number[];
  min: number[];
  max: number[];
  count: number[];
}

/** GET /api/dashboard/devices/:id/rollups. */
export interface RollupsResponse {
  deviceId: string;
  metrics: string[];
  series: Record<string, RollupSeries>;
}

/** dashboard-api.ts ShardProgress, the part read. */
export interface ShardProgress {
  shardId: string;
  owner: string | null;
  checkpoint: string;
  millisBehindLatest: number | null;
  recordsPerSecond: number | null;
}

/** GET /api/dashboard/consumers: dashboard-api.ts ConsumersView. */
export interface ConsumersView {
  shards: ShardProgress[];
  recordsPerSecond: number | null;
  maxMillisBehindLatest: number | null;
  sampledAt: number;
}
