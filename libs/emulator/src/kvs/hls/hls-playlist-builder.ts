/**
 * The playlists of a session, from the fragment log and @tributary/media's HLS writer, with KVS's relative URLs
 * (kvs-reference.md §5.6):
 *
 *   master   getHLSMediaPlaylist.m3u8?SessionToken=…&TrackNumber=1 (+ an AUDIO rendition, TrackNumber=2, for AAC)
 *   media    #EXT-X-MAP getMP4InitFragment.mp4?SessionToken=…&TrackNumber=N,
 *            segments getMP4MediaFragment.mp4?FragmentNumber=…&SessionToken=…&TrackNumber=N
 *
 * ContainerFormat MPEG_TS: GetTSFragment serves "MPEG TS fragments containing both initialization and media data
 * for all tracks" (GetHLSStreamingSessionURL doc), so the audio is muxed into the video's segments: the master
 * names one variant whose CODECS list both tracks and no audio rendition; the media playlist (VERSION 3, the
 * least that carries decimal EXTINFs; no EXT-X-MAP) lists getTSFragment.ts?FragmentNumber=…&SessionToken=…&TrackNumber=1.
 *
 * Master attributes: CODECS from the tracks' codec strings, RESOLUTION and FRAME-RATE from the SPS (else the
 * Matroska DefaultDuration, else measured on a fragment), BANDWIDTH the peak bit rate of the newest fragments.
 * Media playlist: media sequence = log ordinal of the first segment for LIVE (stable across refreshes), for
 * ON_DEMAND 1 (as in KVS's captured VOD playlist), the index in the released range for LIVE_REPLAY; EXTINF = how
 * long the fragment plays (hls-session-view.ts playDurationMs: the fragment alone decides it, so it never changes
 * once published), printed to the ms without trailing zeros as KVS does ("1.857", "1.01"); PROGRAM-DATE-TIME (DisplayFragmentTimestamp=ALWAYS)
 * = the selector's timestamp; discontinuities per DiscontinuityMode, gaps measured on producer timestamps (the
 * media timeline: server timestamps are arrival times and jitter); `hlsDiscontinuitySequence` adds
 * EXT-X-DISCONTINUITY-SEQUENCE = discontinuities of the session before the first segment (hls.js #7163).
 */
import { discontinuityFlags, writeMasterPlaylist, writeMediaPlaylist, type HlsRendition, type Mp4Track } from '@tributary/media';
import type { FragmentEntry } from '../../storage/fragment-log';
import type { KvsStream } from '../kvs-stream';
import { NO_FRAGMENTS } from './hls-errors';
import { mediaErrors } from '../media-failure';
import type { HlsSession } from './hls-session-token';
import { playDurationMs, sessionView, timestampOf, type SessionView } from './hls-session-view';
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
const isTs = (ctx: PlaylistContext): boolean => ctx.session.containerFormat === 'MPEG_TS';
/** Frame interval assumed when neither the SPS, DefaultDuration nor a measurement gives a frame rate. */
const FALLBACK_FRAME_MS = 1000 / 30;

/** The fragment whose header describes the session's tracks: the newest (LIVE) or first listed one. */
export function referenceFragment(ctx: PlaylistContext, view: SessionView = sessionView(ctx.stream.log, ctx.session, ctx.nowMs)): FragmentEntry {
  const e = ctx.session.mode === 'LIVE' ? (view.list[view.list.length - 1] ?? ctx.stream.log.last) : view.list[0];
  if (!e) throw kvsErrors.resourceNotFound(NO_FRAGMENTS);
  return e;
}

export function referenceTracks(ctx: PlaylistContext, view?: SessionView): HeaderTracks {
  return ctx.cache.ofFragment(ctx.stream.meta.arn, ctx.stream.log, referenceFragment(ctx, view));
}

/** How long the last video frame of a fragment lasts: one frame at the track's frame rate. */
export function frameIntervalMs(tracks: HeaderTracks): number {
  const video = tracks.tracks.get(1);
  const fps = video !== undefined && !(video instanceof Error) ? (video.frameRate ?? tracks.measuredFrameRate) : tracks.measuredFrameRate;
  return fps !== undefined && fps > 0 ? 1000 / fps : FALLBACK_FRAME_MS;
}

/** The AAC track muxed into an MPEG_TS session's segments / offered as a rendition, when the stream has one. */
export function audioTrackOf(tracks: HeaderTracks): Mp4Track | undefined {
  const audio = tracks.tracks.get(2);
  return audio !== undefined && !(audio instanceof Error) && audio.kind === 'audio' ? audio : undefined;
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
  const audio = audioTrackOf(tracks);
  const withAudio = audio !== undefined;
  const renditions: HlsRendition[] = withAudio && !isTs(ctx)
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
        ...(renditions.length > 0 ? { audioGroup: 'audio' } : {}),
      },
    ],
  });
}

export function buildMediaPlaylist(ctx: PlaylistContext, trackNumber: number): string {
  const { session, token } = ctx;
  const view = sessionView(ctx.stream.log, session, ctx.nowMs);
  const ts = isTs(ctx);
  if (ts && trackNumber !== 1) throw kvsErrors.invalidArgument('An MPEG_TS session has one media playlist, for all tracks: TrackNumber 1.');
  const tracks = view.list.length > 0 ? referenceTracks(ctx, view) : undefined;
  if (tracks) trackOf(tracks, trackNumber);
  const frameMs = tracks ? frameIntervalMs(tracks) : FALLBACK_FRAME_MS;
  const withAudio = tracks !== undefined && tracks.header.tracks.length > 1;
  const span = (e: FragmentEntry): number => (withAudio ? ctx.cache.videoSpan(ctx.stream.meta.arn, ctx.stream.log, e) : e.durationMs);
  // A gap is measured from where the previous segment stops playing (its last frame included), as its EXTINF says:
  // against the stored length (first to last frame) every boundary of a stream under 20 fps, a frame apart by more
  // than the 50-ms tolerance, was a discontinuity (an RTSP camera at 15 fps, issue 15).
  const flags = discontinuityFlags(
    view.list.map((e) => ({ startMs: e.producerTimestampMs, durationMs: playDurationMs(e, frameMs, span(e)) })),
    session.discontinuity,
  );
  const map = ts ? undefined : { uri: `getMP4InitFragment.mp4?SessionToken=${q(token)}&TrackNumber=${trackNumber}` };
  const resource = ts ? 'getTSFragment.ts' : 'getMP4MediaFragment.mp4';
  const shown = view.list.slice(view.from, view.to);
  const mediaSequence = session.mode === 'LIVE' ? (shown[0]?.ordinal ?? ctx.stream.log.length) : session.mode === 'ON_DEMAND' ? view.from + 1 : view.from;
  return writeMediaPlaylist({
    ...(ts ? { version: 3 } : {}),
    mediaSequence,
    ...(ctx.discontinuitySequence ? { discontinuitySequence: flags.slice(0, view.from).filter(Boolean).length } : {}),
    ...(session.mode === 'ON_DEMAND' ? { playlistType: 'VOD' as const } : {}),
    endList: view.ended,
    segments: shown.map((e, i) => ({
      uri: `${resource}?FragmentNumber=${e.fragmentNumberText}&SessionToken=${q(token)}&TrackNumber=${trackNumber}`,
      durationSec: playDurationMs(e, frameMs, span(e)) / 1000,
      discontinuity: flags[view.from + i],
      ...(map ? { map } : {}),
      ...(session.displayTimestamp ? { programDateTimeMs: timestampOf(session, e) } : {}),
    })),
  });
}
