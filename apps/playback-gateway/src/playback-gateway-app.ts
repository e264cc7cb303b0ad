/**
 * Wires the gateway from its settings: credentials (libs/auth), the KVS and Kinesis clients (SDK v3, standard AWS config), the
 * segment cache, metrics and the Express app; listens, and closes in order. Tests call it with their own client
 * config (the in-process emulator) and a quiet logger.
 */
import type { Server } from 'node:http';
import type { KinesisVideoClientConfig } from '@aws-sdk/client-kinesis-video';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { createHttpServer, createServiceLogger, listenHttp, type HttpServerTimeouts } from '@tributary/runtime';
import { loadAuthOptions, type AuthenticatorOptions } from '@tributary/auth';
import { STREAM_LIST_HEALTH_READ, type CameraHealthScan } from './api/stream-catalog';
import { DashboardTables } from './dashboard/dashboard-tables';
import { GatewayMetrics } from './gateway-metrics';
import { SegmentCache } from './hls/segment-cache';
import { createGatewayServer } from './http/gateway-server';
import { locateStaticAssets, type StaticAssets } from './http/static-assets';
import { KdsDashboardClient } from './kds/kds-dashboard-client';
import { KvsPlaybackClient } from './kvs/kvs-playback-client';
import { SETTING_NAMES, type PlaybackGatewayConfig } from './playback-gateway-config';

export interface PlaybackGatewayDeps {
  logger?: Logger;
  /** Overrides the credentials built from the settings. */
  auth?: AuthenticatorOptions;
  /** SDK client settings (tests: the emulator's endpoint and dummy credentials); default: AWS's own environment. */
  kvsClientConfig?: KinesisVideoClientConfig;
  /** The same for the dashboard's DynamoDB reads (only used when a dashboard table is set). */
  dynamoDbClientConfig?: DynamoDBClientConfig;
  /** The same for the dashboard's Kinesis Data Streams reads (its data-streams panel). */
  kinesisClientConfig?: KinesisClientConfig;
  /** How long the dashboard's DynamoDB answers are shared (default DASHBOARD_DEFAULTS.cacheMs). */
  dashboardCacheMs?: number;
  /** How long the stream list and its camera-health Scan are shared (default STREAM_CATALOG_DEFAULTS.cacheMs). */
  catalogCacheMs?: number;
  metrics?: GatewayMetrics;
  assets?: StaticAssets;
  fetch?: typeof fetch;
  /** The HTTP server's timeouts (tests shorten them); see RUNTIME_DEFAULTS.http. */
  serverTimeouts?: Partial<HttpServerTimeouts>;
}

export interface RunningPlaybackGateway {
  url: string;
  port: number;
  server: Server;
  kvs: KvsPlaybackClient;
  segmentCache: SegmentCache;
  metrics: GatewayMetrics;
  close(): Promise<void>;
}

export async function startPlaybackGateway(config: PlaybackGatewayConfig, deps: PlaybackGatewayDeps = {}): Promise<RunningPlaybackGateway> {
  const logger = deps.logger ?? createServiceLogger({ name: 'playback-gateway', level: config.logLevel });
  if (config.playbackKeyGenerated) {
    logger.warn(
      'GATEWAY_PLAYBACK_KEY is not set: using a random key. Playback URLs stop working when this process restarts, and other instances ' +
        'cannot serve them; set the same key on every instance behind a load balancer.',
    );
  }
  const auth = deps.auth ?? (await loadAuthOptions(config, SETTING_NAMES));
  const kvs = new KvsPlaybackClient({ clientConfig: deps.kvsClientConfig, timeoutMs: config.upstreamTimeoutMs });
  const segmentCache = new SegmentCache({ maxBytes: config.segmentCacheBytes });
  const metrics = deps.metrics ?? new GatewayMetrics();
  metrics.bindSegmentCache(segmentCache);
  const dashboardTables = {
    deviceState: config.deviceStateTable,
    rollups: config.rollupTable,
    leases: config.leaseTable,
    cameraHealth: config.cameraHealthTable,
  };
  const dynamo = Object.values(dashboardTables).some((t) => t !== undefined) ? new DynamoDBClient(deps.dynamoDbClientConfig ?? {}) : undefined;
  const cameraHealth = cameraHealthScan(dynamo, config);
  // Built always: the SDK makes no call until the data-streams panel asks (telemetry:read viewers only).
  const kds = new KdsDashboardClient({ clientConfig: deps.kinesisClientConfig, timeoutMs: config.upstreamTimeoutMs });
  const app = createGatewayServer({
    auth,
    kvs,
    playbackKey: config.playbackKey,
    tokenTtlSeconds: config.tokenTtlSeconds,
    delivery: config.delivery,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    cspConnectSrc: config.cspConnectSrc,
    apiRateLimit: config.apiRateLimit,
    hlsRateLimit: config.hlsRateLimit,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    playlistShareMs: config.playlistShareMs,
    segmentCache,
    metrics,
    logger,
    assets: deps.assets ?? locateStaticAssets(),
    fetch: deps.fetch,
    ...(cameraHealth ? { cameraHealth } : {}),
    ...(deps.catalogCacheMs !== undefined ? { catalogCacheMs: deps.catalogCacheMs } : {}),
    dashboard: {
      tables: dashboardTables,
      reader: dynamo ? new DashboardTables({ client: dynamo, timeoutMs: config.upstreamTimeoutMs }) : undefined,
      cacheMs: deps.dashboardCacheMs,
      kds,
    },
  });
  // Behind a load balancer keep-alive should outlast the balancer's idle timeout (ALB: 60 s); the other bounds
  // are the runtime's (headers 10 s, request 30 s: a clip download's response is not bounded by it, idle 60 s).
  const server = createHttpServer(app, { keepAliveTimeoutMs: 65_000, ...deps.serverTimeouts });
  const { url, port } = await listenHttp(server, config.port, config.host);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    server,
    kvs,
    segmentCache,
    metrics,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })
        .then(() => kvs.close())
        .then(() => {
          dynamo?.destroy();
          kds.close();
        })),
  };
}

/** The stream list's read of the whole camera-health table: one paged Scan (large pages: 1,000 cameras a call). */
function cameraHealthScan(dynamo: DynamoDBClient | undefined, config: PlaybackGatewayConfig): CameraHealthScan | undefined {
  const table = config.cameraHealthTable;
  if (!dynamo || table === undefined) return undefined;
  const reader = new DashboardTables({ client: dynamo, timeoutMs: config.upstreamTimeoutMs, ...STREAM_LIST_HEALTH_READ });
  return () => reader.cameraHealth(table);
}
