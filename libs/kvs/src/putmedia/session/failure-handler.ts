/**
 * Failure handling of a PutMedia session (kvs-reference.md §3.7, §3.9; conventions.md §10: a streaming body is never
 * retried blindly). ERROR acknowledgements are handled by their table disposition (kvs-errors.ts): reconnect, drop
 * the fragment and go on, or stop. Any other failure (a refused or lost connection, staleness, a non-200 answer) is
 * classified by its `retriable` flag; a suspect data endpoint is dropped from the cache. A retriable failure with
 * fragments unsettled schedules a reconnect after a backoff with full jitter; the pump then resends from the first
 * fragment not persisted. The attempt count resets on every PERSISTED.
 */
import { BackoffPolicy } from '@tributary/runtime';
import { ENDPOINT_SUSPECT_ERRNOS, KvsError, PutMediaAckError, PutMediaConnectionError, PutMediaHttpError } from '../../kvs-errors';
import { isSettled } from '../fragment-tracker';
import type { ActiveConnection } from './connection-lifecycle';
import type { SessionContext } from './session-context';

type DownAction = 'reconnect' | 'fail';

/** What failure handling asks of the other parts. */
export interface FailureHooks {
  /** Gives up on a connection; its close is reported back (onFailure) with the error. */
  takeDown(conn: ActiveConnection, error: KvsError): void;
  /** Reports a fragment refused for good and releases it. */
  dropFragment(timecode: number, code: string, errorId?: number): void;
}

export class FailureHandler {
  private readonly backoff: BackoffPolicy;
  private reconnectTimer?: unknown;
  private reconnectAttempt = 0;
  private consecutiveFragmentErrors = 0;
  /** Careful mode (see culpritOf): one fragment in flight at a time until this timecode has settled. */
  private carefulThrough?: number;

  constructor(
    private readonly ctx: SessionContext,
    private readonly hooks: FailureHooks,
  ) {
    this.backoff = new BackoffPolicy({ baseDelayMs: ctx.settings.reconnectBaseDelayMs, maxDelayMs: ctx.settings.reconnectMaxDelayMs }, ctx.env.random);
  }

  /** A reconnect is scheduled: nothing opens before its timer fires. */
  get reconnectPending(): boolean {
    return this.reconnectTimer !== undefined;
  }

  /** In careful mode, whether the pump must wait for the fragment in flight to settle before sending the next. */
  holdsPump(): boolean {
    if (this.carefulThrough === undefined) return false;
    const resume = this.ctx.tracker.resumeTimecode();
    if (resume === undefined || resume > this.carefulThrough) {
      this.carefulThrough = undefined;
      return false;
    }
    return this.ctx.tracker.inFlight > 0; // the PERSISTED ack kicks the pump
  }

  /** A fragment was persisted: the outage, if any, is over. */
  onPersisted(): void {
    this.reconnectAttempt = 0;
    this.consecutiveFragmentErrors = 0;
    if (this.carefulThrough !== undefined) this.ctx.kick();
  }

  /** An ERROR acknowledgement: its disposition says what happens to the fragment; the connection is given up. */
  onErrorAck(conn: ActiveConnection, error: PutMediaAckError): void {
    const { ctx } = this;
    ctx.totals.ackErrors++;
    ctx.events.emit('ack-error', {
      streamName: ctx.settings.streamLabel,
      errorId: error.errorId,
      errorCode: error.ackErrorCode,
      disposition: error.disposition,
      ...(error.fragmentTimecode !== undefined ? { timecode: error.fragmentTimecode } : {}),
    });
    ctx.log.warn({ errorId: error.errorId, errorCode: error.ackErrorCode, timecode: error.fragmentTimecode }, 'PutMedia ERROR acknowledgement');
    if (error.disposition === 'drop-fragment') {
      const culprit = this.culpritOf(error);
      if (culprit !== undefined) this.hooks.dropFragment(culprit, error.ackErrorCode, error.errorId);
      this.consecutiveFragmentErrors++;
      if (this.consecutiveFragmentErrors >= ctx.settings.maxConsecutiveFragmentErrors) {
        const message = `PutMedia to ${ctx.settings.streamLabel}: ${this.consecutiveFragmentErrors} fragments refused in a row (last ${error.ackErrorCode}); the stream header is likely at fault.`;
        ctx.fail(new KvsError('SESSION_FAILED', message, false, { cause: error }));
        return;
      }
    }
    // The service ends the request after any ERROR (producer-sdk-cpp #572): do not wait for it.
    this.hooks.takeDown(conn, error);
  }

