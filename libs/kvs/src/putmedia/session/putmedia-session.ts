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
 * Connections are opened lazily: when there is a fragment to send. A connection with nothing to send is left to
 * the service's idle close (30 s of IDLE acks) and not reopened until there is data.
 *
 * Timecodes must grow strictly across the session (they key the acks). With RELATIVE timecodes the
 * `x-amzn-producer-start-timestamp` is fixed for the session, so resent fragments keep their meaning.
 */
import type { AckStreamItem } from './ack-parser';
import { BackoffPolicy } from '@tributary/runtime';
import { DataEndpointCache, type StreamRef } from './data-endpoint-cache';
import { FragmentTracker, isSettled, type TrackedFragment } from './fragment-tracker';
import { KvsError } from './kvs-error';
import type { Clock, Logger, Timers } from '@tributary/runtime';
import type { PutMediaConnection, PutMediaConnector } from './putmedia-connection';
import { ENDPOINT_SUSPECT_ERRNOS, PutMediaAckError, PutMediaConnectionError, PutMediaHttpError, ackErrorFromAck } from './putmedia-errors';
import { PutMediaEvents, type PutMediaEventMap, type PutMediaEventName } from './putmedia-events';
import { signPutMediaRequest, type FragmentTimecodeType, type PayloadHashMode } from './putmedia-request-signer';
import type { ReplayableFragment, ReplayableFragments } from './replayable-fragments';
import type { AwsCredentialIdentity } from '@smithy/types';

export type SessionState = 'idle' | 'open' | 'ending' | 'closed' | 'failed';

/** Resolved settings of a session (PutMediaClient validates and fills them). */
export interface SessionSettings {
  stream: StreamRef;
  /** For messages and events: the name, else the ARN. */
  streamLabel: string;
  timecodeType: FragmentTimecodeType;
  producerStartTimestampMs: number;
  acknowledgmentRequired: boolean;
  rotateAfterMs: number;
  rotationDrainTimeoutMs: number;
  staleAfterMs: number;
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  maxReconnectAttempts: number;
  maxConsecutiveFragmentErrors: number;
  endTimeoutMs: number;
  freshCacheBytes: number;
  payloadHash: PayloadHashMode;
  signingService: string;
  extraHeaders: Record<string, string>;
}

/** What the session needs from its client. */
export interface SessionEnvironment {
  endpoints: DataEndpointCache;
  credentials: () => Promise<AwsCredentialIdentity>;
  region: () => Promise<string>;
  connector: PutMediaConnector;
  store: ReplayableFragments;
  clock: Clock;
  timers: Timers;
  random: () => number;
  logger: Logger;
  /** Called once when the session is closed or failed (frees the stream's slot in the client). */
  onFinished: () => void;
}

export interface SessionStats {
  state: SessionState;
  connected: boolean;
  /** Connections opened so far. */
  connections: number;
  connectionAgeMs?: number;
  /** Fragments waiting to be (re)sent, written and awaiting PERSISTED, and both. */
  queued: number;
  inFlight: number;
  unsettled: number;
  totals: {
    fragmentsSent: number;
    fragmentsResent: number;
    fragmentsPersisted: number;
    fragmentsFailed: number;
    bytesSent: number;
    reconnects: number;
    ackErrors: number;
    malformedAcks: number;
  };
}

interface ActiveConnection {
  number: number;
  connection: PutMediaConnection;
  header: Uint8Array;
  openedAt: number;
  lastActivityAt: number;
  /** No more fragments go on it (rotation, header change, end): waiting for its last acks. */
  retiring?: 'rotation' | 'header-change' | 'end';
  rotationTimer?: unknown;
  drainTimer?: unknown;
  staleTimer?: unknown;
}

type DownAction = 'reconnect' | 'fail';

