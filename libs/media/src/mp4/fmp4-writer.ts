/**
 * Fragmented MP4 (ISO/IEC 14496-12 §8.8, CMAF-style) for HLS/DASH: one init segment per track list and one media
 * segment (moof + mdat) per KVS fragment and track, as GetMP4InitFragment / GetMP4MediaFragment serve them
 * (kvs-reference.md §5.6).
 *
 * A media segment is returned as parts: one small buffer holding moof and the mdat header, then the frames' own
 * bytes — views of the stored Cluster, never copied. The moof is sized before it is written, so writing it is
 * one allocation and a loop of 32-bit stores.
 */
import type { MkvFrame } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { BoxWriter, boxHeaderLength } from './box-writer';
import type { ParsedFragment } from './matroska-fragment';
import { writeFtyp, writeMvhd, writeTrak } from './movie-boxes';
import { mp4TrackFromMatroska, type Mp4Track } from './mp4-track';
import { decodeTimestamps, fallbackDuration, msToTimescale, sampleTable } from './sample-timing';

/** ftyp + moov{mvhd, trak… (empty sample tables), mvex{trex…}}. */
export function writeInitSegment(tracks: readonly Mp4Track[]): Uint8Array {
  if (tracks.length === 0) throw new MediaError('INVALID_ARGUMENT', 'An init segment needs at least one track');
  const w = new BoxWriter(1024 + tracks.reduce((n, t) => n + t.codecPrivate.length, 0));
  writeFtyp(w, 'iso6', ['iso6', 'cmfc', 'iso5', 'dash', 'mp41']);
  w.box('moov', (m) => {
    writeMvhd(m, 0, Math.max(...tracks.map((t) => t.id)) + 1);
    for (const track of tracks) {
      writeTrak(m, track, {
        durationMs: 0,
        mediaDuration: 0,
        sampleTables: (s) => {
          s.fullBox('stts', 0, 0, (b) => b.u32(0));
          s.fullBox('stsc', 0, 0, (b) => b.u32(0));
          s.fullBox('stsz', 0, 0, (b) => b.u32(0).u32(0));
          s.fullBox('stco', 0, 0, (b) => b.u32(0));
        },
      });
    }
    m.box('mvex', (x) => {
      for (const track of tracks) x.fullBox('trex', 0, 0, (b) => b.u32(track.id).u32(1).u32(0).u32(0).u32(0));
    });
  });
  return w.finish();
}

/** How long the last sample of a segment lasts: up to the next fragment when known, else the fragment's duration. */
export interface FragmentTiming {
  /** Start (ms, same clock as the frames) of what follows: the next fragment's first timestamp. */
  nextTimestampMs?: number;
  /** The fragment's duration (ms) from its first (presentation) timestamp, e.g. the stored fragment duration. */
  fragmentDurationMs?: number;
}

export interface MediaSegmentOptions {
  /** mfhd sequence_number (≥ 1 by the spec; KVS fragment ordinals fit). */
  sequenceNumber: number;
  /** One track per segment (KVS serves TrackNumber=1/2 separately). */
  track: Mp4Track;
  /** That track's frames, decode order, timestampMs = PTS (absolute ms). */
  frames: readonly MkvFrame[];
  timing?: FragmentTiming;
  /** baseMediaDecodeTime (ms) for a segment without frames; default 0. */
  emptyStartMs?: number;
}

// ISO/IEC 14496-12 §8.8.3.1 sample flags
const FLAGS_SYNC = 0x02000000; // sample_depends_on = 2 (an I picture)
const FLAGS_NON_SYNC = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample
// tfhd / trun flags (§8.8.7, §8.8.8)
const TFHD_DEFAULT_SAMPLE_FLAGS = 0x000020;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTS = 0x000800;

/**
 * moof{mfhd, traf{tfhd (default-base-is-moof), tfdt v1, trun v1}} + mdat for one track's frames. Returns
 * `[moof + mdat header, ...frame.data]`; concatenate only if you must (`bytesLength` gives the total).
 */