  /** After a failed connect or a lost connection: reconnect after a backoff, or fail. */
  afterFailure(error: KvsError, phase: 'connect' | 'connection'): void {
    const { ctx } = this;
    if (!ctx.isActive()) return;
    const action = decide(error);
    // The first failure of a run is a warning; the retries of the same outage go to debug (a minute without KVS
    // logged a line per backoff step), and the 'reconnect' events carry every attempt for health and metrics.
    const entry = { code: error.code, message: error.message, phase, action, attempt: this.reconnectAttempt };
    if (action === 'fail') ctx.log.error(entry, 'PutMedia connection failed');
    else if (this.reconnectAttempt === 0) ctx.log.warn(entry, 'PutMedia connection failed');
    else ctx.log.debug(entry, 'PutMedia connection failed again');
    if (endpointSuspect(error)) ctx.env.endpoints.invalidate(ctx.settings.stream, 'PUT_MEDIA');
    if (action === 'fail') {
      ctx.fail(error);
      return;
    }
    if (ctx.tracker.unsettled === 0) {
      // Nothing to resend: the next fragment opens a connection (lazily).
      ctx.checkEnded();
      return;
    }
    this.scheduleReconnect(error instanceof PutMediaHttpError ? (error.awsErrorName ?? error.code) : error.code);
  }

  scheduleReconnect(reason: string): void {
    const { ctx } = this;
    if (!ctx.isActive() || this.reconnectTimer !== undefined) return;
    this.reconnectAttempt++;
    if (this.reconnectAttempt > ctx.settings.maxReconnectAttempts) {
      const message = `PutMedia to ${ctx.settings.streamLabel}: gave up after ${this.reconnectAttempt - 1} reconnect attempts (last: ${reason}).`;
      ctx.fail(new KvsError('SESSION_FAILED', message, false));
      return;
    }
    const delayMs = this.backoff.delayMs(this.reconnectAttempt);
    ctx.totals.reconnects++;
    ctx.events.emit('reconnect', { streamName: ctx.settings.streamLabel, attempt: this.reconnectAttempt, delayMs, reason });
    this.reconnectTimer = ctx.env.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      ctx.kick();
    }, delayMs);
  }

  /** The session is finished: no reconnect follows. */
  stop(): void {
    if (this.reconnectTimer !== undefined) this.ctx.env.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /**
   * The fragment a drop-fragment ERROR is about: the one its FragmentTimecode names, when that one is written
   * and not settled. An ack that names the last good fragment or none (bytes that do not parse can fail a whole
   * read, good fragments before them included) does not say which fragment is bad: the session then goes
   * careful — one fragment in flight at a time, each awaited — until everything that was in flight has settled,
   * so that the next ERROR names its culprit by being alone on the wire. Guessing instead would drop good video.
   */
  private culpritOf(error: PutMediaAckError): number | undefined {
    const { tracker } = this.ctx;
    const named = error.fragmentTimecode !== undefined ? tracker.get(error.fragmentTimecode) : undefined;
    if (named && named.state !== 'queued' && !isSettled(named.state)) return named.timecode;
    if (this.carefulThrough !== undefined && tracker.inFlight === 1) return tracker.firstIncomplete()?.timecode ?? tracker.lastInFlight()?.timecode;
    const last = tracker.lastInFlight();
    if (last !== undefined) {
      this.carefulThrough = Math.max(this.carefulThrough ?? -Infinity, last.timecode);
      this.ctx.log.info({ through: this.carefulThrough }, 'ERROR ack names no fragment in flight: sending one fragment at a time to find it');
    }
    return undefined;
  }
}

/** ERROR acks by their disposition (a refused fragment still means a new connection); the rest by `retriable`. */
function decide(error: KvsError): DownAction {
  if (error instanceof PutMediaAckError) return error.disposition === 'stop' ? 'fail' : 'reconnect';
  return error.retriable ? 'reconnect' : 'fail';
}

/** Whether the cached data endpoint may be the cause (the answer's name or status, or a DNS/routing errno). */
function endpointSuspect(error: KvsError): boolean {
  if (error instanceof PutMediaHttpError) return error.refreshEndpoint;
  return error instanceof PutMediaConnectionError && error.errno !== undefined && ENDPOINT_SUSPECT_ERRNOS.has(error.errno);
}
