/**
 * GetDASHManifest: the session's MPD, from the fragment log and @tributary/media's MPD writer. Layout (no capture of
 * a KVS manifest is published; what is known comes from the model doc and from a consumer of real KVS manifests, a
 * Wyze download script that reads `MPD.Period.AdaptationSet[0]` (video) and `[1]` (audio), each one's
 * `SegmentTemplate@initialization` and `@media` relative to `/dash/v1/`, substitutes `$Number$` with 1..N for the N
 * `SegmentTimeline/S` elements, and dates the recording by `MPD@availabilityStartTime`):
 *
 *   MPD  static for ON_DEMAND (and a LIVE_REPLAY whose range has been played out), mediaPresentationDuration;
 *        dynamic for LIVE and LIVE_REPLAY: minimumUpdatePeriod 1 s (the doc: "We recommend that the media player
 *        retrieve a new manifest on a one-second interval"), timeShiftBufferDepth = the window, publishTime, and a
 *        UTCTiming (direct) with the emulator's clock, so players agree with a test's clock [emulator's choice];
 *        availabilityStartTime = when position 0 of the session's timeline happened: the session's first fragment's
 *        timestamp (LIVE: its server timestamp; LIVE_REPLAY: the session's start, as fragments are released from then).
 *   one Period; an AdaptationSet per track (1 video, 2 audio when track 2 is AAC), each a SegmentTemplate
 *        (timescale 1000, initialization `getMP4InitFragment.mp4?SessionToken=…&TrackNumber=N`, media
 *        `getMP4MediaFragment.mp4?SequenceNumber=$Number$&SessionToken=…&TrackNumber=N` [parameter name
 *        unconfirmed], startNumber = the first listed fragment's number) and one Representation.
 *   S    t/d on the session timeline (dash-timeline.ts); DisplayFragmentNumber=ALWAYS adds `kvs:fn` (the fragment
 *        number), DisplayFragmentTimestamp=ALWAYS `kvs:ts` (the selector's timestamp, ISO-8601 with ms [format
 *        unconfirmed]) — the attribute names are the model doc's; the `kvs` namespace URI is [unconfirmed].
 */
import { writeMpd, type MpdAdaptationSet, type MpdSegment } from '@tributary/media';
import type { FragmentEntry } from '../../storage/fragment-log';
import { kvsErrors } from '../kvs-errors';
import { mediaErrors } from '../media-failure';
import { NO_FRAGMENTS } from '../hls/hls-errors';
import type { PlaylistContext } from '../hls/hls-playlist-builder';
import { audioTrackOf, frameIntervalMs, referenceTracks } from '../hls/hls-playlist-builder';
import { timestampOf } from '../hls/hls-session-view';
import { trackOf, type HeaderTracks } from '../hls/hls-track-cache';
import type { DashSession } from './dash-session';
import { dashTimeline, sequenceNumberOf, type DashTimeline } from './dash-timeline';

export interface DashContext extends PlaylistContext {
  session: DashSession;
}

export const KVS_DASH_NAMESPACE = 'https://kinesisvideo.amazonaws.com/dash';
const TIMESCALE = 1000;
const BANDWIDTH_FRAGMENTS = 10;
/** Per channel, for the audio Representation's bandwidth (fragments hold all tracks: no per-track size). */
const AUDIO_BITS_PER_CHANNEL = 64_000;

const q = (token: string): string => encodeURIComponent(token);

/** Peak bits/s of the newest listed fragments. */
function peakBandwidth(entries: readonly FragmentEntry[]): number {
  let peak = 0;
  for (const e of entries.slice(-BANDWIDTH_FRAGMENTS)) if (e.durationMs > 0) peak = Math.max(peak, (e.sizeBytes * 8 * 1000) / e.durationMs);
  return Math.max(1, Math.ceil(peak));
}

