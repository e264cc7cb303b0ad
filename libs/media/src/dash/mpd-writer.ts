/**
 * MPEG-DASH Media Presentation Descriptions (ISO/IEC 23009-1), the subset Kinesis Video Streams' GetDASHManifest
 * serves: one Period, one AdaptationSet per track, each with a SegmentTemplate whose SegmentTimeline lists every
 * segment with its own `t` and `d` (no `r` runs: each `S` may carry its own extension attributes, e.g. KVS's
 * `kvs:fn` / `kvs:ts`), and one Representation. Pure: values in, XML text out.
 */

/** One `S` of a SegmentTimeline, in the template's timescale. */
export interface MpdSegment {
  t: number;
  d: number;
  /** Extra attributes, qualified names as written (`kvs:fn`), in this order. */
  attributes?: readonly (readonly [name: string, value: string])[];
}

export interface MpdAdaptationSet {
  id: number;
  contentType: 'video' | 'audio';
  mimeType: string;
  codecs: string;
  bandwidth: number;
  width?: number;
  height?: number;
  /** Frames per second (written as an integer or `n/1000`). */
  frameRate?: number;
  audioSamplingRate?: number;
  channels?: number;
  timescale: number;
  presentationTimeOffset?: number;
  startNumber: number;
  /** URL templates as they go in the attributes (unescaped: the writer escapes `&`). */
  initialization: string;
  media: string;
  segments: readonly MpdSegment[];
}

export interface Mpd {
  type: 'static' | 'dynamic';
  /** Extra namespace declarations on the root, prefix → URI (`kvs` → …). */
  namespaces?: Readonly<Record<string, string>>;
  availabilityStartTimeMs?: number;
  publishTimeMs?: number;
  /** static only. */
  mediaPresentationDurationSec?: number;
  /** dynamic only. */
  minimumUpdatePeriodSec?: number;
  timeShiftBufferDepthSec?: number;
  minBufferTimeSec: number;
  /** dynamic: `urn:mpeg:dash:utc:direct:2014` with this wall-clock time, so players take the server's clock. */
  utcTimingMs?: number;
  adaptationSets: readonly MpdAdaptationSet[];
}

export const MPD_NAMESPACE = 'urn:mpeg:dash:schema:mpd:2011';
export const ISOFF_LIVE_PROFILE = 'urn:mpeg:dash:profile:isoff-live:2011';
const AUDIO_CHANNELS_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';
const UTC_DIRECT_SCHEME = 'urn:mpeg:dash:utc:direct:2014';

export function escapeXmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** xs:duration in seconds with millisecond precision: `PT4.960S`. */
export function isoDuration(sec: number): string {
  return `PT${(Math.round(sec * 1000) / 1000).toFixed(3)}S`;
}

/** xs:dateTime in UTC with milliseconds. */
export const isoDateTime = (ms: number): string => new Date(ms).toISOString();

/** FrameRateType (§5.3.12.2): an integer, else a fraction. */
export function frameRateValue(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  return `${Math.round(fps * 1000)}/1000`;
}

function attrs(pairs: readonly (readonly [string, string | number | undefined])[]): string {
  return pairs
    .filter((p): p is readonly [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttribute(String(v))}"`)
    .join('');
}

function rootAttributes(mpd: Mpd): string {
  const ns = Object.entries(mpd.namespaces ?? {}).map(([prefix, uri]) => [`xmlns:${prefix}`, uri] as const);
  const dynamic = mpd.type === 'dynamic';
  return attrs([
    ['xmlns', MPD_NAMESPACE],
    ...ns,
    ['profiles', ISOFF_LIVE_PROFILE],
    ['type', mpd.type],
    ['availabilityStartTime', mpd.availabilityStartTimeMs === undefined ? undefined : isoDateTime(mpd.availabilityStartTimeMs)],
    ['publishTime', mpd.publishTimeMs === undefined ? undefined : isoDateTime(mpd.publishTimeMs)],
    ['mediaPresentationDuration', !dynamic && mpd.mediaPresentationDurationSec !== undefined ? isoDuration(mpd.mediaPresentationDurationSec) : undefined],
    ['minimumUpdatePeriod', dynamic && mpd.minimumUpdatePeriodSec !== undefined ? isoDuration(mpd.minimumUpdatePeriodSec) : undefined],
    ['timeShiftBufferDepth', dynamic && mpd.timeShiftBufferDepthSec !== undefined ? isoDuration(mpd.timeShiftBufferDepthSec) : undefined],
    ['minBufferTime', isoDuration(mpd.minBufferTimeSec)],
  ]);
}

function adaptationSet(set: MpdAdaptationSet): string[] {
  const video = set.contentType === 'video';
  const lines = [
    `    <AdaptationSet${attrs([
      ['id', set.id],
      ['contentType', set.contentType],
      ['mimeType', set.mimeType],
      ['segmentAlignment', 'true'],
      ['startWithSAP', '1'],
    ])}>`,
    `      <SegmentTemplate${attrs([
      ['timescale', set.timescale],
      ['presentationTimeOffset', set.presentationTimeOffset],
      ['startNumber', set.startNumber],
      ['initialization', set.initialization],
      ['media', set.media],
    ])}>`,
    '        <SegmentTimeline>',
    ...set.segments.map((s) => `          <S${attrs([['t', s.t], ['d', s.d], ...(s.attributes ?? [])])}/>`),
    '        </SegmentTimeline>',
    '      </SegmentTemplate>',
  ];
  const rep = attrs([
    ['id', set.id],
    ['codecs', set.codecs],
    ['bandwidth', set.bandwidth],
    ['width', video ? set.width : undefined],
    ['height', video ? set.height : undefined],
    ['frameRate', video && set.frameRate ? frameRateValue(set.frameRate) : undefined],
    ['audioSamplingRate', video ? undefined : set.audioSamplingRate],
  ]);
  if (!video && set.channels !== undefined) {
    lines.push(`      <Representation${rep}>`);
    lines.push(`        <AudioChannelConfiguration${attrs([['schemeIdUri', AUDIO_CHANNELS_SCHEME], ['value', set.channels]])}/>`);
    lines.push('      </Representation>');
  } else {
    lines.push(`      <Representation${rep}/>`);
  }
  lines.push('    </AdaptationSet>');
  return lines;
}

/** The MPD document, UTF-8 XML with a declaration, newline-terminated. */
export function writeMpd(mpd: Mpd): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<MPD${rootAttributes(mpd)}>`, '  <Period id="0" start="PT0S">'];
  for (const set of mpd.adaptationSets) lines.push(...adaptationSet(set));
  lines.push('  </Period>');
  if (mpd.type === 'dynamic' && mpd.utcTimingMs !== undefined) {
    lines.push(`  <UTCTiming${attrs([['schemeIdUri', UTC_DIRECT_SCHEME], ['value', isoDateTime(mpd.utcTimingMs)]])}/>`);
  }
  lines.push('</MPD>');
  return lines.join('\n') + '\n';
}
