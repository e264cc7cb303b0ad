/**
 * One camera, end to end: ffmpeg's live Matroska → MatroskaStreamReader → Fragmenter → PutMedia session, whose
 * store is the camera's on-disk spool (the session appends each fragment there before sending it and releases it
 * on PERSISTED).
 *
 * - Producer timestamps are ABSOLUTE epoch milliseconds: the origin added to every source timestamp is the least
 *   (arrival − source time) over a run's first second of frames, which are held meanwhile (source-clock.ts: ffmpeg
 *   hands an RTSP camera's first seconds over in one burst) (kvs-reference.md §3.9 step 5: absolute timecodes do
 *   not depend on the start-timestamp header). A restarted ffmpeg gets a new origin; a
 *   fragment that would not be after the previous one is dropped (timecodes must grow across the session).
 * - Backpressure: bytes are pulled from ffmpeg's stdout one chunk at a time and each fragment is awaited into the
 *   session (stored in the spool, taken by the socket), so a slow disk or a slow PutMedia connection pauses the
 *   pipe and ffmpeg with it. During an outage the session returns once the fragment is spooled, so capture goes
 *   on into the spool until it is full; then the spool policy applies.
 * - ffmpeg failing (camera unplugged, RTSP server down) is restarted after a backoff; a non-looping file source
 *   ending is the end of the camera.
 * - Frame streaming (`frameStreaming`, --send-mode frames): each frame also goes to the session as it arrives, into
 *   the open fragment's Cluster of unknown size (LiveClusterWriter; the session's startFragment/appendFragment), and
 *   the whole fragment still goes through writeFragment at its close, for the spool. At a cut the closed fragment is
 *   handed over first and the next Cluster opens without waiting for the spool, so the service sees the end of the
 *   fragment as soon as the next keyframe is here.
 */
import { Fragmenter, LiveClusterWriter, MatroskaStreamReader, MediaError, msToTicks, writeFragment, writeStreamHeader, type MatroskaEvent, type MkvFragment, type MkvFrame } from '@tributary/media';
import type { PutMediaSession } from '@tributary/kvs';
import { noopLogger, OutageTracker, type Logger } from '@tributary/runtime';
import type { FfmpegExit, FfmpegProcess } from '../ffmpeg/ffmpeg-adapter';
import { VideoProducerError } from '../video-producer-error';
import { sourceRestartDelayMs } from '../rtsp/rtsp-failure';
import { SOURCE_CLOCK_WARMUP_MS, SourceClock } from './source-clock';

/** KVS's video track (kvs-reference.md §3.4): the track whose keyframes start fragments. */
const VIDEO_TRACK = 1;

/** The runtime's Logger without `child` (the app hands the pipeline a child already bound to the stream). */
export type PipelineLogger = Omit<Logger, 'child'>;

/** What the pipeline needs of a PutMedia session (tests give a fake). */
export type PipelineSession = Pick<PutMediaSession, 'writeHeader' | 'writeFragment' | 'state'> & Partial<Pick<PutMediaSession, 'startFragment' | 'appendFragment'>>;

export interface CameraPipelineOptions {
  stream: string;
  session: PipelineSession;
  /** Starts (or restarts) the source: the ffmpeg adapter in the app, recorded bytes in tests. */
  startSource: () => FfmpegProcess;
  fragmentMs: number;
  /** Send each frame as it arrives, inside the open fragment (the session must have startFragment/appendFragment). */
  frameStreaming?: boolean;
  /** Restart the source when it ends by itself (false for a file that is not looped). */
  restartOnExit: boolean;
  restartDelayMs?: number;
  /** How long a run's first frames are held while their origin is estimated (source-clock.ts). Default 1000. */
  sourceClockWarmupMs?: number;
  /** First wait after a refused RTSP password (rtsp/rtsp-failure.ts; 60 s, tests shorten it). */
  unauthorizedRetryDelayMs?: number;
  now?: () => number;
  logger?: PipelineLogger;
  /** Fragments cut (before the session). */
  onFragment?: (fragment: MkvFragment) => void;
  /** Fragments not sent: spool full under stop-capture, timecode not increasing, session refused. */
  onDrop?: (reason: 'spool_full' | 'timecode' | 'session') => void;
  onSourceRestart?: () => void;
  onError?: (code: string) => void;
}

