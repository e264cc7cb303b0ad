/**
 * The Express assembly (createGatewayServer) on 127.0.0.1 port 0 for integration specs, with test defaults for
 * every option (no API keys, no limits, no KVS behind it, an empty segment cache, silent logs) that each spec
 * overrides with what it checks. close() stops the listener.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { InMemoryApiKeyStore } from '@tributary/auth';
import { GatewayMetrics } from '../gateway-metrics';
import { SegmentCache } from '../hls/segment-cache';
import { createGatewayServer, type GatewayServerOptions } from '../http/gateway-server';
import { locateStaticAssets } from '../http/static-assets';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';

export interface ServedGateway {
  url: string;
  close(): Promise<void>;
}

export function gatewayServerOptions(overrides: Partial<GatewayServerOptions> = {}): GatewayServerOptions {
  return {
    auth: { apiKeys: new InMemoryApiKeyStore([]) },
    kvs: {} as unknown as KvsPlaybackClient,
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
    assets: locateStaticAssets(`${__dirname}/../http`),
    ...overrides,
  };
}

export async function serveGateway(overrides: Partial<GatewayServerOptions> = {}): Promise<ServedGateway> {
  const app = createGatewayServer(gatewayServerOptions(overrides));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
