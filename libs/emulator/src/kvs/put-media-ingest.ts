/**
 * One PutMedia connection's ingest, without HTTP: Matroska bytes in (as they arrive), acknowledgement events
 * out, fragments into the stream's log. kvs-reference.md §3.4–§3.7:
 *
 * - the body must open with an EBML header; Segment, Info, Tracks (1–3 tracks, else 4012) follow; a second
 *   EBML header + Segment starts a new stream header (or is refused with 4006 under `multipleSegments: reject`);
 * - one Cluster = one fragment. BUFFERING when its first bytes arrive (cluster-start-probe.ts) — that instant is
 *   its server timestamp and its number is issued then —, RECEIVED when the Cluster is whole, PERSISTED once its
 *   frame is written to the log (write(2) done, fdatasync under `fsync: always`; only when retention > 0);
 * - checks on a whole fragment: frames only of declared tracks (4010), a frame for every declared track (4011),
 *   Cluster Timecode above the previous one of this connection (4004), duration (4002) and size (4001, also while
 *   it streams in), producer timestamp not before the epoch (4007), metadata limits (4009);
 * - Tags elements between Clusters are the next fragment's metadata (§3.4 item 5); tags named `AWS…` (PIC's
 *   end-of-fragment and event markers) are control tags, dropped rather than replayed;
 * - anything the reader cannot parse is 4006 INVALID_MKV_DATA. After an ERROR the connection is done: the
 *   service terminates it (§3.7), so `failed` is set and further bytes are ignored.
 *
 * Decisions where the reference is [unconfirmed]: producer Tags before the first Cluster (ffmpeg's ENCODER tag)
 * are fragment 1's metadata; 4004 compares Cluster Timecodes (lenient with B-frames, whose presentation times
 * are not monotonic); the fragment length (ListFragments' FragmentLengthInMilliseconds and the 4002 check) is the
 * span of its frames' presentation times, last minus first (§3.5).
 */
import {
  MatroskaStreamReader,
  MediaError,
  isKvsReservedTagName,
  withUnknownSegmentSize,
  writeTags,
  type MatroskaEvent,
  type MkvCluster,
  type MkvSimpleTag,
  type MkvStreamHeader,
} from '@tributary/media';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { KVS_LIMITS } from '../defaults';
import type { FragmentEntry } from '../storage/fragment-log';
import type { KvsRegistry } from './kvs-registry';
import type { KvsStream } from './kvs-stream';
import type { KvsSettings } from './kvs-context';
import { ClusterStartProbe } from './cluster-start-probe';
import { makeFragmentNumber } from './fragment-number';
import type { AckErrorCode, AckEvent } from './ack-events';

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

export interface PutMediaIngestOptions {
  stream: KvsStream;
  registry: KvsRegistry;
  settings: KvsSettings;
  clock: Clock;
  logger: Logger;
  timecodeType: 'ABSOLUTE' | 'RELATIVE';
  /** x-amzn-producer-start-timestamp in ms (RELATIVE timecodes are offsets from it). */
  producerStartMs: number;
  /** Receives every acknowledgement, in order. */
  send(event: AckEvent): void;
}

/** The fragment whose bytes are arriving. */
interface OpenFragment {
  offset: number;
  timecode: number;
  fragmentNumber: bigint;
  serverTimestampMs: number;
}

interface HeaderState {
  header: MkvStreamHeader;
  /** The producer's header bytes, Segment size made unknown (as GetMedia serves them). */
  bytes: Uint8Array;
}

export class PutMediaIngest {
  private readonly reader: MatroskaStreamReader;
  private readonly probe = new ClusterStartProbe();
  private received = 0;
  private head: number[] = [];
  private current: HeaderState | undefined;
  private headers = 0;
  private open: OpenFragment | undefined;
  /** Metadata Tags elements waiting for the next Cluster. */
  private pendingTags: Uint8Array[] = [];
  private pendingTagCount = 0;
  private previousClusterMs: number | undefined;
  /** Where the next top-level element starts (for the size check while no fragment is open). */
  private probeBoundary = 0;
  private last: { timecode: number; fragmentNumber: string } | undefined;
  private failure: AckErrorCode | undefined;
  /** Fragments persisted (or stored, for retention 0) by this connection. */
  stored = 0;

  constructor(private readonly o: PutMediaIngestOptions) {
    // The reader's own cap sits above the fragment limit, so the 4001 check below answers first.
    this.reader = new MatroskaStreamReader({ maxElementBytes: o.settings.maxFragmentBytes + 1024 * 1024 });
  }

  /** The ERROR code that ended this ingest, if any. */
  get failed(): AckErrorCode | undefined {
    return this.failure;
  }