export interface CameraPipelineStats {
  /** Frames of every track (video and, when copied, the camera's audio). */
  framesIn: number;
  /** Frames of the video track (KVS track 1). */
  videoFramesIn: number;
  fragmentsCut: number;
  fragmentsWritten: number;
  fragmentsDropped: number;
  sourceRestarts: number;
  /** Epoch ms of the last fragment written to the session. */
  lastFragmentMs?: number;
  running: boolean;
  /** The last source failure, until the source produces a fragment again. */
  sourceError?: string;
  /** Its code (RTSP_UNAUTHORIZED, RTSP_TIMEOUT, SOURCE_ENDED, FFMPEG_FAILED, …). */
  sourceErrorCode?: string;
  /** Epoch ms since the source has been down (its first failure), until it produces a fragment again. */
  sourceDownSinceMs?: number;
}


/** The longest fragment the pipeline cuts for `fragmentMs` (a longer GOP is cut there, its rest dropped): 10–20 s. */
export function maxFragmentMs(fragmentMs: number): number {
  return Math.min(20_000, Math.max(10_000, fragmentMs * 2));
}

export class CameraPipeline {
  private readonly log: PipelineLogger;
  private readonly now: () => number;
  private stopping = false;
  private current?: FfmpegProcess;
  private loop?: Promise<void>;
  private lastTimecode = -Infinity;
  private wakeRestart?: () => void;
  private failed?: Error;
  /** The source's outage (down at its first failure, up at its next fragment): the shared rules of @tributary/runtime. */
  private readonly outages = new OutageTracker<'source', { code: string; message: string }>();
  /** The fragment being streamed frame by frame, if any. */
  private live?: LiveClusterWriter;
  /** Audio SimpleBlocks of the open fragment not yet handed to the session (appendLive). */
  private liveAudio: Uint8Array[] = [];
  private readonly counters: CameraPipelineStats = { framesIn: 0, videoFramesIn: 0, fragmentsCut: 0, fragmentsWritten: 0, fragmentsDropped: 0, sourceRestarts: 0, running: false };

  constructor(private readonly options: CameraPipelineOptions) {
    this.log = options.logger ?? noopLogger;
    this.now = options.now ?? Date.now;
  }

  /** Starts capturing; `done` resolves when the camera has stopped (stop(), source end, or a fatal error). */
  start(): void {
    if (this.loop) return;
    this.counters.running = true;
    this.loop = this.run().finally(() => {
      this.counters.running = false;
    });
  }

  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  get error(): Error | undefined {
    return this.failed;
  }

  stats(): CameraPipelineStats {
    const outage = this.outages.outage('source');
    return outage ? { ...this.counters, sourceError: outage.reason.message, sourceErrorCode: outage.reason.code, sourceDownSinceMs: outage.since } : { ...this.counters };
  }

