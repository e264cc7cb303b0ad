/**
 * PutMediaSession: one stream's PutMedia upload that survives bad networks (kvs-reference.md §3).
 *
 * - One connection at a time (KVS allows one PutMedia per stream, §3.8): a new one is opened only after the
 *   previous one is fully closed.
 * - Every fragment goes to a ReplayableFragments store before it is sent and is released once PERSISTED (or
 *   refused for good). A lost connection is replaced after a backoff with full jitter, and sending resumes from
 *   the first fragment not persisted, behind the stream header again (§3.9 step 5).
 * - Acks are read while the body is written (full duplex); ERROR acks are handled by their table disposition
 *   (putmedia-errors.ts): reconnect, drop the fragment and go on, or stop.
 * - The connection is rotated before the 45-minute limit (`rotateAfterMs`, 40 min like PIC/Java): the old body is
 *   ended, its last acks awaited (bounded), then a new connection opens. A new stream header (writeHeader with
 *   different bytes) also takes a new connection: one Segment per request (§3.4).
 * - A connection with fragments in flight and no ack of any kind for `staleAfterMs` is replaced.
 * - Backpressure: writeFragment() resolves once the fragment is stored and, when it is being written to a live
 *   connection, once the socket took it (write() returned true or 'drain' came). During an outage the store
 *   absorbs fragments (its own bound and policy apply).
 *
 * - Frame streaming (startFragment / appendFragment, then writeFragment to close; live-fragments.ts): a fragment
 *   that starts on a caught-up connection goes out frame by frame, in a Cluster of unknown size, as kvssink does;
 *   the store still gets it whole at its close, and only then is it tracked as sent (its ack latency counts from
 *   its close, as a whole fragment's counts from its write). A connection lost inside it: it is resent whole.
 *
 * Connections are opened lazily: when there is a fragment to send. A connection with nothing to send is left to
 * the service's idle close (30 s of IDLE acks) and not reopened until there is data.
 *
 * Timecodes must grow strictly across the session (they key the acks). With RELATIVE timecodes the
 * `x-amzn-producer-start-timestamp` is fixed for the session, so resent fragments keep their meaning.
 *
 * This class is the public face and the session's own state (idle → open → ending → closed | failed); the work is
 * done by its parts, wired here (session-context.ts): SessionPump, ConnectionLifecycle, AckHandler, FailureHandler.
 */
import type { Logger } from '@tributary/runtime';
import { KvsError } from '../../kvs-errors';
import { FragmentTracker, type TrackedFragment } from '../fragment-tracker';
import { PutMediaEvents, type PutMediaEventMap, type PutMediaEventName } from '../putmedia-events';
import type { ReplayableFragment } from '../replayable-fragments';
import { AckHandler } from './ack-handler';
import { ConnectionLifecycle } from './connection-lifecycle';
import { FailureHandler } from './failure-handler';
import { FreshFragmentCache } from './fresh-fragment-cache';
import { LiveFragments } from './live-fragments';
import type { SessionContext, SessionEnvironment, SessionState, SessionStats, SessionTotals } from './session-context';
import { SessionPump, sameBytes } from './session-pump';
import type { SessionSettings } from './session-settings';

export type { SessionEnvironment, SessionState, SessionStats } from './session-context';
export type { SessionSettings } from './session-settings';

export class PutMediaSession {
  private readonly log: Logger;
  private readonly events: PutMediaEvents;
  private readonly tracker: FragmentTracker;
  private readonly totals: SessionTotals = {
    fragmentsSent: 0,
    fragmentsResent: 0,
    fragmentsPersisted: 0,
    fragmentsFailed: 0,
    bytesSent: 0,
    reconnects: 0,
    ackErrors: 0,
    malformedAcks: 0,
  };
  private readonly fresh: FreshFragmentCache;
  private readonly connections: ConnectionLifecycle;
  private readonly failures: FailureHandler;
  private readonly acks: AckHandler;
  private readonly pump: SessionPump;
  private readonly live = new LiveFragments();
  private stateValue: SessionState = 'idle';
  private header?: Uint8Array;
  private failure?: KvsError;
  private lastAcceptedTimecode = -Infinity;
  private held = false;
  private endWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private endTimer?: unknown;

