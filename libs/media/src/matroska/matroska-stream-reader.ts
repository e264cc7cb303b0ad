/**
 * Incremental Matroska reader for KVS-style streams (kvs-reference.md §3.4, §4.3): bytes in, in chunks of any
 * size; 'header', 'cluster', 'tags' and 'segment-end' events out. It reads what ffmpeg's live output (`-f matroska
 * -live 1`), PIC and GetMedia produce:
 *
 *   - unknown-size Segments and Clusters (1- or 8-octet all-ones sizes, RFC 8794 §6.2); an unknown-size Cluster
 *     ends where the next Cluster, Tags, Cues, … or a new EBML header starts;
 *   - several EBML header + Segment pairs in one byte stream (GetMedia sends one per fragment; a PutMedia body may
 *     hold more than one): each starts a new 'header' event after the previous Segment's 'segment-end';
 *   - SeekHead, Cues, Chapters, Attachments, Void, CRC-32 and unknown elements are skipped (CRC-32 not verified);
 *   - SimpleBlocks and BlockGroups (Block + ReferenceBlock), with Xiph, EBML and fixed-size lacing.
 *
 * How it stays cheap on the PutMedia hot path: a streaming EBML decoder (ebml-stream-decoder.ts) finds element
 * boundaries without copying — pushed chunks are kept in a list and walked header by header — and delivers each
 * Info, Tracks, Tags and Cluster element whole: a view of the pushed chunk when it sits in one, else one copy at
 * its boundaries. That element is then parsed synchronously and every frame's `data` is a `subarray` of the
 * cluster's `bytes`, so a cluster costs at most one copy, whatever the chunking.
 *
 * Leniency (as KVS, §3.4): Tags without Targets, NUL-padded strings, 8-octet sizes with leading zeros, Void and
 * CRC-32 anywhere, Tags before the first Cluster. Blocks of track numbers not declared in Tracks are passed
 * through (the emulator answers TRACK_NUMBER_MISMATCH itself); a Cluster before Tracks is MALFORMED_MKV.
 * After a thrown MediaError the reader is unusable (further calls rethrow it).
 */
import { MediaError } from '../media-error';
import { forEachChild, readElement } from '../ebml/ebml-reader';
import { EbmlStreamDecoder, END_OF_STREAM, NEED_MORE, type EbmlEvent, type EbmlPolicy } from '../ebml/ebml-stream-decoder';
import { readFloat, readString, readUint, readUintBig, readUtf8 } from '../ebml/ebml-values';
import { blockFrames, readBlockHeader, BLOCK_FLAG_KEYFRAME } from './matroska-block-codec';
import { MATROSKA_SCHEMA, MkvId, MkvTrackType } from './matroska-ids';
import { readTags } from './matroska-tags';
import type { MatroskaEvent, MkvCluster, MkvFrame, MkvStreamHeader, MkvTrack } from './matroska-types';
import { DEFAULT_TIMECODE_SCALE_NS } from './matroska-writer';

export interface MatroskaStreamReaderOptions {
  /** Largest element (a Cluster, say) buffered whole, in bytes; default 256 MiB. KVS caps fragments at 50 MB. */
  maxElementBytes?: number;
}

const COLLECTED_IN_SEGMENT = new Set<number>([MkvId.Info, MkvId.Tracks, MkvId.Tags, MkvId.Cluster]);

function policy(id: number, depth: number): EbmlPolicy {
  if (depth === 0) return id === MkvId.Segment ? 'emit' : id === MkvId.EBML ? 'collect' : 'skip';
  return depth === 1 && COLLECTED_IN_SEGMENT.has(id) ? 'collect' : 'skip';
}

interface InfoFields {
  timecodeScaleNs: number;
  segmentUid?: Uint8Array;
  title?: string;
  muxingApp?: string;
  writingApp?: string;
  durationTicks?: number;
}

export class MatroskaStreamReader {
  private readonly decoder: EbmlStreamDecoder;
  private state: 'expect-ebml' | 'expect-segment' | 'in-segment' = 'expect-ebml';
  private headerStart = -1;
  private headerEnd = -1;
  private docType: string | undefined;
  private docTypeVersion: number | undefined;
  private info: InfoFields | undefined;
  private tracks: MkvTrack[] | undefined;
  private current: MkvStreamHeader | undefined;
  private trackByNumber = new Map<number, MkvTrack>();
  private failure: unknown;

