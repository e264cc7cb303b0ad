/**
 * Groups frames into KVS fragments (kvs-reference.md §3.4 item 6, §3.8): one Cluster per fragment, every fragment
 * starting on a keyframe of the video track, its duration within the configured limits.
 *
 * Cut rule: a video keyframe closes the current fragment and opens the next one when the current fragment is at
 * least `minDurationMs - keyframeToleranceMs` old (the tolerance absorbs the jitter of camera timestamps, so a
 * 1-s GOP whose keyframe lands at 998 ms still makes 1-s fragments). Keyframes earlier than that stay inside the
 * fragment. Frames of other tracks (audio) join the open fragment; frames before the first video keyframe are
 * dropped (a fragment cannot start on them) and counted.
 *
 * A GOP longer than `maxDurationMs` cannot be one valid fragment (KVS answers 4002
 * MAX_FRAGMENT_DURATION_REACHED and ends the connection, §3.7): with `onOverlong: 'drop'` (default) the fragment
 * is closed at the limit and the frames up to the next video keyframe are dropped and counted; with 'keep' the
 * fragment simply grows (for sinks without the limit).
 *
 * Timestamps: KVS wants producer timestamps; with `x-amzn-fragment-timecode-type: ABSOLUTE` the cluster timecode
 * is epoch time (§3.4). Sources such as ffmpeg start at 0, so `originMs` (the epoch ms of source time 0, e.g. the
 * capture start) is added to every frame: fragments then carry absolute timestamps, ready for ABSOLUTE. A producer
 * that prefers RELATIVE leaves `originMs` at 0 and sends the origin as `x-amzn-producer-start-timestamp`; KVS adds
 * it to each cluster timecode (§3.5). Either way the timestamps must keep growing within one connection (4004).
 *
 * `durationMs` of a fragment is the distance from its start to the next fragment's start; for the last one
 * (flush, or a cut at the limit) it is its last frame's time minus its start plus one frame interval (the smallest
 * gap between its video frames). Pure and synchronous: frames in, fragments out, no timers — a caller that wants
 * to close a fragment early (end of stream) calls flush().
 */
import { MediaError } from '../media-error';
import type { MkvFrame } from './matroska-types';

/** KVS fragment limits (kvs-reference.md §3.8, §6): 1 s minimum; 20 s maximum in the quota table, 10 s in older docs. */
export const KVS_FRAGMENT_LIMITS = {
  minDurationMs: 1_000,
  /** Current quota table; the older docs and the 4002 error text say 10 s ([unconfirmed] which one is enforced). */
  maxDurationMs: 20_000,
  maxBytes: 50 * 1024 * 1024,
  maxTracks: 3,
  maxMetadataTags: 10,
} as const;

export const FRAGMENTER_DEFAULTS = {
  minDurationMs: KVS_FRAGMENT_LIMITS.minDurationMs,
  /** 10 s: safe under both the old and the new KVS maximum. */
  maxDurationMs: 10_000,
  keyframeToleranceMs: 50,
  videoTrack: 1,
  originMs: 0,
  onOverlong: 'drop' as 'drop' | 'keep',
};

export interface FragmenterOptions {
  /** A keyframe cuts only once the fragment is this old (minus the tolerance). Default 1000 (KVS minimum). */
  minDurationMs?: number;
  /** Longest fragment. Default 10 000. */
  maxDurationMs?: number;
  /** Slack on minDurationMs for jittery keyframe timestamps. Default 50. */
  keyframeToleranceMs?: number;
  /** The track whose keyframes start fragments. Default 1 (KVS: track 1 is the video track, §3.4). */
  videoTrack?: number;
  /** Added to every frame timestamp: the epoch ms of source time 0. Default 0 (timestamps used as given). */
  originMs?: number;
  /** GOP longer than maxDurationMs: 'drop' frames until the next keyframe (default), or 'keep' growing. */
  onOverlong?: 'drop' | 'keep';
}

export interface MkvFragment {
  /** Timestamp of the opening keyframe (with originMs applied). */
  timestampMs: number;
  durationMs: number;
  frames: MkvFrame[];
  keyframe: true;
}

/** What one frame did (pushFrame). */
export interface FragmenterStep {
  /** Fragments the frame completed, in order. */
  closed: MkvFragment[];
  /** The frame as kept (originMs applied), when it joined the open fragment; absent when dropped. */
  frame?: MkvFrame;
  /** The frame opened a new fragment (its first frame, a video keyframe). */
  opened: boolean;
}

export interface FragmenterStats {
  fragments: number;
  frames: number;
  /** Frames before the first video keyframe, and frames dropped after an overlong GOP. */
  droppedFrames: number;
  /** Fragments closed at maxDurationMs because no keyframe came in time. */
  overlongFragments: number;
}

