/**
 * Regression: any web page could drive the emulator. KVS paths and /_tributary/faults accepted `text/plain` bodies
 * without a signature and answered `Access-Control-Allow-Origin: *`, so a page open in the developer's browser could
 * list and delete streams, open HLS sessions and inject faults; and a DNS-rebound name reached it as same-origin.
 * Now a request with a foreign `Origin` or `Host` is refused (403, in the envelope of the path's protocol), CORS
 * answers go to allowed origins only (loopback by default: the gateway's web player on another port), and
 * requests without `Origin` (SDKs, CLI, curl) are unaffected.
 */
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListStreamsCommand as ListVideoStreamsCommand } from '@aws-sdk/client-kinesis-video';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator';
import {
  createKinesisClient,
  HTTP1_NODE,
  HTTP2_DEFAULT,
  jsonOf,
  kdsHeaders,
  rawRequest,
  type RawRequest,
  type RawResponse,
  type WireProtocol,
} from '../testing/kds-test-clients';
import { createKinesisVideoClient, createActiveVideoStream } from '../testing/kvs-test-clients';

const EVIL = 'https://evil.example';
const PROTOCOLS: WireProtocol[] = ['http/1.1', 'h2c'];

/** A `Host` header over HTTP/1.1, `:authority` over HTTP/2. */
const hostHeader = (protocol: WireProtocol, value: string): Record<string, string> =>
  protocol === 'h2c' ? { ':authority': value } : { host: value };

