/**
 * GET /api/streams/:name/timeline over HTTP against the emulator in process (official SDK v3 clients, ffmpeg test
 * pattern put with PutMedia twice, 20 s apart in producer time): the two recorded stretches and the gap between
 * them, the window's defaults and bounds, permission before any KVS call, and the refusals as problem documents.
 * Then, over a fake KVS that counts its listings, one listing per stream and window shared by concurrent viewers.
 */
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import pino from 'pino';
import { generateApiKey, InMemoryApiKeyStore } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import {
  createActiveVideoStream,
  createKinesisVideoClient,
  ffmpegTestPattern,
  sendPutMedia,
  TEST_CREDENTIALS,
  TEST_REGION,
  uniqueStreamName,
} from '@tributary/emulator/testing';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import type { RecordingTimeline } from '../kvs/recording-timeline';
import { loadConfig } from '../playback-gateway-config';
import { startPlaybackGateway, type RunningPlaybackGateway } from '../playback-gateway-app';
import { serveGateway } from '../testing/gateway-server-fixture';

describe('GET /api/streams/:name/timeline', () => {
  let emu: RunningEmulator;
  let kvs: KinesisVideoClient;
  let gw: RunningPlaybackGateway;
  const stream = uniqueStreamName('tl');
  const other = uniqueStreamName('tl-other');
  const keyAll = generateApiKey({ scopes: ['video:read'], name: 'all' });
  const keyOther = generateApiKey({ scopes: [`stream:${other}:read`], name: 'other' });
  /** Producer time of the first put; the second starts 20 s later. */
  const startMs = Date.now() - 60_000;

  const get = async (path: string, key = keyAll.key): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${gw.url}${path}`, { headers: { 'x-api-key': key } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const media = await ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false });
    kvs = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(kvs, stream);
    await createActiveVideoStream(kvs, other);
    for (const at of [startMs, startMs + 20_000]) {
      const out = await sendPutMedia(emu.url, { streamName: stream, body: media, startTimestamp: (at / 1000).toFixed(3) });
      expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(4);
    }
    const records = [keyAll, keyOther].map((k) => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`).join('\n');
    const loaded = loadConfig(['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', '--api-rate-limit', '0'], {
      GATEWAY_API_KEYS: records,
      GATEWAY_PLAYBACK_KEY: 'playback-key-for-the-timeline-int-tests-0123456789',
      AWS_ENDPOINT_URL: emu.url,
    });
    if (loaded.help) throw new Error('help');
    gw = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      kvsClientConfig: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    kvs?.destroy();
    await emu?.close();
  });

  it('answers the recorded stretches of the last hour and the gaps around and between them', async () => {
    const { status, body } = await get(`/api/streams/${stream}/timeline`);
    expect(status).toBe(200);
    const t = body as unknown as RecordingTimeline;
    expect(t.stream).toBe(stream);
    expect(t.to - t.from).toBe(3_600_000);
    expect(Math.abs(t.to - Date.now())).toBeLessThan(10_000);
    expect(t.fragments).toBe(8);
    expect(t.truncated).toBe(false);
    expect(t.ranges).toHaveLength(2);
    const [first, second] = t.ranges as [RecordingTimeline['ranges'][0], RecordingTimeline['ranges'][0]];
    // Producer timestamps are kept to the millisecond; each put is four 1-s fragments.
    expect(first.start).toBe(startMs);
    expect(first.fragments).toBe(4);
    expect(first.end - first.start).toBeGreaterThan(3_000);
    expect(first.end - first.start).toBeLessThanOrEqual(4_000);
    expect(second.start).toBe(startMs + 20_000);
    expect(t.gaps).toEqual([
      { start: t.from, end: first.start },
      { start: first.end, end: second.start },
      { start: second.end, end: t.to },
    ]);
    expect(t.newestEnd).toBe(second.end);
  });

  it('takes a window (epoch ms or ISO-8601) and lists only what starts in it', async () => {
    const from = startMs + 10_000;
    const { status, body } = await get(`/api/streams/${stream}/timeline?from=${from}&to=${new Date(startMs + 30_000).toISOString()}`);
    expect(status).toBe(200);
    const t = body as unknown as RecordingTimeline;
    expect([t.from, t.to]).toEqual([from, startMs + 30_000]);
    expect(t.ranges.map((r) => r.start)).toEqual([startMs + 20_000]);
    expect(t.fragments).toBe(4);
  });

  it.each([
    ['from after to', `?from=${startMs}&to=${startMs - 1}`, /to: must be after from/],
    ['over 24 h', `?from=${startMs - 25 * 3_600_000}&to=${startMs}`, /within 24 hours/],
    ['not a time', '?from=yesterday', /from: /],
    ['an unknown parameter', '?since=1', /unknown "since"/],
  ])('refuses %s with 400 and says why', async (_what, query, detail) => {
    const { status, body } = await get(`/api/streams/${stream}/timeline${query}`);
    expect(status).toBe(400);
    expect(body['code']).toBe('INVALID_REQUEST');
    expect(String(body['detail'])).toMatch(detail);
  });

  it('refuses a stream the key may not read (403, whether or not it exists) and answers 404 for a missing one', async () => {
    for (const name of [stream, 'no-such-stream-anywhere']) {
      const { status, body } = await get(`/api/streams/${name}/timeline`, keyOther.key);
      expect(status).toBe(403);
      expect(body['code']).toBe('INSUFFICIENT_SCOPE');
    }
    const { status } = await get('/api/streams/no-such-stream-anywhere/timeline');
    expect(status).toBe(404);
  });

  it('answers 405 to another method', async () => {
    const res = await fetch(`${gw.url}/api/streams/${stream}/timeline`, { method: 'POST', headers: { 'x-api-key': keyAll.key } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('GET /api/streams/:name/timeline, shared by viewers', () => {
  it('lists the fragments of one stream and window once for viewers asking together or within 5 s, again for another window', async () => {
    const key = generateApiKey({ scopes: ['video:read'] });
    const listings: string[] = [];
    const kvs = {
      fragmentsBetween: async (name: string, fromMs: number, toMs: number) => {
        listings.push(`${name} ${fromMs}-${toMs}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { fragments: [{ serverTimestampMs: fromMs + 1000, producerTimestampMs: fromMs + 1000, sizeBytes: 10, durationMs: 1000 }], truncated: false };
      },
    } as unknown as KvsPlaybackClient;
    const gw = await serveGateway({ auth: { apiKeys: new InMemoryApiKeyStore([key.record]) }, kvs });
    try {
      const to = Math.floor(Date.now() / 5000) * 5000;
      const ask = async (from: number) => {
        const res = await fetch(`${gw.url}/api/streams/cam/timeline?from=${from}&to=${to}`, { headers: { 'x-api-key': key.key } });
        expect(res.status).toBe(200);
        return (await res.json()) as RecordingTimeline;
      };
      const answers = await Promise.all([ask(to - 300_000), ask(to - 300_000), ask(to - 300_000)]);
      await ask(to - 300_000);
      expect(listings).toEqual([`cam ${to - 300_000}-${to}`]);
      for (const a of answers) expect(a.ranges).toEqual([{ start: to - 299_000, end: to - 298_000, fragments: 1 }]);
      await ask(to - 3_600_000);
      expect(listings).toEqual([`cam ${to - 300_000}-${to}`, `cam ${to - 3_600_000}-${to}`]);
    } finally {
      await gw.close();
    }
  });
});
