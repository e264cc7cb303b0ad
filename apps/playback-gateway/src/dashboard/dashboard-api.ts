/**
 * The dashboard's read API, mounted under /api behind `authenticate` (API key or JWT):
 *
 *   GET /api/dashboard                          which panels this gateway and principal have, and the refresh period
 *   GET /api/dashboard/cameras                  readable streams: KVS health + the producer's camera-health item,
 *                                               one page: ?limit=&cursor=&q= as GET /api/streams (stream-list-request.ts)
 *   GET /api/dashboard/devices                  device-state table (bounded Scan), one page of it telemetry:read
 *                                               ?limit=50&offset=0&q=&sort=device|age|seq|metric:<name>&order=asc|desc
 *   GET /api/dashboard/devices/:id/rollups      minute rollups, ?minutes=30 (Query)         telemetry:read
 *   GET /api/dashboard/consumers                lease table: lag and records/s per shard    telemetry:read
 *   GET /api/dashboard/consumers/history        the samples the gateway kept, ?minutes=15   telemetry:read
 *   GET /api/dashboard/data-streams[/:name/records]  KDS streams, their flow and newest records  telemetry:read
 *                                               (data-streams-routes.ts; on when a Kinesis client is given)
 *
 * Each table is optional (settings GATEWAY_*_TABLE): an unset one answers 404 NOT_CONFIGURED and its panel is not
 * announced. Every DynamoDB answer is cached for a moment (`cacheMs`) and shared by every caller, so N dashboards
 * polling every 2 s cost one read per table per period; per-principal filtering (readable streams) happens after
 * the cache.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { getPrincipal, hasScope, requireScope } from '@tributary/auth';
import { mapWithConcurrency, PromiseCache, systemClock, type Clock, type Logger } from '@tributary/runtime';
import type { CameraHealthItem, LeaseItem, RollupItem } from '@tributary/schemas';
import { GatewayError } from '../gateway-error';
import { queryRecord, validate } from '../api/api-requests';
import { canReadStream } from '../api/stream-access';
import { encodeStreamCursor, parseStreamListQuery } from '../api/stream-list-request';
import { KVS_CLIENT_DEFAULTS, type KvsPlaybackClient, type StreamSummary } from '../kvs/kvs-playback-client';
import type { StreamHealth } from '../kvs/stream-health';
import type { CameraState, ConsumersView, RollupSeries, ShardProgress } from './dashboard-views';
import { ConsumerRateTracker } from './consumer-rates';
import { ConsumerHistory } from './consumer-history';
import { cameraState, lastFragmentAge } from './camera-state';
import { devicesPage } from './device-page';
import type { DashboardTables, DeviceStateItem, TableRead } from './dashboard-tables';
import { consumerHistoryQuerySchema, deviceIdParam, noQuerySchema, parseDeviceListQuery, rollupQuerySchema } from './dashboard-requests';
import type { KdsDashboardClient } from '../kds/kds-dashboard-client';
import { DATA_STREAMS_PATHS, dataStreamsRoutes } from './data-streams-routes';

export const TELEMETRY_READ_SCOPE = 'telemetry:read';

export const DASHBOARD_DEFAULTS = {
  /** How long one DynamoDB/KVS answer serves every dashboard. */
  cacheMs: 1_500,
  /** Cached answers kept at most (rollup keys carry a client-chosen device id). */
  cacheEntries: 500,
  /** The page's polling period. */
  refreshMs: 2_000,
  /** A camera-health item older than this many of its intervals is stale (its producer is gone). */
  staleIntervals: 3,
} as const;

export interface DashboardTableSettings {
  deviceState?: string;
  rollups?: string;
  leases?: string;
  cameraHealth?: string;
}

export interface DashboardApiOptions {
  kvs: KvsPlaybackClient;
  /** Kinesis Data Streams reads for the data-streams panel; absent: no such panel. */
  kds?: KdsDashboardClient;
  /** Absent when no table is configured (then only the camera panel exists). */
  reader?: DashboardTables;
  tables: DashboardTableSettings;
  logger: Logger;
  clock?: Clock;
  cacheMs?: number;
  refreshMs?: number;
}

