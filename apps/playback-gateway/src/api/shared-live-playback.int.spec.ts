/**
 * Proxied LIVE viewers share one KVS session (kvs/shared-live-sessions.ts), end to end against the emulator in
 * process (real ffmpeg media put with PutMedia, the gateway started from its settings): two viewers with different
 * credentials get different playback tokens carrying the same KVS session, replays and direct playback get sessions
 * of their own, and both viewers' proxied playlists are the same bytes — with no token of either in them — from
 * fewer upstream fetches than requests.
 */
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import pino from 'pino';
import { generateApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createActiveVideoStream, createKinesisVideoClient, ffmpegTestPattern, sendPutMedia, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import { loadConfig } from '../playback-gateway-config';
import { startPlaybackGateway, type RunningPlaybackGateway } from '../playback-gateway-app';

const PLAYBACK_KEY = 'playback-key-for-the-shared-live-tests-0123456789';

/** The `ses` claim of a playback token (signed, not encrypted). */
const sessionOf = (url: string): string => {
  const token = /\/hls\/([^/]+)\/master\.m3u8$/.exec(url)?.[1] ?? '';
  return (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { ses: string }).ses;
};

describe('shared LIVE sessions through the playback API (emulator)', () => {
  let emu: RunningEmulator;
  let kvs: KinesisVideoClient;
  let gw: RunningPlaybackGateway;
  const upstream: string[] = [];
  const stream = uniqueStreamName('shared-live');
  const viewerA = generateApiKey({ scopes: ['video:read'], name: 'a' });
  const viewerB = generateApiKey({ scopes: [`stream:${stream}:read`], name: 'b' });
  let startMs = 0;

  const playback = async (key: string, body: Record<string, unknown>): Promise<{ url: string; expiresAt: string }> => {
    const res = await fetch(`${gw.url}/api/streams/${stream}/playback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { url: string; expiresAt: string };
  };

  beforeAll(async () => {
    const pattern = ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false });
    kvs = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(kvs, stream);
    startMs = Date.now() - 5_000;
    const out = await sendPutMedia(emu.url, { streamName: stream, body: await pattern, startTimestamp: (startMs / 1000).toFixed(3) });
    expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(4);
    const loaded = loadConfig(['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', '--api-rate-limit', '0', '--hls-rate-limit', '0'], {
      GATEWAY_API_KEYS: [viewerA, viewerB].map((k) => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`).join('\n'),
      GATEWAY_PLAYBACK_KEY: PLAYBACK_KEY,
    });
    if (loaded.help) throw new Error('help');
    gw = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      kvsClientConfig: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      fetch: (input, init) => {
        upstream.push(new URL(String(input)).pathname.split('/').pop() ?? '');
        return fetch(input, init);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    kvs?.destroy();
    await emu?.close();
  });

  it('hands two LIVE proxied viewers different tokens on one KVS session, and replays and direct playback sessions of their own', async () => {
    const a = await playback(viewerA.key, { mode: 'LIVE', delivery: 'proxied' });
    // A later second: a token of its own (its iat and exp differ), on the same session.
    await new Promise((r) => setTimeout(r, 1_100));
    const b = await playback(viewerB.key, { mode: 'LIVE', delivery: 'proxied' });
    expect(b.url).not.toBe(a.url);
    expect(sessionOf(b.url)).toBe(sessionOf(a.url));
    const replay = await playback(viewerA.key, { mode: 'LIVE_REPLAY', delivery: 'proxied', start: startMs });
    expect(sessionOf(replay.url)).not.toBe(sessionOf(a.url));
    const direct = await playback(viewerA.key, { mode: 'LIVE', delivery: 'direct' });
    expect(direct.url).not.toBe(sessionOf(a.url));
    expect(direct.url).toMatch(/getHLSMasterPlaylist\.m3u8\?SessionToken=/);
  });

  it('serves both viewers the same playlists, without their tokens, from fewer upstream fetches than requests', async () => {
    const a = await playback(viewerA.key, { mode: 'LIVE', delivery: 'proxied' });
    await new Promise((r) => setTimeout(r, 1_100));
    const b = await playback(viewerB.key, { mode: 'LIVE', delivery: 'proxied' });
    const tokens = [a.url, b.url].map((u) => /\/hls\/([^/]+)\//.exec(u)?.[1] ?? '');
    const ses = new URL(sessionOf(a.url)).searchParams.get('SessionToken') ?? '';
    upstream.length = 0;
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${gw.url}/hls/${tokens[i % 2]}/media.m3u8?track=1`);
        return { status: res.status, text: await res.text() };
      }),
    );
    const elapsed = performance.now() - started;
    expect(answers.map((x) => x.status)).toEqual(Array(20).fill(200));
    expect(answers[0].text).toMatch(/^#EXTM3U/);
    expect(answers[0].text).toMatch(/segment\.mp4\?fragment=\d+&track=1/);
    for (const { text } of answers) {
      for (const t of tokens) expect(text).not.toContain(t);
      expect(text).not.toContain(ses);
      expect(text).not.toContain('SessionToken');
    }
    // One fetch per 200 ms at most, however the 20 requests spread.
    const fetches = upstream.filter((f) => f === 'getHLSMediaPlaylist.m3u8').length;
    expect(fetches).toBeLessThanOrEqual(Math.floor(elapsed / 200) + 1);
    expect(fetches).toBeLessThan(20);
    // Requests answered from one fetch got the same bytes, viewer A's and viewer B's alike: no more texts than fetches.
    expect(new Set(answers.map((x) => x.text)).size).toBeLessThanOrEqual(fetches);
  });
});
