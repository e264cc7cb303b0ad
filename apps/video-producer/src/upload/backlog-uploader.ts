/**
 * One camera's scheduled upload of its recorded backlog, beside its live video, on one stream.
 *
 * What KVS allows decides the shape (kvs-reference.md §3.7–§3.8; PutMedia API reference, error 4004):
 *   - one PutMedia connection per stream at a time: a second concurrent one is refused
 *     (ConnectionLimitExceededException), so live and backlog cannot both be connected;
 *   - timecodes must increase within one PutMedia request (4004 FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS), but a new
 *     request may carry older producer timestamps than fragments already stored (the API reference's "body
 *     camera" case: hours recorded on the device, sent later), so the backlog keeps its capture times.
 * So the two take turns on the stream's one connection: the live session (the camera pipeline's) and, for each
 * backlog turn, a short-lived backlog session of its own client. The live session hands the connection back with
 * hold() and takes it again with resume().
 *
 * The loop, every `tickMs` or sooner:
 *   - window closed (UploadSchedule), or nothing to upload: live has the stream (or nobody, with live upload off);
 *   - live has fragments waiting or in flight: live goes first;
 *   - else a backlog turn: hold live, send the oldest fragments not uploaded in timestamp order, each once the
 *     token bucket allows it (live video is charged to the same bucket, so the cap is the uplink's and live has
 *     priority in it), at most `maxInFlight` awaiting PERSISTED; the turn ends when the window closes, the backlog
 *     is empty, or (after `minTurnMs`, which keeps the connection rate under KVS's 5 PutMedia TPS per stream) a
 *     live fragment is waiting. Then end the backlog session (its fragments persisted) and resume live.
 * Each fragment PERSISTED, on either session, is marked uploaded in the recording (it stays recorded). A fragment
 * sent whose PERSISTED never came stays in the backlog and goes again on a later turn.
 */
import type { PutMediaSession } from '@tributary/kvs';
import { noopLogger, unrefTimers, type Logger, type Timers } from '@tributary/runtime';
import type { LiveRecordingStore } from '../recording/live-recording-store';
import type { RecordingStore } from '../recording/recording-store';
import { RateMeter } from './rate-meter';
import type { TokenBucket } from '@tributary/runtime';
import type { UploadSchedule } from './upload-schedule';

export type UploadPhase = 'closed' | 'live' | 'backlog' | 'idle' | 'stopped';

/** What the uploader needs of the live session. */
export type LiveSession = Pick<PutMediaSession, 'hold' | 'resume' | 'stats' | 'on'>;

/** What the uploader uses of the recording (tests give an in-memory one). */
export type BacklogSource = Pick<RecordingStore, 'nextPending' | 'read' | 'markUploaded' | 'sweep'>;

export interface BacklogUploaderOptions {
  stream: string;
  recording: BacklogSource;
  liveStore: Pick<LiveRecordingStore, 'holds'>;
  live: LiveSession;
  liveUpload: boolean;
  schedule: UploadSchedule;
  /** Undefined: no cap. */
  bucket?: TokenBucket;
  /** A new, not yet opened, backlog session on the stream (its own PutMedia client: one session per stream each). */
  createSession: () => PutMediaSession;
  now?: () => number;
  timers?: Timers;
  tickMs?: number;
  minTurnMs?: number;
  maxInFlight?: number;
  logger?: Omit<Logger, 'child'>;
}

export interface UploadStats {
  phase: UploadPhase;
  windowOpen: boolean;
  /** Epoch ms the current window closes (absent when closed, or always open). */
  windowClosesAt?: number;
  nextWindowAt?: number;
  /** Upload rate over the last 10 s, live and backlog, bytes/s. */
  uploadBytesPerSecond: number;
  backlogBytesPerSecond: number;
  backlogFragmentsUploaded: number;
  backlogBytesUploaded: number;
  liveBytesUploaded: number;
  backlogTurns: number;
}

export class BacklogUploader {
  private readonly log: Omit<Logger, 'child'>;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly tickMs: number;
  private readonly minTurnMs: number;
  private readonly maxInFlight: number;
  private readonly rate = new RateMeter();
  private readonly backlogRate = new RateMeter();
  private phaseValue: UploadPhase = 'idle';
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lastSweepMs = -Infinity;
  private readonly totals = { backlogFragmentsUploaded: 0, backlogBytesUploaded: 0, liveBytesUploaded: 0, backlogTurns: 0 };

