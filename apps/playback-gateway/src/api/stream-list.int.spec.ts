/**
 * GET /api/streams at fleet size (issue 17) against the emulator in process (KVS + DynamoDB): streams created with the
 * SDK, camera-health items written in the producer's layout, the gateway started from its settings like in
 * production, and the pages read over HTTP with keys of different scopes — paging without a skip or a repeat,
 * search, 400s for a bad cursor or limit, nothing of an unreadable stream in entries, totals or cursors, and the
 * health of every stream of a page from one shared Scan of the camera-health table.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateApiKey } from '@tributary/auth';
import { createActiveVideoStream } from '@tributary/emulator/testing';
import type { CameraHealthItem } from '@tributary/schemas';
import type { RunningPlaybackGateway } from '../playback-gateway-app';
import { startDashboardWorld, type DashboardWorld } from '../testing/dashboard-world';
import type { StreamsPage } from './stream-catalog';
import { encodeStreamCursor } from './stream-list-request';

/** Counts the DynamoDB requests the gateway sends. */
class CountingHandler extends NodeHttpHandler {
  requests = 0;
  override handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    this.requests++;
    return super.handle(...args);
  }
}

// This suite's emulator holds only these streams: names in code-unit order (upper case sorts before lower case).
const PREFIX = `list${process.pid}`;
const NAMES = ['Lobby-1', 'cam-01', 'cam-02', 'cam-03', 'cam-10', 'dock-1', 'dock-2', 'gate-1'].map((n) => `${PREFIX}-${n}`);
const [LOBBY, CAM1, CAM2, CAM3, CAM10, DOCK1, DOCK2, GATE] = NAMES;
/** Streams the producer reports on; GATE has no item (its health falls back to KVS). */
const REPORTED = NAMES.filter((n) => n !== GATE);