  /** Feeds body bytes; acknowledgements go out through `send` as they happen. */
  push(chunk: Uint8Array): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    if (!this.checkMagic(chunk)) return;
    this.probe.feed(chunk);
    this.received += chunk.length;
    let events: MatroskaEvent[];
    try {
      events = this.reader.push(chunk);
    } catch (err) {
      this.readerFailed(err);
      return;
    }
    this.handle(events);
    if (this.failure !== undefined) return;
    if (!this.open) {
      const start = this.probe.probe();
      if (start) this.startFragment(start.offset, start.timecode);
    }
    const openAt = this.open?.offset ?? this.probeBoundary;
    if (this.received - openAt > this.o.settings.maxFragmentBytes) this.fail('MAX_FRAGMENT_SIZE_REACHED');
  }

  /** The body ended: an open unknown-size Cluster completes; a truncated element is 4006. */
  end(): void {
    if (this.failure !== undefined || this.received === 0) return;
    let events: MatroskaEvent[];
    try {
      events = this.reader.end();
    } catch (err) {
      this.readerFailed(err);
      return;
    }
    this.handle(events);
  }

  /** Ends the ingest with an ERROR acknowledgement (also used by the connection: 4003, 4507, 5000). */
  fail(code: AckErrorCode): void {
    if (this.failure !== undefined) return;
    this.failure = code;
    this.probe.pause();
    const about = this.open
      ? { fragmentTimecode: this.open.timecode, fragmentNumber: this.open.fragmentNumber.toString() }
      : this.last
        ? { fragmentTimecode: this.last.timecode, fragmentNumber: this.last.fragmentNumber }
        : {};
    this.o.send({ eventType: 'ERROR', ...about, errorCode: code });
  }

  private checkMagic(chunk: Uint8Array): boolean {
    if (this.head.length >= EBML_MAGIC.length) return true;
    for (let i = 0; i < chunk.length && this.head.length < EBML_MAGIC.length; i++) {
      if (chunk[i] !== EBML_MAGIC[this.head.length]) {
        this.fail('INVALID_MKV_DATA');
        return false;
      }
      this.head.push(chunk[i]);
    }
    return true;
  }

  private readerFailed(err: unknown): void {
    if (!(err instanceof MediaError)) {
      this.o.logger.error({ err, stream: this.o.stream.meta.name }, 'PutMedia ingest failed');
      this.fail('INTERNAL_ERROR');
      return;
    }
    this.o.logger.debug({ code: err.code, message: err.message, offset: err.offset, stream: this.o.stream.meta.name }, 'PutMedia body is not acceptable MKV');
    this.fail('INVALID_MKV_DATA');
  }

  private handle(events: readonly MatroskaEvent[]): void {
    for (const ev of events) {
      if (this.failure !== undefined) return;
      switch (ev.type) {
        case 'header':
          this.onHeader(ev.header, ev.bytes);
          this.boundaryAt(ev.offset + ev.bytes.length);
          break;
        case 'tags':
          this.onTags(ev.tags, ev.bytes);
          this.boundaryAt(ev.offset + ev.bytes.length);
          break;
        case 'cluster':
          this.onCluster(ev.cluster);
          this.boundaryAt(ev.cluster.offset + ev.cluster.bytes.length);
          break;
        case 'segment-end':
          this.boundaryAt(ev.offset);
          break;
      }
    }
  }

  private boundaryAt(offset: number): void {
    this.probeBoundary = offset;
    if (this.open === undefined) this.probe.elementEnded(offset);
  }

  private onHeader(header: MkvStreamHeader, bytes: Uint8Array): void {
    this.headers++;
    if (this.headers > 1 && this.o.settings.multipleSegments === 'reject') return this.fail('INVALID_MKV_DATA');
    if (header.tracks.length === 0) return this.fail('INVALID_MKV_DATA');
    if (header.tracks.length > KVS_LIMITS.maxTracks) return this.fail('MORE_THAN_ALLOWED_TRACKS_FOUND');
    try {
      this.current = { header, bytes: withUnknownSegmentSize(bytes).slice() };
    } catch {
      this.fail('INVALID_MKV_DATA');
    }
  }

  private onTags(tags: readonly MkvSimpleTag[], bytes: Uint8Array): void {
    const user = tags.filter((t) => !isKvsReservedTagName(t.name));
    if (user.length === 0) return;
    for (const t of user) {
      const valueBytes = t.binary?.length ?? utf8Length(t.value ?? '');
      if (utf8Length(t.name) > KVS_LIMITS.maxMetadataNameBytes || valueBytes > KVS_LIMITS.maxMetadataValueBytes) {
        return this.fail('FRAGMENT_METADATA_LIMIT_REACHED');
      }
    }
    this.pendingTagCount += user.length;
    if (this.pendingTagCount > KVS_LIMITS.maxFragmentMetadataTags) return this.fail('FRAGMENT_METADATA_LIMIT_REACHED');
    // Control tags are not replayed: keep the element as sent when it has none, else rewrite it without them.
    this.pendingTags.push(user.length === tags.length ? bytes.slice() : writeTags(user));
  }

  private startFragment(offset: number, timecode: number): OpenFragment {
    const { sequence, serverTimestampMs } = this.o.stream.allocateFragment(this.o.clock.now());
    const fragment: OpenFragment = {
      offset,
      timecode,
      serverTimestampMs,
      fragmentNumber: makeFragmentNumber(sequence, serverTimestampMs, this.o.registry.randomInt(1 << 28)),
    };
    this.open = fragment;
    this.probe.pause();
    this.o.send({ eventType: 'BUFFERING', fragmentTimecode: timecode, fragmentNumber: fragment.fragmentNumber.toString() });
    return fragment;
  }

  private onCluster(cluster: MkvCluster): void {
    const header = this.current;
    if (!header) return this.fail('INVALID_MKV_DATA');
    let fragment = this.open;
    if (!fragment || fragment.offset !== cluster.offset) fragment = this.startFragment(cluster.offset, cluster.timecode);
    fragment.timecode = cluster.timecode;
    const problem = this.check(cluster, header.header);
    if (problem) return this.fail(problem);
    const ack = { fragmentTimecode: cluster.timecode, fragmentNumber: fragment.fragmentNumber.toString() };
    this.o.send({ eventType: 'RECEIVED', ...ack });
    const producerTimestampMs = this.producerTimestampOf(cluster);
    const tags = this.pendingTags.length === 1 ? this.pendingTags[0] : Buffer.concat(this.pendingTags);
    let entry: FragmentEntry;
    try {
      this.o.registry.applyRetention(this.o.stream);
      const last = this.o.stream.log.last;
      // Several connections per stream (a non-default setting) may finish fragments out of issue order.
      if (last && fragment.fragmentNumber <= last.fragmentNumber) {
        const again = this.o.stream.allocateFragment(this.o.clock.now());
        fragment.fragmentNumber = makeFragmentNumber(again.sequence, again.serverTimestampMs, this.o.registry.randomInt(1 << 28));
        fragment.serverTimestampMs = again.serverTimestampMs;
      }
      entry = this.o.stream.log.append({
        fragmentNumber: fragment.fragmentNumber,
        serverTimestampMs: fragment.serverTimestampMs,
        producerTimestampMs,
        durationMs: spanOf(cluster),
        header: header.bytes,
        cluster: cluster.bytes,
        tags,
      });
    } catch (err) {
      this.o.logger.error({ err, stream: this.o.stream.meta.name }, 'could not store a fragment');
      return this.fail('ARCHIVAL_ERROR');
    }
    this.stored++;
    this.open = undefined;
    this.pendingTags = [];
    this.pendingTagCount = 0;
    this.previousClusterMs = cluster.timestampMs;
    this.last = { timecode: cluster.timecode, fragmentNumber: entry.fragmentNumberText };
    if (this.o.stream.meta.retentionHours > 0) this.o.send({ eventType: 'PERSISTED', fragmentTimecode: cluster.timecode, fragmentNumber: entry.fragmentNumberText });
  }

  /** The ERROR a whole fragment deserves, if any. */
  private check(cluster: MkvCluster, header: MkvStreamHeader): AckErrorCode | undefined {
    if (cluster.bytes.length > this.o.settings.maxFragmentBytes) return 'MAX_FRAGMENT_SIZE_REACHED';
    const declared = new Set(header.tracks.map((t) => t.number));
    const seen = new Set<number>();
    for (const f of cluster.frames) {
      if (!declared.has(f.track)) return 'TRACK_NUMBER_MISMATCH';
      seen.add(f.track);
    }
    if (seen.size < declared.size) return 'FRAMES_MISSING_FOR_TRACK';
    if (this.previousClusterMs !== undefined && cluster.timestampMs <= this.previousClusterMs) return 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS';
    if (spanOf(cluster) > this.o.settings.maxFragmentDurationMs) return 'MAX_FRAGMENT_DURATION_REACHED';
    const producerMs = this.producerTimestampOf(cluster);
    if (!Number.isFinite(producerMs) || producerMs < 0) return 'INVALID_PRODUCER_TIMESTAMP';
    return undefined;
  }

  /** ABSOLUTE: the Cluster Timecode is wall-clock time; RELATIVE: an offset from the producer start (§3.4 item 6). */
  private producerTimestampOf(cluster: MkvCluster): number {
    return this.o.timecodeType === 'ABSOLUTE' ? cluster.timestampMs : this.o.producerStartMs + cluster.timestampMs;
  }
}

/** Last frame start minus first frame start, by presentation time (kvs-reference.md §3.5). */
function spanOf(cluster: MkvCluster): number {
  if (cluster.frames.length === 0) return 0;
  let min = Infinity;
  let max = -Infinity;
  for (const f of cluster.frames) {
    if (f.timestampMs < min) min = f.timestampMs;
    if (f.timestampMs > max) max = f.timestampMs;
  }
  return max - min;
}
