/**
 * The app's Prometheus metrics (prom-client) on a registry of its own (two app instances in one test process do
 * not share counters). Every series carries the camera's `stream` label; the PutMedia session's events and the
 * spool's counters become metrics here (conventions.md §13: libs publish events, apps turn them into metrics).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PutMediaSession } from '@tributary/kvs';
import type { ReachabilityTracker } from './health/reachability-tracker';
import type { FragmentSpool } from './spool/fragment-spool';

export class VideoMetrics {
  readonly registry = new Registry();

  readonly fragmentsCut = new Counter({
    name: 'video_producer_fragments_cut_total',
    help: 'Fragments cut from the camera video (one keyframe group each).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly fragmentsSent = new Counter({
    name: 'video_producer_fragments_sent_total',
    help: 'Fragments written to a PutMedia connection, resends included.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly fragmentsResent = new Counter({
    name: 'video_producer_fragments_resent_total',
    help: 'Fragments written again after a reconnect (resumed from the spool).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly fragmentsPersisted = new Counter({
    name: 'video_producer_fragments_persisted_total',
    help: 'Fragments KVS acknowledged as PERSISTED (then deleted from the spool).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly fragmentsDropped = new Counter({
    name: 'video_producer_fragments_dropped_total',
    help: 'Fragments lost: spool_evicted (drop-oldest), spool_full (stop-capture), refused (an ERROR ack dropped it), timecode, session.',
    labelNames: ['stream', 'reason'] as const,
    registers: [this.registry],
  });

  readonly ackLatency = new Histogram({
    name: 'video_producer_ack_latency_seconds',
    help: 'From writing a fragment to its PERSISTED acknowledgement.',
    labelNames: ['stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly reconnects = new Counter({
    name: 'video_producer_reconnects_total',
    help: 'PutMedia reconnects (after a dropped connection or an ERROR ack).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'video_producer_errors_total',
    help: 'Errors by code: ERROR acks, session errors, ffmpeg failures.',
    labelNames: ['stream', 'code'] as const,
    registers: [this.registry],
  });

  readonly sourceRestarts = new Counter({
    name: 'video_producer_source_restarts_total',
    help: 'ffmpeg restarts after the source failed or ended.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly spoolBytes = new Gauge({
    name: 'video_producer_spool_bytes',
    help: 'Bytes waiting in the on-disk spool (not yet PERSISTED).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly spoolFragments = new Gauge({
    name: 'video_producer_spool_fragments',
    help: 'Fragments waiting in the on-disk spool (not yet PERSISTED).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly connected = new Gauge({
    name: 'video_producer_connected',
    help: '1 while a PutMedia connection is open.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly putMediaReachable = new Gauge({
    name: 'video_producer_putmedia_reachable',
    help: '0 from the first failed PutMedia connection until a fragment is PERSISTED again (KVS unreachable), else 1.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  readonly putMediaUnreachableSeconds = new Gauge({
    name: 'video_producer_putmedia_unreachable_seconds',
    help: 'How long the current PutMedia outage has lasted (0 while reachable).',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  private readonly spools = new Map<string, FragmentSpool>();
  private readonly reachability = new Map<string, ReachabilityTracker>();
  private readonly sessions = new Map<string, PutMediaSession>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'video_producer_' });
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

  async render(): Promise<{ contentType: string; body: string }> {
    this.collect();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