  constructor(private readonly options: BacklogUploaderOptions) {
    this.log = options.logger ?? noopLogger;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? unrefTimers;
    this.tickMs = options.tickMs ?? 250;
    this.minTurnMs = options.minTurnMs ?? 1_000;
    this.maxInFlight = options.maxInFlight ?? 4;
    const { live, recording } = options;
    live.on('fragment-sent', (e) => {
      options.bucket?.takeDebt(e.bytes);
      this.rate.add(e.bytes, this.now());
      this.totals.liveBytesUploaded += e.bytes;
    });
    live.on('fragment-persisted', (e) => void recording.markUploaded(e.timecode));
    // Refused for good (an ERROR ack): sending it again would be refused again. EVICTED: out of the live window,
    // still in the recording, the backlog's now.
    live.on('fragment-failed', (e) => {
      if (e.code !== 'EVICTED') void recording.markUploaded(e.timecode);
    });
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.log.error({ stream: this.options.stream, err }, 'backlog upload stopped'));
  }

  /** Ends the current turn (its session ended, bounded by its end timeout) and stops; live keeps the stream. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.phaseValue = 'stopped';
  }

  get phase(): UploadPhase {
    return this.phaseValue;
  }

  stats(): UploadStats {
    const now = this.now();
    const window = this.options.schedule.windowAt(now);
    const next = window ? undefined : this.options.schedule.nextOpening(now);
    return {
      phase: this.phaseValue,
      windowOpen: window !== undefined,
      ...(window && Number.isFinite(window.closesAtMs) ? { windowClosesAt: window.closesAtMs } : {}),
      ...(next !== undefined ? { nextWindowAt: next } : {}),
      uploadBytesPerSecond: this.rate.bytesPerSecond(now),
      backlogBytesPerSecond: this.backlogRate.bytesPerSecond(now),
      ...this.totals,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const { timers } = this;
      const timer = timers.setTimeout(done, ms);
      function done(): void {
        timers.clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** The next backlog fragment after `after`: not uploaded, not the live session's. */
  private next(after = -Infinity): { timecode: number; size: number } | undefined {
    const { liveStore, liveUpload } = this.options;
    return this.options.recording.nextPending(after, liveUpload ? (t) => liveStore.holds(t) : undefined);
  }

  private liveBusy(): boolean {
    return this.options.liveUpload && this.options.live.stats().unsettled > 0;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const now = this.now();
      if (now - this.lastSweepMs >= 10_000) {
        this.lastSweepMs = now;
        await this.options.recording.sweep();
      }
      const open = this.options.schedule.isOpen(now);
      if (!open || this.next() === undefined) {
        this.phaseValue = open ? 'idle' : 'closed';
        await this.sleep(this.tickMs);
        continue;
      }
      if (this.liveBusy()) {
        this.phaseValue = 'live';
        await this.sleep(this.tickMs);
        continue;
      }
      await this.backlogTurn();
    }
  }

  private async backlogTurn(): Promise<void> {
    const { live, recording, bucket, schedule, stream } = this.options;
    this.phaseValue = 'backlog';
    this.totals.backlogTurns++;
    await live.hold();
    const session = this.options.createSession();
    session.on('fragment-sent', (e) => {
      this.rate.add(e.bytes, this.now());
      this.backlogRate.add(e.bytes, this.now());
    });
    session.on('fragment-persisted', (e) => {
      this.totals.backlogFragmentsUploaded++;
      void recording.markUploaded(e.timecode);
    });
    session.on('fragment-failed', (e) => {
      if (e.code === 'EVICTED') return;
      this.log.warn({ stream, timecode: e.timecode, code: e.code }, 'backlog fragment refused by KVS: kept in the recording, not sent again');
      void recording.markUploaded(e.timecode);
    });
    // Connections failing in a turn: KVS is in trouble. The turn ends at the third attempt (what was not PERSISTED
    // stays in the backlog) rather than holding live for the session's end timeout. One or two retries are let
    // through: a service may take a moment to free the stream's connection the live session just closed.
    let trouble: string | undefined;
    session.on('reconnect', (e) => {
      if (e.attempt >= 3) trouble ??= e.reason;
    });
    let sent = 0;
    try {
      await session.open();
      const started = this.now();
      let last = -Infinity;
      for (;;) {
        const now = this.now();
        if (this.stopping || trouble !== undefined || !schedule.isOpen(now) || session.state !== 'open') break;
        if (this.options.liveUpload && live.stats().queued > 0 && now - started >= this.minTurnMs) break;
        if (session.stats().unsettled >= this.maxInFlight) {
          await this.sleep(10);
          continue;
        }
        const next = this.next(last);
        if (!next) break;
        const delay = bucket?.msUntil(next.size) ?? 0;
        if (delay > 0) {
          await this.sleep(Math.min(delay, this.tickMs));
          continue;
        }
        last = next.timecode;
        const fragment = await recording.read(next.timecode);
        if (!fragment) continue; // deleted by retention meanwhile
        bucket?.takeDebt(fragment.bytes.length);
        this.totals.backlogBytesUploaded += fragment.bytes.length;
        session.writeHeader(fragment.header);
        await session.writeFragment(fragment.bytes, fragment.timecode);
        sent++;
      }
      if (trouble !== undefined) throw new Error(`PutMedia connection failed (${trouble})`);
      await session.end();
    } catch (err) {
      // KVS unreachable or the turn's end timed out: what was not PERSISTED stays in the backlog for a later turn.
      this.log.warn({ stream, err: err instanceof Error ? err.message : String(err), sent }, 'backlog turn ended early');
      session.destroy();
      if (!this.stopping) await this.sleep(this.tickMs * 4);
    } finally {
      live.resume();
    }
  }
}
