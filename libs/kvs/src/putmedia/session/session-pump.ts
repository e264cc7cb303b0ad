/**
 * The pump of a PutMedia session: fragments in (stored in order, kept fresh in memory for their first send) and out
 * (written to the live connection in timecode order, a connection opened when there is something to send). One
 * loop runs at a time; a kick while it runs makes it go round again. Backpressure: when the socket is full
 * (write() false) the loop waits for 'drain', and writeFragment() callers wait with it (conventions.md §7).
 *
 * The pump does not send while a connection is opening, a reconnect is pending, the connection is retiring, or
 * careful mode holds one fragment in flight (failure-handler.ts). A fragment whose stream header differs from the
 * connection's retires it: one Segment per request (kvs-reference.md §3.4).
 */
import type { TrackedFragment } from '../fragment-tracker';
import type { ReplayableFragment } from '../replayable-fragments';
import type { AckHandler } from './ack-handler';
import type { ActiveConnection, ConnectionLifecycle } from './connection-lifecycle';
import type { FailureHandler } from './failure-handler';
import type { FreshFragmentCache } from './fresh-fragment-cache';
import { KvsError } from '../../kvs-errors';
import type { SessionContext } from './session-context';
import type { LiveFragments, StreamedFragment } from './live-fragments';

export class SessionPump {
  private pumping = false;
  private pumpAgain = false;
  /** Set while the pump waits for the socket to drain: writeFragment() callers wait on it too. */
  private drainWait?: Promise<void>;
  /** Serialises appends (store order = timecode order). */
  private appendChain: Promise<void> = Promise.resolve();
  /** Fragments accepted, not yet tracked, that were not streamed whole: they will need sending. */
  private unsent = 0;

  constructor(
    private readonly ctx: SessionContext,
    private readonly fresh: FreshFragmentCache,
    private readonly connections: ConnectionLifecycle,
    private readonly failures: FailureHandler,
    private readonly acks: AckHandler,
    private readonly live: LiveFragments,
  ) {}

  /**
   * Stores a fragment (after the ones before it), queues it and kicks the pump; resolves once stored. A fragment
   * `streamed` whole on a connection is tracked as sent at its close instead of queued, with the acks that came
   * while it was being stored — unless that connection is gone and no PERSISTED came: then it is resent whole.
   */
  accept(fragment: ReplayableFragment, streamed?: StreamedFragment): Promise<void> {
    const { ctx } = this;
    if (!streamed) this.unsent++;
    const appended = this.appendChain.then(async () => {
      try {
        await ctx.env.store.append(fragment);
      } catch (err) {
        if (!streamed) this.unsent--;
        else this.live.take(fragment.timecode);
        throw err;
      }
      if (!ctx.isActive()) {
        if (!streamed) this.unsent--;
        return;
      }
      ctx.tracker.enqueue(fragment.timecode, fragment.bytes.length);
      if (!streamed) this.unsent--;
      if (streamed) this.settleStreamed(fragment, streamed);
      else this.fresh.remember(fragment);
      this.kick();
    });
    this.appendChain = appended.catch(() => undefined);
    return appended;
  }

  /**
   * The connection a fragment starting now may be streamed on: the live one, when it is caught up (nothing queued
   * or on its way to the store unsent, no reconnect, no careful mode, not retiring or due for rotation) and was
   * opened with the same stream header. Undefined otherwise: the fragment then goes whole once closed.
   */
  liveConnection(header: Uint8Array): ActiveConnection | undefined {
    const { ctx, connections } = this;
    // Held: the connection is being handed back, so a new fragment must not start on it (it would delay the hold).
    if (!ctx.isActive() || ctx.isHeld() || connections.isOpening || this.failures.reconnectPending || this.failures.holdsPump()) return undefined;
    const conn = connections.current;
    if (!conn || conn.retiring || conn.rotationDue || conn.connection.closed) return undefined;
    if (ctx.tracker.queued > 0 || this.unsent > 0 || !sameBytes(conn.header, header)) return undefined;
    return conn;
  }

  /** Writes bytes of the fragment being streamed; when the socket is full, returns the wait for 'drain'. */
  writeLive(conn: ActiveConnection, bytes: Uint8Array): Promise<void> | undefined {
    const ok = this.connections.send(conn, bytes);
    this.ctx.totals.bytesSent += bytes.length;
    return ok ? undefined : this.waitForDrain(conn);
  }

  private settleStreamed(fragment: ReplayableFragment, streamed: StreamedFragment): void {
    const { ctx } = this;
    const early = this.live.take(fragment.timecode);
    const persisted = early.some((e) => e.ack.eventType === 'PERSISTED');
    const stillOn = this.connections.current === streamed.conn && !streamed.conn.connection.closed;
    if (!stillOn && !persisted) {
      // Its connection went away before PERSISTED: resend it whole (the next connection resumes from it).
      this.fresh.remember(fragment);
      return;
    }
    const tracked = ctx.tracker.markSent(fragment.timecode, streamed.closedAt);
    ctx.totals.fragmentsSent++;
    if (ctx.events.wants('fragment-sent')) {
      ctx.events.emit('fragment-sent', { streamName: ctx.settings.streamLabel, timecode: fragment.timecode, bytes: streamed.bytes, sendCount: tracked.sendCount, streamed: true });
    }
    for (const e of early) this.acks.onAck(streamed.conn, { kind: 'ack', ack: e.ack }, e.at);
  }

