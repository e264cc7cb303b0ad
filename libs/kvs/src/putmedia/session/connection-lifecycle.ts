/**
 * The connection lifecycle of a PutMedia session (kvs-reference.md §3.2, §3.8): one connection at a time, opened
 * lazily when there is a fragment to send (GetDataEndpoint from the cache, SigV4 with the date and credentials taken
 * afresh, the stream header first), rotated before the 45-minute limit, replaced when it goes stale (fragments in
 * flight and no ack of any kind for `staleAfterMs`), retired (body ended, last acks awaited, bounded by
 * `rotationDrainTimeoutMs`) for rotation, a new header or end(), and closed. What a close means (reconnect, go on,
 * fail) is decided by the hooks: the failure handler and the session.
 */
import type { AckStreamItem } from '../ack-parser';
import { KvsError, PutMediaAckError, PutMediaConnectionError, PutMediaHttpError } from '../../kvs-errors';
import type { PutMediaConnection } from '../putmedia-connection';
import { signPutMediaRequest, type SignedPutMediaRequest } from '../putmedia-request-signer';
import type { SessionContext } from './session-context';

export type RetireReason = 'rotation' | 'header-change' | 'end' | 'hold';

export interface ActiveConnection {
  readonly number: number;
  readonly connection: PutMediaConnection;
  /** The stream header it was opened with (one Segment per request). */
  readonly header: Uint8Array;
  readonly openedAt: number;
  lastActivityAt: number;
  /** No more fragments go on it (rotation, header change, end): waiting for its last acks. */
  retiring?: RetireReason;
  /** Rotation is due but a fragment is being streamed on it: retired once that fragment is closed. */
  rotationDue?: boolean;
  rotationTimer?: unknown;
  drainTimer?: unknown;
  staleTimer?: unknown;
}

/** What the lifecycle asks of the other parts. */
export interface ConnectionHooks {
  /** An acknowledgement item from the live connection. */
  onAck(conn: ActiveConnection, item: AckStreamItem): void;
  /** Opening failed, or the live connection failed: reconnect after a backoff, or fail. */
  onFailure(error: KvsError, phase: 'connect' | 'connection'): void;
  /** The service closed the live connection on its own while fragments were unsettled. */
  onClosedByService(): void;
}

export class ConnectionLifecycle {
  private live?: ActiveConnection;
  private opening = false;
  private opened = 0;