function segmentsOf(ctx: DashContext, tl: DashTimeline): MpdSegment[] {
  const { session } = ctx;
  const out: MpdSegment[] = [];
  for (let i = tl.view.from; i < tl.view.to; i++) {
    const e = tl.view.list[i];
    const attributes: [string, string][] = [];
    if (session.displayFragmentNumber) attributes.push(['kvs:fn', e.fragmentNumberText]);
    if (session.displayTimestamp) attributes.push(['kvs:ts', new Date(timestampOf(session, e)).toISOString()]);
    out.push({ t: tl.startMs[i], d: tl.durationMs[i], ...(attributes.length > 0 ? { attributes } : {}) });
  }
  return out;
}

function adaptationSets(ctx: DashContext, tracks: HeaderTracks, tl: DashTimeline, segments: MpdSegment[]): MpdAdaptationSet[] {
  const video = trackOf(tracks, 1);
  if (video.kind !== 'video') throw mediaErrors.unsupportedMediaType('Track 1 of the stream is not video.');
  const audio = audioTrackOf(tracks);
  const shown = tl.view.list.slice(tl.view.from, tl.view.to);
  const startNumber = shown.length > 0 ? sequenceNumberOf(ctx.session, tl.view.list, tl.view.from) : 1;
  const urls = (track: number): Pick<MpdAdaptationSet, 'initialization' | 'media'> => ({
    initialization: `getMP4InitFragment.mp4?SessionToken=${q(ctx.token)}&TrackNumber=${track}`,
    media: `getMP4MediaFragment.mp4?SequenceNumber=$Number$&SessionToken=${q(ctx.token)}&TrackNumber=${track}`,
  });
  const sets: MpdAdaptationSet[] = [
    {
      id: 1,
      contentType: 'video',
      mimeType: 'video/mp4',
      codecs: video.codecString,
      bandwidth: peakBandwidth(shown.length > 0 ? shown : tl.view.list),
      width: video.width,
      height: video.height,
      frameRate: video.frameRate ?? (tracks.measuredFrameRate || undefined),
      timescale: TIMESCALE,
      startNumber,
      ...urls(1),
      segments,
    },
  ];
  if (audio !== undefined) {
    sets.push({
      id: 2,
      contentType: 'audio',
      mimeType: 'audio/mp4',
      codecs: audio.codecString,
      bandwidth: AUDIO_BITS_PER_CHANNEL * (audio.channels ?? 2),
      audioSamplingRate: audio.sampleRate,
      channels: audio.channels,
      timescale: TIMESCALE,
      startNumber,
      ...urls(2),
      segments,
    });
  }
  return sets;
}

/** When position 0 of the session's timeline happened (see the header). */
function availabilityStartMs(ctx: DashContext, tl: DashTimeline): number {
  const first = tl.view.list[0];
  if (ctx.session.mode === 'LIVE_REPLAY') return ctx.session.issuedAtMs;
  if (ctx.session.mode === 'LIVE') return first.serverTimestampMs;
  return timestampOf(ctx.session, first);
}

export function buildDashManifest(ctx: DashContext): string {
  const tracks = referenceTracks(ctx);
  const tl = dashTimeline(ctx.stream.log, ctx.session, ctx.nowMs, frameIntervalMs(tracks));
  if (tl.view.list.length === 0) throw kvsErrors.resourceNotFound(NO_FRAGMENTS);
  const segments = segmentsOf(ctx, tl);
  const sets = adaptationSets(ctx, tracks, tl, segments);
  const totalMs = segments.reduce((n, s) => n + s.d, 0);
  const longestSec = Math.max(1, ...segments.map((s) => Math.ceil(s.d / TIMESCALE)));
  const withKvs = ctx.session.displayFragmentNumber || ctx.session.displayTimestamp;
  return writeMpd({
    type: tl.view.ended ? 'static' : 'dynamic',
    ...(withKvs ? { namespaces: { kvs: KVS_DASH_NAMESPACE } } : {}),
    availabilityStartTimeMs: availabilityStartMs(ctx, tl),
    publishTimeMs: ctx.nowMs,
    mediaPresentationDurationSec: totalMs / TIMESCALE,
    minimumUpdatePeriodSec: 1,
    timeShiftBufferDepthSec: totalMs / TIMESCALE,
    minBufferTimeSec: longestSec,
    utcTimingMs: ctx.nowMs,
    adaptationSets: sets,
  });
}
