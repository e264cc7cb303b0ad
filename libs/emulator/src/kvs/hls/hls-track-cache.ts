/**
 * What HLS needs from a stream header, computed once per distinct header: its MP4 tracks (codec strings,
 * resolution, frame rate for the master playlist) and the init segment of each track. Every fragment of a PutMedia
 * connection repeats the same stored header bytes, so the cache is keyed by their digest; a second map remembers
 * which header a fragment has (by stream ARN and ordinal), so a playlist refresh does not re-read the fragment.
 * Both maps are small LRUs (Map insertion order).
 */
import { createHash } from 'node:crypto';
import {
  MatroskaStreamReader,
  type MkvCluster,
  mp4TrackFromMatroska,
  withUnknownSegmentSize,
  writeInitSegment,
  type MkvStreamHeader,
  type Mp4Track,
} from '@tributary/media';
import type { FragmentEntry, FragmentLog } from '../../storage/fragment-log';
import { kvsErrors } from '../kvs-errors';
import { mediaFailure } from '../media-failure';

export interface HeaderTracks {
  header: MkvStreamHeader;
  /** MP4 tracks by track number; a track that cannot be carried maps to the KVS error it raises. */
  tracks: Map<number, Mp4Track | Error>;
  init: Map<number, Uint8Array>;
  /** Video frames per second measured on the first fragment seen with this header (when the SPS has no timing). */
  measuredFrameRate?: number;
}

class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}

function parseHeader(bytes: Uint8Array): MkvStreamHeader {
  const reader = new MatroskaStreamReader();
  for (const ev of [...reader.push(withUnknownSegmentSize(bytes)), ...reader.end()]) if (ev.type === 'header') return ev.header;
  throw kvsErrors.internalFailure('A stored fragment has no stream header.');
}

/** First to last frame start of track 1 (video), ms; the whole cluster's span when it has no track 1 frame. */
export function videoSpanMs(cluster: MkvCluster): number {
  let min = Infinity;
  let max = -Infinity;
  for (const f of cluster.frames) {
    if (f.track !== 1) continue;
    min = Math.min(min, f.timestampMs);
    max = Math.max(max, f.timestampMs);
  }
  return max >= min ? max - min : 0;
}

export class HlsTrackCache {
  private readonly byDigest: Lru<string, HeaderTracks>;
  private readonly byFragment: Lru<string, HeaderTracks>;
  private readonly spans: Lru<string, number>;

  constructor(capacity = 64) {
    this.byDigest = new Lru(capacity);
    this.byFragment = new Lru(capacity * 16);
    // Numbers only: enough for the longest ON_DEMAND playlists of several streams.
    this.spans = new Lru(capacity * 1024);
  }

  /**
   * The video span of a stored fragment (the stored duration spans every track: AAC frames run past the last video
   * frame). One read per fragment; the stored duration when the fragment can no longer be read.
   */
  videoSpan(streamArn: string, log: FragmentLog, entry: FragmentEntry): number {
    const key = `${streamArn}#${entry.ordinal}`;
    let span = this.spans.get(key);
    if (span === undefined) {
      try {
        const frame = log.read(entry);
        const reader = new MatroskaStreamReader();
        span = entry.durationMs;
        for (const ev of [...reader.push(withUnknownSegmentSize(frame.header)), ...reader.push(frame.cluster), ...reader.end()]) {
          if (ev.type === 'cluster') span = videoSpanMs(ev.cluster);
        }
      } catch {
        return entry.durationMs;
      }
      this.spans.set(key, span);
    }
    return span;
  }

  /** The header of `headerBytes` (parsed once per distinct header). */
  ofHeader(headerBytes: Uint8Array): HeaderTracks {
    const digest = createHash('sha1').update(headerBytes).digest('hex');
    let entry = this.byDigest.get(digest);
    if (!entry) {
      const header = parseHeader(headerBytes);
      const tracks = new Map<number, Mp4Track | Error>();
      for (const t of header.tracks) {
        try {
          tracks.set(t.number, mp4TrackFromMatroska(t));
        } catch (err) {
          tracks.set(t.number, mediaFailure(err));
        }
      }
      entry = { header, tracks, init: new Map() };
      this.byDigest.set(digest, entry);
    }
    return entry;
  }

  /** The header a stored fragment was ingested under (one read the first time). */
  ofFragment(streamArn: string, log: FragmentLog, entry: FragmentEntry): HeaderTracks {
    const key = `${streamArn}#${entry.ordinal}`;
    const hit = this.byFragment.get(key);
    if (hit) return hit;
    const frame = log.read(entry);
    const tracks = this.ofHeader(frame.header);
    if (tracks.measuredFrameRate === undefined) tracks.measuredFrameRate = measureFrameRate(frame.header, frame.cluster, entry.durationMs);
    this.byFragment.set(key, tracks);
    return tracks;
  }

  /** The init segment (ftyp + moov) of one track. */
  initSegment(tracks: HeaderTracks, trackNumber: number): Uint8Array {
    let init = tracks.init.get(trackNumber);
    if (!init) {
      init = writeInitSegment([trackOf(tracks, trackNumber)]);
      tracks.init.set(trackNumber, init);
    }
    return init;
  }
}

/** The MP4 track `trackNumber` of a header, or the error that says why there is none. */
export function trackOf(tracks: HeaderTracks, trackNumber: number): Mp4Track {
  const t = tracks.tracks.get(trackNumber);
  if (t === undefined) throw kvsErrors.invalidArgument(`The stream has no track ${trackNumber}.`);
  if (t instanceof Error) throw t;
  return t;
}

/** Frames per second of track 1 in one fragment; 0 when that cannot be told. */
function measureFrameRate(headerBytes: Uint8Array, clusterBytes: Uint8Array, durationMs: number): number {
  if (durationMs <= 0) return 0;
  // Counting SimpleBlocks needs the cluster parsed; the reader does it without copying frame bytes.
  const reader = new MatroskaStreamReader();
  let frames = 0;
  for (const ev of [...reader.push(withUnknownSegmentSize(headerBytes)), ...reader.push(clusterBytes), ...reader.end()]) {
    if (ev.type === 'cluster') frames += ev.cluster.frames.filter((f) => f.track === 1).length;
  }
  // The stored duration runs from the first to the last frame's start: frames − 1 intervals.
  return frames > 1 ? ((frames - 1) * 1000) / durationMs : 0;
}
