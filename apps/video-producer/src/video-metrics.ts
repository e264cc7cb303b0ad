/**
 * The app's Prometheus metrics, on the runtime's ServiceMetrics (a registry of its own: two app instances in one
 * test process do not share counters). Every series carries the camera's `stream` label; the PutMedia session's
 * events and the spool's counters become metrics here (conventions.md §13: libs publish events, apps turn them
 * into metrics).
 */
import { ServiceMetrics } from '@tributary/runtime';
import type { PutMediaSession } from '@tributary/kvs';
import type { ReachabilityTracker } from './health/reachability-tracker';
import type { FragmentSpool } from './spool/fragment-spool';

/** Every series is per camera. */
const STREAM = ['stream'] as const;

export class VideoMetrics extends ServiceMetrics {
  readonly fragmentsCut = this.counter('video_producer_fragments_cut_total', 'Fragments cut from the camera video (one keyframe group each).', STREAM);

  readonly fragmentsSent = this.counter('video_producer_fragments_sent_total', 'Fragments written to a PutMedia connection, resends included.', STREAM);

  readonly fragmentsResent = this.counter('video_producer_fragments_resent_total', 'Fragments written again after a reconnect (resumed from the spool).', STREAM);

  readonly fragmentsPersisted = this.counter('video_producer_fragments_persisted_total', 'Fragments KVS acknowledged as PERSISTED (then deleted from the spool).', STREAM);

  readonly fragmentsDropped = this.counter('video_producer_fragments_dropped_total', 'Fragments lost: spool_evicted (drop-oldest), spool_full (stop-capture), refused (an ERROR ack dropped it), timecode, session.', ['stream', 'reason']);

  readonly ackLatency = this.histogram(
    'video_producer_ack_latency_seconds',
    'From writing a fragment to its PERSISTED acknowledgement.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    STREAM,
  );

  readonly reconnects = this.counter('video_producer_reconnects_total', 'PutMedia reconnects (after a dropped connection or an ERROR ack).', STREAM);

  readonly errors = this.counter('video_producer_errors_total', 'Errors by code: ERROR acks, session errors, ffmpeg failures.', ['stream', 'code']);

  readonly sourceRestarts = this.counter('video_producer_source_restarts_total', 'ffmpeg restarts after the source failed or ended.', STREAM);

  readonly spoolBytes = this.gauge('video_producer_spool_bytes', 'Bytes waiting in the on-disk spool (not yet PERSISTED).', STREAM);

  readonly spoolFragments = this.gauge('video_producer_spool_fragments', 'Fragments waiting in the on-disk spool (not yet PERSISTED).', STREAM);

  readonly connected = this.gauge('video_producer_connected', '1 while a PutMedia connection is open.', STREAM);

  readonly putMediaReachable = this.gauge('video_producer_putmedia_reachable', '0 from the first failed PutMedia connection until a fragment is PERSISTED again (KVS unreachable), else 1.', STREAM);

  readonly putMediaUnreachableSeconds = this.gauge('video_producer_putmedia_unreachable_seconds', 'How long the current PutMedia outage has lasted (0 while reachable).', STREAM);

  private readonly spools = new Map<string, FragmentSpool>();
  private readonly reachability = new Map<string, ReachabilityTracker>();
  private readonly sessions = new Map<string, PutMediaSession>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super({ defaultMetrics: options.defaultMetrics, defaultMetricsPrefix: 'video_producer_' });
  }

  /** Refreshes the gauges read at scrape time. */
  collect(): void {
    for (const [stream, spool] of this.spools) {
      this.spoolBytes.set({ stream }, spool.bytes);
      this.spoolFragments.set({ stream }, spool.size);
    }
    for (const [stream, session] of this.sessions) this.connected.set({ stream }, session.stats().connected ? 1 : 0);
    for (const [stream, tracker] of this.reachability) {
      this.putMediaReachable.set({ stream }, tracker.state().reachable ? 1 : 0);
      this.putMediaUnreachableSeconds.set({ stream }, tracker.unreachableForMs() / 1000);
    }
  }

  bindReachability(stream: string, tracker: ReachabilityTracker): void {
    this.reachability.set(stream, tracker);
  }

  bindCamera(stream: string, session: PutMediaSession, spool: FragmentSpool): void {
    this.spools.set(stream, spool);
    this.sessions.set(stream, session);
    const l = { stream };
    session.on('fragment-sent', (e) => {
      this.fragmentsSent.inc(l);
      if (e.sendCount > 1) this.fragmentsResent.inc(l);
    });
    session.on('fragment-persisted', (e) => {
      this.fragmentsPersisted.inc(l);
      this.ackLatency.observe(l, e.ackLatencyMs / 1000);
    });
    session.on('fragment-failed', (e) => {
      // Evictions are counted where they happen (the spool's drop-oldest, dropSpooled below).
      if (e.code === 'EVICTED') return;
      this.fragmentsDropped.inc({ stream, reason: 'refused' });
      this.errors.inc({ stream, code: e.code });
    });
    session.on('reconnect', () => this.reconnects.inc(l));
    session.on('ack-error', (e) => this.errors.inc({ stream, code: e.errorCode }));
    session.on('session-error', (e) => this.errors.inc({ stream, code: e.code }));
  }

  override async render(): Promise<{ contentType: string; body: string }> {
    this.collect();
    return super.render();
  }
}