  /** Stops the source and waits until what it produced is cut and handed to the session (not until PERSISTED). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.wakeRestart?.();
    await this.current?.stop(graceMs);
    await this.done;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      const proc = this.options.startSource();
      this.current = proc;
      let exit: FfmpegExit;
      try {
        const produced = await this.consume(proc);
        exit = await proc.exited;
        if (produced) attempt = 0;
      } catch (err) {
        // A fatal session error (or a bug): stop the camera.
        this.failed = err instanceof Error ? err : new Error(String(err));
        this.log.error({ stream: this.options.stream, err: this.failed }, 'camera stopped');
        this.options.onError?.(errorCode(err));
        await proc.stop();
        return;
      }
      if (this.stopping) return;
      if (exit.error) {
        this.outages.failed('source', { code: exit.error.code, message: exit.error.message }, this.now());
        // A refused password needs a person: error, not warn.
        this.log[exit.error.code === 'RTSP_UNAUTHORIZED' ? 'error' : 'warn']({ stream: this.options.stream, code: exit.error.code, err: exit.error.message }, 'video source failed');
        this.options.onError?.(exit.error.code);
      } else if (!this.options.restartOnExit) {
        this.log.info({ stream: this.options.stream }, 'video source ended');
        return;
      } else {
        // A live source does not end: the camera closed the stream (reboot, server restart). An outage until it is back.
        const message = 'the video source ended by itself (camera closed the stream: reboot or restart?); restarting it';
        this.outages.failed('source', { code: 'SOURCE_ENDED', message }, this.now());
        this.log.warn({ stream: this.options.stream, code: 'SOURCE_ENDED' }, message);
        this.options.onError?.('SOURCE_ENDED');
      }
      attempt++;
      const delay = sourceRestartDelayMs(this.outages.outage('source')?.reason.code, attempt, this.options.restartDelayMs ?? 1000, this.options.unauthorizedRetryDelayMs);
      this.log.info({ stream: this.options.stream, delayMs: delay, attempt }, 'restarting the video source');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeRestart = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRestart = undefined;
      if (this.stopping) return;
      this.counters.sourceRestarts++;
      this.options.onSourceRestart?.();
    }
  }

  /** Reads one ffmpeg run to its end. Returns whether any fragment came out of it. */
  private async consume(proc: FfmpegProcess): Promise<boolean> {
    const reader = new MatroskaStreamReader();
    let fragmenter: Fragmenter | undefined;
    let scale = 1_000_000;
    let header: Uint8Array | undefined;
    let produced = false;
    // The run's first frames wait here until the origin is known (source-clock.ts).
    let clock = new SourceClock(this.options.sourceClockWarmupMs ?? SOURCE_CLOCK_WARMUP_MS);
    let held: MkvFrame[] = [];

    const push = async (f: Fragmenter, frame: MkvFrame): Promise<void> => {
      if (this.options.frameStreaming) {
        if (await this.stream(f, frame, scale)) produced = true;
        return;
      }
      for (const cut of f.push(frame)) {
        produced = true;
        await this.send(cut, scale);
      }
    };
    /** Fixes the origin and lets the held frames go. */
    const startFragmenter = async (): Promise<Fragmenter> => {
      const f = new Fragmenter({ minDurationMs: Math.max(100, this.options.fragmentMs), maxDurationMs: maxFragmentMs(this.options.fragmentMs), originMs: clock.originMs });
      fragmenter = f;
      const frames = held;
      held = [];
      for (const frame of frames) await push(f, frame);
      return f;
    };

    const handle = async (events: MatroskaEvent[]): Promise<void> => {
      for (const ev of events) {
        if (ev.type === 'header') {
          if (!fragmenter && held.length > 0) await startFragmenter();
          // Streaming: the open fragment is already partly sent; close it under its own header.
          if (this.options.frameStreaming && fragmenter && (await this.flushFragmenter(fragmenter, scale))) produced = true;
          scale = ev.header.timecodeScaleNs;
          header = writeStreamHeader(ev.header);
          this.options.session.writeHeader(header);
          // A new Segment in the same output restarts source time: re-anchor.
          fragmenter = undefined;
          clock = new SourceClock(this.options.sourceClockWarmupMs ?? SOURCE_CLOCK_WARMUP_MS);
        } else if (ev.type === 'cluster') {
          for (const frame of ev.cluster.frames) {
            this.counters.framesIn++;
            if (frame.track === 1) this.counters.videoFramesIn++;
            if (fragmenter) {
              await push(fragmenter, frame);
              continue;
            }
            const now = this.now();
            clock.observe(frame.timestampMs, now);
            held.push(frame);
            if (clock.ready(now)) await startFragmenter();
          }
        }
      }
    };

    try {
      for await (const chunk of proc.stdout) {
        await handle(reader.push(chunk as Uint8Array));
      }
      await handle(reader.end());
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      // ffmpeg killed inside a cluster (TRUNCATED) or garbage on its stdout: this run is over; what was cut is kept.
      if (!this.stopping) this.log.warn({ stream: this.options.stream, code: err.code, err: err.message }, 'unreadable Matroska from ffmpeg');
      void proc.stop();
    }
    // A run shorter than the warm-up: its frames go with the best estimate there is.
    if (!fragmenter && held.length > 0) await startFragmenter();
    if (fragmenter && (await this.flushFragmenter(fragmenter, scale))) produced = true;
    return produced;
  }

  /** Sends what `fragmenter` holds as its last fragments; whether there were any. */
  private async flushFragmenter(fragmenter: Fragmenter, scale: number): Promise<boolean> {
    await this.flushLiveAudio();
    let any = false;
    for (const f of fragmenter.flush()) {
      any = true;
      await this.send(f, scale);
    }
    return any;
  }