  constructor(
    private readonly ctx: SessionContext,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** The connection fragments go on, if one is open. */
  get current(): ActiveConnection | undefined {
    return this.live;
  }

  /** A connection is being opened (endpoint, signing): the pump waits. */
  get isOpening(): boolean {
    return this.opening;
  }

  /** Connections opened so far. */
  get count(): number {
    return this.opened;
  }

  /** Opens a connection and writes `header` on it; a failure goes to hooks.onFailure. */
  async open(header: Uint8Array): Promise<void> {
    const { ctx } = this;
    this.opening = true;
    const number = ++this.opened;
    let conn: ActiveConnection | undefined;
    try {
      const endpoint = await ctx.env.endpoints.get(ctx.settings.stream, 'PUT_MEDIA');
      const signed = await this.sign(endpoint);
      if (!signed || !ctx.isActive()) return;
      const now = ctx.env.clock.now();
      const connection = ctx.env.connector(
        { endpoint, path: signed.path, headers: signed.headers, streamName: ctx.settings.streamLabel },
        {
          onAck: (item) => {
            if (conn) this.onAck(conn, item);
          },
          onClose: (error) => {
            if (conn) this.onClosed(conn, error);
          },
        },
      );
      conn = { number, connection, header, openedAt: now, lastActivityAt: now };
      this.started(conn, endpoint);
    } catch (err) {
      const error =
        err instanceof KvsError ? err : new PutMediaConnectionError(ctx.settings.streamLabel, `could not open the connection: ${String(err)}`, undefined, err);
      this.opening = false;
      this.hooks.onFailure(error, 'connect');
    } finally {
      this.opening = false;
    }
  }

  /** Writes a fragment on `conn`; false when the socket is full (wait for drained()). */
  send(conn: ActiveConnection, bytes: Uint8Array): boolean {
    // Staleness counts from the first fragment in flight, not from an idle connection's last ack.
    if (this.ctx.tracker.inFlight === 0) conn.lastActivityAt = this.ctx.env.clock.now();
    return conn.connection.write(bytes);
  }

  /** Ends the body of a connection that must not take more fragments; it closes once its last acks are in. */
  retire(conn: ActiveConnection, reason: RetireReason): void {
    if (conn.retiring) return;
    conn.retiring = reason;
    conn.connection.end();
    conn.drainTimer = this.ctx.env.timers.setTimeout(() => {
      if (conn !== this.live) return;
      this.ctx.log.warn({ connection: conn.number, reason }, 'old PutMedia connection did not finish in time; closing it');
      conn.connection.destroy();
      this.onClosed(conn, undefined);
    }, this.ctx.settings.rotationDrainTimeoutMs);
  }

  /** Gives up on a connection (ERROR ack, staleness, service error body): its close is reported with `error`. */
  takeDown(conn: ActiveConnection, error: KvsError): void {
    conn.connection.destroy();
    this.onClosed(conn, error);
  }

  /** The session is finished: the live connection is torn down, without any report. */
  closeNow(): void {
    const conn = this.live;
    if (!conn) return;
    this.live = undefined;
    this.clearTimers(conn);
    conn.connection.destroy();
  }

  private async sign(endpoint: URL): Promise<SignedPutMediaRequest | undefined> {
    const { settings, env } = this.ctx;
    const [credentials, region] = await Promise.all([env.credentials(), env.region()]);
    if (!this.ctx.isActive()) return undefined;
    return signPutMediaRequest(
      {
        endpoint,
        ...settings.stream,
        timecodeType: settings.timecodeType,
        producerStartTimestampMs: settings.producerStartTimestampMs,
        acknowledgmentRequired: settings.acknowledgmentRequired,
        extraHeaders: settings.extraHeaders,
      },
      { credentials, region, signingDate: new Date(env.clock.now()), payloadHash: settings.payloadHash, signingService: settings.signingService },
    );
  }

  /** The new connection is live: header first, rotation and staleness timers armed. */
  private started(conn: ActiveConnection, endpoint: URL): void {
    const { ctx } = this;
    this.live = conn;
    conn.connection.write(conn.header);
    ctx.totals.bytesSent += conn.header.length;
    conn.rotationTimer = ctx.env.timers.setTimeout(() => this.rotate(conn), ctx.settings.rotateAfterMs);
    this.armStaleCheck(conn, ctx.settings.staleAfterMs);
    const resume = ctx.tracker.resumeTimecode();
    ctx.events.emit('connected', {
      streamName: ctx.settings.streamLabel,
      connection: conn.number,
      endpoint: endpoint.origin,
      ...(resume !== undefined ? { resumeTimecode: resume } : {}),
      backlog: ctx.tracker.queued,
    });
    ctx.log.debug({ connection: conn.number, endpoint: endpoint.origin, resume }, 'PutMedia connection opened');
  }

  private onAck(conn: ActiveConnection, item: AckStreamItem): void {
    if (conn !== this.live || !this.ctx.isActive()) return;
    conn.lastActivityAt = this.ctx.env.clock.now();
    this.hooks.onAck(conn, item);
  }

  private rotate(conn: ActiveConnection): void {
    if (conn !== this.live || conn.retiring) return;
    this.ctx.events.emit('rotation', { streamName: this.ctx.settings.streamLabel, connection: conn.number, ageMs: this.ctx.env.clock.now() - conn.openedAt });
    // Ending the body inside a streamed Cluster would cut the fragment short: the pump retires it once it is closed.
    if (this.ctx.liveOn(conn)) conn.rotationDue = true;
    else this.retire(conn, 'rotation');
  }

  private armStaleCheck(conn: ActiveConnection, delayMs: number): void {
    const { ctx } = this;
    conn.staleTimer = ctx.env.timers.setTimeout(() => {
      if (conn !== this.live) return;
      const idleMs = ctx.env.clock.now() - conn.lastActivityAt;
      if (ctx.tracker.inFlight > 0 && idleMs >= ctx.settings.staleAfterMs) {
        const message = `PutMedia to ${ctx.settings.streamLabel}: no acknowledgement for ${idleMs} ms with fragments in flight.`;
        this.takeDown(conn, new KvsError('CONNECTION_STALE', message, true));
        return;
      }
      this.armStaleCheck(conn, Math.max(1, ctx.settings.staleAfterMs - (ctx.tracker.inFlight > 0 ? idleMs : 0)));
    }, delayMs);
  }

  private onClosed(conn: ActiveConnection, error: KvsError | undefined): void {
    const { ctx } = this;
    if (conn !== this.live) return;
    this.live = undefined;
    this.clearTimers(conn);
    if (!conn.connection.closed) conn.connection.destroy();
    const unacknowledged = ctx.tracker.inFlight;
    ctx.tracker.connectionLost();
    const detail = failureDetail(error);
    ctx.events.emit('disconnected', {
      streamName: ctx.settings.streamLabel,
      connection: conn.number,
      reason: error ? error.code : (conn.retiring ?? 'closed-by-service'),
      ...(detail !== undefined ? { detail } : {}),
      ageMs: ctx.env.clock.now() - conn.openedAt,
      unacknowledged,
    });
    if (!ctx.isActive()) return;
    if (error) {
      this.hooks.onFailure(error, 'connection');
      return;
    }
    if (conn.retiring) {
      // Planned: rotation, new header, or end() — the next connection (if anything is left) opens at once.
      ctx.checkEnded();
      ctx.kick();
      return;
    }
    // The service closed on its own (idle timeout, or after an error it did not report).
    if (ctx.tracker.unsettled > 0) this.hooks.onClosedByService();
    ctx.checkEnded();
  }

  private clearTimers(conn: ActiveConnection): void {
    for (const t of [conn.rotationTimer, conn.drainTimer, conn.staleTimer]) if (t !== undefined) this.ctx.env.timers.clearTimeout(t);
  }
}

/** The AWS error name, ack ErrorCode or errno behind a failure, for the 'disconnected' event. */
function failureDetail(error: KvsError | undefined): string | undefined {
  if (error instanceof PutMediaHttpError) return error.awsErrorName;
  if (error instanceof PutMediaConnectionError) return error.errno;
  if (error instanceof PutMediaAckError) return error.ackErrorCode;
  return undefined;
}
