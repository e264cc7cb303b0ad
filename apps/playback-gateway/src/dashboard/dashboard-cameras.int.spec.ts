/**
 * The dashboard's camera list at fleet size (issue 17 and 19): 1,000 KVS streams in the emulator, listed a page at a
 * time (GET /api/dashboard/cameras?limit=&cursor=&q=) so the page asks KVS for the health of its own cameras only,
 * and searched by name over the whole fleet.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { generateApiKey } from '@tributary/auth';
import { mapWithConcurrency } from '@tributary/runtime';
import type { RunningPlaybackGateway } from '../playback-gateway-app';
import { startDashboardWorld, type DashboardWorld } from '../testing/dashboard-world';

const FLEET = 1_000;
const name = (i: number): string => `fleet-cam-${String(i).padStart(4, '0')}`;

interface CamerasPage {
  cameras: Array<{ name: string; state: string }>;
  nextCursor: string | null;
  total: number;
}

describe('dashboard cameras at 1,000 streams (emulator KVS)', () => {
  let world: DashboardWorld;
  let gateway: RunningPlaybackGateway;
  const key = generateApiKey({ scopes: ['video:read'] });
  const page = async (query: string): Promise<CamerasPage> => {
    const res = await fetch(`${gateway.url}/api/dashboard/cameras?${query}`, { headers: { 'X-Api-Key': key.key } });
    expect(res.status).toBe(200);
    return (await res.json()) as CamerasPage;
  };

  beforeAll(async () => {
    world = await startDashboardWorld();
    await mapWithConcurrency(
      Array.from({ length: FLEET }, (_, i) => i),
      16,
      (i) => world.kvs.send(new CreateStreamCommand({ StreamName: name(i), DataRetentionInHours: 24, MediaType: 'video/h264' })),
    );
    gateway = await world.startGateway({ keys: [[key, 'video:read']], playbackKey: 'dashboard-cameras-test-playback-key-0123456789', withTables: false });
  }, 120_000);

  afterAll(() => world?.close());

  it('pages the fleet in name order with a cursor, and counts all of it', async () => {
    const first = await page('limit=12');
    expect(first.total).toBe(FLEET);
    expect(first.cameras.map((c) => c.name)).toEqual(Array.from({ length: 12 }, (_, i) => name(i)));
    // Not streaming: no producer and no fragment.
    expect(new Set(first.cameras.map((c) => c.state))).toEqual(new Set(['idle']));
    const second = await page(`limit=12&cursor=${first.nextCursor ?? ''}`);
    expect(second.cameras.map((c) => c.name)).toEqual(Array.from({ length: 12 }, (_, i) => name(12 + i)));
    const last = await page(`limit=12&cursor=${encodeURIComponent(Buffer.from(`1:${name(FLEET - 5)}`).toString('base64url'))}`);
    expect(last.cameras.map((c) => c.name)).toEqual([name(996), name(997), name(998), name(999)]);
    expect(last.nextCursor).toBeNull();
  }, 60_000);

  it('searches the whole fleet by name, case-insensitively', async () => {
    const found = await page('limit=50&q=CAM-099');
    expect(found.total).toBe(10);
    expect(found.cameras.map((c) => c.name)).toEqual(Array.from({ length: 10 }, (_, i) => name(990 + i)));
    expect((await page('q=cam-0500')).cameras.map((c) => c.name)).toEqual([name(500)]);
    expect(await page('q=nothing')).toEqual({ cameras: [], producerHealth: false, nextCursor: null, total: 0 });
  }, 60_000);
});
