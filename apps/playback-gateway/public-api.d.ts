// For the type checker only (tsconfig.public.json): the JSON the gateway's browser pages (public/*.js) read.
// Where the server declares an answer in a file free of Node's types, that declaration is re-exported as is
// (kvs/stream-health.ts, kvs/recording-timeline.ts, dashboard/dashboard-views.ts). The rest is declared here as the pages see it, because the
// server's own types sit in files that bring Express and Node into a browser program;
// src/http/public-api-contract.ts checks at compile time that those server types still fit these shapes.

import type { StreamHealth } from './src/kvs/stream-health';
import type { RecordedRange, RecordingTimeline, TimelineGap } from './src/kvs/recording-timeline';
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
/** GET /api/streams/:name/timeline (api/timeline-route.ts). */
export type { RecordedRange, RecordingTimeline, TimelineGap };

/** One entry of GET /api/streams and the answer of GET /api/streams/:name: kvs-playback-client.ts StreamSummary plus its health. */
export interface StreamEntry {
  name: string;
  status: string | null;
  /** null when neither the camera-health table nor KVS could say. */
  health: StreamHealth | null;
}

/**
 * GET /api/streams?limit=&cursor=&q= (api/streams-api.ts, api/stream-list-request.ts): one page of the streams the
 * principal may read whose name contains `q` (case-insensitive), in name order (code-unit order, not locale).
 *   limit   1–200, default 50
 *   cursor  the `nextCursor` of the previous page, given back as is (opaque); any other value answers 400
 *   q       1–256 of a-z A-Z 0-9 _ . -; absent or empty: every readable stream
 * `nextCursor` is null on the last page. `total` counts the readable streams matching `q` (never the others).
 */
export interface StreamsResponse {
  streams: StreamEntry[];
  nextCursor: string | null;
  total: number;
}

/** The query of GET /api/streams, as the pages build it (every member optional). */
export interface StreamsQuery {
  limit?: number;
  cursor?: string;
  q?: string;
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
  /** Present when the producer records locally (video-producer --record). */
  recording?: 'recording' | 'stopped';
  backlogFragments?: number;
  backlogBytes?: number;
  backlogAgeSeconds?: number;
  uploadBytesPerSecond?: number;
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
