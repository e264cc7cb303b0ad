/**
 * The playlists of a session, from the fragment log and @tributary/media's HLS writer, with KVS's relative URLs
 * (kvs-reference.md §5.6):
 *
 *   master   getHLSMediaPlaylist.m3u8?SessionToken=…&TrackNumber=1 (+ an AUDIO rendition, TrackNumber=2, for AAC)
 *   media    #EXT-X-MAP getMP4InitFragment.mp4?SessionToken=…&TrackNumber=N,
 *            segments getMP4MediaFragment.mp4?FragmentNumber=…&SessionToken=…&TrackNumber=N
 *
 * Master attributes: CODECS from the tracks' codec strings, RESOLUTION and FRAME-RATE from the SPS (else the
 * Matroska DefaultDuration, else measured on a fragment), BANDWIDTH the peak bit rate of the newest fragments.
 * Media playlist: media sequence = log ordinal of the first segment for LIVE (stable across refreshes), the index
 * in the session's range otherwise; EXTINF = how long the fragment plays (hls-session-view.ts playDuration); PROGRAM-DATE-TIME (DisplayFragmentTimestamp=ALWAYS)
 * = the selector's timestamp; discontinuities per DiscontinuityMode, gaps measured on producer timestamps (the
 * media timeline: server timestamps are arrival times and jitter); `hlsDiscontinuitySequence` adds
 * EXT-X-DISCONTINUITY-SEQUENCE = discontinuities of the session before the first segment (hls.js #7163).
 */
import { discontinuityFlags, writeMasterPlaylist, writeMediaPlaylist, type HlsRendition } from '@tributary/media';
import type { FragmentEntry } from '../../storage/fragment-log';
import type { KvsStream } from '../kvs-stream';
import { NO_FRAGMENTS } from './hls-errors';
import { mediaErrors } from '../media-failure';
import type { HlsSession } from './hls-session-token';
import { playDuration, sessionView, timestampOf, type SessionView } from './hls-session-view';
import { trackOf, type HeaderTracks, type HlsTrackCache } from './hls-track-cache';
import { kvsErrors } from '../kvs-errors';

const BANDWIDTH_FRAGMENTS = 10;

export interface PlaylistContext {
  stream: KvsStream;
  session: HlsSession;
  token: string;
  cache: HlsTrackCache;
  nowMs: number;
  discontinuitySequence: boolean;
}

const q = (token: string): string => encodeURIComponent(token);

/** The fragment whose header describes the session's tracks: the newest (LIVE) or first listed one. */
export function referenceFragment(ctx: PlaylistContext, view: SessionView = sessionView(ctx.stream.log, ctx.session, ctx.nowMs)): FragmentEntry {
  const e = ctx.session.mode === 'LIVE' ? (view.list[view.list.length - 1] ?? ctx.stream.log.last) : view.list[0];
  if (!e) throw kvsErrors.resourceNotFound(NO_FRAGMENTS);
  return e;
}

export function referenceTracks(ctx: PlaylistContext, view?: SessionView): HeaderTracks {
  return ctx.cache.ofFragment(ctx.stream.meta.arn, ctx.stream.log, referenceFragment(ctx, view));
}

/** Peak bits/s of the newest fragments of the view. */
function peakBandwidth(entries: readonly FragmentEntry[]): number {
  let peak = 0;
  for (const e of entries.slice(-BANDWIDTH_FRAGMENTS)) if (e.durationMs > 0) peak = Math.max(peak, (e.sizeBytes * 8 * 1000) / e.durationMs);
  return Math.ceil(peak);
}

export function buildMasterPlaylist(ctx: PlaylistContext): string {
  const view = sessionView(ctx.stream.log, ctx.session, ctx.nowMs);
  const tracks = referenceTracks(ctx, view);
  const video = trackOf(tracks, 1);
  if (video.kind !== 'video') throw mediaErrors.unsupportedMediaType('Track 1 of the stream is not video.');
  const audio = tracks.tracks.get(2);
  const withAudio = audio !== undefined && !(audio instanceof Error) && audio.kind === 'audio';
  const renditions: HlsRendition[] = withAudio
    ? [{ type: 'AUDIO', groupId: 'audio', name: 'audio', uri: `getHLSMediaPlaylist.m3u8?SessionToken=${q(ctx.token)}&TrackNumber=2` }]
    : [];
  const shown = view.list.slice(view.from, view.to);
  return writeMasterPlaylist({
    renditions,
    variants: [
      {
        uri: `getHLSMediaPlaylist.m3u8?SessionToken=${q(ctx.token)}&TrackNumber=1`,
        codecs: withAudio ? [video.codecString, audio.codecString] : [video.codecString],
        width: video.width,
        height: video.height,
        frameRate: video.frameRate ?? (tracks.measuredFrameRate || undefined),
        bandwidth: peakBandwidth(shown.length > 0 ? shown : view.list),
        ...(withAudio ? { audioGroup: 'audio' } : {}),
      },
    ],
  });
}

export function buildMediaPlaylist(ctx: PlaylistContext, trackNumber: number): string {
  const { session, token } = ctx;
  const view = sessionView(ctx.stream.log, session, ctx.nowMs);
  if (view.list.length > 0) trackOf(referenceTracks(ctx, view), trackNumber);
  const flags = discontinuityFlags(
    view.list.map((e) => ({ startMs: e.producerTimestampMs, durationMs: e.durationMs })),
    session.discontinuity,
  );
  const map = { uri: `getMP4InitFragment.mp4?SessionToken=${q(token)}&TrackNumber=${trackNumber}` };
  const shown = view.list.slice(view.from, view.to);
  const mediaSequence = session.mode === 'LIVE' ? (shown[0]?.ordinal ?? ctx.stream.log.length) : view.from;
  return writeMediaPlaylist({
    mediaSequence,
    ...(ctx.discontinuitySequence ? { discontinuitySequence: flags.slice(0, view.from).filter(Boolean).length } : {}),
    ...(session.mode === 'ON_DEMAND' ? { playlistType: 'VOD' as const } : {}),
    endList: view.ended,
    segments: shown.map((e, i) => ({
      uri: `getMP4MediaFragment.mp4?FragmentNumber=${e.fragmentNumberText}&SessionToken=${q(token)}&TrackNumber=${trackNumber}`,
      durationSec: playDuration(ctx.stream.log, e).durationMs / 1000,
      discontinuity: flags[view.from + i],
      map,
      ...(session.displayTimestamp ? { programDateTimeMs: timestampOf(session, e) } : {}),
    })),
  });
}