  constructor(options: MatroskaStreamReaderOptions = {}) {
    this.decoder = new EbmlStreamDecoder(MATROSKA_SCHEMA, { policy, maxElementBytes: options.maxElementBytes });
  }

  /** The header of the Segment being read (after its 'header' event). */
  get header(): MkvStreamHeader | undefined {
    return this.current;
  }

  /** Bytes pushed so far. */
  get bytesReceived(): number {
    return this.decoder.bytesReceived;
  }

  /** Feeds a chunk; returns the events it completes (often none). Throws MediaError on malformed input. */
  push(chunk: Uint8Array): MatroskaEvent[] {
    this.checkFailure();
    try {
      this.decoder.push(chunk);
      return this.drain();
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /** No more input: returns the last events (an open unknown-size Cluster and Segment end here). */
  end(): MatroskaEvent[] {
    this.checkFailure();
    try {
      this.decoder.end();
      return this.drain();
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  private checkFailure(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private drain(): MatroskaEvent[] {
    const out: MatroskaEvent[] = [];
    for (;;) {
      const ev = this.decoder.next();
      if (ev === NEED_MORE || ev === END_OF_STREAM) return out;
      this.handle(ev, out);
    }
  }

  private handle(ev: EbmlEvent, out: MatroskaEvent[]): void {
    if (ev.depth === 0) {
      if (ev.kind === 'element' && ev.id === MkvId.EBML) {
        if (this.state === 'in-segment') throw new MediaError('MALFORMED_MKV', 'EBML header inside a Segment', { offset: ev.start });
        this.readEbmlHeader(ev.bytes, ev.start);
        this.state = 'expect-segment';
        this.headerStart = ev.start;
        this.headerEnd = -1;
        this.info = undefined;
        this.tracks = undefined;
        this.current = undefined;
        this.decoder.retainFrom(ev.start);
      } else if (ev.kind === 'start' && ev.id === MkvId.Segment) {
        if (this.state !== 'expect-segment') throw new MediaError('MALFORMED_MKV', 'Segment without an EBML header before it', { offset: ev.start });
        this.state = 'in-segment';
        this.headerEnd = ev.dataStart;
      } else if (ev.kind === 'end' && ev.id === MkvId.Segment) {
        // A Segment may carry no Tracks at all (a GetMedia error chunk holds only Tags): no header then.
        if (this.current === undefined && this.tracks !== undefined) this.emitHeader(out, ev.start);
        this.state = 'expect-ebml';
        this.decoder.release();
        out.push({ type: 'segment-end', offset: ev.end });
      }
      return;
    }
    if (ev.kind !== 'element') return;
    switch (ev.id) {
      case MkvId.Info:
        this.info = parseInfo(ev.bytes, ev.start);
        this.headerEnd = Math.max(this.headerEnd, ev.end);
        if (this.current === undefined && this.tracks !== undefined) this.emitHeader(out, ev.start);
        break;
      case MkvId.Tracks:
        this.tracks = parseTracks(ev.bytes, ev.start);
        this.headerEnd = Math.max(this.headerEnd, ev.end);
        if (this.current === undefined && this.info !== undefined) this.emitHeader(out, ev.start);
        break;
      case MkvId.Tags:
        if (this.current === undefined && this.tracks !== undefined) this.emitHeader(out, ev.start);
        out.push({ type: 'tags', tags: readTags(ev.bytes, ev.start), bytes: ev.bytes, offset: ev.start });
        break;
      case MkvId.Cluster:
        if (this.current === undefined) this.emitHeader(out, ev.start);
        out.push({ type: 'cluster', cluster: this.parseCluster(ev.bytes, ev.start, ev.unknownSize) });
        break;
      default:
        break;
    }
  }

  private readEbmlHeader(bytes: Uint8Array, offset: number): void {
    const el = readElement(bytes, offset);
    this.docType = undefined;
    this.docTypeVersion = undefined;
    forEachChild(bytes, el.dataStart, el.end, (c) => {
      if (c.id === MkvId.DocType) this.docType = readString(c.data);
      else if (c.id === MkvId.DocTypeVersion) this.docTypeVersion = readUint(c.data, offset + c.start);
      else if ((c.id === MkvId.EBMLMaxIDLength && readUint(c.data) > 4) || (c.id === MkvId.EBMLMaxSizeLength && readUint(c.data) > 8)) {
        throw new MediaError('UNSUPPORTED_MKV', 'EBMLMaxIDLength > 4 or EBMLMaxSizeLength > 8', { offset: offset + c.start });
      }
    }, offset);
  }

  private emitHeader(out: MatroskaEvent[], at: number): void {
    if (this.tracks === undefined) throw new MediaError('MALFORMED_MKV', 'Cluster before Tracks', { offset: at });
    const info = this.info ?? { timecodeScaleNs: DEFAULT_TIMECODE_SCALE_NS };
    const header: MkvStreamHeader = { timecodeScaleNs: info.timecodeScaleNs, tracks: this.tracks };
    if (info.segmentUid !== undefined) header.segmentUid = info.segmentUid;
    if (info.title !== undefined) header.title = info.title;
    if (info.muxingApp !== undefined) header.muxingApp = info.muxingApp;
    if (info.writingApp !== undefined) header.writingApp = info.writingApp;
    if (info.durationTicks !== undefined) header.durationMs = (info.durationTicks * info.timecodeScaleNs) / 1e6;
    if (this.docType !== undefined) header.docType = this.docType;
    if (this.docTypeVersion !== undefined) header.docTypeVersion = this.docTypeVersion;
    this.current = header;
    this.trackByNumber = new Map(this.tracks.map((t) => [t.number, t]));
    const bytes = this.decoder.bytes(this.headerStart, this.headerEnd);
    this.decoder.release();
    out.push({ type: 'header', header, bytes, offset: this.headerStart });
  }

  private parseCluster(bytes: Uint8Array, offset: number, unknownSize: boolean): MkvCluster {
    const scaleMs = (this.current?.timecodeScaleNs ?? DEFAULT_TIMECODE_SCALE_NS) / 1e6;
    const el = readElement(bytes, offset);
    let timecode = -1;
    const frames: MkvFrame[] = [];
    const addBlock = (data: Uint8Array, at: number, keyframe: boolean | undefined): void => {
      if (timecode < 0) throw new MediaError('MALFORMED_MKV', 'Block before the Cluster Timecode', { offset: offset + at });
      const h = readBlockHeader(data, offset + at);
      const ts = (timecode + h.timecode) * scaleMs;
      const key = keyframe ?? (h.flags & BLOCK_FLAG_KEYFRAME) !== 0;
      if ((h.flags & 0x06) === 0) {
        frames.push({ track: h.track, timestampMs: ts, keyframe: key, data: data.subarray(h.headerLength) });
        return;
      }
      const laced = blockFrames(data, h, offset + at);
      const stepMs = (this.trackByNumber.get(h.track)?.defaultDurationNs ?? 0) / 1e6;
      for (let i = 0; i < laced.length; i++) frames.push({ track: h.track, timestampMs: ts + i * stepMs, keyframe: key, data: laced[i] });
    };
    forEachChild(bytes, el.dataStart, el.end, (c) => {
      switch (c.id) {
        case MkvId.Timecode:
          timecode = readUint(c.data, offset + c.start);
          break;
        case MkvId.SimpleBlock:
          addBlock(c.data, c.dataStart, undefined);
          break;
        case MkvId.BlockGroup: {
          let block: Uint8Array | undefined;
          let blockAt = 0;
          let referenced = false;
          forEachChild(bytes, c.dataStart, c.end, (g) => {
            if (g.id === MkvId.Block) {
              block = g.data;
              blockAt = g.dataStart;
            } else if (g.id === MkvId.ReferenceBlock) referenced = true;
          }, offset);
          if (block !== undefined) addBlock(block, blockAt, !referenced);
          break;
        }
        default:
          break;
      }
    }, offset);
    if (timecode < 0) throw new MediaError('MALFORMED_MKV', 'Cluster without a Timecode', { offset });
    return { timestampMs: timecode * scaleMs, timecode, frames, bytes, offset, unknownSize };
  }
}

function parseInfo(bytes: Uint8Array, offset: number): InfoFields {
  const el = readElement(bytes, offset);
  const info: InfoFields = { timecodeScaleNs: DEFAULT_TIMECODE_SCALE_NS };
  forEachChild(bytes, el.dataStart, el.end, (c) => {
    switch (c.id) {
      case MkvId.TimecodeScale: {
        const v = readUint(c.data, offset + c.start);
        if (v === 0) throw new MediaError('MALFORMED_MKV', 'TimecodeScale of 0', { offset: offset + c.start });
        info.timecodeScaleNs = v;
        break;
      }
      case MkvId.SegmentUID:
        info.segmentUid = c.data;
        break;
      case MkvId.Title:
        info.title = readUtf8(c.data);
        break;
      case MkvId.MuxingApp:
        info.muxingApp = readUtf8(c.data);
        break;
      case MkvId.WritingApp:
        info.writingApp = readUtf8(c.data);
        break;
      case MkvId.Duration:
        info.durationTicks = readFloat(c.data, offset + c.start);
        break;
      default:
        break;
    }
  }, offset);
  return info;
}

function parseTracks(bytes: Uint8Array, offset: number): MkvTrack[] {
  const el = readElement(bytes, offset);
  const tracks: MkvTrack[] = [];
  const seen = new Set<number>();
  forEachChild(bytes, el.dataStart, el.end, (entry) => {
    if (entry.id !== MkvId.TrackEntry) return;
    let number = 0;
    let uid: bigint | undefined;
    let typeCode = 0;
    const t: Omit<MkvTrack, 'number' | 'uid' | 'type'> = { codecId: '' };
    forEachChild(bytes, entry.dataStart, entry.end, (c) => {
      const at = offset + c.start;
      switch (c.id) {
        case MkvId.TrackNumber:
          number = readUint(c.data, at);
          break;
        case MkvId.TrackUID:
          uid = readUintBig(c.data, at);
          break;
        case MkvId.TrackType:
          typeCode = readUint(c.data, at);
          break;
        case MkvId.CodecID:
          t.codecId = readString(c.data);
          break;
        case MkvId.CodecPrivate:
          t.codecPrivate = c.data;
          break;
        case MkvId.Name:
          t.name = readUtf8(c.data);
          break;
        case MkvId.DefaultDuration:
          t.defaultDurationNs = readUint(c.data, at);
          break;
        case MkvId.Video:
          forEachChild(bytes, c.dataStart, c.end, (v) => {
            if (v.id === MkvId.PixelWidth) t.width = readUint(v.data, offset + v.start);
            else if (v.id === MkvId.PixelHeight) t.height = readUint(v.data, offset + v.start);
          }, offset);
          break;
        case MkvId.Audio:
          forEachChild(bytes, c.dataStart, c.end, (a) => {
            if (a.id === MkvId.SamplingFrequency) t.samplingFrequency = readFloat(a.data, offset + a.start);
            else if (a.id === MkvId.Channels) t.channels = readUint(a.data, offset + a.start);
            else if (a.id === MkvId.BitDepth) t.bitDepth = readUint(a.data, offset + a.start);
          }, offset);
          break;
        default:
          break;
      }
    }, offset);
    if (number < 1) throw new MediaError('MALFORMED_MKV', 'TrackEntry without a TrackNumber', { offset: offset + entry.start });
    if (seen.has(number)) throw new MediaError('MALFORMED_MKV', `Track number ${number} declared twice`, { offset: offset + entry.start });
    seen.add(number);
    const type = typeCode === MkvTrackType.video ? 'video' : typeCode === MkvTrackType.audio ? 'audio' : 'other';
    // TrackUID is mandatory in Matroska; a missing one is tolerated and stands in as the track number.
    const track: MkvTrack = { number, uid: uid ?? BigInt(number), type, ...t };
    if (type === 'other') track.typeCode = typeCode;
    tracks.push(track);
  }, offset);
  return tracks;
}