  private async send(fragment: MkvFragment, scale: number): Promise<void> {
    this.counters.fragmentsCut++;
    this.options.onFragment?.(fragment);
    const timecode = msToTicks(fragment.timestampMs, scale);
    if (timecode <= this.lastTimecode) {
      this.drop('timecode');
      this.log.warn({ stream: this.options.stream, timecode, previous: this.lastTimecode }, 'fragment not after the previous one: dropped');
      return;
    }
    this.lastTimecode = timecode;
    try {
      await this.options.session.writeFragment(writeFragment(fragment, scale), timecode);
      this.counters.fragmentsWritten++;
      this.counters.lastFragmentMs = fragment.timestampMs;
      const up = this.outages.succeeded('source', this.now());
      if (up?.kind === 'up') this.log.info({ stream: this.options.stream, downForMs: up.downForMs, lastError: up.lastReason.code }, 'video source back');
    } catch (err) {
      if (err instanceof VideoProducerError && err.code === 'SPOOL_FULL') {
        this.drop('spool_full');
        return;
      }
      const state = this.options.session.state;
      if (state === 'failed' || state === 'closed') throw err;
      this.drop('session');
      this.log.warn({ stream: this.options.stream, err: err instanceof Error ? err.message : String(err) }, 'fragment refused by the session');
    }
  }

  /** Frame streaming: one frame. The fragments it closes go first (not awaited before the next Cluster opens). */
  private async stream(fragmenter: Fragmenter, input: MkvFrame, scale: number): Promise<boolean> {
    const step = fragmenter.pushFrame(input);
    if (step.closed.length > 0) {
      // The closed fragment's last audio goes out before writeFragment() closes it: the wire holds every frame.
      await this.flushLiveAudio();
      this.live = undefined;
    }
    const closing = step.closed.map((f) => this.send(f, scale));
    if (step.frame && step.opened) this.openLive(step.frame, scale);
    else if (step.frame && this.live) await this.appendLive(this.live, step.frame);
    for (const c of closing) await c;
    return step.closed.length > 0;
  }

  private openLive(frame: MkvFrame, scale: number): void {
    this.live = undefined;
    this.liveAudio = [];
    const session = this.options.session;
    const writer = new LiveClusterWriter(frame.timestampMs, scale);
    // A fragment the pipeline will drop at its close (timecode not after the previous one) is not streamed.
    if (!session.startFragment || session.state !== 'open' || writer.timecode <= this.lastTimecode) return;
    try {
      // Every frame goes to the session even when the fragment is not streaming yet: it keeps them, and the
      // fragment joins the connection with all of them once that is caught up.
      session.startFragment(writer.timecode, writer.start());
      this.live = writer;
      void this.appendLive(writer, frame);
    } catch (err) {
      this.log.warn({ stream: this.options.stream, err: err instanceof Error ? err.message : String(err) }, 'could not stream the fragment: it goes whole');
    }
  }

  /**
   * One frame of the open fragment to the session. Audio frames wait for the next video frame and go with it in one
   * write: each write is a syscall on the PutMedia socket (with its chunked-encoding framing), and AAC at 48 kHz is
   * ~47 frames/s against a camera's 25 video frames; sending audio up to one video frame later (order kept) cut the
   * producer's CPU per 1080p camera noticeably (npm run bench:video -- --mode camera). Video latency is unchanged.
   */
  private async appendLive(writer: LiveClusterWriter, frame: MkvFrame): Promise<void> {
    const block = writer.block(frame);
    if (frame.track !== VIDEO_TRACK) {
      this.liveAudio.push(block);
      return;
    }
    const bytes = this.liveAudio.length > 0 ? Buffer.concat([...this.liveAudio, block]) : block;
    this.liveAudio = [];
    await this.appendBytes(bytes);
  }

  /** Audio blocks still waiting for a video frame, sent now (the fragment is closing). */
  private async flushLiveAudio(): Promise<void> {
    if (this.liveAudio.length === 0) return;
    const bytes = Buffer.concat(this.liveAudio);
    this.liveAudio = [];
    if (this.live) await this.appendBytes(bytes);
  }

  private async appendBytes(bytes: Uint8Array): Promise<void> {
    try {
      await this.options.session.appendFragment?.(bytes);
    } catch (err) {
      this.live = undefined;
      this.log.warn({ stream: this.options.stream, err: err instanceof Error ? err.message : String(err) }, 'could not stream a frame: the fragment goes whole');
    }
  }

  private drop(reason: 'spool_full' | 'timecode' | 'session'): void {
    this.counters.fragmentsDropped++;
    this.options.onDrop?.(reason);
  }
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') return (err as { code: string }).code;
  return 'INTERNAL';
}
