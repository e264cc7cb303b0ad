/**
 * `POST /getHLSStreamingSessionURL` (kvs-reference.md §5.5). Member shapes are checked by kvs-shapes.ts; the rules
 * across members are here, in the model doc's words where it has them:
 *
 * - HLSFragmentSelector.TimestampRange must be absent for LIVE, and present with a StartTimestamp for
 *   LIVE_REPLAY (EndTimestamp optional) and with both for ON_DEMAND; start ≤ end ≤ start + 24 h.
 * - Defaults: PlaybackMode LIVE, selector SERVER_TIMESTAMP, ContainerFormat FRAGMENTED_MP4 (MPEG_TS sessions
 *   serve getTSFragment.ts segments, remuxed per request), DiscontinuityMode ALWAYS (server timestamps) / NEVER (producer),
 *   DisplayFragmentTimestamp NEVER, Expires 300 s, MaxMediaPlaylistFragmentResults 5 (LIVE, LIVE_REPLAY) / 1000.
 * - NoDataRetentionException for a stream with DataRetentionInHours 0 (the HLS guide: "Data retention must be
 *   greater than 0"; the 2018 model text named ON_DEMAND only); ResourceNotFoundException when the range
 *   holds no fragment, or (LIVE) no fragment ended in the last 30 s; the media exceptions when track 1 cannot be
 *   played (not H.264/H.265, no or bad CodecPrivate).
 *
 * The URL is `<data endpoint>/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=<token>` on the origin the caller used
 * (or `dataEndpoint`), like GetDataEndpoint's answer.
 */
import { parseTimestamp } from '../../kds/kds-context';
import { kvsErrors } from '../kvs-errors';
import type { KvsEnv, KvsRequestContext } from '../kvs-context';
import { NO_FRAGMENTS } from './hls-errors';
import { mediaErrors } from '../media-failure';
import { hlsRuntimeOf } from './hls-runtime';
import type { HlsContainerFormat, HlsDiscontinuityMode, HlsSelectorType, HlsSession, PlaybackMode } from './hls-session-token';
import { rangeFragments } from './hls-session-view';
import { trackOf } from './hls-track-cache';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

const DAY_MS = 24 * 3600_000;
/** LIVE needs a fragment that ended this recently. */
export const LIVE_RECENT_MS = 30_000;
export const HLS_DEFAULTS = { expiresSec: 300, liveMaxResults: 5, onDemandMaxResults: 1000 } as const;
export const HLS_MASTER_PATH = '/hls/v1/getHLSMasterPlaylist.m3u8';

function timestamp(value: unknown, member: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimestamp(value);
  if (!Number.isFinite(ms)) throw kvsErrors.invalidArgument(`${member} is not a valid timestamp.`);
  return ms;
}

export function getHlsStreamingSessionUrl(env: KvsEnv, input: In, ctx: KvsRequestContext): object {
  const stream = env.registry.find(input);
  const mode: PlaybackMode = input.PlaybackMode ?? 'LIVE';
  const selector: HlsSelectorType = input.HLSFragmentSelector?.FragmentSelectorType ?? 'SERVER_TIMESTAMP';
  const range = input.HLSFragmentSelector?.TimestampRange as In | undefined;
  const startMs = timestamp(range?.StartTimestamp, 'StartTimestamp');
  const endMs = timestamp(range?.EndTimestamp, 'EndTimestamp');
  if (mode === 'LIVE' && range !== undefined) {
    throw kvsErrors.invalidArgument('TimestampRange must not be specified when PlaybackMode is LIVE.');
  }
  if (mode !== 'LIVE' && startMs === undefined) {
    throw kvsErrors.invalidArgument(`TimestampRange with a StartTimestamp is required when PlaybackMode is ${mode}.`);
  }
  if (mode === 'ON_DEMAND' && endMs === undefined) {
    throw kvsErrors.invalidArgument('TimestampRange with an EndTimestamp is required when PlaybackMode is ON_DEMAND.');
  }
  if (startMs !== undefined && endMs !== undefined) {
    if (startMs > endMs) throw kvsErrors.invalidArgument('The StartTimestamp must not be after the EndTimestamp.');
    if (endMs - startMs > DAY_MS) throw kvsErrors.invalidArgument('The EndTimestamp must be within 24 hours of the StartTimestamp.');
  }
  if (stream.meta.retentionHours === 0) {
    throw kvsErrors.noDataRetention(`The stream ${stream.meta.name} does not retain data (DataRetentionInHours is 0).`);
  }
  env.registry.applyRetention(stream);
  const log = stream.log;
  const now = env.clock.now();
  const maxResults: number = input.MaxMediaPlaylistFragmentResults ?? (mode === 'ON_DEMAND' ? HLS_DEFAULTS.onDemandMaxResults : HLS_DEFAULTS.liveMaxResults);
  let reference;
  let baseOrdinal = 0;
  if (mode === 'LIVE') {
    reference = log.last;
    if (!reference || reference.serverTimestampMs + reference.durationMs < now - LIVE_RECENT_MS) throw kvsErrors.resourceNotFound(NO_FRAGMENTS);
    baseOrdinal = Math.max(log.firstOrdinal, log.length - maxResults);
  } else {
    reference = rangeFragments(log, { selector, startMs, endMs })[0];
    if (!reference) throw kvsErrors.resourceNotFound(NO_FRAGMENTS);
  }
  const { tokens, cache } = hlsRuntimeOf(env);
  const video = trackOf(cache.ofFragment(stream.meta.arn, log, reference), 1);
  if (video.kind !== 'video') throw mediaErrors.unsupportedMediaType(`Track 1 of the stream ${stream.meta.name} is not video.`);
  const discontinuity: HlsDiscontinuityMode = input.DiscontinuityMode ?? (selector === 'SERVER_TIMESTAMP' ? 'ALWAYS' : 'NEVER');
  const session: HlsSession = {
    streamArn: stream.meta.arn,
    mode,
    selector,
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    discontinuity,
    displayTimestamp: input.DisplayFragmentTimestamp === 'ALWAYS',
    maxResults,
    issuedAtMs: now,
    expiresAtMs: now + (input.Expires ?? HLS_DEFAULTS.expiresSec) * 1000,
    baseOrdinal,
    ...(input.ContainerFormat === 'MPEG_TS' ? { containerFormat: 'MPEG_TS' as HlsContainerFormat } : {}),
  };
  const base = (env.settings.dataEndpoint ?? ctx.origin).replace(/\/+$/, '');
  return { HLSStreamingSessionURL: `${base}${HLS_MASTER_PATH}?SessionToken=${tokens.sign(session)}` };
}