  /** Resolves once every fragment accepted so far is stored. */
  stored(): Promise<void> {
    return this.appendChain;
  }

  /** While the pump waits for the socket to drain: what writeFragment() callers wait on (backpressure). */
  get draining(): Promise<void> | undefined {
    return this.drainWait;
  }

  kick(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.pumpAgain = false;
        try {
          await this.pumpOnce();
        } catch (err) {
          this.ctx.fail(err instanceof KvsError ? err : new KvsError('INTERNAL', `PutMedia pump failed: ${String(err)}`, false, { cause: err }));
        }
      } while (this.pumpAgain && this.ctx.isActive());
    } finally {
      // Cleared in the same turn as the last pumpAgain check, so no kick() falls in between.
      this.pumping = false;
    }
  }

  private async pumpOnce(): Promise<void> {
    const { ctx, connections } = this;
    for (;;) {
      if (!ctx.isActive() || connections.isOpening || this.failures.reconnectPending) return;
      const conn = connections.current;
      if (ctx.isHeld()) {
        // Another request has the stream's one connection (kvs-reference.md §3.8): hand ours back. What was written
        // and not yet persisted is resent on the next connection, as after any planned close. Not inside a streamed
        // fragment: ending the body there completes its Cluster as it is, the service stores that cut fragment, and
        // the whole one went again after resume() (one producer timestamp stored twice). Retired once it is closed
        // (PutMediaSession.closeLive kicks the pump), its PERSISTED awaited like any other's.
        if (conn && !conn.retiring && !ctx.liveOn(conn)) connections.retire(conn, 'hold');
        return;
      }
      if (conn?.retiring || this.failures.holdsPump()) return;
      if (conn?.rotationDue && !ctx.liveOn(conn)) {
        connections.retire(conn, 'rotation');
        return;
      }
      const next = ctx.tracker.nextToSend();
      if (!next) {
        if (ctx.isEnding() && conn && !ctx.liveOn(conn)) connections.retire(conn, 'end');
        // Caught up: a fragment being captured joins the connection now rather than at its close.
        else if (conn && this.unsent === 0) ctx.joinLive();
        return;
      }
      const fragment = await this.load(next.timecode);
      if (!ctx.isActive() || next.state !== 'queued' || connections.current !== conn || conn?.retiring) continue;
      if (!fragment) {
        this.acks.dropFragment(next.timecode, 'EVICTED');
        continue;
      }
      if (!conn) {
        await connections.open(fragment.header);
        continue;
      }
      // Nothing goes between the frames of a streamed fragment (its close stores it and kicks the pump again).
      if (ctx.liveOn(conn)) return;
      if (!sameBytes(conn.header, fragment.header)) {
        connections.retire(conn, 'header-change');
        return;
      }
      const drain = this.send(conn, next, fragment);
      if (drain) await drain;
    }
  }

  /** Writes one fragment; when the socket is full, returns the wait for 'drain' (no promise on the common path). */
  private send(conn: ActiveConnection, next: TrackedFragment, fragment: ReplayableFragment): Promise<void> | undefined {
    const { ctx } = this;
    const ok = this.connections.send(conn, fragment.bytes);
    const tracked = ctx.tracker.markSent(next.timecode);
    this.fresh.forget(next.timecode);
    ctx.totals.fragmentsSent++;
    if (tracked.sendCount > 1) ctx.totals.fragmentsResent++;
    ctx.totals.bytesSent += fragment.bytes.length;
    if (ctx.events.wants('fragment-sent')) {
      ctx.events.emit('fragment-sent', { streamName: ctx.settings.streamLabel, timecode: next.timecode, bytes: fragment.bytes.length, sendCount: tracked.sendCount });
    }
    return ok ? undefined : this.waitForDrain(conn);
  }

  private async waitForDrain(conn: ActiveConnection): Promise<void> {
    const { ctx } = this;
    ctx.events.emit('backpressure', { streamName: ctx.settings.streamLabel, waiting: true });
    const wait = conn.connection.drained();
    this.drainWait = wait;
    try {
      await wait;
    } finally {
      if (this.drainWait === wait) this.drainWait = undefined;
    }
    ctx.events.emit('backpressure', { streamName: ctx.settings.streamLabel, waiting: false });
  }

  private async load(timecode: number): Promise<ReplayableFragment | undefined> {
    return this.fresh.get(timecode) ?? this.ctx.env.store.read(timecode);
  }
}

/** Byte equality (stream headers: a header with other bytes takes a new connection). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
