/**
 * Non-fragmented MP4 for GetClip: ftyp + moov + mdat, moov first ("faststart") so a player can start before the
 * body is complete. Samples are laid out fragment by fragment, one chunk per fragment and track, so chunk offsets
 * follow from the moov size alone; the body is returned as parts whose sample bytes are the stored frames' views.
 *
 * Times: each track's decode times are derived per fragment (sample-timing.ts) and rebased so the clip starts at
 * 0 at the earliest presentation time of any track; a track starting later gets an edit list with an empty edit.
 * Composition offsets go in a version-1 (signed) ctts when a track has B-frames. stco becomes co64 past 4 GiB.
 */
import type { MkvFrame } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { BoxWriter, boxHeaderLength } from './box-writer';
import type { ParsedFragment } from './matroska-fragment';
import { MOVIE_TIMESCALE, writeFtyp, writeMvhd, writeTrak } from './movie-boxes';
import type { Mp4Track } from './mp4-track';
import { decodeTimestamps, fallbackDuration, sampleTable, type SampleTable } from './sample-timing';

interface TrackLayout {
  track: Mp4Track;
  frames: MkvFrame[];
  table: SampleTable;
  /** Samples per chunk (one chunk per fragment holding this track's frames) and each chunk's offset in mdat. */
  chunkSamples: number[];
  chunkOffsets: number[];
  startOffsetMs: number;
  mediaDuration: number;
  durationMs: number;
}

export interface Mp4ClipOptions {
  /** 64-bit chunk offsets even when 32 bits would do (they are chosen automatically past 4 GiB). */
  co64?: boolean;
}

/**
 * `tracks` (each with `id` = Matroska TrackNumber) from `fragments` in order → `[ftyp + moov + mdat header,
 * ...frame views]`. Tracks without frames are left out of the moov; no frames at all is INVALID_ARGUMENT.
 */
export function writeMp4Clip(tracks: readonly Mp4Track[], fragments: readonly ParsedFragment[], options: Mp4ClipOptions = {}): Uint8Array[] {
  if (tracks.length === 0) throw new MediaError('INVALID_ARGUMENT', 'A clip needs at least one track');
  const layouts: TrackLayout[] = tracks.map((track) => ({ track, frames: [], table: sampleTable(new Float64Array(0), new Float64Array(0), 0), chunkSamples: [], chunkOffsets: [], startOffsetMs: 0, mediaDuration: 0, durationMs: 0 }));
  const parts: Uint8Array[] = [];
  const pts: number[][] = tracks.map(() => []);
  const dts: number[][] = tracks.map(() => []);
  let mdatPayload = 0;
  for (const fragment of fragments) {
    for (let t = 0; t < layouts.length; t++) {
      const layout = layouts[t];
      const frames = fragment.cluster.frames.filter((f) => f.track === layout.track.id);
      if (frames.length === 0) continue;
      const times = decodeTimestamps(frames, layout.track.timescale);
      layout.chunkOffsets.push(mdatPayload);
      layout.chunkSamples.push(frames.length);
      for (let i = 0; i < frames.length; i++) {
        layout.frames.push(frames[i]);
        pts[t].push(times.pts[i]);
        dts[t].push(times.dts[i]);
        parts.push(frames[i].data);
        mdatPayload += frames[i].data.length;
      }
    }
  }
  let clipStartMs = Infinity;
  for (let t = 0; t < layouts.length; t++) {
    const layout = layouts[t];
    layout.table = sampleTable(Float64Array.from(pts[t]), Float64Array.from(dts[t]), fallbackDuration(layout.track));
    if (layout.frames.length > 0) clipStartMs = Math.min(clipStartMs, (layout.table.dts[0] * 1000) / layout.track.timescale);
  }
  if (clipStartMs === Infinity) throw new MediaError('INVALID_ARGUMENT', 'No frames of the clip tracks in the fragments');
  for (const layout of layouts) {
    const { dts: d, durations } = layout.table;
    const n = d.length;
    if (n === 0) continue;
    const base = d[0];
    for (let i = 0; i < n; i++) d[i] -= base;
    layout.mediaDuration = d[n - 1] + durations[n - 1];
    layout.startOffsetMs = Math.round((base * 1000) / layout.track.timescale - clipStartMs);
    layout.durationMs = layout.startOffsetMs + Math.round((layout.mediaDuration * MOVIE_TIMESCALE) / layout.track.timescale);
  }

  const ftyp = new BoxWriter(32);
  writeFtyp(ftyp, 'isom', ['isom', 'iso2', 'avc1', 'mp41']);
  const head = ftyp.finish();
  const mdatHeader = boxHeaderLength(mdatPayload);
  const moovFor = (base: number, co64: boolean): Uint8Array => writeMoov(layouts, base, co64);
  let moov = moovFor(0, false);
  const co64 = options.co64 === true || head.length + moov.length + mdatHeader + mdatPayload > 0xffffffff;
  const mdatStart = head.length + (co64 ? moovFor(0, true).length : moov.length) + mdatHeader;
  moov = moovFor(mdatStart, co64);
  const w = new BoxWriter(head.length + moov.length + mdatHeader);
  w.bytes(head).bytes(moov).boxHeader('mdat', mdatPayload);
  return [w.finish(), ...parts];
}

