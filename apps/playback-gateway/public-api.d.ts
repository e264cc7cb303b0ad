// For the type checker only (tsconfig.public.json): the JSON the gateway's browser pages (public/*.js) read.
// Where the server declares an answer in a file free of Node's types, that declaration is re-exported as is
// (kvs/stream-health.ts, dashboard/dashboard-views.ts). The rest is declared here as the pages see it, because the
// server's own types sit in files that bring Express and Node into a browser program;
// src/http/public-api-contract.ts checks at compile time that those server types still fit these shapes.

import type { StreamHealth } from './src/kvs/stream-health';
import type {
  ConsumersView,
  DataStreamFlow,
  DataStreamRecordsView,
  DataStreamSummary,
  DataStreamsView,
  PreviewRecord,
  RollupSeries,
  ShardProgress,
} from './src/dashboard/dashboard-views';

export type { ConsumersView, DataStreamFlow, DataStreamRecordsView, DataStreamSummary, DataStreamsView, PreviewRecord, RollupSeries, ShardProgress, StreamHealth };

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
  panels: { cameras: boolean; cameraHealth: boolean; devices: boolean; rollups: boolean; consumers: boolean; dataStreams: boolean };
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

/** GET /api/dashboard/devices/:id/rollups. */
export interface RollupsResponse {
  deviceId: string;
  metrics: string[];
  series: Record<string, RollupSeries>;
}
