/**
 * Writes the Matroska KVS accepts, modelled on what the AWS PIC MkvGenerator emits (kvs-reference.md §3.4):
 *
 *   EBML header   EBMLVersion 1, EBMLReadVersion 1, EBMLMaxIDLength 4, EBMLMaxSizeLength 8, DocType "matroska",
 *                 DocTypeVersion 2, DocTypeReadVersion 2                          (RFC 8794 §11.2; PIC MkvStatics.c)
 *   Segment       unknown size, 8-octet form 01 FF FF FF FF FF FF FF               (RFC 8794 §6.2)
 *     Info        TimecodeScale, [SegmentUID], [Title], MuxingApp, WritingApp, [Duration]
 *     Tracks      TrackEntry: TrackNumber, TrackUID, TrackType, [Name], CodecID, [CodecPrivate], [DefaultDuration],
 *                 Video{PixelWidth, PixelHeight} | Audio{SamplingFrequency, Channels, [BitDepth]}
 *   Cluster       known size (PIC writes unknown size; both are accepted), Timecode, SimpleBlock* without lacing
 *
 * One Cluster is one KVS fragment (§3.4 item 6): see Fragmenter for how frames are grouped.
 */
import { MediaError } from '../media-error';
import { UNKNOWN_SIZE, sizeLengthFor, writeId, writeSize } from '../ebml/ebml-vint';
import { EbmlWriter, uintBytes } from '../ebml/ebml-writer';
import { BLOCK_FLAG_KEYFRAME, blockHeaderLength, writeBlockHeader } from './matroska-block-codec';
import { MkvId, MkvTrackType } from './matroska-ids';
import type { MkvFrame, MkvStreamHeader, MkvTrack } from './matroska-types';

export const DEFAULT_TIMECODE_SCALE_NS = 1_000_000;
export const DEFAULT_MUXING_APP = '@tributary/media';

/** EBML header + Segment (unknown size) + Info + Tracks: the start of every PutMedia body. */
export function writeStreamHeader(header: MkvStreamHeader): Uint8Array {
  if (!Number.isInteger(header.timecodeScaleNs) || header.timecodeScaleNs < 1) {
    throw new MediaError('INVALID_ARGUMENT', `timecodeScaleNs must be a positive integer, got ${header.timecodeScaleNs}`);
  }
  if (header.tracks.length === 0) throw new MediaError('INVALID_ARGUMENT', 'A stream header needs at least one track');
  const w = new EbmlWriter(512 + header.tracks.reduce((n, t) => n + (t.codecPrivate?.length ?? 0), 0));
  w.master(MkvId.EBML, () => {
    w.uint(MkvId.EBMLVersion, 1)
      .uint(MkvId.EBMLReadVersion, 1)
      .uint(MkvId.EBMLMaxIDLength, 4)
      .uint(MkvId.EBMLMaxSizeLength, 8)
      .string(MkvId.DocType, header.docType ?? 'matroska')
      .uint(MkvId.DocTypeVersion, header.docTypeVersion ?? 2)
      .uint(MkvId.DocTypeReadVersion, 2);
  });
  w.startMaster(MkvId.Segment, { unknownSize: true });
  w.master(MkvId.Info, () => {
    w.uint(MkvId.TimecodeScale, header.timecodeScaleNs);
    if (header.segmentUid !== undefined) w.binary(MkvId.SegmentUID, header.segmentUid);
    if (header.title !== undefined) w.utf8(MkvId.Title, header.title);
    w.utf8(MkvId.MuxingApp, header.muxingApp ?? DEFAULT_MUXING_APP);
    w.utf8(MkvId.WritingApp, header.writingApp ?? DEFAULT_MUXING_APP);
    // Duration is a float in TimecodeScale ticks (RFC 9559 Info elements).
    if (header.durationMs !== undefined) w.float(MkvId.Duration, (header.durationMs * 1e6) / header.timecodeScaleNs);
  });
  w.master(MkvId.Tracks, () => {
    for (const t of header.tracks) writeTrackEntry(w, t);
  });
  return w.bytes().slice();
}