function writeMoov(layouts: readonly TrackLayout[], mdatStart: number, co64: boolean): Uint8Array {
  const w = new BoxWriter(4096 + layouts.reduce((n, l) => n + l.frames.length * 16, 0));
  w.box('moov', (m) => {
    writeMvhd(m, Math.max(...layouts.map((l) => l.durationMs)), Math.max(...layouts.map((l) => l.track.id)) + 1);
    for (const l of layouts) {
      if (l.frames.length === 0) continue;
      writeTrak(m, l.track, { durationMs: l.durationMs, mediaDuration: l.mediaDuration, startOffsetMs: l.startOffsetMs, sampleTables: (s) => writeSampleTables(s, l, mdatStart, co64) });
    }
  });
  return w.finish();
}

function writeSampleTables(s: BoxWriter, l: TrackLayout, mdatStart: number, co64: boolean): void {
  const { durations, ctsOffsets, hasCtsOffsets, hasNegativeCtsOffsets } = l.table;
  const n = l.frames.length;
  s.fullBox('stts', 0, 0, (b) => writeRuns(b, n, (i) => durations[i], (v) => b.u32(v)));
  if (hasCtsOffsets) s.fullBox('ctts', hasNegativeCtsOffsets ? 1 : 0, 0, (b) => writeRuns(b, n, (i) => ctsOffsets[i], (v) => b.i32(v)));
  let syncCount = 0;
  for (const f of l.frames) if (f.keyframe) syncCount++;
  if (syncCount < n) {
    s.fullBox('stss', 0, 0, (b) => {
      b.u32(syncCount);
      for (let i = 0; i < n; i++) if (l.frames[i].keyframe) b.u32(i + 1);
    });
  }
  s.fullBox('stsz', 0, 0, (b) => {
    b.u32(0).u32(n);
    for (const f of l.frames) b.u32(f.data.length);
  });
  s.fullBox('stsc', 0, 0, (b) => {
    const start = b.length;
    b.u32(0);
    let entries = 0;
    for (let c = 0; c < l.chunkSamples.length; c++) {
      if (c > 0 && l.chunkSamples[c] === l.chunkSamples[c - 1]) continue;
      b.u32(c + 1).u32(l.chunkSamples[c]).u32(1);
      entries++;
    }
    b.patchU32(start, entries);
  });
  s.fullBox(co64 ? 'co64' : 'stco', 0, 0, (b) => {
    b.u32(l.chunkOffsets.length);
    for (const o of l.chunkOffsets) {
      if (co64) b.u64(mdatStart + o);
      else b.u32(mdatStart + o);
    }
  });
}

/** Run-length (count, value) entries for stts/ctts, preceded by the entry count. */
function writeRuns(b: BoxWriter, n: number, valueAt: (i: number) => number, write: (v: number) => void): void {
  const start = b.length;
  b.u32(0);
  let entries = 0;
  for (let i = 0; i < n; ) {
    const v = valueAt(i);
    let j = i + 1;
    while (j < n && valueAt(j) === v) j++;
    b.u32(j - i);
    write(v);
    entries++;
    i = j;
  }
  b.patchU32(start, entries);
}
