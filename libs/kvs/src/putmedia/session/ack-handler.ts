/**
 * Acknowledgements of a PutMedia session applied (kvs-reference.md §3.7): BUFFERING and RECEIVED move a fragment
 * on in the tracker, PERSISTED settles it (released from the store, ack latency reported), ERROR goes to failure
 * handling, an AWS error body in the ack stream takes the connection down, malformed items are counted and skipped.
 * A fragment refused for good (an ERROR of the drop-fragment kind, or evicted from the store) is settled here too.
 */
import { PutMediaHttpError, ackErrorFromAck, type KvsError, type PutMediaAckError } from '../../kvs-errors';
import type { AckStreamItem, FragmentAck } from '../ack-parser';
import { isSettled } from '../fragment-tracker';
import type { ActiveConnection } from './connection-lifecycle';
import type { SessionContext } from './session-context';

/** What the ack handler asks of the other parts. */
export interface AckHooks {
  onErrorAck(conn: ActiveConnection, error: PutMediaAckError): void;
  /** Gives up on the connection (an AWS error body instead of acks). */
  takeDown(conn: ActiveConnection, error: KvsError): void;
  /** A fragment was persisted (failure counters reset). */
  onPersisted(): void;
  /** The fragment no longer needs its in-memory copy. */
  forget(timecode: number): void;
  /** An ack about a fragment streamed frame by frame and not yet stored: true when kept for later (live-fragments.ts). */
  keepEarly(ack: FragmentAck, at: number): boolean;
}

export class AckHandler {
  constructor(
    private readonly ctx: SessionContext,
    private readonly hooks: AckHooks,
  ) {}

  /** `at`: when the ack arrived (a kept early ack is applied later with its own time). */
  onAck(conn: ActiveConnection, item: AckStreamItem, at = this.ctx.env.clock.now()): void {
    const { ctx } = this;
    if (item.kind === 'malformed') {
      ctx.totals.malformedAcks++;
      ctx.log.warn({ reason: item.reason, raw: item.raw }, 'malformed PutMedia acknowledgement skipped');
      ctx.events.emit('malformed-ack', { streamName: ctx.settings.streamLabel, reason: item.reason, raw: item.raw });
      return;
    }
    if (item.kind === 'service-error') {
      this.hooks.takeDown(conn, new PutMediaHttpError(ctx.settings.streamLabel, 200, item.errorType, item.message));
      return;
    }
    const { ack } = item;
    if (ack.eventType === 'BUFFERING' || ack.eventType === 'RECEIVED' || ack.eventType === 'PERSISTED') {
      if (ack.fragmentTimecode !== undefined && !ctx.tracker.get(ack.fragmentTimecode) && this.hooks.keepEarly(ack, at)) return;
    }
    switch (ack.eventType) {
      case 'IDLE':
        return;
      case 'BUFFERING':
      case 'RECEIVED':
        this.onProgress(ack, ack.eventType, at);
        return;
      case 'PERSISTED':
        this.onPersisted(ack, at);
        return;
      case 'ERROR':
        this.hooks.onErrorAck(conn, ackErrorFromAck(ack, ctx.settings.streamLabel));
        return;
    }
  }

  /** Refused for good: reported failed, released from the store; the session goes on with the next fragment. */
  dropFragment(timecode: number, code: string, errorId?: number): void {
    const { ctx } = this;
    const before = ctx.tracker.get(timecode);
    if (!before || isSettled(before.state)) return;
    ctx.tracker.markFailed(timecode, code);
    ctx.totals.fragmentsFailed++;
    this.hooks.forget(timecode);
    this.release(timecode);
    ctx.events.emit('fragment-failed', { streamName: ctx.settings.streamLabel, timecode, code, ...(errorId !== undefined ? { errorId } : {}) });
    ctx.log.warn({ timecode, code }, 'fragment dropped');
    ctx.tracker.takeSettled();
    ctx.checkEnded();
  }

  private onProgress(ack: FragmentAck, eventType: 'BUFFERING' | 'RECEIVED', at: number): void {
    const { ctx } = this;
    const t = ctx.tracker.applyAck(ack, at);
    if (!t?.changed || !ctx.events.wants('fragment-ack')) return;
    ctx.events.emit('fragment-ack', {
      streamName: ctx.settings.streamLabel,
      timecode: t.fragment.timecode,
      eventType,
      ...(t.fragment.fragmentNumber ? { fragmentNumber: t.fragment.fragmentNumber } : {}),
      elapsedMs: at - (t.fragment.sentAt ?? t.fragment.enqueuedAt),
    });
  }

  private onPersisted(ack: FragmentAck, at: number): void {
    const { ctx } = this;
    const t = ctx.tracker.applyAck(ack, at);
    if (!t?.changed) return;
    ctx.totals.fragmentsPersisted++;
    this.release(t.fragment.timecode);
    ctx.events.emit('fragment-persisted', {
      streamName: ctx.settings.streamLabel,
      timecode: t.fragment.timecode,
      ...(t.fragment.fragmentNumber ? { fragmentNumber: t.fragment.fragmentNumber } : {}),
      ackLatencyMs: t.fragment.ackLatencyMs ?? 0,
      sendCount: t.fragment.sendCount,
    });
    ctx.tracker.takeSettled();
    ctx.checkEnded();
    this.hooks.onPersisted();
  }

  private release(timecode: number): void {
    try {
      const result = this.ctx.env.store.release(timecode);
      if (result instanceof Promise) result.catch((err: unknown) => this.ctx.log.warn({ err, timecode }, 'fragment store release failed'));
    } catch (err) {
      this.ctx.log.warn({ err, timecode }, 'fragment store release failed');
    }
  }
}
