/**
 * Where a source's time 0 sits on the wall clock: the origin added to every frame's source time to make its
 * producer timestamp (camera-pipeline.ts). Pure: arrival times are given.
 *
 * "Now minus the first frame's source time" is wrong whenever ffmpeg hands its first frames over in a burst, as it
 * does with an RTSP camera: it delivers nothing while it reads the streams' parameters (about 2 s for H.264 + AAC
 * from GStreamer's RTSP server), then every frame it read meanwhile at once. Anchored on the first of them, every
 * producer timestamp of the run lay that burst in the future (after a camera reboot the gap in the stream looked
 * seconds longer than the outage, and fragments fell outside an HLS range ending "now").
 *
 * A frame cannot arrive before it was captured, so the least (arrival − source time) seen is the best estimate of
 * the origin. The pipeline holds a run's first frames for `warmupMs` of wall time after the first arrival (a burst
 * is over by then and the frames after it come in real time), then fixes the origin and lets them go: the origin
 * must not move once fragments carry it (timecodes must grow within a PutMedia connection).
 */
export class SourceClock {
  private firstArrivalMs?: number;
  private offsetMs = Infinity;

  constructor(private readonly warmupMs: number) {}

  /** A frame of source time `sourceMs` arrived at `nowMs` (epoch ms). */
  observe(sourceMs: number, nowMs: number): void {
    this.firstArrivalMs ??= nowMs;
    this.offsetMs = Math.min(this.offsetMs, nowMs - sourceMs);
  }

  /** Whether the estimate may be fixed: `warmupMs` have passed since the first arrival. */
  ready(nowMs: number): boolean {
    return this.firstArrivalMs !== undefined && nowMs - this.firstArrivalMs >= this.warmupMs;
  }

  /** Epoch ms of source time 0 (NaN before any frame). */
  get originMs(): number {
    return Number.isFinite(this.offsetMs) ? this.offsetMs : NaN;
  }
}

/** How long a run's first frames are held while the origin is estimated: longer than ffmpeg's hand-over burst. */
export const SOURCE_CLOCK_WARMUP_MS = 1000;