export class PutMediaSession {
  private readonly events: PutMediaEvents;
  private readonly tracker: FragmentTracker;
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private stateValue: SessionState = 'idle';
  private header?: Uint8Array;
  private conn?: ActiveConnection;
  private connecting = false;
  private connectionCount = 0;
  private reconnectTimer?: unknown;
  private reconnectAttempt = 0;
  private consecutiveFragmentErrors = 0;
  /** Careful mode (see culpritOf): one fragment in flight at a time until this timecode has settled. */
  private carefulThrough?: number;
  private failure?: KvsError;
  /** Fragments appended and not yet sent once, kept in memory so that a disk store is not read back. */
  private readonly fresh = new Map<number, ReplayableFragment>();
  private freshBytes = 0;
  /** Serialises appends (store order = timecode order). */
  private appendChain: Promise<void> = Promise.resolve();
  private lastAcceptedTimecode = -Infinity;
  private pumping = false;
  private pumpAgain = false;
  /** Set while the pump waits for the socket to drain: writeFragment() callers wait on it too. */
  private drainWait?: Promise<void>;
  private endWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private endTimer?: unknown;
  private readonly totals: SessionStats['totals'] = {
    fragmentsSent: 0,
    fragmentsResent: 0,
    fragmentsPersisted: 0,
    fragmentsFailed: 0,
    bytesSent: 0,
    reconnects: 0,
    ackErrors: 0,
    malformedAcks: 0,
  };

