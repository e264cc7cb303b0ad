/**
 * The dashboard API against the emulator in process: tables created and items written with the SDK in the layout of
 * @tributary/schemas' dashboard contract (as the consumer and the producer write them), the gateway started from
 * its settings like in production, and the answers read over HTTP with API keys of different scopes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateApiKey } from '@tributary/auth';
import { createActiveVideoStream, uniqueStreamName } from '@tributary/emulator/testing';
import { toRollupItem, type CameraHealthItem, type LeaseItem } from '@tributary/schemas';
import type { RunningPlaybackGateway } from '../playback-gateway-app';
import type { DashboardTableNames } from '../testing/dashboard-tables-fixture';
import { startDashboardWorld, type DashboardWorld } from '../testing/dashboard-world';

/** Counts the DynamoDB requests the gateway sends, to see the cache at work. */
class CountingHandler extends NodeHttpHandler {
  requests = 0;
  override handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    this.requests++;
    return super.handle(...args);
  }
}

// The production period: 20 concurrent requests must all land within it, also on a loaded machine (with 300 ms, one
// CPU-starved run made 4 reads of 20).
const CACHE_MS = 1_500;

describe('dashboard API (emulator: DynamoDB + KVS)', () => {
  let world: DashboardWorld;
  let gateway: RunningPlaybackGateway;
  let bare: RunningPlaybackGateway;
  let counting: CountingHandler;
  let tables: DashboardTableNames;
  const camA = uniqueStreamName('dash-a');
  const camB = uniqueStreamName('dash-b');
  const full = generateApiKey({ scopes: ['video:read', 'telemetry:read'] });
  const oneCamera = generateApiKey({ scopes: [`stream:${camA}:read`] });
  const now = Date.now();
  const minute = Math.floor(now / 60_000) * 60_000;

  const put = (table: string, item: object) => world.put(table, item);
  const get = (base: string, path: string, key?: string) => fetch(`${base}${path}`, { headers: key ? { 'X-Api-Key': key } : {} });
  const json = async <T>(res: Response): Promise<T> => {
    expect(res.headers.get('content-type')).toMatch(/json/);
    return (await res.json()) as T;
  };
  const lease = (leaseKey: string, extra: Partial<LeaseItem>): LeaseItem => ({ leaseKey, leaseCounter: 3, checkpoint: '49650000000000000000000000000000000000000000000000000002', checkpointSubSequenceNumber: 0, ownerSwitchesSinceCheckpoint: 0, ...extra });
  const health = (streamName: string, extra: Partial<CameraHealthItem> = {}): CameraHealthItem => ({
    streamName,
    producerId: 'edge-1',
    state: 'streaming',
    fragmentsAcked: 120,
    fragmentsPerSecond: 2,
    bitrateKbps: 800,
    ackLatencyP50Ms: 35,
    ackLatencyP99Ms: 90,
    lastFragmentAt: now - 400,
    lastAckAt: now - 300,
    spooledFragments: 0,
    intervalMs: 5_000,
    updatedAt: now,
    ...extra,
  });

  beforeAll(async () => {
    world = await startDashboardWorld();
    tables = world.tables;
    await createActiveVideoStream(world.kvs, camA);
    await createActiveVideoStream(world.kvs, camB);

    // Device state as DeviceStateSink writes it, plus one item no writer of the contract would write.
    await put(tables.deviceState, { deviceId: 'dev-2', seq: 7, ts: now - 1_000, metrics: { temp: 21.5, rpm: 900 }, tags: { site: 'a' }, shardId: 'shardId-000000000000', sequenceNumber: '1', subSequenceNumber: 0, updatedAt: now });
    await put(tables.deviceState, { deviceId: 'dev-1', seq: 3, ts: now - 2_000, metrics: { temp: 19 }, shardId: 'shardId-000000000001', sequenceNumber: '2', subSequenceNumber: 0, updatedAt: now });
    await put(tables.deviceState, { deviceId: 'broken', metrics: 'not a map' });
    // Rollups: three minutes of two metrics for dev-1, one of another device, one too old, one expired.
    for (let i = 3; i >= 1; i--) {
      for (const metric of ['temp', 'rpm']) {
        const windowStart = minute - i * 60_000;
        await put(tables.rollups, toRollupItem({ deviceId: 'dev-1', metric, windowStart, windowEnd: windowStart + 60_000, count: 6, sum: 6 * (10 + i), min: 5 + i, max: 15 + i, mean: 10 + i, closedBy: 'watermark' }));
      }
    }
    await put(tables.rollups, toRollupItem({ deviceId: 'dev-2', metric: 'temp', windowStart: minute - 60_000, windowEnd: minute, count: 1, sum: 1, min: 1, max: 1, mean: 1, closedBy: 'idle' }));
    await put(tables.rollups, toRollupItem({ deviceId: 'dev-1', metric: 'temp', windowStart: minute - 90 * 60_000, windowEnd: minute - 89 * 60_000, count: 1, sum: 1, min: 1, max: 1, mean: 1, closedBy: 'idle' }));
    await put(tables.rollups, { ...toRollupItem({ deviceId: 'dev-1', metric: 'hum', windowStart: minute - 2 * 60_000, windowEnd: minute - 60_000, count: 1, sum: 1, min: 1, max: 1, mean: 1, closedBy: 'idle' }), expiresAt: Math.floor(now / 1000) - 10 });
    // Leases with progress (two owners) and one KCL-style lease without it.
    await put(tables.leases, lease('shardId-000000000000', { leaseOwner: 'worker-a', millisBehindLatest: 120, recordsProcessed: 1_000, statsUpdatedAt: now - 2_000 }));
    await put(tables.leases, lease('shardId-000000000001', { leaseOwner: 'worker-b', millisBehindLatest: 0, recordsProcessed: 500, statsUpdatedAt: now - 2_000 }));
    await put(tables.leases, lease('shardId-000000000002', { checkpoint: 'TRIM_HORIZON' }));
    await put(tables.cameraHealth, health(camA));
    await put(tables.cameraHealth, health(uniqueStreamName('not-a-kvs-stream')));

    counting = new CountingHandler();
    const start = (withTables: boolean) =>
      world.startGateway({
        keys: [
          [full, 'video:read,telemetry:read'],
          [oneCamera, `stream:${camA}:read`],
        ],
        playbackKey: 'dashboard-int-test-playback-key-0123456789',
        withTables,
        dashboardCacheMs: CACHE_MS,
        dynamoDbRequestHandler: counting,
      });
    gateway = await start(true);
    bare = await start(false);
  }, 60_000);

  afterAll(() => world?.close());

  it('announces the panels this gateway and principal have', async () => {
    expect(await json(await get(gateway.url, '/api/dashboard', full.key))).toEqual({
      refreshMs: 2_000,
      panels: { cameras: true, cameraHealth: true, devices: true, rollups: true, consumers: true, dataStreams: true },
    });
    // Without telemetry:read the telemetry panels are off, whatever the gateway has.
    expect(await json(await get(gateway.url, '/api/dashboard', oneCamera.key))).toMatchObject({
      panels: { cameras: true, devices: false, rollups: false, consumers: false, dataStreams: false },
    });
    expect(await json(await get(bare.url, '/api/dashboard', full.key))).toMatchObject({
      panels: { cameras: true, cameraHealth: false, devices: false, rollups: false, consumers: false },
    });
  });

  it('lists the devices with their latest values, skipping items outside the contract', async () => {
    const body = await json<{ devices: Array<{ deviceId: string; metrics: Record<string, number>; seq: number }>; truncated: boolean; skipped: number }>(
      await get(gateway.url, '/api/dashboard/devices', full.key),
    );
    expect(body.devices.map((d) => [d.deviceId, d.seq, d.metrics])).toEqual([
      ['dev-1', 3, { temp: 19 }],
      ['dev-2', 7, { temp: 21.5, rpm: 900 }],
    ]);
    expect(body).toMatchObject({ truncated: false, skipped: 1, total: 2, fleet: 2, offset: 0, limit: 50 });
  });

  it('pages, searches and sorts the devices on the gateway', async () => {
    type Page = { devices: Array<{ deviceId: string }>; total: number; metrics: string[] };
    const page = (query: string) => get(gateway.url, `/api/dashboard/devices?${query}`, full.key).then((r) => json<Page>(r));
    const second = await page('limit=1&offset=1&sort=seq&order=desc');
    expect(second.devices.map((d) => d.deviceId)).toEqual(['dev-1']);
    expect(second).toMatchObject({ total: 2, metrics: ['rpm', 'temp'] });
    expect((await page('q=DEV-2')).devices.map((d) => d.deviceId)).toEqual(['dev-2']);
    expect((await page('sort=metric:temp&order=desc')).devices.map((d) => d.deviceId)).toEqual(['dev-2', 'dev-1']);
    const bad = await get(gateway.url, '/api/dashboard/devices?sort=colour', full.key);
    expect(bad.status).toBe(400);
  });

  it('answers the rollups of one device over the asked minutes, per metric in time order, without expired items', async () => {
    const body = await json<{ deviceId: string; metrics: string[]; series: Record<string, { t: number[]; mean: number[]; min: number[]; max: number[]; count: number[] }> }>(
      await get(gateway.url, '/api/dashboard/devices/dev-1/rollups?minutes=30', full.key),
    );
    expect(body.deviceId).toBe('dev-1');
    expect(body.metrics).toEqual(['rpm', 'temp']);
    expect(body.series['temp']).toEqual({
      t: [minute - 180_000, minute - 120_000, minute - 60_000],
      mean: [13, 12, 11],
      min: [8, 7, 6],
      max: [18, 17, 16],
      count: [6, 6, 6],
    });
    const longer = await json<{ series: Record<string, { t: number[] }> }>(await get(gateway.url, '/api/dashboard/devices/dev-1/rollups?minutes=120', full.key));
    expect(longer.series['temp']?.t).toHaveLength(4);
    const none = await json<{ metrics: string[] }>(await get(gateway.url, '/api/dashboard/devices/dev-9/rollups', full.key));
    expect(none.metrics).toEqual([]);
  });

  it('derives records/s per shard from two renewals, and sums them', async () => {
    const first = await json<{ shards: Array<{ shardId: string; owner: string | null; millisBehindLatest: number | null; recordsPerSecond: number | null }>; recordsPerSecond: number | null; maxMillisBehindLatest: number }>(
      await get(gateway.url, '/api/dashboard/consumers', full.key),
    );
    expect(first.shards.map((s) => [s.shardId, s.owner, s.millisBehindLatest, s.recordsPerSecond])).toEqual([
      ['shardId-000000000000', 'worker-a', 120, null],
      ['shardId-000000000001', 'worker-b', 0, null],
      ['shardId-000000000002', null, null, null],
    ]);
    expect(first.maxMillisBehindLatest).toBe(120);
    // The next renewals: 2 s later, 400 and 100 more records.
    await put(tables.leases, lease('shardId-000000000000', { leaseOwner: 'worker-a', millisBehindLatest: 80, recordsProcessed: 1_400, statsUpdatedAt: now }));
    await put(tables.leases, lease('shardId-000000000001', { leaseOwner: 'worker-b', millisBehindLatest: 10, recordsProcessed: 600, statsUpdatedAt: now }));
    await sleep(CACHE_MS + 50);
    const second = await json<{ shards: Array<{ recordsPerSecond: number | null }>; recordsPerSecond: number }>(await get(gateway.url, '/api/dashboard/consumers', full.key));
    expect(second.shards.map((s) => s.recordsPerSecond)).toEqual([200, 50, null]);
    expect(second.recordsPerSecond).toBe(250);

    // The gateway kept both reads: the history a reloaded page starts from.
    const history = await json<{ t: number[]; recordsPerSecond: Array<number | null>; maxMillisBehindLatest: Array<number | null>; shards: Record<string, Array<number | null>> }>(
      await get(gateway.url, '/api/dashboard/consumers/history?minutes=5', full.key),
    );
    expect(history.t.length).toBeGreaterThanOrEqual(2);
    expect(history.recordsPerSecond.slice(0, 2)).toEqual([null, 250]);
    expect(history.maxMillisBehindLatest.slice(0, 2)).toEqual([120, 80]);
    expect(history.shards['shardId-000000000000']?.slice(0, 2)).toEqual([120, 80]);
    expect(Object.keys(history.shards)).toHaveLength(3);
  });

  it('lists only the cameras the principal may read, with KVS health and the producer item', async () => {
    type Cameras = { cameras: Array<{ name: string; health: { status: string } | null; producer: (CameraHealthItem & { stale: boolean; lastFragmentAgeMs: number }) | null }> };
    const all = await json<Cameras>(await get(gateway.url, '/api/dashboard/cameras', full.key));
    const mine = all.cameras.filter((c) => c.name === camA || c.name === camB);
    expect(mine.map((c) => c.name).sort()).toEqual([camA, camB].sort());
    const a = mine.find((c) => c.name === camA);
    expect(a?.health?.status).toBe('idle');
    expect(a?.producer).toMatchObject({ state: 'streaming', fragmentsPerSecond: 2, ackLatencyP50Ms: 35, ackLatencyP99Ms: 90, stale: false });
    expect(a?.producer?.lastFragmentAgeMs).toBeGreaterThanOrEqual(400);
    expect(mine.find((c) => c.name === camB)?.producer).toBeNull();
    // What the tile claims: streaming only while a fragment is fresh; no producer and no fragment is idle.
    const states = all.cameras as unknown as Array<{ name: string; state: string; lastFragmentAgeMs: number | null }>;
    const stateA = states.find((c) => c.name === camA);
    expect(stateA?.state).toBe((stateA?.lastFragmentAgeMs ?? Infinity) <= 10_000 ? 'streaming' : 'no-video');
    expect(states.find((c) => c.name === camB)).toMatchObject({ state: 'idle', lastFragmentAgeMs: null });
    // A health item of a stream KVS does not list is not a camera.
    expect(all.cameras.some((c) => c.name.startsWith('not-a-kvs-stream'))).toBe(false);

    const one = await json<Cameras>(await get(gateway.url, '/api/dashboard/cameras', oneCamera.key));
    expect(one.cameras.map((c) => c.name)).toEqual([camA]);

    // Paged and searched as GET /api/streams: a cursor to the next page, the total of what matched.
    type Paged = Cameras & { nextCursor: string | null; total: number };
    const [first, second] = [camA, camB].sort();
    const p1 = await json<Paged>(await get(gateway.url, `/api/dashboard/cameras?limit=1&q=${first}`, full.key));
    expect(p1).toMatchObject({ total: 1, nextCursor: null });
    expect(p1.cameras.map((c) => c.name)).toEqual([first]);
    const page1 = await json<Paged>(await get(gateway.url, '/api/dashboard/cameras?limit=1&q=DASH-', full.key));
    expect(page1.total).toBe(2);
    const page2 = await json<Paged>(await get(gateway.url, `/api/dashboard/cameras?limit=1&q=dash-&cursor=${page1.nextCursor ?? ''}`, full.key));
    expect([...page1.cameras, ...page2.cameras].map((c) => c.name)).toEqual([first, second]);
    expect(page2.nextCursor).toBeNull();
    expect((await get(gateway.url, '/api/dashboard/cameras?cursor=bogus', full.key)).status).toBe(400);
  });

  it('refuses telemetry panels without telemetry:read, anonymous callers, bad parameters and unset tables as problem documents', async () => {
    const forbidden = await get(gateway.url, '/api/dashboard/devices', oneCamera.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="telemetry:read"');
    expect(forbidden.headers.get('content-type')).toMatch(/application\/problem\+json/);
    for (const path of ['/api/dashboard/consumers', '/api/dashboard/devices/dev-1/rollups']) {
      expect((await get(gateway.url, path, oneCamera.key)).status).toBe(403);
    }
    expect((await get(gateway.url, '/api/dashboard/cameras')).status).toBe(401);

    const cases: Array<[string, number, string, RegExp]> = [
      ['/api/dashboard/devices/dev-1/rollups?minutes=0', 400, 'INVALID_REQUEST', /minutes: must be >= 1/],
      ['/api/dashboard/devices/dev-1/rollups?limit=5', 400, 'INVALID_REQUEST', /unknown "limit"/],
      ['/api/dashboard/devices/dev%201/rollups', 400, 'INVALID_REQUEST', /device id/],
      ['/api/dashboard/devices?x=1', 400, 'INVALID_REQUEST', /unknown "x"/],
    ];
    for (const [path, status, code, detail] of cases) {
      const res = await get(gateway.url, path, full.key);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe(code);
      expect(problem.detail).toMatch(detail);
    }
    const unset = await get(bare.url, '/api/dashboard/devices', full.key);
    expect(unset.status).toBe(404);
    expect(await unset.json()).toMatchObject({ code: 'NOT_CONFIGURED', detail: expect.stringContaining('GATEWAY_DEVICE_STATE_TABLE') });
    const post = await fetch(`${gateway.url}/api/dashboard/devices`, { method: 'POST', headers: { 'X-Api-Key': full.key } });
    expect(post.status).toBe(405);
  });

  it('shares one DynamoDB read between concurrent dashboards within the cache period', async () => {
    await sleep(CACHE_MS + 50);
    const before = counting.requests;
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(gateway.url, '/api/dashboard/devices', full.key)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(counting.requests - before).toBe(1);
    // A new device shows after the period, not before.
    await put(tables.deviceState, { deviceId: 'dev-3', seq: 1, ts: now, metrics: { temp: 1 }, updatedAt: now });
    const cachedAnswer = await json<{ devices: unknown[] }>(await get(gateway.url, '/api/dashboard/devices', full.key));
    expect(cachedAnswer.devices).toHaveLength(2);
    await sleep(CACHE_MS + 50);
    const fresh = await json<{ devices: unknown[] }>(await get(gateway.url, '/api/dashboard/devices', full.key));
    expect(fresh.devices).toHaveLength(3);
  });

  it('serves the dashboard page and uPlot under the same CSP as the player', async () => {
    const page = await fetch(`${gateway.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    const html = await page.text();
    expect(html).toContain('id="dashboard"');
    expect(html).not.toMatch(/<script>(?!<)|style="/);
    for (const [path, type] of [
      ['/vendor/uPlot.iife.min.js', /javascript/],
      ['/vendor/uPlot.min.css', /text\/css/],
      ['/dashboard.js', /javascript/],
      ['/auth.js', /javascript/],
    ] as const) {
      const res = await fetch(`${gateway.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
    }
  });
});
