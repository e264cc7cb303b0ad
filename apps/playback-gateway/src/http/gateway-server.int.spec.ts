/**
 * The Express assembly on port 0 with a stub KVS client: rate limits answer 429 problem documents (and count
 * unauthenticated attempts too), CORS lets only the configured origins in, and unknown methods get 405.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { generateApiKey, InMemoryApiKeyStore } from '@tributary/auth';
import { GatewayMetrics } from '../gateway-metrics';
import { SegmentCache } from '../hls/segment-cache';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import { createGatewayServer, type GatewayServerOptions } from './gateway-server';
import { locateStaticAssets } from './static-assets';

const key = generateApiKey({ scopes: ['video:read'] });
const kvsStub = {
  listStreams: async () => [{ name: 'cam-1', arn: null, status: 'ACTIVE', mediaType: null, createdAt: null, retentionHours: 24 }],
  streamHealth: async () => ({ status: 'idle', lastFragmentAt: null, lastProducerTimestamp: null, fragmentsPerSecond: 0, bitrateBps: 0, windowSeconds: 10 }),
  ping: async () => undefined,
} as unknown as KvsPlaybackClient;

async function serve(overrides: Partial<GatewayServerOptions>): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createGatewayServer({
    auth: { apiKeys: new InMemoryApiKeyStore([key.record]) },
    kvs: kvsStub,
    playbackKey: 'gateway-server-test-key-of-32-bytes-at-least',
    tokenTtlSeconds: 300,
    delivery: 'proxied',
    trustProxy: 0,
    corsOrigins: [],
    cspConnectSrc: [],
    apiRateLimit: 0,
    hlsRateLimit: 0,
    upstreamTimeoutMs: 1000,
    segmentCache: new SegmentCache({ maxBytes: 0 }),
    metrics: new GatewayMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    assets: locateStaticAssets(__dirname),
    ...overrides,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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