export function writeMediaSegment(opts: MediaSegmentOptions): Uint8Array[] {
  const { track, frames } = opts;
  const n = frames.length;
  const ts = track.timescale;
  const { pts, dts } = decodeTimestamps(frames, ts);
  let endDts: number | undefined;
  if (n > 0 && opts.timing?.nextTimestampMs !== undefined) endDts = msToTimescale(opts.timing.nextTimestampMs, ts);
  else if (n > 0 && opts.timing?.fragmentDurationMs !== undefined) endDts = dts[0] + msToTimescale(opts.timing.fragmentDurationMs, ts);
  const table = sampleTable(pts, dts, fallbackDuration(track), endDts);
  const baseDts = n > 0 ? table.dts[0] : msToTimescale(opts.emptyStartMs ?? 0, ts);

  const video = track.kind === 'video';
  let trunFlags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE;
  if (video) trunFlags |= TRUN_FLAGS;
  if (table.hasCtsOffsets) trunFlags |= TRUN_CTS;
  const perSample = 8 + (video ? 4 : 0) + (table.hasCtsOffsets ? 4 : 0);
  const tfhdSize = video ? 16 : 20;
  const trunSize = 20 + n * perSample;
  const trafSize = 8 + tfhdSize + 20 + trunSize;
  const moofSize = 8 + 16 + trafSize;
  let payload = 0;
  for (let i = 0; i < n; i++) payload += frames[i].data.length;
  const mdatHeader = boxHeaderLength(payload);

  const w = new BoxWriter(moofSize + mdatHeader);
  w.box('moof', (moof) => {
    moof.fullBox('mfhd', 0, 0, (b) => b.u32(opts.sequenceNumber));
    moof.box('traf', (traf) => {
      // Audio samples are all sync samples: one default instead of a flags column.
      traf.fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF | (video ? 0 : TFHD_DEFAULT_SAMPLE_FLAGS), (b) => {
        b.u32(track.id);
        if (!video) b.u32(FLAGS_SYNC);
      });
      traf.fullBox('tfdt', 1, 0, (b) => b.u64(baseDts));
      traf.fullBox('trun', 1, trunFlags, (b) => {
        b.u32(n).i32(moofSize + mdatHeader);
        for (let i = 0; i < n; i++) {
          b.u32(table.durations[i]).u32(frames[i].data.length);
          if (video) b.u32(frames[i].keyframe ? FLAGS_SYNC : FLAGS_NON_SYNC);
          if (table.hasCtsOffsets) b.i32(table.ctsOffsets[i]);
        }
      });
    });
  });
  w.boxHeader('mdat', payload);
  const parts: Uint8Array[] = new Array<Uint8Array>(n + 1);
  parts[0] = w.finish();
  for (let i = 0; i < n; i++) parts[i + 1] = frames[i].data;
  return parts;
}

/** Mp4Track per Matroska track object: a cached parsed header makes repeated remuxes skip the avcC/SPS parse. */
const trackCache = new WeakMap<object, Mp4Track>();

/** The MP4 view of `trackNumber` in a parsed fragment's header (cached per MkvTrack object). */
export function mp4TrackOf(fragment: ParsedFragment, trackNumber: number): Mp4Track {
  const mkv = fragment.header.tracks.find((t) => t.number === trackNumber);
  if (mkv === undefined) throw new MediaError('INVALID_ARGUMENT', `No track ${trackNumber} in the fragment's stream header`);
  let track = trackCache.get(mkv);
  if (track === undefined) {
    track = mp4TrackFromMatroska(mkv);
    trackCache.set(mkv, track);
  }
  return track;
}

/** One stored KVS fragment, one track → media segment parts (see writeMediaSegment). */
export function remuxFragment(fragment: ParsedFragment, trackNumber: number, sequenceNumber: number, timing?: FragmentTiming): Uint8Array[] {
  const track = mp4TrackOf(fragment, trackNumber);
  const frames = fragment.cluster.frames.filter((f) => f.track === trackNumber);
  const opts: MediaSegmentOptions = { sequenceNumber, track, frames, emptyStartMs: fragment.cluster.timestampMs };
  if (timing !== undefined) opts.timing = timing;
  return writeMediaSegment(opts);
}
