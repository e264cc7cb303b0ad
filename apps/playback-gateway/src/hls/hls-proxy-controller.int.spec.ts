/**
 * The proxy against a scripted upstream (an injected fetch standing in for KVS's HLS endpoints), through the whole
 * Express app on port 0: one upstream fetch however many viewers miss the same segment at once, a cache keyed by
 * stream (two streams' fragment 1 are different segments), KVS refusals and timeouts mapped to problem answers,
 * and a playlist pointing elsewhere refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { signPlaybackToken } from '@tributary/auth';
import { GatewayMetrics } from '../gateway-metrics';
import { serveGateway, type ServedGateway } from '../testing/gateway-server-fixture';
import { SegmentCache } from './segment-cache';

const KEY = 'proxy-controller-test-key-of-32-bytes-at-least';
const sessionUrl = (stream: string) => `http://kvs.test/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=${stream}-session`;

type Script = (url: URL, signal: AbortSignal | undefined) => Promise<Response>;

describe('HLS proxy controller', () => {
  let server: ServedGateway;
  let base: string;
  let metrics: GatewayMetrics;
  let cache: SegmentCache;
  let script: Script;
  const fetched: string[] = [];

  beforeAll(async () => {
    metrics = new GatewayMetrics({ defaultMetrics: false });
    cache = new SegmentCache({ maxBytes: 1024 * 1024 });
    server = await serveGateway({
      playbackKey: KEY,
      upstreamTimeoutMs: 200,
      segmentCache: cache,
      metrics,
      fetch: async (input, init) => {
        const url = new URL(String(input));
        fetched.push(`${url.pathname.split('/').pop()}?${url.searchParams}`);
        return script(url, init?.signal ?? undefined);
      },
    });
    base = server.url;
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    fetched.length = 0;
  });

  const tokenFor = (stream: string) => signPlaybackToken({ streamName: stream, ttlSeconds: 300, session: sessionUrl(stream) }, KEY);
  const counter = async (name: string): Promise<number> => {
    const m = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return m.reduce((sum, v) => sum + v.value, 0);
  };

  it('fetches a segment once for many concurrent viewers, then serves it from the cache', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    script = async (url) => {
      await gate;
      return new Response(Buffer.from(`moof:${url.searchParams.get('SessionToken')}:${url.searchParams.get('FragmentNumber')}`), {
        headers: { 'content-type': 'video/mp4', 'cache-control': 'max-age=31536000, immutable' },
      });
    };
    const token = await tokenFor('cam-a');
    const pending = Array.from({ length: 20 }, () => fetch(`${base}/hls/${token}/segment.mp4?fragment=1&track=1`));
    await sleep(50);
    release();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await answers[0]?.text()).toBe('moof:cam-a-session:1');
    expect(answers[0]?.headers.get('cache-control')).toBe('max-age=31536000, immutable');
    const again = await fetch(`${base}/hls/${token}/segment.mp4?fragment=1&track=1`);
    expect(await again.text()).toBe('moof:cam-a-session:1');
    expect(fetched).toEqual(['getMP4MediaFragment.mp4?FragmentNumber=1&SessionToken=cam-a-session&TrackNumber=1']);
    expect(await counter('playback_gateway_segment_cache_misses_total')).toBe(1);
  });

  it('keys the cache by stream: another stream\'s fragment 1 is fetched from its own session', async () => {
    script = async (url) => new Response(Buffer.from(`moof:${url.searchParams.get('SessionToken')}`));
    const b = await fetch(`${base}/hls/${await tokenFor('cam-b')}/segment.mp4?fragment=1&track=1`);
    expect(await b.text()).toBe('moof:cam-b-session');
    expect(fetched).toHaveLength(1);
  });

  it.each<[string, number, number, string]>([
    ['an expired KVS session', 403, 403, 'SESSION_EXPIRED'],
    ['an unknown fragment', 404, 404, 'NOT_FOUND'],
    ['throttling', 429, 503, 'UPSTREAM_THROTTLED'],
    ['a KVS failure', 500, 502, 'UPSTREAM_ERROR'],
  ])('answers %s (KVS %i) with %i %s, and counts it', async (_name, upstream, status, code) => {
    script = async () => new Response('{"message":"Streaming session token is expired"}', { status: upstream });
    const before = await counter('playback_gateway_upstream_errors_total');
    const a = await fetch(`${base}/hls/${await tokenFor('cam-c')}/segment.mp4?fragment=${upstream}&track=1`);
    expect(a.status).toBe(status);
    expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await a.json()).toMatchObject({ status, code });
    expect(await counter('playback_gateway_upstream_errors_total')).toBe(before + 1);
  });

  it('gives up on a silent upstream after the timeout with 504', async () => {
    script = (_url, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted'))));
    const a = await fetch(`${base}/hls/${await tokenFor('cam-d')}/media.m3u8?track=1`);
    expect(a.status).toBe(504);
    expect(await a.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('rewrites a media playlist and refuses one that points elsewhere', async () => {
    const token = await tokenFor('cam-e');
    script = async () =>
      new Response(
        '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="getMP4InitFragment.mp4?SessionToken=x&TrackNumber=1"\n#EXTINF:1.0,\ngetMP4MediaFragment.mp4?FragmentNumber=9&SessionToken=x&TrackNumber=1\n',
      );
    const ok = await fetch(`${base}/hls/${token}/media.m3u8?track=1`);
    expect(ok.headers.get('content-type')).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(ok.headers.get('cache-control')).toBe('no-cache');
    expect(await ok.text()).toBe('#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="init.mp4?track=1"\n#EXTINF:1.0,\nsegment.mp4?fragment=9&track=1\n');
    script = async () => new Response('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nhttp://169.254.169.254/latest/meta-data\n');
    const bad = await fetch(`${base}/hls/${token}/media.m3u8?track=2`);
    expect(bad.status).toBe(502);
    expect(await bad.text()).not.toContain('169.254');
  });

  // Issue 17: the playlist route skips helmet's per-request work and Express's res.set; its answers must still carry
  // every security header the page gets, and still count in the request metrics.
  it("answers playlists and refusals with the page's security headers, and counts them", async () => {
    const token = await tokenFor('cam-f');
    script = async () => new Response('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\ngetMP4MediaFragment.mp4?FragmentNumber=3&SessionToken=x&TrackNumber=1\n');
    const requestsCounted = async (status: string): Promise<number> => {
      const values = (await metrics.registry.getSingleMetric('playback_gateway_http_request_duration_seconds')?.get())?.values ?? [];
      const rows = values.filter((v) => (v as { metricName?: string }).metricName === 'playback_gateway_http_request_duration_seconds_count' && v.labels.route === '/hls/:token/media.m3u8' && v.labels.status === status);
      return rows.reduce((sum, v) => sum + v.value, 0); // GET and HEAD
    };
    const before = { ok: await requestsCounted('200'), refused: await requestsCounted('401') };
    const security = (res: Response): Record<string, string> => {
      const names = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'referrer-policy', 'x-content-type-options', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
      return Object.fromEntries(names.map((n) => [n, res.headers.get(n) ?? '(absent)']));
    };
    const page = await fetch(`${base}/`);
    const playlist = await fetch(`${base}/hls/${token}/media.m3u8?track=1`);
    // The second poll within the share interval is answered by the shared copy, before Express (the fast path).
    const again = await fetch(`${base}/hls/${token}/media.m3u8?track=1`);
    const head = await fetch(`${base}/hls/${token}/media.m3u8?track=1`, { method: 'HEAD' });
    const refused = await fetch(`${base}/hls/a.b.c/media.m3u8?track=1`);
    expect([page.status, playlist.status, again.status, head.status, refused.status]).toEqual([200, 200, 200, 200, 401]);
    expect(fetched.filter((f) => f.startsWith('getHLSMediaPlaylist'))).toHaveLength(1);
    expect(security(page)['referrer-policy']).toBe('no-referrer');
    expect(Object.values(security(page))).not.toContain('(absent)');
    for (const res of [playlist, again, head, refused]) expect(security(res)).toEqual(security(page));
    const answer = (res: Response) => ['content-type', 'cache-control', 'content-length', 'x-powered-by'].map((n) => res.headers.get(n));
    expect(answer(again)).toEqual(answer(playlist));
    expect(answer(head)).toEqual(answer(playlist));
    expect(playlist.headers.get('x-powered-by')).toBeNull();
    const text = await playlist.text();
    expect(playlist.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(await again.text()).toBe(text);
    expect(await head.text()).toBe('');
    await refused.arrayBuffer();
    await sleep(20);
    // Each request counted once in the request-duration histogram, by route and status.
    expect({ ok: await requestsCounted('200'), refused: await requestsCounted('401') }).toEqual({ ok: before.ok + 3, refused: before.refused + 1 });
  });
});

// Issue 17: the default /hls rate limit (6,000 a minute per client) is on in real deployments, and polls answered by
// the shared copy before Express (the fast path) must count against it exactly as Express's answers do: one count
// per request over both paths, one set of RateLimit headers, and the 429 from Express's limiter past the limit.
describe('HLS proxy controller with an /hls rate limit', () => {
  let server: ServedGateway;
  let fetches = 0;
  const key = 'proxy-controller-limit-key-of-32-bytes-at-least';

  beforeAll(async () => {
    server = await serveGateway({
      playbackKey: key,
      hlsRateLimit: 4,
      metrics: new GatewayMetrics({ defaultMetrics: false }),
      fetch: async () => {
        fetches++;
        return new Response('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\ngetMP4MediaFragment.mp4?FragmentNumber=3&SessionToken=x&TrackNumber=1\n');
      },
    });
  });
  afterAll(() => server?.close());

  it('counts fast-path answers with Express answers, sets its headers once, and leaves the 429 to Express', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-limit', ttlSeconds: 300, session: sessionUrl('cam-limit') }, key);
    const url = `${server.url}/hls/${token}/media.m3u8?track=1`;
    const answers: Array<{ status: number; remaining: string | null; policy: string | null }> = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(url);
      await res.arrayBuffer();
      answers.push({ status: res.status, remaining: res.headers.get('ratelimit'), policy: res.headers.get('ratelimit-policy') });
    }
    // One upstream fetch: every poll after the first was answered by the shared copy.
    expect(fetches).toBe(1);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429]);
    // draft-8 headers, one value each (a second limiter pass would append a second one), counting down across paths.
    expect(answers.map((a) => a.remaining?.replace(/; t=\d+$/, ''))).toEqual(['"4-in-1min"; r=3', '"4-in-1min"; r=2', '"4-in-1min"; r=1', '"4-in-1min"; r=0', '"4-in-1min"; r=0', '"4-in-1min"; r=0']);
    for (const a of answers) expect(a.policy).toMatch(/^"4-in-1min"; q=4; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    // Express's answers (the first, the 429s) and the fast path's carry the same policy, partition key included.
    expect(new Set(answers.map((a) => a.policy)).size).toBe(1);
  });
});