describe('GET /api/streams: paging, search, permissions (emulator: KVS + DynamoDB)', () => {
  let world: DashboardWorld;
  let gateway: RunningPlaybackGateway;
  const counting = new CountingHandler();
  const all = generateApiKey({ scopes: ['video:read'] });
  const some = generateApiKey({ scopes: [`stream:${CAM2}:read`, `stream:${DOCK1}:read`, `stream:${GATE}:read`] });
  const none = generateApiKey({ scopes: ['telemetry:read'] });
  const now = Date.now();

  const health = (streamName: string): CameraHealthItem => ({
    streamName,
    producerId: 'edge-1',
    state: 'streaming',
    fragmentsAcked: 50,
    fragmentsPerSecond: 1,
    bitrateKbps: 640,
    lastFragmentAt: now - 800,
    lastAckAt: now - 600,
    spooledFragments: 0,
    // A long interval: the report stays fresh (3 intervals) however slow the machine running the suite.
    intervalMs: 60_000,
    updatedAt: now,
  });

  const get = (path: string, key: string) => fetch(`${gateway.url}${path}`, { headers: { 'X-Api-Key': key } });
  const page = async (path: string, key: string): Promise<StreamsPage> => {
    const res = await get(path, key);
    expect(res.status).toBe(200);
    return (await res.json()) as StreamsPage;
  };
  /** Every page of a listing, following nextCursor. */
  const walk = async (query: string, key: string): Promise<{ names: string[]; pages: StreamsPage[] }> => {
    const pages: StreamsPage[] = [];
    let cursor: string | null = null;
    do {
      const params = [query, cursor !== null ? `cursor=${cursor}` : ''].filter((p) => p !== '').join('&');
      pages.push(await page(`/api/streams${params === '' ? '' : `?${params}`}`, key));
      cursor = pages[pages.length - 1].nextCursor;
      expect(pages.length).toBeLessThan(20);
    } while (cursor !== null);
    return { names: pages.flatMap((p) => p.streams.map((s) => s.name)), pages };
  };

  beforeAll(async () => {
    world = await startDashboardWorld();
    for (const name of NAMES) await createActiveVideoStream(world.kvs, name);
    for (const name of REPORTED) await world.put(world.tables.cameraHealth, health(name));
    gateway = await world.startGateway({
      keys: [
        [all, 'video:read'],
        [some, `stream:${CAM2}:read,stream:${DOCK1}:read,stream:${GATE}:read`],
        [none, 'telemetry:read'],
      ],
      playbackKey: 'stream-list-suite-playback-key-0123456789abcdef',
      dynamoDbRequestHandler: counting,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('pages through every stream in name order, each once, with the total and no cursor on the last page', async () => {
    const { names, pages } = await walk('limit=3', all.key);
    expect(names).toEqual(NAMES);
    expect(pages.map((p) => p.streams.length)).toEqual([3, 3, 2]);
    expect(pages.map((p) => p.total)).toEqual([8, 8, 8]);
    expect(pages[2].nextCursor).toBeNull();
    // Without parameters: the default page (50) holds them all.
    const first = await page('/api/streams', all.key);
    expect(first).toMatchObject({ nextCursor: null, total: 8 });
    expect(first.streams.map((s) => s.name)).toEqual(NAMES);
  });

  it('continues after the cursor even when the stream it names is gone from the listing (a search)', async () => {
    const after = await page(`/api/streams?limit=2&cursor=${encodeStreamCursor(`${PREFIX}-cam-025`)}`, all.key);
    expect(after.streams.map((s) => s.name)).toEqual([CAM3, CAM10]);
  });

  it('takes each stream health from the camera-health table, and from KVS for a stream it has no item for', async () => {
    const { streams } = await page('/api/streams', all.key);
    const byName = new Map(streams.map((s) => [s.name, s.health]));
    for (const name of REPORTED) {
      expect(byName.get(name)).toEqual({
        status: 'live',
        lastFragmentAt: new Date(now - 600).toISOString(),
        lastProducerTimestamp: new Date(now - 800).toISOString(),
        fragmentsPerSecond: 1,
        bitrateBps: 640_000,
        windowSeconds: 60,
        source: 'camera-health',
      });
    }
    // No fragments in the emulator: KVS says idle.
    expect(byName.get(GATE)).toMatchObject({ status: 'idle', lastFragmentAt: null, source: 'kvs' });
    const one = (await (await get(`/api/streams/${CAM1}`, all.key)).json()) as { name: string; health: { source: string } };
    expect(one).toMatchObject({ name: CAM1, health: { source: 'camera-health' } });
  });

  it('reads the camera-health table once for any number of concurrent listings (one shared Scan)', async () => {
    // Past the shared period of the earlier tests' reads.
    await new Promise((r) => setTimeout(r, 2_100));
    const before = counting.requests;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => page(`/api/streams?limit=${1 + (i % 8)}`, all.key)));
    expect(answers.every((a) => a.streams.every((s) => s.health !== null))).toBe(true);
    expect(counting.requests - before).toBe(1);
  });

  it.each<[string, string[], number]>([
    ['cam', [CAM1, CAM2, CAM3, CAM10], 4],
    ['CAM-0', [CAM1, CAM2, CAM3], 3],
    ['lobby', [LOBBY], 1],
    ['DOCK-', [DOCK1, DOCK2], 2],
    ['-1', [LOBBY, CAM10, DOCK1, GATE], 4],
    ['nothing-like-it', [], 0],
  ])('searches names case-insensitively: q=%s', async (q, expected, total) => {
    const { names, pages } = await walk(`q=${q}&limit=2`, all.key);
    expect(names).toEqual(expected);
    expect(pages[0].total).toBe(total);
  });

  it.each<[string, RegExp]>([
    ['?cursor=not-a-cursor', /Invalid cursor/],
    [`?cursor=${encodeStreamCursor('cam-1')}x`, /Invalid cursor/],
    [`?cursor=${Buffer.from('1:../../etc').toString('base64url')}`, /Invalid cursor/],
    ['?limit=0', /limit: must be >= 1/],
    ['?limit=201', /limit: must be <= 200/],
    ['?limit=lots', /limit: expected a whole number/],
    ['?q=a%20b', /q: expected/],
    ['?offset=3', /unknown "offset"/],
    ['?limit=2&limit=3', /given twice/],
  ])('answers 400 with a problem document for %s', async (query, detail) => {
    const res = await get(`/api/streams${query}`, all.key);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.detail).toMatch(detail);
  });

  it('lists, counts and pages only the streams a principal may read', async () => {
    const { names, pages } = await walk('limit=1', some.key);
    expect(names).toEqual([CAM2, DOCK1, GATE]);
    expect(pages.map((p) => p.total)).toEqual([3, 3, 3]);
    // A search that matches unreadable streams only: nothing, not even a count.
    expect(await page('/api/streams?q=lobby', some.key)).toEqual({ streams: [], nextCursor: null, total: 0 });
    expect((await page('/api/streams?q=cam', some.key)).total).toBe(1);
    // A cursor naming a stream it may not read: the readable ones after it, nothing else.
    expect((await page(`/api/streams?cursor=${encodeStreamCursor(CAM3)}`, some.key)).streams.map((s) => s.name)).toEqual([DOCK1, GATE]);
    // A principal without any read scope gets an empty list, not a 403 that would say the streams exist.
    expect(await page('/api/streams', none.key)).toEqual({ streams: [], nextCursor: null, total: 0 });
    // The single entry of an unreadable stream stays 403.
    expect((await get(`/api/streams/${LOBBY}`, some.key)).status).toBe(403);
  });

  it('refuses a listing without credentials', async () => {
    expect((await fetch(`${gateway.url}/api/streams`)).status).toBe(401);
  });
});
