/**
 * The Express assembly on port 0 with a stub KVS client: rate limits answer 429 problem documents (and count
 * unauthenticated attempts too), CORS lets only the configured origins in, and unknown methods get 405.
 */
import { generateApiKey, InMemoryApiKeyStore } from '@tributary/auth';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import { serveGateway, type ServedGateway } from '../testing/gateway-server-fixture';
import type { GatewayServerOptions } from './gateway-server';

const key = generateApiKey({ scopes: ['video:read'] });
const kvsStub = {
  listStreams: async () => [{ name: 'cam-1', arn: null, status: 'ACTIVE', mediaType: null, createdAt: null, retentionHours: 24 }],
  streamHealth: async () => ({ status: 'idle', lastFragmentAt: null, lastProducerTimestamp: null, fragmentsPerSecond: 0, bitrateBps: 0, windowSeconds: 10 }),
  ping: async () => undefined,
} as unknown as KvsPlaybackClient;

const serve = (overrides: Partial<GatewayServerOptions>): Promise<ServedGateway> =>
  serveGateway({ auth: { apiKeys: new InMemoryApiKeyStore([key.record]) }, kvs: kvsStub, ...overrides });

describe('gateway server', () => {
  it('answers 429 problem documents past the /api limit, for anonymous callers too', async () => {
    const s = await serve({ apiRateLimit: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${s.url}/api/streams`, { headers: i === 0 ? {} : { 'x-api-key': key.key } })).status);
      expect(statuses).toEqual([401, 200, 200, 429]);
      const limited = await fetch(`${s.url}/api/streams`, { headers: { 'x-api-key': key.key } });
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(limited.headers.get('ratelimit-policy') ?? limited.headers.get('ratelimit')).toBeTruthy();
      // The page and the probes are not limited.
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('limits /hls separately', async () => {
    const s = await serve({ hlsRateLimit: 1 });
    try {
      expect((await fetch(`${s.url}/hls/a.b.c/master.m3u8`)).status).toBe(401);
      expect((await fetch(`${s.url}/hls/a.b.c/master.m3u8`)).status).toBe(429);
      expect((await fetch(`${s.url}/api/streams`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('allows only the configured CORS origins, with the auth headers in the preflight', async () => {
    const s = await serve({ corsOrigins: ['https://app.example'] });
    try {
      const preflight = await fetch(`${s.url}/api/streams`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Api-Key/i);
      const other = await fetch(`${s.url}/api/streams`, { headers: { origin: 'https://evil.example', 'x-api-key': key.key } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('answers 405 with Allow for other methods', async () => {
    const s = await serve({});
    try {
      const put = await fetch(`${s.url}/api/streams`, { method: 'PUT', headers: { 'x-api-key': key.key } });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET');
      const del = await fetch(`${s.url}/hls/a.b.c/master.m3u8`, { method: 'DELETE' });
      expect(del.status).toBe(405);
    } finally {
      await s.close();
    }
  });
});