export interface CameraProducerHealth extends CameraHealthItem {
  /** updatedAt older than a few intervals: the producer stopped reporting. */
  stale: boolean;
  /** Now − the newest fragment's producer timestamp. */
  lastFragmentAgeMs: number | null;
}

export interface DashboardCamera {
  name: string;
  status: string | null;
  health: StreamHealth | null;
  producer: CameraProducerHealth | null;
  /** What the tile claims (camera-state.ts): `streaming` only while fragments arrive. */
  state: CameraState;
  /** The younger of the producer's and KVS' ages of the newest fragment. */
  lastFragmentAgeMs: number | null;
}

type Cached = TableRead<DeviceStateItem> | TableRead<RollupItem> | TableRead<CameraHealthItem> | ConsumersView | StreamSummary[];

/** What every route of the dashboard shares: its options, the cache of upstream answers, and the panel's table. */
interface DashboardContext {
  options: DashboardApiOptions;
  clock: Clock;
  cached: <T extends Cached>(key: string, load: () => Promise<T>) => Promise<T>;
  /** The table behind a panel, or NOT_CONFIGURED naming the setting that would turn it on. */
  tableOf: (panel: keyof DashboardTableSettings, setting: string) => { table: string; reader: DashboardTables };
}

const DASHBOARD_PATHS = ['/dashboard', '/dashboard/cameras', '/dashboard/devices', '/dashboard/devices/:id/rollups', '/dashboard/consumers', '/dashboard/consumers/history'];

export function dashboardApi(options: DashboardApiOptions): Router {
  const { reader, tables } = options;
  const clock = options.clock ?? systemClock;
  const cache = new PromiseCache<Cached>({ ttlMs: options.cacheMs ?? DASHBOARD_DEFAULTS.cacheMs, maxEntries: DASHBOARD_DEFAULTS.cacheEntries, clock });
  const context: DashboardContext = {
    options,
    clock,
    cached: <T extends Cached>(key: string, load: () => Promise<T>): Promise<T> => cache.get(key, load) as Promise<T>,
    tableOf: (panel, setting) => {
      const table = tables[panel];
      if (table === undefined || reader === undefined) {
        throw new GatewayError('NOT_CONFIGURED', `This gateway has no ${panel} panel (set ${setting}).`);
      }
      return { table, reader };
    },
  };
  const router = express.Router();
  panelsRoute(router, options);
  camerasRoute(router, context);
  telemetryRoutes(router, context);
  if (options.kds) dataStreamsRoutes(router, options.kds, TELEMETRY_READ_SCOPE, clock, options.logger);
  const methodNotAllowed = (_req: Request, _res: Response, next: NextFunction) =>
    next(new GatewayError('METHOD_NOT_ALLOWED', 'Use GET here.', { headers: { Allow: 'GET, HEAD' } }));
  for (const path of [...DASHBOARD_PATHS, ...(options.kds ? DATA_STREAMS_PATHS : [])]) router.all(path, methodNotAllowed);
  return router;
}

const noQuery = (req: Request): void => {
  validate(noQuerySchema, queryRecord(req.url), 'query');
};

/** GET /dashboard: which panels this gateway and principal have, and the refresh period. */
function panelsRoute(router: Router, { tables, refreshMs, kds }: DashboardApiOptions): void {
  router.get('/dashboard', (req, res) => {
    noQuery(req);
    const principal = getPrincipal(req);
    const telemetryAllowed = principal !== undefined && hasScope(principal.scopes, TELEMETRY_READ_SCOPE);
    const panel = (configured: string | undefined): boolean => telemetryAllowed && configured !== undefined;
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .json({
        refreshMs: refreshMs ?? DASHBOARD_DEFAULTS.refreshMs,
        panels: {
          cameras: true,
          cameraHealth: tables.cameraHealth !== undefined,
          devices: panel(tables.deviceState),
          rollups: panel(tables.rollups),
          consumers: panel(tables.leases),
          dataStreams: telemetryAllowed && kds !== undefined,
        },
      });
  });
}

