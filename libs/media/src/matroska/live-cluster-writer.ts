/**
 * A Cluster written as it grows, for streaming frames into PutMedia as they arrive (what the AWS Producer SDK's
 * PIC MkvGenerator does for kvssink: a key frame opens a Cluster of unknown size, every frame follows as its own
 * SimpleBlock, and the Cluster ends where the next top-level element starts):
 *
 *   Cluster     ID 1F 43 B6 75, size 01 FF FF FF FF FF FF FF (unknown, 8-octet form)       (RFC 8794 §6.2)
 *     Timecode  ID E7, 1-octet size, the cluster's TimecodeScale ticks                      (RFC 9559 §5.1.3.1)
 *     SimpleBlock*  ID A3, size, track vint, int16 offset from the Timecode, flags (0x80 key) (RFC 9559 §10.2)
 *
 * The pieces concatenated are byte for byte `writeCluster(cluster, scale, { unknownSize: true })`: a reader sees
 * the same Cluster whether it came whole or frame by frame. Pure: each call returns the bytes of one piece.
 */
import { MediaError } from '../media-error';
import { UNKNOWN_SIZE, sizeLengthFor, writeId, writeSize } from '../ebml/ebml-vint';
import { uintBytes } from '../ebml/ebml-writer';
import { BLOCK_FLAG_KEYFRAME, blockHeaderLength, writeBlockHeader } from './matroska-block-codec';
import { MkvId } from './matroska-ids';
import type { MkvFrame } from './matroska-types';
import { msToTicks } from './matroska-writer';

export class LiveClusterWriter {
  private readonly clusterTicks: number;

  /** `timestampMs`: the Cluster's time (its first frame's, for a KVS fragment). */
  constructor(
    readonly timestampMs: number,
    private readonly timecodeScaleNs: number,
  ) {
    this.clusterTicks = msToTicks(timestampMs, timecodeScaleNs);
    if (this.clusterTicks < 0 || !Number.isSafeInteger(this.clusterTicks)) throw new MediaError('INVALID_ARGUMENT', `Cluster timestamp ${timestampMs} ms is not a valid timecode`);
  }

  /** The Cluster's Timecode in TimecodeScale ticks (what PutMedia acks echo). */
  get timecode(): number {
    return this.clusterTicks;
  }

  /** Cluster ID, unknown size, Timecode: what opens the Cluster on the wire. */
  start(): Uint8Array {
    const timecode = uintBytes(this.clusterTicks);
    const out = new Uint8Array(4 + 8 + 2 + timecode.length);
    let p = writeId(out, 0, MkvId.Cluster);
    p = writeSize(out, p, UNKNOWN_SIZE, 8);
    out[p++] = MkvId.Timecode;
    out[p++] = 0x80 | timecode.length;
    out.set(timecode, p);
    p += timecode.length;
    if (p !== out.length) throw new MediaError('INVALID_ARGUMENT', `LiveClusterWriter: wrote ${p} of ${out.length} bytes`);
    return out;
  }

  /** One frame as an unlaced SimpleBlock; its time must be within int16 ticks of the Cluster's (32.767 s at 1 ms). */
  block(frame: MkvFrame): Uint8Array {
    const len = blockHeaderLength(frame.track) + frame.data.length;
    const out = new Uint8Array(1 + sizeLengthFor(len) + len);
    out[0] = MkvId.SimpleBlock;
    let p = writeSize(out, 1, len);
    p = writeBlockHeader(out, p, frame.track, msToTicks(frame.timestampMs, this.timecodeScaleNs) - this.clusterTicks, frame.keyframe ? BLOCK_FLAG_KEYFRAME : 0);
    out.set(frame.data, p);
    p += frame.data.length;
    if (p !== out.length) throw new MediaError('INVALID_ARGUMENT', `LiveClusterWriter: wrote ${p} of ${out.length} bytes`);
    return out;
  }
}