function writeTrackEntry(w: EbmlWriter, t: MkvTrack): void {
  if (!Number.isInteger(t.number) || t.number < 1) throw new MediaError('INVALID_ARGUMENT', `Invalid track number ${t.number}`);
  const typeCode = t.type === 'video' ? MkvTrackType.video : t.type === 'audio' ? MkvTrackType.audio : (t.typeCode ?? MkvTrackType.metadata);
  w.master(MkvId.TrackEntry, () => {
    w.uint(MkvId.TrackNumber, t.number);
    w.uint(MkvId.TrackUID, t.uid);
    w.uint(MkvId.TrackType, typeCode);
    if (t.name !== undefined) w.utf8(MkvId.Name, t.name);
    w.string(MkvId.CodecID, t.codecId);
    if (t.codecPrivate !== undefined) w.binary(MkvId.CodecPrivate, t.codecPrivate);
    if (t.defaultDurationNs !== undefined) w.uint(MkvId.DefaultDuration, Math.round(t.defaultDurationNs));
    if (t.type === 'video' && t.width !== undefined && t.height !== undefined) {
      w.master(MkvId.Video, () => {
        w.uint(MkvId.PixelWidth, t.width ?? 0).uint(MkvId.PixelHeight, t.height ?? 0);
      });
    }
    if (t.type === 'audio' && t.samplingFrequency !== undefined) {
      w.master(MkvId.Audio, () => {
        w.float(MkvId.SamplingFrequency, t.samplingFrequency ?? 0).uint(MkvId.Channels, t.channels ?? 1);
        if (t.bitDepth !== undefined) w.uint(MkvId.BitDepth, t.bitDepth);
      });
    }
  });
}

export interface WriteClusterOptions {
  /** Write the Cluster with the unknown size (as PIC does) instead of its length. */
  unknownSize?: boolean;
}

/** ms → TimecodeScale ticks. */
export function msToTicks(ms: number, timecodeScaleNs: number): number {
  return Math.round((ms * 1e6) / timecodeScaleNs);
}

/**
 * One Cluster: Timecode (the cluster's `timestampMs` in TimecodeScale ticks) and one unlaced SimpleBlock per
 * frame, keyframes flagged 0x80. Frame offsets from the cluster timecode must fit int16 ticks (32.767 s at 1 ms).
 * Written in one allocation of the exact size.
 */
export function writeCluster(cluster: { timestampMs: number; frames: readonly MkvFrame[] }, timecodeScaleNs: number, options: WriteClusterOptions = {}): Uint8Array {
  const clusterTicks = msToTicks(cluster.timestampMs, timecodeScaleNs);
  if (clusterTicks < 0 || !Number.isSafeInteger(clusterTicks)) throw new MediaError('INVALID_ARGUMENT', `Cluster timestamp ${cluster.timestampMs} ms is not a valid timecode`);
  const timecode = uintBytes(clusterTicks);
  let body = 1 + 1 + timecode.length; // Timecode: id E7, 1-octet size, value
  const n = cluster.frames.length;
  const blockLengths = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const f = cluster.frames[i];
    const len = blockHeaderLength(f.track) + f.data.length;
    blockLengths[i] = len;
    body += 1 + sizeLengthFor(len) + len; // SimpleBlock: id A3, size, block
  }
  const sizeLength = options.unknownSize ? 8 : sizeLengthFor(body);
  const out = new Uint8Array(4 + sizeLength + body);
  let p = writeId(out, 0, MkvId.Cluster);
  p = writeSize(out, p, options.unknownSize ? UNKNOWN_SIZE : body, sizeLength);
  out[p++] = MkvId.Timecode;
  out[p++] = 0x80 | timecode.length;
  out.set(timecode, p);
  p += timecode.length;
  for (let i = 0; i < n; i++) {
    const f = cluster.frames[i];
    out[p++] = MkvId.SimpleBlock;
    p = writeSize(out, p, blockLengths[i]);
    p = writeBlockHeader(out, p, f.track, msToTicks(f.timestampMs, timecodeScaleNs) - clusterTicks, f.keyframe ? BLOCK_FLAG_KEYFRAME : 0);
    out.set(f.data, p);
    p += f.data.length;
  }
  return out;
}