/** GET /dashboard/cameras: the readable streams, each with KVS' health and its producer's camera-health item. */
function camerasRoute(router: Router, { options, clock, cached }: DashboardContext): void {
  const { kvs, reader, tables, logger } = options;
  router.get('/dashboard/cameras', async (req, res) => {
    const query = parseStreamListQuery(queryRecord(req.url));
    const principal = getPrincipal(req);
    const streams = await cached('streams', async () => (await kvs.listStreams()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    // Permission first, then the search, the count and the page: nothing about other streams shows (as /api/streams).
    const { q, after } = query;
    const matching = streams.filter((s) => principal !== undefined && canReadStream(principal, s.name) && (q === undefined || s.name.toLowerCase().includes(q)));
    const start = after === undefined ? 0 : matching.findIndex((s) => s.name > after);
    const readable = start < 0 ? [] : matching.slice(start, start + query.limit);
    const more = start >= 0 && start + readable.length < matching.length;
    const nextCursor = more && readable.length > 0 ? encodeStreamCursor(readable[readable.length - 1].name) : null;
    let producers = new Map<string, CameraHealthItem>();
    if (tables.cameraHealth !== undefined && reader !== undefined && readable.length > 0) {
      const table = tables.cameraHealth;
      try {
        const read = await cached('camera-health', () => reader.cameraHealth(table));
        producers = new Map(read.items.map((i) => [i.streamName, i]));
      } catch (err) {
        // The video still plays without the producer's figures: show KVS' health alone.
        logger.warn({ err, table }, 'camera health unavailable');
      }
    }
    const now = clock.now();
    const cameras = await mapWithConcurrency(readable, KVS_CLIENT_DEFAULTS.healthConcurrency, async (s): Promise<DashboardCamera> => {
      const health = await kvs.streamHealth(s.name).catch((err: unknown) => {
        logger.debug({ err, stream: s.name }, 'health unavailable');
        return null;
      });
      const item = producers.get(s.name);
      const producer = item ? producerHealth(item, now) : null;
      return { name: s.name, status: s.status, health, producer, state: cameraState({ producer, health }, now), lastFragmentAgeMs: lastFragmentAge({ producer, health }, now) };
    });
    res.status(200).set('Cache-Control', 'no-store').json({ cameras, producerHealth: tables.cameraHealth !== undefined, nextCursor, total: matching.length });
  });
}

/** A camera-health item with what the page derives from it: staleness and the age of the newest fragment. */
function producerHealth(item: CameraHealthItem, now: number): CameraProducerHealth {
  return {
    ...item,
    stale: now - item.updatedAt > DASHBOARD_DEFAULTS.staleIntervals * item.intervalMs,
    lastFragmentAgeMs: item.lastFragmentAt !== undefined ? Math.max(0, now - item.lastFragmentAt) : null,
  };
}

/** The telemetry panels (telemetry:read): devices, one device's rollups, consumer progress. */
function telemetryRoutes(router: Router, { clock, cached, tableOf }: DashboardContext): void {
  const telemetry = requireScope(TELEMETRY_READ_SCOPE);
  const rates = new ConsumerRateTracker();
  const history = new ConsumerHistory();

  router.get('/dashboard/devices', telemetry, async (req, res) => {
    const query = parseDeviceListQuery(queryRecord(req.url));
    const { table, reader: r } = tableOf('deviceState', 'GATEWAY_DEVICE_STATE_TABLE');
    const read = await cached('devices', () => r.devices(table));
    res.status(200).set('Cache-Control', 'no-store').json(devicesPage(read.items, query, read));
  });

  router.get('/dashboard/devices/:id/rollups', telemetry, async (req, res) => {
    const deviceId = deviceIdParam(String(req.params['id']));
    const { minutes } = validate(rollupQuerySchema, queryRecord(req.url), 'rollup query');
    const { table, reader: r } = tableOf('rollups', 'GATEWAY_ROLLUP_TABLE');
    const to = clock.now();
    const from = to - minutes * 60_000;
    // Keyed by minute too: the range moves, but within one cache period the answer is the same.
    const read = await cached(`rollups:${minutes}:${deviceId}`, () => r.rollups(table, deviceId, Math.max(0, from - 60_000), to));
    const series = rollupSeries(read.items, from, to);
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .json({ deviceId, minutes, from, to, metrics: Object.keys(series).sort(), series, truncated: read.truncated });
  });

  router.get('/dashboard/consumers', telemetry, async (req, res) => {
    noQuery(req);
    res.status(200).set('Cache-Control', 'no-store').json(await readConsumers());
  });

  router.get('/dashboard/consumers/history', telemetry, async (req, res) => {
    const { minutes } = validate(consumerHistoryQuerySchema, queryRecord(req.url), 'history query');
    // A read of the table first (shared through the cache): a history asked for right after start has its newest point.
    await readConsumers();
    const to = clock.now();
    res.status(200).set('Cache-Control', 'no-store').json(history.view(to - minutes * 60_000, to));
  });

  /** The lease table through the cache; rates and the history sample are taken inside the cached load, once per read. */
  function readConsumers(): Promise<ConsumersView> {
    const { table, reader: r } = tableOf('leases', 'GATEWAY_LEASE_TABLE');
    return cached('consumers', async () => {
      const view = consumersView(await r.leases(table), rates, clock.now());
      history.add(view);
      return view;
    });
  }
}

/** Rollup items as one series per metric, in time order, without the expired ones and those ending before `from`. */
function rollupSeries(items: readonly RollupItem[], from: number, now: number): Record<string, RollupSeries> {
  const nowSeconds = Math.floor(now / 1000);
  const series: Record<string, RollupSeries> = {};
  for (const item of items) {
    // DynamoDB's TTL deletes within days, not at once: expired items are filtered by the reader.
    if (item.expiresAt < nowSeconds || item.windowEnd <= from) continue;
    const s = (series[item.metric] ??= { t: [], mean: [], min: [], max: [], count: [] });
    s.t.push(item.windowStart);
    s.mean.push(item.mean);
    s.min.push(item.min);
    s.max.push(item.max);
    s.count.push(item.count);
  }
  return series;
}

/** The lease items as shard progress, with records/s from the tracker. */
export function consumersView(read: TableRead<LeaseItem>, rates: ConsumerRateTracker, now: number): ConsumersView {
  const perShard = rates.update(
    read.items.map((l) => ({
      shardId: l.leaseKey,
      owner: l.leaseOwner ?? null,
      recordsProcessed: l.recordsProcessed ?? null,
      statsUpdatedAt: l.statsUpdatedAt ?? null,
    })),
  );
  const shards = read.items.map(
    (l): ShardProgress => ({
      shardId: l.leaseKey,
      owner: l.leaseOwner ?? null,
      checkpoint: l.checkpoint,
      millisBehindLatest: l.millisBehindLatest ?? null,
      recordsProcessed: l.recordsProcessed ?? null,
      statsUpdatedAt: l.statsUpdatedAt ?? null,
      recordsPerSecond: perShard.get(l.leaseKey) ?? null,
    }),
  );
  const known = shards.map((s) => s.recordsPerSecond).filter((r): r is number => r !== null);
  const lags = shards.map((s) => s.millisBehindLatest).filter((m): m is number => m !== null);
  return {
    shards,
    recordsPerSecond: known.length > 0 ? Math.round(known.reduce((a, b) => a + b, 0) * 100) / 100 : null,
    maxMillisBehindLatest: lags.length > 0 ? Math.max(...lags) : null,
    sampledAt: now,
    truncated: read.truncated,
  };
}