  constructor(
    private readonly settings: SessionSettings,
    private readonly env: SessionEnvironment,
  ) {
    this.log = env.logger.child({ stream: settings.streamLabel });
    this.events = new PutMediaEvents((event, err) => this.log.warn({ event, err }, 'PutMedia event listener threw'));
    this.tracker = new FragmentTracker(env.clock);
    const ctx: SessionContext = {
      settings,
      env,
      log: this.log,
      events: this.events,
      tracker: this.tracker,
      totals: this.totals,
      isActive: () => this.isActive(),
      isEnding: () => this.stateValue === 'ending',
      isHeld: () => this.held && this.stateValue === 'open',
      kick: () => this.pump.kick(),
      checkEnded: () => this.checkEnded(),
      fail: (error) => this.fail(error),
      liveOn: (conn) => this.live.streamingOn(conn),
      joinLive: () => this.joinLive(),
    };
    this.fresh = new FreshFragmentCache(settings.freshCacheBytes);
    this.acks = new AckHandler(ctx, {
      onErrorAck: (conn, error) => this.failures.onErrorAck(conn, error),
      takeDown: (conn, error) => this.connections.takeDown(conn, error),
      onPersisted: () => this.failures.onPersisted(),
      forget: (timecode) => this.fresh.forget(timecode),
      keepEarly: (ack, at) => this.live.keep(ack, at),
    });
    this.failures = new FailureHandler(ctx, {
      takeDown: (conn, error) => this.connections.takeDown(conn, error),
      dropFragment: (timecode, code, errorId) => this.acks.dropFragment(timecode, code, errorId),
    });
    this.connections = new ConnectionLifecycle(ctx, {
      onAck: (conn, item) => this.acks.onAck(conn, item),
      onFailure: (error, phase) => this.failures.afterFailure(error, phase),
      onClosedByService: () => this.failures.scheduleReconnect('CLOSED_BY_SERVICE'),
    });
    this.pump = new SessionPump(ctx, this.fresh, this.connections, this.failures, this.acks, this.live);
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get streamName(): string {
    return this.settings.streamLabel;
  }

  on<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  once<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.events.once(event, listener);
    return this;
  }

  off<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Starts the session: loads what the store still holds from an earlier run (sent first) and resolves the data
   * endpoint. A missing stream or a refused GetDataEndpoint fails here; a network failure does not (the session
   * keeps trying when there is data to send).
   */
  async open(): Promise<void> {
    if (this.stateValue !== 'idle') throw new KvsError('INVALID_ARGUMENT', `open() on a session that is ${this.stateValue}.`, false);
    this.stateValue = 'open';
    const pending = await this.env.store.pending();
    for (const timecode of pending) {
      this.tracker.enqueue(timecode);
      this.lastAcceptedTimecode = timecode;
    }
    try {
      await this.env.endpoints.get(this.settings.stream, 'PUT_MEDIA');
    } catch (err) {
      if (err instanceof KvsError && !err.retriable) {
        this.fail(err);
        throw err;
      }
      this.log.warn({ err }, 'GetDataEndpoint failed; will retry when sending');
    }
    if (pending.length > 0) this.log.info({ fragments: pending.length, from: pending[0] }, 'resuming fragments left in the store');
    this.pump.kick();
  }

  /**
   * The stream header (EBML header + Segment of unknown size + Info + Tracks, as libs/media writes or reads
   * it). Fragments written after it go behind it; a header with different bytes takes a new connection.
   */
  writeHeader(header: Uint8Array): void {
    this.assertWritable();
    if (header.length === 0) throw new KvsError('INVALID_ARGUMENT', 'The stream header is empty.', false);
    if (this.header && sameBytes(this.header, header)) return;
    this.header = header;
  }

  /**
   * One fragment: a Cluster (one key-frame group) and any Tags after it; `timecode` is the Cluster's Timecode
   * value as written (what acks echo), strictly increasing. Resolves when stored and taken by the socket (or
   * stored, during an outage); rejects when the session is closed or failed, or the timecode goes back.
   */
  async writeFragment(bytes: Uint8Array, timecode: number): Promise<void> {
    this.assertWritable();
    const header = this.header;
    if (!header) throw new KvsError('INVALID_ARGUMENT', 'writeFragment() before writeHeader().', false);
    const open = this.live.current;
    if (open && open.timecode !== timecode) throw new KvsError('INVALID_ARGUMENT', `writeFragment(${timecode}) while fragment ${open.timecode} is open: close it first.`, false);
    this.checkTimecode(timecode);
    this.lastAcceptedTimecode = timecode;
    const streamed = open ? this.closeLive() : undefined;
    const fragment: ReplayableFragment = { timecode, bytes, header };
    await this.pump.accept(fragment, streamed);
    // Backpressure: wait while the pump waits for the socket.
    while (this.pump.draining) await this.pump.draining;
    if (this.failure) throw this.failure;
  }