  constructor(
    private readonly settings: SessionSettings,
    private readonly env: SessionEnvironment,
  ) {
    this.log = env.logger.child({ stream: settings.streamLabel });
    this.events = new PutMediaEvents((event, err) => this.log.warn({ event, err }, 'PutMedia event listener threw'));
    this.tracker = new FragmentTracker(env.clock);
    this.backoff = new BackoffPolicy({ baseDelayMs: settings.reconnectBaseDelayMs, maxDelayMs: settings.reconnectMaxDelayMs }, env.random);
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
    this.kick();
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
    if (!Number.isFinite(timecode) || timecode <= this.lastAcceptedTimecode) {
      throw new KvsError(
        'INVALID_ARGUMENT',
        `Fragment timecode ${timecode} is not after the previous one (${this.lastAcceptedTimecode}): timecodes must increase strictly.`,
        false,
      );
    }
    this.lastAcceptedTimecode = timecode;
    const fragment: ReplayableFragment = { timecode, bytes, header };
    const appended = this.appendChain.then(async () => {
      await this.env.store.append(fragment);
      if (this.stateValue === 'closed' || this.stateValue === 'failed') return;
      this.tracker.enqueue(timecode, bytes.length);
      this.remember(fragment);
      this.kick();
    });
    this.appendChain = appended.catch(() => undefined);
    await appended;
    // Backpressure: wait while the pump waits for the socket.
    while (this.drainWait) await this.drainWait;
    if (this.failure) throw this.failure;
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
    await this.appendChain;
    const done = new Promise<void>((resolve, reject) => this.endWaiters.push({ resolve, reject }));
    if (this.stateValue === 'open') {
      this.stateValue = 'ending';
      this.endTimer = this.env.timers.setTimeout(() => this.onEndTimeout(), this.settings.endTimeoutMs);
    }
    this.kick();
    this.checkEnded();
    return done;
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
    return {
      state: this.stateValue,
      connected: this.conn !== undefined,
      connections: this.connectionCount,
      ...(this.conn ? { connectionAgeMs: this.env.clock.now() - this.conn.openedAt } : {}),
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
  // The pump: one loop at a time writes queued fragments to the live connection, opening one when needed.

  private kick(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.runPump();
  }

  private async runPump(): Promise<void> {
    try {
      do {
        this.pumpAgain = false;
        try {
          await this.pumpOnce();
        } catch (err) {
          this.fail(err instanceof KvsError ? err : new KvsError('INTERNAL', `PutMedia pump failed: ${String(err)}`, false, { cause: err }));
        }
      } while (this.pumpAgain && this.isActive());
    } finally {
      // Cleared in the same turn as the last pumpAgain check, so no kick() falls in between.
      this.pumping = false;
    }
  }

  private async pumpOnce(): Promise<void> {
    for (;;) {
      if (!this.isActive() || this.connecting || this.reconnectTimer !== undefined) return;
      const conn = this.conn;
      if (conn?.retiring) return;
      if (this.carefulThrough !== undefined) {
        const resume = this.tracker.resumeTimecode();
        if (resume === undefined || resume > this.carefulThrough) this.carefulThrough = undefined;
        else if (this.tracker.inFlight > 0) return; // the PERSISTED ack kicks the pump
      }
      const next = this.tracker.nextToSend();
      if (!next) {
        if (this.stateValue === 'ending' && conn) this.retire(conn, 'end');
        return;
      }
      const fragment = await this.load(next.timecode);
      if (!this.isActive() || next.state !== 'queued' || this.conn !== conn || conn?.retiring) continue;
      if (!fragment) {
        this.dropFragment(next.timecode, 'EVICTED');
        continue;
      }
      if (!conn) {
        await this.connect(fragment.header);
        continue;
      }
      if (!sameBytes(conn.header, fragment.header)) {
        this.retire(conn, 'header-change');
        return;
      }
      if (this.tracker.inFlight === 0) conn.lastActivityAt = this.env.clock.now();
      const ok = conn.connection.write(fragment.bytes);
      const tracked = this.tracker.markSent(next.timecode);
      this.forget(next.timecode);
      this.totals.fragmentsSent++;
      if (tracked.sendCount > 1) this.totals.fragmentsResent++;
      this.totals.bytesSent += fragment.bytes.length;
      if (this.events.wants('fragment-sent')) {
        this.events.emit('fragment-sent', { streamName: this.settings.streamLabel, timecode: next.timecode, bytes: fragment.bytes.length, sendCount: tracked.sendCount });
      }
      if (!ok) {
        this.events.emit('backpressure', { streamName: this.settings.streamLabel, waiting: true });
        const wait = conn.connection.drained();
        this.drainWait = wait;
        try {
          await wait;
        } finally {
          if (this.drainWait === wait) this.drainWait = undefined;
        }
        this.events.emit('backpressure', { streamName: this.settings.streamLabel, waiting: false });
      }
    }
  }

  private async load(timecode: number): Promise<ReplayableFragment | undefined> {
    const fresh = this.fresh.get(timecode);
    if (fresh) return fresh;
    return this.env.store.read(timecode);
  }

  private remember(fragment: ReplayableFragment): void {
    if (fragment.bytes.length > this.settings.freshCacheBytes) return;
    this.fresh.set(fragment.timecode, fragment);
    this.freshBytes += fragment.bytes.length;
    for (const [timecode, held] of this.fresh) {
      if (this.freshBytes <= this.settings.freshCacheBytes) break;
      this.fresh.delete(timecode);
      this.freshBytes -= held.bytes.length;
    }
  }

  private forget(timecode: number): void {
    const held = this.fresh.get(timecode);
    if (!held) return;
    this.fresh.delete(timecode);
    this.freshBytes -= held.bytes.length;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Connections.

  private async connect(header: Uint8Array): Promise<void> {
    this.connecting = true;
    const number = ++this.connectionCount;
    let conn: ActiveConnection | undefined;
    try {
      const endpoint = await this.env.endpoints.get(this.settings.stream, 'PUT_MEDIA');
      const [credentials, region] = await Promise.all([this.env.credentials(), this.env.region()]);
      if (!this.isActive()) return;
      const signed = await signPutMediaRequest(
        {
          endpoint,
          ...this.settings.stream,
          timecodeType: this.settings.timecodeType,
          producerStartTimestampMs: this.settings.producerStartTimestampMs,
          acknowledgmentRequired: this.settings.acknowledgmentRequired,
          extraHeaders: this.settings.extraHeaders,
        },
        {
          credentials,
          region,
          signingDate: new Date(this.env.clock.now()),
          payloadHash: this.settings.payloadHash,
          signingService: this.settings.signingService,
        },
      );
      if (!this.isActive()) return;
      const now = this.env.clock.now();
      const connection = this.env.connector(
        { endpoint, path: signed.path, headers: signed.headers, streamName: this.settings.streamLabel },
        {
          onAck: (item) => {
            if (conn) this.onAck(conn, item);
          },
          onClose: (error) => {
            if (conn) this.onConnectionClosed(conn, error);
          },
        },
      );
      conn = { number, connection, header, openedAt: now, lastActivityAt: now };
      this.conn = conn;
      connection.write(header);
      this.totals.bytesSent += header.length;
      const active = conn;
      active.rotationTimer = this.env.timers.setTimeout(() => this.rotate(active), this.settings.rotateAfterMs);
      this.armStaleCheck(active, this.settings.staleAfterMs);
      const resume = this.tracker.resumeTimecode();
      this.events.emit('connected', {
        streamName: this.settings.streamLabel,
        connection: number,
        endpoint: endpoint.origin,
        ...(resume !== undefined ? { resumeTimecode: resume } : {}),
        backlog: this.tracker.queued,
      });
      this.log.debug({ connection: number, endpoint: endpoint.origin, resume }, 'PutMedia connection opened');
    } catch (err) {
      const error =
        err instanceof KvsError ? err : new PutMediaConnectionError(this.settings.streamLabel, `could not open the connection: ${String(err)}`, undefined, err);
      this.connecting = false;
      this.afterFailure(error, 'connect');
      return;
    } finally {
      this.connecting = false;
    }
  }

  private onAck(conn: ActiveConnection, item: AckStreamItem): void {
    if (conn !== this.conn || !this.isActive()) return;
    conn.lastActivityAt = this.env.clock.now();
    if (item.kind === 'malformed') {
      this.totals.malformedAcks++;
      this.log.warn({ reason: item.reason, raw: item.raw }, 'malformed PutMedia acknowledgement skipped');
      this.events.emit('malformed-ack', { streamName: this.settings.streamLabel, reason: item.reason, raw: item.raw });
      return;
    }
    if (item.kind === 'service-error') {
      this.connectionDown(conn, new PutMediaHttpError(this.settings.streamLabel, 200, item.errorType, item.message));
      return;
    }
    const { ack } = item;
    switch (ack.eventType) {
      case 'IDLE':
        return;
      case 'BUFFERING':
      case 'RECEIVED': {
        const t = this.tracker.applyAck(ack);
        if (t?.changed && this.events.wants('fragment-ack')) {
          this.events.emit('fragment-ack', {
            streamName: this.settings.streamLabel,
            timecode: t.fragment.timecode,
            eventType: ack.eventType,
            ...(t.fragment.fragmentNumber ? { fragmentNumber: t.fragment.fragmentNumber } : {}),
            elapsedMs: this.env.clock.now() - (t.fragment.sentAt ?? t.fragment.enqueuedAt),
          });
        }
        return;
      }
      case 'PERSISTED': {
        const t = this.tracker.applyAck(ack);
        if (!t?.changed) return;
        this.totals.fragmentsPersisted++;
        this.reconnectAttempt = 0;
        this.consecutiveFragmentErrors = 0;
        this.release(t.fragment.timecode);
        this.events.emit('fragment-persisted', {
          streamName: this.settings.streamLabel,
          timecode: t.fragment.timecode,
          ...(t.fragment.fragmentNumber ? { fragmentNumber: t.fragment.fragmentNumber } : {}),
          ackLatencyMs: t.fragment.ackLatencyMs ?? 0,
          sendCount: t.fragment.sendCount,
        });
        this.tracker.takeSettled();
        this.checkEnded();
        if (this.carefulThrough !== undefined) this.kick();
        return;
      }
      case 'ERROR':
        this.onErrorAck(conn, ackErrorFromAck(ack, this.settings.streamLabel));
        return;
    }
  }

  private onErrorAck(conn: ActiveConnection, error: PutMediaAckError): void {
    this.totals.ackErrors++;
    this.events.emit('ack-error', {
      streamName: this.settings.streamLabel,
      errorId: error.errorId,
      errorCode: error.ackErrorCode,
      disposition: error.disposition,
      ...(error.fragmentTimecode !== undefined ? { timecode: error.fragmentTimecode } : {}),
    });
    this.log.warn({ errorId: error.errorId, errorCode: error.ackErrorCode, timecode: error.fragmentTimecode }, 'PutMedia ERROR acknowledgement');
    if (error.disposition === 'drop-fragment') {
      const culprit = this.culpritOf(error);
      if (culprit !== undefined) this.dropFragment(culprit, error.ackErrorCode, error.errorId);
      this.consecutiveFragmentErrors++;
      if (this.consecutiveFragmentErrors >= this.settings.maxConsecutiveFragmentErrors) {
        this.fail(
          new KvsError(
            'SESSION_FAILED',
            `PutMedia to ${this.settings.streamLabel}: ${this.consecutiveFragmentErrors} fragments refused in a row (last ${error.ackErrorCode}); the stream header is likely at fault.`,
            false,
            { cause: error },
          ),
        );
        return;
      }
    }
    // The service ends the request after any ERROR (producer-sdk-cpp #572): do not wait for it.
    this.connectionDown(conn, error);
  }

  /**
   * The fragment a drop-fragment ERROR is about: the one its FragmentTimecode names, when that one is written
   * and not settled. An ack that names the last good fragment or none (bytes that do not parse can fail a whole
   * read, good fragments before them included) does not say which fragment is bad: the session then goes
   * careful — one fragment in flight at a time, each awaited — until everything that was in flight has settled,
   * so that the next ERROR names its culprit by being alone on the wire. Guessing instead would drop good video.
   */
  private culpritOf(error: PutMediaAckError): number | undefined {
    const named = error.fragmentTimecode !== undefined ? this.tracker.get(error.fragmentTimecode) : undefined;
    if (named && named.state !== 'queued' && !isSettled(named.state)) return named.timecode;
    if (this.carefulThrough !== undefined && this.tracker.inFlight === 1) return this.tracker.firstIncomplete()?.timecode ?? this.tracker.lastInFlight()?.timecode;
    const last = this.tracker.lastInFlight();
    if (last !== undefined) {
      this.carefulThrough = Math.max(this.carefulThrough ?? -Infinity, last.timecode);
      this.log.info({ through: this.carefulThrough }, 'ERROR ack names no fragment in flight: sending one fragment at a time to find it');
    }
    return undefined;
  }

  private dropFragment(timecode: number, code: string, errorId?: number): void {
    const before = this.tracker.get(timecode);
    if (!before || isSettled(before.state)) return;
    this.tracker.markFailed(timecode, code);
    this.totals.fragmentsFailed++;
    this.forget(timecode);
    this.release(timecode);
    this.events.emit('fragment-failed', { streamName: this.settings.streamLabel, timecode, code, ...(errorId !== undefined ? { errorId } : {}) });
    this.log.warn({ timecode, code }, 'fragment dropped');
    this.tracker.takeSettled();
    this.checkEnded();
  }

  private release(timecode: number): void {
    try {
      const result = this.env.store.release(timecode);
      if (result instanceof Promise) result.catch((err: unknown) => this.log.warn({ err, timecode }, 'fragment store release failed'));
    } catch (err) {
      this.log.warn({ err, timecode }, 'fragment store release failed');
    }
  }

  /** Ends the body of a connection that must not take more fragments; it closes once its last acks are in. */
  private retire(conn: ActiveConnection, reason: 'rotation' | 'header-change' | 'end'): void {
    if (conn.retiring) return;
    conn.retiring = reason;
    conn.connection.end();
    conn.drainTimer = this.env.timers.setTimeout(() => {
      if (conn !== this.conn) return;
      this.log.warn({ connection: conn.number, reason }, 'old PutMedia connection did not finish in time; closing it');
      conn.connection.destroy();
      this.onConnectionClosed(conn, undefined);
    }, this.settings.rotationDrainTimeoutMs);
  }

  private rotate(conn: ActiveConnection): void {
    if (conn !== this.conn || conn.retiring) return;
    this.events.emit('rotation', { streamName: this.settings.streamLabel, connection: conn.number, ageMs: this.env.clock.now() - conn.openedAt });
    this.retire(conn, 'rotation');
  }

  private armStaleCheck(conn: ActiveConnection, delayMs: number): void {
    conn.staleTimer = this.env.timers.setTimeout(() => {
      if (conn !== this.conn) return;
      const idleMs = this.env.clock.now() - conn.lastActivityAt;
      if (this.tracker.inFlight > 0 && idleMs >= this.settings.staleAfterMs) {
        this.connectionDown(
          conn,
          new KvsError('CONNECTION_STALE', `PutMedia to ${this.settings.streamLabel}: no acknowledgement for ${idleMs} ms with fragments in flight.`, true),
        );
        return;
      }
      this.armStaleCheck(conn, Math.max(1, this.settings.staleAfterMs - (this.tracker.inFlight > 0 ? idleMs : 0)));
    }, delayMs);
  }

  /** We give up on a connection (ERROR ack, staleness, service error body). */
  private connectionDown(conn: ActiveConnection, error: KvsError): void {
    conn.connection.destroy();
    this.onConnectionClosed(conn, error);
  }

  private onConnectionClosed(conn: ActiveConnection, error: KvsError | undefined): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    for (const t of [conn.rotationTimer, conn.drainTimer, conn.staleTimer]) if (t !== undefined) this.env.timers.clearTimeout(t);
    if (!conn.connection.closed) conn.connection.destroy();
    const unacknowledged = this.tracker.inFlight;
    this.tracker.connectionLost();
    const detail =
      error instanceof PutMediaHttpError
        ? error.awsErrorName
        : error instanceof PutMediaConnectionError
          ? error.errno
          : error instanceof PutMediaAckError
            ? error.ackErrorCode
            : undefined;
    this.events.emit('disconnected', {
      streamName: this.settings.streamLabel,
      connection: conn.number,
      reason: error ? error.code : (conn.retiring ?? 'closed-by-service'),
      ...(detail !== undefined ? { detail } : {}),
      ageMs: this.env.clock.now() - conn.openedAt,
      unacknowledged,
    });
    if (!this.isActive()) return;
    if (error) {
      this.afterFailure(error, 'connection');
      return;
    }
    if (conn.retiring) {
      // Planned: rotation, new header, or end() — the next connection (if anything is left) opens at once.
      this.checkEnded();
      this.kick();
      return;
    }
    // The service closed on its own (idle timeout, or after an error it did not report).
    if (this.tracker.unsettled > 0) this.scheduleReconnect('CLOSED_BY_SERVICE');
    this.checkEnded();
  }

  /** After a failed connect or a lost connection: reconnect after a backoff, or fail. */
  private afterFailure(error: KvsError, phase: 'connect' | 'connection'): void {
    if (!this.isActive()) return;
    const action = this.decide(error);
    // The first failure of a run is a warning; the retries of the same outage go to debug (a minute without KVS
    // logged a line per backoff step), and the 'reconnect' events carry every attempt for health and metrics.
    const entry = { code: error.code, message: error.message, phase, action, attempt: this.reconnectAttempt };
    if (action === 'fail') this.log.error(entry, 'PutMedia connection failed');
    else if (this.reconnectAttempt === 0) this.log.warn(entry, 'PutMedia connection failed');
    else this.log.debug(entry, 'PutMedia connection failed again');
    if (error instanceof PutMediaHttpError && error.refreshEndpoint) this.env.endpoints.invalidate(this.settings.stream, 'PUT_MEDIA');
    if (error instanceof PutMediaConnectionError && error.errno && ENDPOINT_SUSPECT_ERRNOS.has(error.errno)) {
      this.env.endpoints.invalidate(this.settings.stream, 'PUT_MEDIA');
    }
    if (action === 'fail') {
      this.fail(error);
      return;
    }
    if (this.tracker.unsettled === 0) {
      // Nothing to resend: the next fragment opens a connection (lazily).
      this.checkEnded();
      return;
    }
    this.scheduleReconnect(error instanceof PutMediaHttpError ? (error.awsErrorName ?? error.code) : error.code);
  }

  /** ERROR acks by their disposition (a refused fragment still means a new connection); the rest by `retriable`. */
  private decide(error: KvsError): DownAction {
    if (error instanceof PutMediaAckError) return error.disposition === 'stop' ? 'fail' : 'reconnect';
    return error.retriable ? 'reconnect' : 'fail';
  }

  private scheduleReconnect(reason: string): void {
    if (!this.isActive() || this.reconnectTimer !== undefined) return;
    this.reconnectAttempt++;
    if (this.reconnectAttempt > this.settings.maxReconnectAttempts) {
      this.fail(
        new KvsError('SESSION_FAILED', `PutMedia to ${this.settings.streamLabel}: gave up after ${this.reconnectAttempt - 1} reconnect attempts (last: ${reason}).`, false),
      );
      return;
    }
    const delayMs = this.backoff.delayMs(this.reconnectAttempt);
    this.totals.reconnects++;
    this.events.emit('reconnect', { streamName: this.settings.streamLabel, attempt: this.reconnectAttempt, delayMs, reason });
    this.reconnectTimer = this.env.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.kick();
    }, delayMs);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Ending and failing.

  private checkEnded(): void {
    if (this.stateValue !== 'ending') return;
    if (this.tracker.unsettled > 0) {
      return;
    }
    if (this.conn && !this.conn.retiring) {
      this.retire(this.conn, 'end');
      return;
    }
    if (this.conn) return; // its last acks and close are on their way (bounded by rotationDrainTimeoutMs)
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
    for (const t of [this.reconnectTimer, this.endTimer]) if (t !== undefined) this.env.timers.clearTimeout(t);
    this.reconnectTimer = undefined;
    this.endTimer = undefined;
    const conn = this.conn;
    if (conn) {
      this.conn = undefined;
      for (const t of [conn.rotationTimer, conn.drainTimer, conn.staleTimer]) if (t !== undefined) this.env.timers.clearTimeout(t);
      conn.connection.destroy();
    }
    this.fresh.clear();
    this.freshBytes = 0;
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