export class Fragmenter {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly videoTrack: number;
  private readonly originMs: number;
  private readonly onOverlong: 'drop' | 'keep';
  private open: { timestampMs: number; frames: MkvFrame[]; maxTs: number } | undefined;
  private readonly counters: FragmenterStats = { fragments: 0, frames: 0, droppedFrames: 0, overlongFragments: 0 };

  constructor(options: FragmenterOptions = {}) {
    const o = { ...FRAGMENTER_DEFAULTS, ...stripUndefined(options) };
    if (!(o.minDurationMs >= 0) || !(o.maxDurationMs > 0) || o.maxDurationMs < o.minDurationMs) {
      throw new MediaError('INVALID_ARGUMENT', `Fragmenter: need 0 <= minDurationMs <= maxDurationMs, 0 < maxDurationMs (got ${o.minDurationMs}, ${o.maxDurationMs})`);
    }
    if (!(o.keyframeToleranceMs >= 0)) throw new MediaError('INVALID_ARGUMENT', 'Fragmenter: keyframeToleranceMs must be >= 0');
    if (!Number.isInteger(o.videoTrack) || o.videoTrack < 1) throw new MediaError('INVALID_ARGUMENT', `Fragmenter: invalid videoTrack ${o.videoTrack}`);
    if (!Number.isFinite(o.originMs)) throw new MediaError('INVALID_ARGUMENT', 'Fragmenter: originMs must be finite');
    this.minMs = Math.max(0, o.minDurationMs - o.keyframeToleranceMs);
    this.maxMs = o.maxDurationMs;
    this.videoTrack = o.videoTrack;
    this.originMs = o.originMs;
    this.onOverlong = o.onOverlong;
  }

  get stats(): Readonly<FragmenterStats> {
    return this.counters;
  }

  /** Adds a frame (in decode order); returns the fragments it completes (zero or one, two after an overlong cut). */
  push(input: MkvFrame): MkvFragment[] {
    return this.pushFrame(input).closed;
  }

  /**
   * push() that also says where the frame went, for a writer that streams the open fragment as it grows:
   * `closed` first (the fragments this frame completes), then `frame` (origin applied) joined the open fragment,
   * which it `opened` when it is the fragment's first frame; no `frame` when it was dropped.
   */
  pushFrame(input: MkvFrame): FragmenterStep {
    const frame = this.originMs === 0 ? input : { ...input, timestampMs: input.timestampMs + this.originMs };
    const isCut = frame.track === this.videoTrack && frame.keyframe;
    const closed: MkvFragment[] = [];
    const open = this.open;
    if (open === undefined) {
      if (!isCut) {
        this.counters.droppedFrames++;
        return { closed, opened: false };
      }
      this.start(frame);
      return { closed, frame, opened: true };
    }
    const elapsed = frame.timestampMs - open.timestampMs;
    if (isCut && elapsed >= this.minMs) {
      closed.push(this.close(frame.timestampMs - open.timestampMs));
      this.start(frame);
      return { closed, frame, opened: true };
    }
    if (elapsed >= this.maxMs && !isCut && this.onOverlong === 'drop') {
      closed.push(this.close(this.maxMs));
      // With no open fragment, push() now drops frames until the next video keyframe.
      this.counters.overlongFragments++;
      this.counters.droppedFrames++;
      return { closed, opened: false };
    }
    open.frames.push(frame);
    if (frame.timestampMs > open.maxTs) open.maxTs = frame.timestampMs;
    this.counters.frames++;
    return { closed, frame, opened: false };
  }

  /** Closes the open fragment (end of stream, or before a reconnect). */
  flush(): MkvFragment[] {
    const open = this.open;
    if (open === undefined) return [];
    return [this.close(open.maxTs - open.timestampMs + frameInterval(open.frames, this.videoTrack))];
  }

  private start(frame: MkvFrame): void {
    this.open = { timestampMs: frame.timestampMs, frames: [frame], maxTs: frame.timestampMs };
    this.counters.frames++;
  }

  private close(durationMs: number): MkvFragment {
    const open = this.open;
    if (open === undefined) throw new MediaError('INVALID_ARGUMENT', 'No open fragment');
    this.open = undefined;
    this.counters.fragments++;
    return { timestampMs: open.timestampMs, durationMs: Math.max(0, durationMs), frames: open.frames, keyframe: true };
  }
}

/** Smallest positive gap between the video frames' timestamps (one frame interval), 0 when unknown. */
function frameInterval(frames: readonly MkvFrame[], videoTrack: number): number {
  const ts: number[] = [];
  for (const f of frames) if (f.track === videoTrack) ts.push(f.timestampMs);
  ts.sort((a, b) => a - b);
  let best = Infinity;
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i] - ts[i - 1];
    if (d > 0 && d < best) best = d;
  }
  return Number.isFinite(best) ? best : 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
