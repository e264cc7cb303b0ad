/**
 * The low-latency shape of bench:gateway (issue 17, "viewers at scale"): many live viewers of one camera, each
 * polling its live media playlist five times a second as public/low-latency.js does, through the gateway (proxied,
 * each viewer with a playback token of its own) and straight from the emulator (direct, the baseline).
 *
 * Viewers' tokens: one LIVE proxied session is asked of the gateway's API like a player does; the gateway hands
 * every proxied LIVE viewer of a stream the same KVS session for a few minutes (kvs/shared-live-sessions.ts), so
 * the bench signs one token per viewer on that session with the gateway's playback key, each with its own lifetime
 * — what 500 viewers who arrived over 500 different seconds hold (tokens issued in the same second with the same
 * claims would be the same string, which would flatter the gateway's verified-token cache).
 */
import { signPlaybackToken } from '@tributary/auth';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { BENCH_PLAYBACK_KEY, hlsSessionUrl } from './media-bench-support';

export interface LiveTargets {
  /** One media playlist URL per viewer, each with its own token. */
  gateway: string[];
  /** The emulator's live media playlist of one direct session (what every direct viewer's player would poll). */
  emulator: string;
  /** Distinct tokens among the gateway URLs. */
  distinctTokens: number;
}

async function text(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<string> {
  const res = await fetch(url, { ...init, headers });
  const body = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url.replace(/\/hls\/[^/]+\//, '/hls/<token>/')} -> ${res.status}: ${body.slice(0, 300)}`);
  return body;
}

/** The first URI line of a playlist, resolved against its URL. */
function firstUri(playlist: string, base: string): string {
  const line = playlist.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!line) throw new Error(`no URI in ${base}:\n${playlist.slice(0, 400)}`);
  return new URL(line.trim(), base).toString();
}

/** The `ses` claim (the KVS session URL) of a playback token: signed, not encrypted. */
function sessionOfToken(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { ses?: unknown; exp?: number; iat?: number };
  if (typeof claims.ses !== 'string') throw new Error('the playback token carries no session');
  return claims.ses;
}

export async function liveTargets(gatewayUrl: string, apiKey: string, admin: KinesisVideoClient, stream: string, viewers: number): Promise<LiveTargets> {
  const answer = JSON.parse(
    await text(
      `${gatewayUrl}/api/streams/${encodeURIComponent(stream)}/playback`,
      { 'content-type': 'application/json', 'x-api-key': apiKey },
      { method: 'POST', body: JSON.stringify({ mode: 'LIVE', delivery: 'proxied' }) },
    ),
  ) as { url: string };
  const token = /\/hls\/([^/]+)\/master\.m3u8$/.exec(answer.url)?.[1];
  if (!token) throw new Error(`unexpected playback URL ${answer.url}`);
  const session = sessionOfToken(token);
  // A second viewer asking now gets the same KVS session: the sharing the gateway relies on.
  const again = JSON.parse(
    await text(
      `${gatewayUrl}/api/streams/${encodeURIComponent(stream)}/playback`,
      { 'content-type': 'application/json', 'x-api-key': apiKey },
      { method: 'POST', body: JSON.stringify({ mode: 'LIVE', delivery: 'proxied' }) },
    ),
  ) as { url: string };
  if (sessionOfToken(/\/hls\/([^/]+)\//.exec(again.url)?.[1] ?? '') !== session) throw new Error('the gateway gave two LIVE viewers different KVS sessions');
  const tokens = await Promise.all(
    Array.from({ length: viewers }, (_, i) => signPlaybackToken({ streamName: stream, ttlSeconds: 1_800 - i, session }, BENCH_PLAYBACK_KEY)),
  );
  const gateway = tokens.map((t) => `${gatewayUrl}/hls/${t}/media.m3u8?track=1`);
  // Each token works (and the gateway has verified it once) before the clock starts.
  const master = await text(`${gatewayUrl}/hls/${tokens[0]}/master.m3u8`);
  if (!/media\.m3u8\?track=1/.test(master)) throw new Error(`unexpected proxied master playlist:\n${master.slice(0, 300)}`);
  const direct = await hlsSessionUrl(admin, {
    StreamName: stream,
    PlaybackMode: 'LIVE',
    HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP' },
    DisplayFragmentTimestamp: 'ALWAYS',
    ContainerFormat: 'FRAGMENTED_MP4',
    DiscontinuityMode: 'ON_DISCONTINUITY',
    Expires: 43_200,
  });
  const emulator = firstUri(await text(direct), direct);
  await text(emulator);
  return { gateway, emulator, distinctTokens: new Set(tokens).size };
}