  /**
   * Frame streaming (kvssink's way): opens the fragment `timecode` with its first bytes — a Cluster of unknown
   * size and its first frame (libs/media LiveClusterWriter) — written at once when the live connection is caught
   * up, else as soon as it is (what it has so far at once); appendFragment() adds each frame as it is captured;
   * writeFragment() with the same timecode closes it with the whole fragment's bytes, which the store keeps for
   * resending. Returns whether it is being streamed now (one that never joins goes whole at writeFragment()).
   */
  startFragment(timecode: number, bytes: Uint8Array): boolean {
    this.assertWritable();
    const header = this.header;
    if (!header) throw new KvsError('INVALID_ARGUMENT', 'startFragment() before writeHeader().', false);
    if (this.live.current) throw new KvsError('INVALID_ARGUMENT', `startFragment(${timecode}) while fragment ${this.live.current.timecode} is open.`, false);
    this.checkTimecode(timecode);
    this.live.begin(timecode, bytes);
    return this.joinLive();
  }

  /** More bytes (a frame's SimpleBlock) of the fragment opened by startFragment(); resolves when the socket took them. */
  async appendFragment(bytes: Uint8Array): Promise<void> {
    this.assertWritable();
    const open = this.live.current;
    if (!open) throw new KvsError('INVALID_ARGUMENT', 'appendFragment() without startFragment().', false);
    open.chunks.push(bytes);
    const conn = open.conn;
    if (conn && (conn !== this.connections.current || conn.retiring || conn.connection.closed)) this.live.broken();
    if (!open.conn) {
      this.joinLive();
      return;
    }
    open.bytes += bytes.length;
    const drain = this.pump.writeLive(open.conn, bytes);
    if (drain) await drain;
  }

  /** The open fragment joins the live connection when it is caught up; whether it is streaming now. */
  private joinLive(): boolean {
    const open = this.live.current;
    if (!open || open.conn) return open !== undefined;
    const conn = this.header ? this.pump.liveConnection(this.header) : undefined;
    if (!conn) return false;
    for (const chunk of this.live.join(conn)) {
      open.bytes += chunk.length;
      void this.pump.writeLive(conn, chunk);
    }
    return true;
  }

  /** Closes the streamed fragment: how it went out, when all of it is on the live connection. */
  private closeLive(): ReturnType<LiveFragments['close']> {
    const open = this.live.current;
    const streamed = this.live.close(this.connections.current, this.env.clock.now());
    // A rotation or a hold() that waited for this fragment goes ahead now.
    if (open?.conn?.rotationDue || this.held) this.pump.kick();
    return streamed;
  }

  private checkTimecode(timecode: number): void {
    if (!Number.isFinite(timecode) || timecode <= this.lastAcceptedTimecode) {
      throw new KvsError(
        'INVALID_ARGUMENT',
        `Fragment timecode ${timecode} is not after the previous one (${this.lastAcceptedTimecode}): timecodes must increase strictly.`,
        false,
      );
    }
  }

  /**
   * Sends what is left, ends the body, and resolves once every fragment is persisted or refused for good.
   * Rejects with END_TIMEOUT after `endTimeoutMs` (unpersisted fragments stay in the store), or with the error
   * that failed the session.
   */
  async end(): Promise<void> {
    if (this.stateValue === 'closed') return;
    if (this.stateValue === 'failed') throw this.failure ?? new KvsError('SESSION_CLOSED', 'The session failed.', false);
    if (this.stateValue === 'idle') {
      this.finish('closed');
      return;
    }
    await this.pump.stored();
    this.held = false;
    const done = new Promise<void>((resolve, reject) => this.endWaiters.push({ resolve, reject }));
    if (this.stateValue === 'open') {
      this.stateValue = 'ending';
      this.endTimer = this.env.timers.setTimeout(() => this.onEndTimeout(), this.settings.endTimeoutMs);
    }
    this.pump.kick();
    this.checkEnded();
    return done;
  }