describe.each(PROTOCOLS)('browser guard over %s', (protocol) => {
  let emu: RunningEmulator;
  const raw = (req: RawRequest): Promise<RawResponse> => rawRequest(emu.url, protocol, req);
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
  });
  afterAll(() => emu.close());

  describe('a page of another site', () => {
    it('cannot list or delete video streams (text/plain, no signature): 403 in KVS envelope, no CORS headers', async () => {
      const video = createKinesisVideoClient(emu.url);
      const name = `guard-${process.pid}-${Date.now().toString(36)}`;
      try {
        await createActiveVideoStream(video, name);
        for (const path of ['/listStreams', '/deleteStream']) {
          const res = await raw({ path, headers: { origin: EVIL, 'content-type': 'text/plain' }, body: JSON.stringify({ StreamName: name }) });
          expect(res.status).toBe(403);
          expect(res.headers['access-control-allow-origin']).toBeUndefined();
          expect(String(res.headers['x-amzn-errortype'])).toMatch(/^AccessDeniedException:/);
          expect(jsonOf(res)).toEqual({ __type: 'AccessDeniedException', Message: expect.stringContaining(`Origin ${EVIL} is not allowed`) });
        }
        // Not deleted.
        const out = await video.send(new ListVideoStreamsCommand({}));
        expect(out.StreamInfoList?.map((s) => s.StreamName)).toContain(name);
      } finally {
        video.destroy();
      }
    });

    it('cannot inject faults or read them', async () => {
      const post = await raw({
        path: '/_tributary/faults',
        headers: { origin: EVIL, 'content-type': 'text/plain' },
        body: JSON.stringify({ errorRate: 1 }),
      });
      expect(post.status).toBe(403);
      expect(jsonOf(post)).toEqual({ title: 'Forbidden', detail: expect.stringContaining('--cors-origins') });
      expect((await raw({ method: 'GET', path: '/_tributary/faults', headers: { origin: EVIL } })).status).toBe(403);
      expect(emu.faults.list()).toEqual([]);
    });

    it('cannot open HLS resources, nor get a preflight through', async () => {
      const get = await raw({ method: 'GET', path: '/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=x', headers: { origin: EVIL } });
      expect(get.status).toBe(403);
      const preflight = await raw({
        method: 'OPTIONS',
        path: '/getHLSStreamingSessionURL',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('gets 403 in the Kinesis and DynamoDB envelopes', async () => {
      const kds = await raw({ headers: kdsHeaders('ListStreams', { origin: EVIL }), body: '{}' });
      expect(kds.status).toBe(403);
      expect(kds.headers['x-amzn-errortype']).toBe('AccessDeniedException');
      expect(jsonOf(kds)).toEqual({ __type: 'AccessDeniedException', message: expect.stringContaining('is not allowed') });
      const ddb = await raw({
        headers: kdsHeaders('ListTables', { origin: EVIL, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }),
        body: '{}',
      });
      expect(ddb.status).toBe(403);
      expect(jsonOf(ddb)['__type']).toBe('com.amazon.coral.service#AccessDeniedException');
    });
  });

  describe('a page on loopback (the gateway web player, hls.js in tests, another port)', () => {
    it.each(['http://127.0.0.1:4300', 'http://localhost:3000', 'http://[::1]:8080'])('%s gets CORS answers', async (origin) => {
      const preflight = await raw({
        method: 'OPTIONS',
        path: '/getHLSStreamingSessionURL',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-date' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      expect(preflight.headers['access-control-allow-headers']).toBe('content-type,x-amz-date');
      expect(preflight.headers['access-control-max-age']).toBe('86400');
      expect(preflight.headers['access-control-expose-headers']).toContain('x-amzn-RequestId');
      const list = await raw({ path: '/listStreams', headers: { origin, 'content-type': 'application/json' }, body: '{}' });
      expect(list.status).toBe(200);
      expect(list.headers['access-control-allow-origin']).toBe(origin);
      expect(list.headers['vary']).toBe('Origin');
    });
  });

  describe('requests without Origin', () => {
    it('are served and get no CORS headers', async () => {
      const res = await raw({ path: '/listStreams', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('Host (DNS rebinding)', () => {
    it('refuses a request whose Host is a foreign name, even without Origin', async () => {
      const res = await raw({ path: '/listStreams', headers: { 'content-type': 'application/json', ...hostHeader(protocol, 'rebound.evil.example:4566') }, body: '{}' });
      expect(res.status).toBe(403);
      expect(jsonOf(res)).toEqual({ __type: 'AccessDeniedException', Message: expect.stringContaining('--allowed-hosts') });
      const admin = await raw({ method: 'GET', path: '/_tributary/health', headers: hostHeader(protocol, 'rebound.evil.example') });
      expect(admin.status).toBe(403);
    });

    it.each(['localhost:4566', '127.0.0.1', '[::1]:4566', '10.0.0.7:4566'])('serves Host %s', async (host) => {
      const res = await raw({ method: 'GET', path: '/_tributary/health', headers: hostHeader(protocol, host) });
      expect(res.status).toBe(200);
    });
  });
});

describe('browser guard settings', () => {
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const start = async (options: EmulatorOptions): Promise<RunningEmulator> => (emu = await startEmulator({ port: 0, dynamodb: false, kvs: false, ...options }));

  it('serves the SDK over both protocols at an endpoint named localhost (Host = the endpoint host)', async () => {
    const { port } = await start({});
    for (const handler of [HTTP2_DEFAULT, HTTP1_NODE] as const) {
      const client = createKinesisClient(`http://localhost:${port}`, handler, { maxAttempts: 1 });
      try {
        expect((await client.send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(200);
      } finally {
        client.destroy();
      }
    }
  });

  it('accepts the extra host names of allowedHosts (a docker-compose service name)', async () => {
    const { url } = await start({ allowedHosts: ['emulator'] });
    const ok = await rawRequest(url, 'http/1.1', { method: 'GET', path: '/_tributary/health', headers: { host: 'emulator:4566' } });
    expect(ok.status).toBe(200);
    const other = await rawRequest(url, 'http/1.1', { method: 'GET', path: '/_tributary/health', headers: { host: 'elsewhere:4566' } });
    expect(other.status).toBe(403);
  });

  it('allows exactly the corsOrigins given (loopback only when listed)', async () => {
    const { url } = await start({ corsOrigins: ['https://app.example'] });
    const allowed = await rawRequest(url, 'http/1.1', { method: 'GET', path: '/_tributary/health', headers: { origin: 'https://app.example' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const loopback = await rawRequest(url, 'http/1.1', { method: 'GET', path: '/_tributary/health', headers: { origin: 'http://localhost:3000' } });
    expect(loopback.status).toBe(403);
  });

  it('refuses to start with a malformed origin', async () => {
    await expect(startEmulator({ port: 0, dynamodb: false, kvs: false, corsOrigins: ['app.example'] })).rejects.toThrow(/not an origin/);
  });
});
