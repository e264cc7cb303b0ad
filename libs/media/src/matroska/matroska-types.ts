/**
 * The Matroska model of @tributary/media: what KVS carries (kvs-reference.md §3.4) and nothing more. Times are
 * milliseconds (numbers, fractional when the TimecodeScale is finer than 1 ms); UIDs are bigints.
 */

export type MkvTrackKind = 'video' | 'audio' | 'other';

export interface MkvTrack {
  /** TrackNumber, 1-based; what SimpleBlocks refer to. */
  number: number;
  uid: bigint;
  type: MkvTrackKind;
  /** The raw TrackType value when `type` is 'other' (e.g. 0x11 subtitles). */
  typeCode?: number;
  /** e.g. `V_MPEG4/ISO/AVC`, `A_AAC`. */
  codecId: string;
  /** e.g. the H.264 `avcC` record (AVCDecoderConfigurationRecord). */
  codecPrivate?: Uint8Array;
  name?: string;
  width?: number;
  height?: number;
  /** DefaultDuration, ns per frame. */
  defaultDurationNs?: number;
  samplingFrequency?: number;
  channels?: number;
  bitDepth?: number;
}

export interface MkvStreamHeader {
  /** Info TimecodeScale (RFC 9559 "TimestampScale"): ns per timecode tick, default 1 000 000 (1 ms). */
  timecodeScaleNs: number;
  tracks: MkvTrack[];
  segmentUid?: Uint8Array;
  title?: string;
  muxingApp?: string;
  writingApp?: string;
  /** Info Duration converted to ms (files written whole have it; live streams do not). */
  durationMs?: number;
  /** EBML header DocType (`matroska`, `webm`) and DocTypeVersion; absent when written by us and not read. */
  docType?: string;
  docTypeVersion?: number;
}

export interface MkvFrame {
  /** TrackNumber of the block. */
  track: number;
  /** Absolute presentation time in ms: (Cluster Timecode + block offset) × TimecodeScale. */
  timestampMs: number;
  /** SimpleBlock keyframe flag, or a Block without ReferenceBlock (RFC 9559 §10, Block Structure). */
  keyframe: boolean;
  /** The frame's bytes: a view into the cluster's bytes, never a copy. */
  data: Uint8Array;
}

export interface MkvCluster {
  /** Cluster Timecode in ms. */
  timestampMs: number;
  /** The raw Cluster Timecode value (TimecodeScale ticks), as KVS acks report it (FragmentTimecode). */
  timecode: number;
  frames: MkvFrame[];
  /** The whole Cluster element as received (unknown-size clusters end where the next top-level element starts). */
  bytes: Uint8Array;
  /** Absolute offset of the cluster in the byte stream. */
  offset: number;
  /** The Cluster had the unknown size (live ffmpeg, PIC). */
  unknownSize: boolean;
}

/** A Matroska SimpleTag (RFC 9559 Tags elements): name, a string or binary value, and nested SimpleTags. */
export interface MkvSimpleTag {
  name: string;
  /** TagString. */
  value?: string;
  /** TagBinary. */
  binary?: Uint8Array;
  /** TagLanguage, when present. */
  language?: string;
  /** Nested SimpleTags. */
  children?: MkvSimpleTag[];
}

export type MatroskaEvent =
  | {
      type: 'header';
      header: MkvStreamHeader;
      /**
       * The bytes as received from the EBML header through the end of Info and Tracks (whichever comes last),
       * SeekHead/Void in between included. The Segment size field is as received (possibly known-size).
       */
      bytes: Uint8Array;
      /** Absolute offset of the EBML header in the byte stream. */
      offset: number;
    }
  | { type: 'cluster'; cluster: MkvCluster }
  | { type: 'tags'; tags: MkvSimpleTag[]; bytes: Uint8Array; offset: number }
  | { type: 'segment-end'; offset: number };
