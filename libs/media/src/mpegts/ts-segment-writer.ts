/**
 * One stored KVS fragment → one MPEG-TS segment with all its tracks, as GetTSFragment serves it (the KVS HLS doc:
 * "MPEG TS fragments containing both initialization and media data for all tracks"): PAT, PMT (repeated through
 * the segment), then one PES per
 * video access unit (Annex B, AUD, parameter sets before each keyframe; PCR and random_access_indicator on the
 * video PID) and one PES per AAC frame (ADTS), interleaved by decode time.
 *
 * Timestamps are the frames' own (ms, moved by `offsetMs`) at 90 kHz modulo 2^33, so consecutive fragments join
 * without a gap or jump whichever session serves them. Matroska gives presentation times only; the decode times are the
 * fragment's presentation times sorted (as for fMP4, sample-timing.ts), moved back by the fragment's largest
 * reordering delay so that DTS ≤ PTS (TS cannot carry negative composition offsets); without B-frames they are
 * the PTS. The PCR runs PCR_DELAY ahead of the decode times, as ffmpeg's muxer does with its default max_delay.
 *
 * Every PID's continuity counter starts at 0 and ends back at 0 (16 PSI copies, the last PES of a PID spread over
 * as many packets as that takes), so any two segments played in a row are continuous for a demuxer that checks:
 * segments are written independently and cannot know how many packets came before them.
 */
import type { MkvFrame } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { mp4TrackOf } from '../mp4/fmp4-writer';
import type { ParsedFragment } from '../mp4/matroska-fragment';
import { decodeTimestamps } from '../mp4/sample-timing';
import { adtsConfig, adtsHeader } from './adts';
import { annexBAccessUnit, annexBConfig } from './annexb';
import { PMT_PID, STREAM_TYPE, TsPacketWriter, PAT_PID, patSection, pesHeader, pmtSection, type PmtStream } from './ts-packet-writer';

export const TS_CLOCK = 90_000;
export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;
const VIDEO_STREAM_ID = 0xe0;
const AUDIO_STREAM_ID = 0xc0;
/** 0.7 s, ffmpeg's default max_delay. */
export const PCR_DELAY = 63_000;

export interface TsSegmentOptions {
  /** The Matroska track carried as video (H.264 or H.265); default 1. */
  videoTrack?: number;
  /** The Matroska track carried as AAC audio, if any (KVS: track 2). */
  audioTrack?: number;
  /**
   * Added to every frame's timestamp (ms): e.g. producer start − cluster timecode, to put fragments stored with
   * RELATIVE timecodes (each PutMedia connection counting from 0) on one producer timeline. Default 0.
   */
  offsetMs?: number;
}

interface Unit {
  dts: number;
  pid: number;
  /** `last`: the PID's last PES of the segment, which ends its continuity counter at 0. */
  write(w: TsPacketWriter, last: boolean): void;
}

/** PAT and PMT copies per segment: 16 bring their counters back to 0, spread they repeat the tables (~every 60 ms). */
const PSI_COPIES = 16;

const shifted = (frames: MkvFrame[], offsetMs: number): MkvFrame[] => (offsetMs === 0 ? frames : frames.map((f) => ({ ...f, timestampMs: f.timestampMs + offsetMs })));

function videoUnits(fragment: ParsedFragment, trackNumber: number, offsetMs: number): { units: Unit[]; streamType: number } {
  const track = mp4TrackOf(fragment, trackNumber);
  if (track.kind !== 'video') throw new MediaError('UNSUPPORTED_CODEC', `Track ${trackNumber} is not video`);
  const cfg = annexBConfig(track.codec === 'avc1' ? 'h264' : 'h265', track.codecPrivate);
  const frames = shifted(fragment.cluster.frames.filter((f) => f.track === trackNumber), offsetMs);
  const { pts, dts } = decodeTimestamps(frames, TS_CLOCK);
  let delay = 0;
  for (let i = 0; i < frames.length; i++) delay = Math.max(delay, dts[i] - pts[i]);
  const units = frames.map((f: MkvFrame, i): Unit => {
    const d = dts[i] - delay;
    return {
      dts: d,
      pid: VIDEO_PID,
      write: (w, last) => {
        const parts = annexBAccessUnit(cfg, f.data, f.keyframe);
        const length = parts.reduce((n, p) => n + p.length, 0);
        w.writePes(VIDEO_PID, pesHeader(VIDEO_STREAM_ID, length, pts[i], d), parts, { pcr: d - PCR_DELAY, randomAccess: f.keyframe, alignCounter: last });
      },
    };
  });
  return { units, streamType: track.codec === 'avc1' ? STREAM_TYPE.H264 : STREAM_TYPE.H265 };
}

function audioUnits(fragment: ParsedFragment, trackNumber: number, offsetMs: number): Unit[] {
  const track = mp4TrackOf(fragment, trackNumber);
  if (track.codec !== 'mp4a') throw new MediaError('UNSUPPORTED_CODEC', `Track ${trackNumber} is not AAC`);
  const cfg = adtsConfig(track.codecPrivate);
  return shifted(fragment.cluster.frames.filter((f) => f.track === trackNumber), offsetMs)
    .map((f): Unit => {
      const pts = Math.round(f.timestampMs * (TS_CLOCK / 1000));
      return {
        dts: pts,
        pid: AUDIO_PID,
        write: (w, last) => {
          const adts = adtsHeader(cfg, f.data.length);
          w.writePes(AUDIO_PID, pesHeader(AUDIO_STREAM_ID, adts.length + f.data.length, pts), [adts, f.data], { alignCounter: last });
        },
      };
    });
}

/** The segment's bytes (a multiple of 188). Throws MediaError for tracks it cannot carry or malformed frames. */
export function writeTsSegment(fragment: ParsedFragment, opts: TsSegmentOptions = {}): Uint8Array {
  const offsetMs = opts.offsetMs ?? 0;
  const video = videoUnits(fragment, opts.videoTrack ?? 1, offsetMs);
  const streams: PmtStream[] = [{ streamType: video.streamType, pid: VIDEO_PID }];
  let units = video.units;
  if (opts.audioTrack !== undefined) {
    streams.push({ streamType: STREAM_TYPE.AAC_ADTS, pid: AUDIO_PID });
    // Stable sort: at equal decode times video comes first, as its PCR should precede the audio it clocks.
    units = [...units, ...audioUnits(fragment, opts.audioTrack, offsetMs)].sort((a, b) => a.dts - b.dts);
  }
  const w = new TsPacketWriter(fragment.cluster.bytes.length * 1.15 + 40 * 188);
  const pat = patSection();
  const pmt = pmtSection(VIDEO_PID, streams);
  const lastOf = new Map(units.map((u, i) => [u.pid, i]));
  let psi = 0;
  units.forEach((u, i) => {
    for (; psi < PSI_COPIES && psi * units.length <= i * PSI_COPIES; psi++) {
      w.writeSection(PAT_PID, pat);
      w.writeSection(PMT_PID, pmt);
    }
    u.write(w, lastOf.get(u.pid) === i);
  });
  for (; psi < PSI_COPIES; psi++) {
    w.writeSection(PAT_PID, pat);
    w.writeSection(PMT_PID, pmt);
  }
  return w.finish();
}