  /**
   * Gives up the stream's connection for a while: KVS takes one PutMedia connection per stream (§3.8), so a second
   * session on the same stream (a backlog upload beside the live one) may only connect once this one has let go.
   * The open connection's body is ended (its last acks awaited, bounded by `rotationDrainTimeoutMs`), no new one
   * opens, and fragments written meanwhile are stored and queued. A fragment being streamed on it is closed first
   * (its Cluster is not cut: the service would store the cut part, and the whole fragment would go again), so the
   * hold may wait up to one fragment longer; no new fragment starts streaming while held. Resolves once no connection is open or opening;
   * fragments written and not persisted go out again after resume(), as after any reconnect. end() lifts the hold.
   */
  async hold(pollMs = 10): Promise<void> {
    if (!this.isActive()) return;
    this.held = true;
    this.pump.kick();
    // The close is reported through the lifecycle's own paths (acks, close, drain timer): polling it here keeps
    // those paths untouched. Bounded by rotationDrainTimeoutMs.
    while (this.held && this.isActive() && (this.connections.current !== undefined || this.connections.isOpening)) {
      await new Promise<void>((resolve) => this.env.timers.setTimeout(resolve, pollMs));
      this.pump.kick();
    }
  }

  /** Ends a hold(): queued fragments go out on a new connection. */
  resume(): void {
    if (!this.held) return;
    this.held = false;
    this.pump.kick();
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Same as end(). */
  close(): Promise<void> {
    return this.end();
  }

  /** Stops now: the connection is torn down, unpersisted fragments stay in the store. */
  destroy(): void {
    if (this.stateValue === 'closed' || this.stateValue === 'failed') return;
    const error = new KvsError('SESSION_CLOSED', `PutMedia session for ${this.settings.streamLabel} destroyed.`, false);
    for (const w of this.endWaiters.splice(0)) w.reject(error);
    this.finish('closed');
  }

  stats(): SessionStats {
    const conn = this.connections.current;
    return {
      state: this.stateValue,
      connected: conn !== undefined,
      held: this.held,
      connections: this.connections.count,
      ...(conn ? { connectionAgeMs: this.env.clock.now() - conn.openedAt } : {}),
      queued: this.tracker.queued,
      inFlight: this.tracker.inFlight,
      unsettled: this.tracker.unsettled,
      totals: { ...this.totals },
    };
  }

  /** Fragments tracked (unsettled, and settled ones not yet pruned), for inspection. */
  fragments(): readonly TrackedFragment[] {
    return this.tracker.snapshot();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Ending and failing.

  private checkEnded(): void {
    if (this.stateValue !== 'ending') return;
    if (this.tracker.unsettled > 0) return;
    const conn = this.connections.current;
    if (conn && !conn.retiring) {
      this.connections.retire(conn, 'end');
      return;
    }
    if (conn) return; // its last acks and close are on their way (bounded by rotationDrainTimeoutMs)
    this.finish('closed');
    for (const w of this.endWaiters.splice(0)) w.resolve();
  }

  private onEndTimeout(): void {
    if (this.stateValue !== 'ending') return;
    const left = this.tracker.unsettled;
    const error = new KvsError('END_TIMEOUT', `PutMedia to ${this.settings.streamLabel}: ${left} fragment(s) not persisted within ${this.settings.endTimeoutMs} ms; they stay in the store.`, true);
    this.finish('closed');
    for (const w of this.endWaiters.splice(0)) w.reject(error);
  }

  private fail(error: KvsError): void {
    if (!this.isActive()) return;
    this.failure = error;
    this.log.error({ code: error.code, message: error.message }, 'PutMedia session failed');
    this.events.emit('session-error', { streamName: this.settings.streamLabel, code: error.code, message: error.message, retriable: error.retriable });
    this.finish('failed');
    for (const w of this.endWaiters.splice(0)) w.reject(error);
  }

  private finish(state: 'closed' | 'failed'): void {
    this.stateValue = state;
    this.failures.stop();
    if (this.endTimer !== undefined) this.env.timers.clearTimeout(this.endTimer);
    this.endTimer = undefined;
    this.connections.closeNow();
    this.fresh.clear();
    this.live.clear();
    this.env.onFinished();
  }

  private isActive(): boolean {
    return this.stateValue === 'open' || this.stateValue === 'ending';
  }

  private assertWritable(): void {
    if (this.stateValue === 'open') return;
    if (this.stateValue === 'failed' && this.failure) throw this.failure;
    throw new KvsError(
      'SESSION_CLOSED',
      this.stateValue === 'idle' ? 'Call open() before writing.' : `The PutMedia session for ${this.settings.streamLabel} is ${this.stateValue}.`,
      false,
    );
  }
}
