/**
 * Writes HLS playlists as Kinesis Video Streams does (kvs-reference.md §5.6, from real captures):
 *
 *   master: `#EXTM3U`, `#EXT-X-VERSION:1`, then per variant `#EXT-X-STREAM-INF:CODECS="…",RESOLUTION=WxH,
 *           FRAME-RATE=…,BANDWIDTH=…` and its URI (attribute order as captured; AUDIO="…" appended when set).
 *   media:  `#EXTM3U`, `#EXT-X-VERSION:7`, [`#EXT-X-PLAYLIST-TYPE`], `#EXT-X-TARGETDURATION`,
 *           `#EXT-X-MEDIA-SEQUENCE`, [`#EXT-X-DISCONTINUITY-SEQUENCE`], [`#EXT-X-INDEPENDENT-SEGMENTS`], then per
 *           segment [`#EXT-X-DISCONTINUITY`], [`#EXT-X-MAP`], [`#EXT-X-PROGRAM-DATE-TIME`], `#EXTINF:<s>,`, URI;
 *           [`#EXT-X-ENDLIST`].
 *
 * `#EXT-X-MAP` is written before the first segment and whenever a segment's init section differs from the one in
 * effect (RFC 8216 §4.3.2.5: a map applies until the next one, discontinuities included — the captured KVS live
 * playlist repeats `#EXT-X-DISCONTINUITY` per segment with a single MAP). EXTINF is printed to the ms without
 * trailing zeros (`1.01`, `0.998`), FRAME-RATE like Java's Double (`15.0`, `30.02`), dates as ISO-8601 UTC with ms.
 */
import type { HlsMasterPlaylist, HlsMediaPlaylist, HlsRendition, HlsVariant } from './hls-types';

/** Seconds to the ms, without trailing zeros: 1.010 → "1.01", 2 → "2". */
export function formatDurationSec(sec: number): string {
  return String(Math.round(sec * 1000) / 1000);
}

/** `2022-01-28T07:00:35.931Z` (ms rounded). */
export function formatProgramDateTime(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

/** To 3 decimals, at least one: 15 → "15.0", 30.0199 → "30.02". */
export function formatFrameRate(fps: number): string {
  const r = Math.round(fps * 1000) / 1000;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

/** RFC 8216 §4.2 quoted-string: no `"`, CR or LF inside. */
function quoted(value: string): string {
  if (/["\r\n]/.test(value)) throw new RangeError(`HLS quoted-string cannot hold ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function uriLine(uri: string): string {
  if (uri.length === 0 || /[\r\n]/.test(uri) || uri.startsWith('#')) throw new RangeError(`not a playlist URI: ${JSON.stringify(uri)}`);
  return uri;
}

function streamInf(v: HlsVariant): string {
  const attrs = [`CODECS=${quoted(v.codecs.join(','))}`];
  if (v.width !== undefined && v.height !== undefined) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
  if (v.frameRate !== undefined && v.frameRate > 0) attrs.push(`FRAME-RATE=${formatFrameRate(v.frameRate)}`);
  attrs.push(`BANDWIDTH=${Math.max(0, Math.round(v.bandwidth))}`);
  if (v.audioGroup !== undefined) attrs.push(`AUDIO=${quoted(v.audioGroup)}`);
  return `#EXT-X-STREAM-INF:${attrs.join(',')}`;
}

function media(r: HlsRendition): string {
  const def = r.default ?? true;
  return (
    `#EXT-X-MEDIA:TYPE=${r.type},GROUP-ID=${quoted(r.groupId)},NAME=${quoted(r.name)},` +
    `DEFAULT=${def ? 'YES' : 'NO'},AUTOSELECT=${def ? 'YES' : 'NO'},URI=${quoted(r.uri)}`
  );
}

export function writeMasterPlaylist(p: HlsMasterPlaylist): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${p.version ?? 1}`];
  if (p.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  for (const r of p.renditions ?? []) lines.push(media(r));
  for (const v of p.variants) lines.push(streamInf(v), uriLine(v.uri));
  return lines.join('\n') + '\n';
}

export function writeMediaPlaylist(p: HlsMediaPlaylist): string {
  const printed = p.segments.map((s) => formatDurationSec(s.durationSec));
  const target = p.targetDurationSec ?? Math.max(1, ...printed.map((d) => Math.ceil(Number(d))));
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${p.version ?? 7}`];
  if (p.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${p.playlistType}`);
  lines.push(`#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`);
  if (p.discontinuitySequence !== undefined) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  if (p.independentSegments ?? true) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  let map: string | undefined;
  p.segments.forEach((s, i) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.map && s.map.uri !== map) {
      map = s.map.uri;
      lines.push(`#EXT-X-MAP:URI=${quoted(map)}`);
    }
    if (s.programDateTimeMs !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(s.programDateTimeMs)}`);
    lines.push(`#EXTINF:${printed[i]},`, uriLine(s.uri));
  });
  if (p.endList) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
