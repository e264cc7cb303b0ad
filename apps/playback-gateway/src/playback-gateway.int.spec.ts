/**
 * The gateway end to end over HTTP, against the emulator in process (official SDK v3 clients, real ffmpeg media put
 * with PutMedia): the auth matrix on every endpoint, the stream list filtered by permission, proxied HLS through
 * master → media → init → segment (and ffprobe reading the proxied URL), direct HLS, clip and snapshot downloads,
 * the proxy's refusals of odd requests without any upstream fetch, and the page's security headers.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { SignJWT } from 'jose';
import pino from 'pino';
import { generateApiKey, signPlaybackToken } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import {
  createActiveVideoStream,
  createKinesisVideoClient,
  ffmpegTestPattern,
  ffprobeFrameCount,
  sendPutMedia,
  TEST_CREDENTIALS,
  TEST_REGION,
  uniqueStreamName,
} from '@tributary/emulator/testing';
import { loadConfig } from './playback-gateway-config';
import { startPlaybackGateway, type RunningPlaybackGateway } from './playback-gateway-app';

const ffprobe = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';
const PLAYBACK_KEY = 'playback-key-for-the-gateway-int-tests-0123456789';
const JWT_SECRET = 'jwt-secret-for-the-gateway-int-tests-0123456789';
const AUDIENCE = 'tributary-video';

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

const problem = (a: Answer): { status: number; code?: string } => {
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return JSON.parse(a.body.toString('utf8')) as { status: number; code?: string };
};

describe('playback-gateway', () => {
  let emu: RunningEmulator;
  let kvs: KinesisVideoClient;
  let gw: RunningPlaybackGateway;
  let tmp: string;
  let upstreamFetches = 0;
  const streamA = uniqueStreamName('gw-a');
  const streamB = uniqueStreamName('gw-b');
  const keyAll = generateApiKey({ scopes: ['video:read'], name: 'all' });
  const keyA = generateApiKey({ scopes: [`stream:${streamA}:read`], name: 'a' });
  const keyB = generateApiKey({ scopes: [`stream:${streamB}:read`], name: 'b' });
  const keyNone = generateApiKey({ scopes: ['telemetry:write'], name: 'none' });
  let startMs = 0;
  const logLines: string[] = [];

  const jwt = (scope: string, expSeconds: number): Promise<string> =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('viewer')
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
      .sign(new TextEncoder().encode(JWT_SECRET));

  const call = async (target: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> => {
    const res = await fetch(target.startsWith('http') ? target : `${gw.url}${target}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const as = (key: string) => ({ 'x-api-key': key });
  const json = <T>(a: Answer): T => JSON.parse(a.body.toString('utf8')) as T;

  const session = async (stream: string, body: Record<string, unknown>, key = keyAll.key): Promise<{ url: string; delivery: string; expiresAt: string }> => {
    const a = await call(`/api/streams/${stream}/playback`, { method: 'POST', headers: as(key), body });
    expect(a.status).toBe(201);
    return json(a);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'playback-gateway-'));
    const pattern = ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false });
    kvs = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(kvs, streamA);
    await createActiveVideoStream(kvs, streamB);
    startMs = Date.now() - 5_000;
    const media = await pattern;
    for (const stream of [streamA, streamB]) {
      const out = await sendPutMedia(emu.url, { streamName: stream, body: media, startTimestamp: (startMs / 1000).toFixed(3) });
      expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(4);
    }
    const records = [keyAll, keyA, keyB, keyNone].map((k) => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`).join('\n');
    const loaded = loadConfig(['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', '--api-rate-limit', '0', '--hls-rate-limit', '0'], {
      GATEWAY_API_KEYS: records,
      GATEWAY_JWT_SECRET: JWT_SECRET,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
      GATEWAY_PLAYBACK_KEY: PLAYBACK_KEY,
      AWS_ENDPOINT_URL: emu.url,
    });
    if (loaded.help) throw new Error('help');
    gw = await startPlaybackGateway(loaded.config, {
      // Plain pino, not the service logger: the gateway itself must keep tokens out, without the runtime's text pass.
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
      serverTimeouts: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, checkIntervalMs: 100 },
      kvsClientConfig: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      fetch: (input, init) => {
        upstreamFetches++;
        return fetch(input, init);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    kvs?.destroy();
    await emu?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('auth matrix', () => {
    const endpoints = (): Array<[string, string, unknown]> => [
      ['GET', `/api/streams/${streamA}`, undefined],
      ['POST', `/api/streams/${streamA}/playback`, { mode: 'LIVE' }],
      ['GET', `/api/streams/${streamA}/clip?start=${new Date(startMs).toISOString()}&end=${new Date(startMs + 3000).toISOString()}`, undefined],
      ['GET', `/api/streams/${streamA}/snapshot?at=${startMs + 1000}`, undefined],
    ];

    it('answers 401 problem+json (no media bytes) without credentials, and with expired or tampered JWTs', async () => {
      const expired = await jwt('video:read', -60);
      const good = await jwt('video:read', 600);
      const tampered = `${good.slice(0, -4)}${good.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      const wrongKey = await new SignJWT({ scope: 'video:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(AUDIENCE)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'));
      for (const [method, target, body] of [['GET', '/api/streams', undefined] as [string, string, unknown], ...endpoints()]) {
        const variants: Array<Record<string, string>> = [{}, { authorization: `Bearer ${expired}` }, { authorization: `Bearer ${tampered}` }, { authorization: `Bearer ${wrongKey}` }, as('trb_0000000000000000_' + 'x'.repeat(43))];
        for (const headers of variants) {
          const a = await call(target, { method, headers, body });
          expect([method, target, a.status]).toEqual([method, target, 401]);
          expect(problem(a).status).toBe(401);
          expect(a.headers.get('www-authenticate')).toBeTruthy();
        }
      }
    });

    it('answers 403 with a credential for another stream or without a read scope, before asking KVS anything', async () => {
      const jwtB = await jwt(`stream:${streamB}:read`, 600);
      for (const [method, target, body] of endpoints()) {
        for (const headers of [as(keyB.key), as(keyNone.key), { authorization: `Bearer ${jwtB}` }]) {
          const a = await call(target, { method, headers, body });
          expect([method, target, a.status]).toEqual([method, target, 403]);
          expect(problem(a).code).toBe('INSUFFICIENT_SCOPE');
        }
      }
      // The same answer for a stream that does not exist: no existence leak.
      expect((await call('/api/streams/no-such-stream', { headers: as(keyB.key) })).status).toBe(403);
    });

    it('lets a JWT with the stream scope and the per-stream key through', async () => {
      const jwtA = await jwt(`stream:${streamA}:read`, 600);
      expect((await call(`/api/streams/${streamA}`, { headers: { authorization: `Bearer ${jwtA}` } })).status).toBe(200);
      expect((await call(`/api/streams/${streamA}`, { headers: as(keyA.key) })).status).toBe(200);
    });

    it('refuses expired, tampered, foreign and session-less playback tokens on the proxy with 401 and no upstream fetch', async () => {
      const live = await session(streamA, { mode: 'LIVE', delivery: 'proxied' });
      const token = /\/hls\/([^/]+)\/master\.m3u8$/.exec(live.url)?.[1] ?? '';
      const sessionUrl = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).ses as string;
      const expired = await signPlaybackToken({ streamName: streamA, ttlSeconds: 300, session: sessionUrl }, PLAYBACK_KEY, { clock: { now: () => Date.now() - 3_600_000 } });
      const foreign = await signPlaybackToken({ streamName: streamA, ttlSeconds: 300, session: sessionUrl }, 'another-playback-key-of-32-bytes-or-more');
      const sessionless = await signPlaybackToken({ streamName: streamA, ttlSeconds: 300 }, PLAYBACK_KEY);
      const parts = token.split('.');
      const tampered = [parts[0], Buffer.from(Buffer.from(parts[1] ?? '', 'base64url').toString().replace(streamA, streamB)).toString('base64url'), parts[2]].join('.');
      const before = upstreamFetches;
      for (const t of [expired, foreign, sessionless, tampered]) {
        for (const file of ['master.m3u8', 'media.m3u8?track=1', 'init.mp4?track=1', 'segment.mp4?fragment=1&track=1']) {
          const a = await call(`/hls/${t}/${file}`);
          expect([file, a.status]).toEqual([file, 401]);
          problem(a);
        }
      }
      expect(upstreamFetches).toBe(before);
    });
  });

  it('lists the streams the principal may read, with health from the last seconds', async () => {
    type Listing = { streams: Array<{ name: string; health: { status: string; bitrateBps: number; lastFragmentAt: string | null; fragmentsPerSecond: number } | null }> };
    const all = json<Listing>(await call('/api/streams', { headers: as(keyAll.key) }));
    const names = all.streams.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([streamA, streamB]));
    const a = all.streams.find((s) => s.name === streamA);
    expect(a?.health).toMatchObject({ status: 'live' });
    expect(a?.health?.bitrateBps).toBeGreaterThan(0);
    expect(a?.health?.fragmentsPerSecond).toBeGreaterThan(0);
    expect(Date.parse(a?.health?.lastFragmentAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(json<Listing>(await call('/api/streams', { headers: as(keyA.key) })).streams.map((s) => s.name)).toEqual([streamA]);
    expect(json<Listing>(await call('/api/streams', { headers: as(keyNone.key) })).streams).toEqual([]);
  });

  it('validates playback requests and 404s unknown streams', async () => {
    const bad = await call(`/api/streams/${streamA}/playback`, { method: 'POST', headers: as(keyAll.key), body: { mode: 'ON_DEMAND' } });
    expect(bad.status).toBe(400);
    expect(problem(bad).code).toBe('INVALID_REQUEST');
    const odd = await call(`/api/streams/${streamA}/playback`, { method: 'POST', headers: as(keyAll.key), body: { mode: 'LIVE', SessionToken: 'x' } });
    expect(odd.status).toBe(400);
    const text = await fetch(`${gw.url}/api/streams/${streamA}/playback`, {
      method: 'POST',
      headers: { ...as(keyAll.key), 'content-type': 'text/plain' },
      body: '{"mode":"ON_DEMAND"}',
    });
    expect(text.status).toBe(415);
    const huge = await call(`/api/streams/${streamA}/playback`, { method: 'POST', headers: as(keyAll.key), body: { mode: 'LIVE', pad: 'x'.repeat(5000) } });
    expect(problem(huge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const malformed = await fetch(`${gw.url}/api/streams/${streamA}/playback`, { method: 'POST', headers: { ...as(keyAll.key), 'content-type': 'application/json' }, body: '{"mode":' });
    expect(malformed.status).toBe(400);
    expect((await call('/api/streams/no-such-stream', { headers: as(keyAll.key) })).status).toBe(404);
    expect((await call('/api/streams/bad%2Fname', { headers: as(keyAll.key) })).status).toBe(400);
  });

  describe('proxied HLS', () => {

    it('serves master → media → init → segment through the gateway with rewritten URIs', async () => {
      const s = await session(streamA, { mode: 'ON_DEMAND', start: new Date(startMs - 1000).toISOString(), end: new Date(startMs + 10_000).toISOString(), delivery: 'proxied' });
      expect(s.delivery).toBe('proxied');
      expect(s.url).toMatch(new RegExp(`^${gw.url}/hls/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+/master\\.m3u8$`));
      const base = s.url.replace(/master\.m3u8$/, '');
      const master = await call(s.url);
      expect(master.status).toBe(200);
      expect(master.headers.get('content-type')).toMatch(/mpegurl/i);
      const masterText = master.body.toString();
      expect(masterText).toContain('media.m3u8?track=1');
      expect(masterText).not.toMatch(/SessionToken|getHLS/);

      const media = await call(`${base}media.m3u8?track=1`);
      expect(media.status).toBe(200);
      const mediaPlaylist = media.body.toString();
      expect(mediaPlaylist).toContain('#EXT-X-MAP:URI="init.mp4?track=1"');
      expect(mediaPlaylist).not.toMatch(/SessionToken|getMP4/);
      const segments = mediaPlaylist.split('\n').filter((l) => l.startsWith('segment.mp4?'));
      expect(segments).toHaveLength(4);

      const init = await call(`${base}init.mp4?track=1`);
      expect(init.status).toBe(200);
      expect(init.headers.get('content-type')).toBe('video/mp4');
      expect(init.body.toString('latin1', 4, 8)).toBe('ftyp');

      const hitsBefore = gw.segmentCache.stats().hits;
      const first = await call(`${base}${segments[0]}`);
      expect(first.status).toBe(200);
      expect(first.body.toString('latin1', 4, 8)).toMatch(/^(moof|styp)$/);
      expect(first.headers.get('cache-control')).toBeTruthy();
      const again = await call(`${base}${segments[0]}`);
      expect(again.body.equals(first.body)).toBe(true);
      expect(gw.segmentCache.stats().hits).toBe(hitsBefore + 1);
      const metrics = (await call('/metrics')).body.toString();
      expect(metrics).toMatch(/playback_gateway_segment_cache_hits_total [1-9]/);
    });

    // Regression (issue 12, item 3): the request logger and the metrics read req.path after the /hls router had
    // stripped its mount point, so every proxied request was logged at INFO with the whole playback token (a
    // replayable credential) and counted as route="other".
    it('logs and counts proxied HLS by route template, media requests at debug, never with the token', async () => {
      const from = logLines.length;
      const s = await session(streamA, { mode: 'ON_DEMAND', start: new Date(startMs - 1000).toISOString(), end: new Date(startMs + 10_000).toISOString(), delivery: 'proxied' });
      const token = /\/hls\/([^/]+)\/master\.m3u8$/.exec(s.url)?.[1] ?? '';
      expect(token.length).toBeGreaterThan(100);
      const base = s.url.replace(/master\.m3u8$/, '');
      expect((await call(s.url)).status).toBe(200);
      const media = await call(`${base}media.m3u8?track=1`);
      expect((await call(`${base}init.mp4?track=1`)).status).toBe(200);
      const segment = media.body.toString().split('\n').find((l) => l.startsWith('segment.mp4?')) ?? '';
      expect((await call(`${base}${segment}`)).status).toBe(200);

      const lines = logLines.slice(from);
      const [signature] = token.split('.').slice(-1);
      for (const line of lines) {
        expect(line).not.toContain(token);
        expect(line).not.toContain(signature);
      }
      const requests = lines.map((l) => JSON.parse(l) as { level: number; msg: string; route?: string; path?: string; status?: number }).filter((l) => l.msg === 'request');
      const hls = requests.filter((r) => r.route?.startsWith('/hls/'));
      expect(hls.map((r) => [r.route, r.status, r.level])).toEqual([
        ['/hls/:token/master.m3u8', 200, 20],
        ['/hls/:token/media.m3u8', 200, 20],
        ['/hls/:token/init.mp4', 200, 20],
        ['/hls/:token/segment.mp4', 200, 20],
      ]);
      expect(hls.every((r) => r.path?.startsWith('/hls/<token>/'))).toBe(true);
      expect(requests.find((r) => r.route === '/api/streams/:name/playback')).toMatchObject({ status: 201, level: 30 });

      const metrics = (await call('/metrics')).body.toString();
      for (const route of ['/api/streams/:name/playback', '/hls/:token/master.m3u8', '/hls/:token/media.m3u8', '/hls/:token/init.mp4', '/hls/:token/segment.mp4']) {
        expect(metrics).toMatch(new RegExp(`playback_gateway_http_request_duration_seconds_count\\{method="(GET|POST)",route="${route.replace(/[.]/g, '\\.')}",status="20[01]"\\} [1-9]`));
      }
      expect(metrics).not.toContain(token);
    });

    // Regression (issue 19): the stream list, clips and snapshots were logged at INFO (with the dashboard's polls,
    // 60–130 lines a minute with one viewer), burying the start banner; INFO keeps what a person wants to read.
    it('logs reads at debug and keeps INFO for sessions, refusals and the first request of each key', async () => {
      const from = logLines.length;
      expect((await call('/api/streams', { headers: as(keyAll.key) })).status).toBe(200);
      expect((await call(`/api/streams/${streamA}/snapshot?at=${startMs + 1000}`, { headers: as(keyAll.key) })).status).toBe(200);
      const clip = `/api/streams/${streamA}/clip?start=${new Date(startMs).toISOString()}&end=${new Date(startMs + 3000).toISOString()}`;
      expect((await call(clip, { headers: as(keyAll.key) })).status).toBe(200);
      expect((await call('/api/streams', { headers: as('trb_0000000000000000_wrong') })).status).toBe(401);
      await session(streamA, { mode: 'LIVE', delivery: 'proxied' });
      const lines = logLines.slice(from).map((l) => JSON.parse(l) as { level: number; msg: string; route?: string; status?: number });
      const levels = lines.filter((l) => l.msg === 'request').map((l) => [l.route, l.status, l.level]);
      expect(levels).toEqual([
        ['/api/streams', 200, 20],
        ['/api/streams/:name/snapshot', 200, 20],
        ['/api/streams/:name/clip', 200, 20],
        ['/api/streams', 401, 30],
        ['/api/streams/:name/playback', 201, 30],
      ]);
      const signedIn = logLines.map((l) => JSON.parse(l) as { level: number; msg: string; subject?: string }).filter((l) => l.msg === 'signed in' && l.subject === keyAll.record.id);
      expect(signedIn).toEqual([expect.objectContaining({ level: 30, kind: 'api-key', scopes: ['video:read'] })]);
    });

    it('is read by ffprobe through the proxied URL', async () => {
      const s = await session(streamA, { mode: 'ON_DEMAND', start: new Date(startMs - 1000).toISOString(), end: new Date(startMs + 10_000).toISOString(), delivery: 'proxied' });
      const { stdout } = await promisify(execFile)(ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', s.url]);
      const probe = JSON.parse(stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> };
      expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    });

    it('refuses path traversal and odd query strings with 400/404 and never fetches upstream', async () => {
      const s = await session(streamA, { mode: 'LIVE', delivery: 'proxied' });
      const token = /\/hls\/([^/]+)\/master\.m3u8$/.exec(s.url)?.[1] ?? '';
      expect(token).not.toBe('');
      expect((await rawGet(gw.port, `/hls/${token}/master.m3u8`)).status).toBe(200);
      const before = upstreamFetches;
      const targets: Array<[string, number]> = [
        [`/hls/${token}/../master.m3u8`, 404],
        [`/hls/${token}/%2e%2e/master.m3u8`, 404],
        [`/hls/${token}/..%2fmaster.m3u8`, 404],
        [`/hls/${token}/getHLSMasterPlaylist.m3u8`, 404],
        [`/hls/${token}/master.m3u8/`, 404],
        [`/hls/${token}/master.m3u8?x=1`, 400],
        [`/hls/${token}/media.m3u8?track=3`, 400],
        [`/hls/${token}/media.m3u8?track=1&track=2`, 400],
        [`/hls/${token}/init.mp4?track=1&SessionToken=abc`, 400],
        [`/hls/${token}/segment.mp4?fragment=..%2f..%2fetc&track=1`, 400],
        [`/hls/${token}/segment.mp4?fragment=1e3&track=1`, 400],
        [`/hls/${token}/segment.mp4?track=1`, 400],
        ['/hls/not-a-token/master.m3u8', 404],
      ];
      for (const [target, status] of targets) {
        // Raw request targets: fetch() would normalise the dot segments away.
        const a = await rawGet(gw.port, target);
        expect([target, a.status]).toEqual([target, status]);
        expect(a.contentType).toMatch(/^application\/problem\+json/);
      }
      expect(upstreamFetches).toBe(before);
    });
  });

  it('returns the emulator HLS session URL in direct mode', async () => {
    const s = await session(streamA, { mode: 'LIVE', delivery: 'direct' });
    expect(s.delivery).toBe('direct');
    expect(s.url.startsWith(`${emu.url}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=`)).toBe(true);
    expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.now());
    const master = await fetch(s.url);
    expect(master.status).toBe(200);
  });

  it('downloads a clip as an MP4 attachment that ffprobe reads', async () => {
    const a = await call(`/api/streams/${streamA}/clip?start=${new Date(startMs).toISOString()}&end=${new Date(startMs + 3000).toISOString()}`, { headers: as(keyA.key) });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('video/mp4');
    expect(a.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.mp4"$/);
    const file = path.join(tmp, 'clip.mp4');
    fs.writeFileSync(file, a.body);
    expect(await ffprobeFrameCount(file)).toBe(100);
  });

  it('answers a snapshot as JPEG bytes, at a time or at the newest fragment', async () => {
    const at = await call(`/api/streams/${streamA}/snapshot?at=${startMs + 1000}&width=160`, { headers: as(keyA.key) });
    expect(at.status).toBe(200);
    expect(at.headers.get('content-type')).toBe('image/jpeg');
    expect([...at.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const newest = await call(`/api/streams/${streamA}/snapshot`, { headers: as(keyA.key) });
    expect(newest.status).toBe(200);
    expect([...newest.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const png = await call(`/api/streams/${streamA}/snapshot?at=${startMs + 1000}&format=png`, { headers: as(keyA.key) });
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.body.toString('latin1', 1, 4)).toBe('PNG');
  });

  it('serves the player page with its security headers, hls.js, health and readiness', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('id="player"');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("media-src 'self' blob:");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain(`connect-src 'self' ${new URL(emu.url).origin}`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const hls = await call('/vendor/hls.min.js');
    expect(hls.status).toBe(200);
    expect(hls.body.length).toBeGreaterThan(100_000);
    expect((await call('/player.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
    const missing = await call('/nope');
    expect(missing.status).toBe(404);
    problem(missing);
  });
});

describe('playback-gateway server timeouts', () => {
  // Regression (issue 12, item 8): a trickled request body was kept open for Node's 300 s default and an idle
  // mid-request socket forever. Short bounds here (injected); production uses RUNTIME_DEFAULTS.http.
  let gw: RunningPlaybackGateway;
  const key = generateApiKey({ scopes: ['video:read'], name: 'timeouts' });

  beforeAll(async () => {
    const loaded = loadConfig(['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent'], {
      GATEWAY_API_KEYS: `${key.record.id}:${key.record.hash}:video:read`,
      GATEWAY_PLAYBACK_KEY: PLAYBACK_KEY,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_REGION: TEST_REGION,
    });
    if (loaded.help) throw new Error('help');
    gw = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      serverTimeouts: { headersTimeoutMs: 500, requestTimeoutMs: 800, idleTimeoutMs: 1_500, checkIntervalMs: 50 },
    });
  });
  afterAll(() => gw?.close());

  it.each<[string, (s: net.Socket) => () => void, number]>([
    ['sends nothing', () => () => undefined, 500],
    [
      'trickles its request body',
      (s) => {
        s.write(`POST /api/streams/cam/playback HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${key.key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
        const t = setInterval(() => s.write(' '), 50);
        return () => clearInterval(t);
      },
      800,
    ],
  ])('disconnects a client that %s within the bound', async (_name, drive, boundMs) => {
    const started = Date.now();
    const received = await new Promise<string>((resolve) => {
      const socket = net.connect(gw.port, '127.0.0.1');
      let text = '';
      let stop: () => void = () => undefined;
      socket.on('connect', () => (stop = drive(socket)));
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        stop();
        resolve(text);
      });
    });
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(boundMs + 400);
    // Node answers 408 itself, unless the app had already answered (then the socket just closes).
    expect(received === '' || /^HTTP\/1\.1 (408|4\d\d)/.test(received)).toBe(true);
  });
});

/** A GET with the request target sent exactly as given (no URL normalisation). */
function rawGet(port: number, target: string): Promise<{ status: number; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}
