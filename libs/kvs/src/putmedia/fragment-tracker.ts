/**
 * The per-fragment state machine of a PutMedia session, keyed by the producer's cluster timecode (the value
 * the acks echo as FragmentTimecode, kvs-reference.md §3.7). Pure: no I/O, an injected clock.
 *
 *   queued ──send──▶ sent ──BUFFERING──▶ buffering ──RECEIVED──▶ received ──PERSISTED──▶ persisted
 *     ▲               │                    │                       │
 *     └───────────────┴──── connection lost (not persisted: resend on the next connection) ─┘
 *   any unsettled state ──refused for good (ERROR ack of the drop-fragment kind, or evicted)──▶ failed
 *
 * Acks may skip states (a fast service can send PERSISTED right after BUFFERING, or only PERSISTED) and never
 * move a fragment backwards. After a reconnect the session resends, in timecode order, every fragment from the
 * first one not yet persisted onward, skipping any later one already persisted (so none is stored twice by
 * our doing; a PERSISTED ack lost with the old connection still means one duplicate: at-least-once).
 * Ack latency is sent → PERSISTED, measured from the last send.
 */
import type { FragmentAck } from './ack-parser';
import { KvsError } from '../kvs-errors';
import type { Clock } from '@tributary/runtime';

export type FragmentState = 'queued' | 'sent' | 'buffering' | 'received' | 'persisted' | 'failed';

export interface TrackedFragment {
  /** Cluster timecode as sent (TimecodeScale units). Strictly increasing across the session. */
  readonly timecode: number;
  state: FragmentState;
  byteLength: number;
  /** Sends so far (1 after the first; more after reconnects). */
  sendCount: number;
  enqueuedAt: number;
  /** The last send. */
  sentAt?: number;
  bufferingAt?: number;
  receivedAt?: number;
  persistedAt?: number;
  /** sent → PERSISTED, from the last send. */
  ackLatencyMs?: number;
  fragmentNumber?: string;
  /** Why it failed (an ack ErrorCode, or 'EVICTED'). */
  failure?: string;
}

export interface AckTransition {
  fragment: TrackedFragment;
  from: FragmentState;
  to: FragmentState;
  /** False for a repeated or backward ack (ignored). */
  changed: boolean;
}

const RANK: Readonly<Record<FragmentState, number>> = { queued: 0, sent: 1, buffering: 2, received: 3, persisted: 4, failed: 4 };
const ACK_STATE: Readonly<Partial<Record<FragmentAck['eventType'], FragmentState>>> = {
  BUFFERING: 'buffering',
  RECEIVED: 'received',
  PERSISTED: 'persisted',
};

export function isSettled(state: FragmentState): boolean {
  return state === 'persisted' || state === 'failed';
}

export class FragmentTracker {
  /** In timecode order; settled fragments are pruned from the front by takeSettled(). */
  private order: TrackedFragment[] = [];
  private readonly byTimecode = new Map<number, TrackedFragment>();
  private lastTimecode = -Infinity;

  constructor(private readonly clock: Clock) {}

  /** A new fragment, not yet sent. Timecodes must grow strictly (KVS ack 4004 otherwise; and they are the key). */
  enqueue(timecode: number, byteLength = 0): TrackedFragment {
    if (!Number.isFinite(timecode)) throw new KvsError('INVALID_ARGUMENT', `Fragment timecode must be a finite number, got ${timecode}.`, false);
    if (timecode <= this.lastTimecode) {
      throw new KvsError(
        'INVALID_ARGUMENT',
        `Fragment timecode ${timecode} is not after the previous one (${this.lastTimecode}): timecodes must increase strictly within a session.`,
        false,
      );
    }
    this.lastTimecode = timecode;
    const fragment: TrackedFragment = { timecode, state: 'queued', byteLength, sendCount: 0, enqueuedAt: this.clock.now() };
    this.order.push(fragment);
    this.byTimecode.set(timecode, fragment);
    return fragment;
  }

  get(timecode: number): TrackedFragment | undefined {
    return this.byTimecode.get(timecode);
  }

  /** The next fragment to write on the current connection: the first queued one, in order. */
  nextToSend(): TrackedFragment | undefined {
    for (const f of this.order) if (f.state === 'queued') return f;
    return undefined;
  }

  /** `at`: when its last byte was written (a fragment streamed frame by frame is tracked once it is stored). */
  markSent(timecode: number, at = this.clock.now()): TrackedFragment {
    const f = this.require(timecode);
    if (f.state !== 'queued') throw new KvsError('INTERNAL', `Fragment ${timecode} sent while ${f.state}.`, false);
    f.state = 'sent';
    f.sendCount++;
    f.sentAt = at;
    delete f.bufferingAt;
    delete f.receivedAt;
    return f;
  }

  /**
   * Applies a BUFFERING / RECEIVED / PERSISTED ack that arrived at `at`; undefined when it names no tracked fragment
   * (or is not one of those).
   */
  applyAck(ack: FragmentAck, at = this.clock.now()): AckTransition | undefined {
    const to = ACK_STATE[ack.eventType];
    if (to === undefined || ack.fragmentTimecode === undefined) return undefined;
    const f = this.byTimecode.get(ack.fragmentTimecode);
    if (!f) return undefined;
    const from = f.state;
    if (ack.fragmentNumber !== undefined) f.fragmentNumber = ack.fragmentNumber;
    if (isSettled(from) || RANK[to] <= RANK[from]) return { fragment: f, from, to: from, changed: false };
    const now = at;
    f.state = to;
    if (to === 'buffering') f.bufferingAt = now;
    else if (to === 'received') f.receivedAt = now;
    else {
      f.persistedAt = now;
      f.ackLatencyMs = now - (f.sentAt ?? f.enqueuedAt);
    }
    return { fragment: f, from, to, changed: true };
  }

  /** Refused for good (never resent). Undefined when unknown; a persisted fragment stays persisted. */
  markFailed(timecode: number, reason: string): TrackedFragment | undefined {
    const f = this.byTimecode.get(timecode);
    if (!f || isSettled(f.state)) return f;
    f.state = 'failed';
    f.failure = reason;
    return f;
  }

  /**
   * The connection is gone: every fragment written to it and not persisted goes back to `queued`, to be resent
   * on the next one. Returns the resend list: from the first fragment not persisted onward, in order, persisted
   * and failed ones skipped.
   */
  connectionLost(): TrackedFragment[] {
    const resend: TrackedFragment[] = [];
    for (const f of this.order) {
      if (isSettled(f.state)) continue;
      if (f.state !== 'queued') f.state = 'queued';
      resend.push(f);
    }
    return resend;
  }

  /** The first fragment written and not yet received whole (sent or buffering): the one the service was reading. */
  firstIncomplete(): TrackedFragment | undefined {
    for (const f of this.order) if (f.state === 'sent' || f.state === 'buffering') return f;
    return undefined;
  }

  /** The last fragment written to the current connection and not settled. */
  lastInFlight(): TrackedFragment | undefined {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const f = this.order[i];
      if (f.state === 'sent' || f.state === 'buffering' || f.state === 'received') return f;
    }
    return undefined;
  }

  /** Timecode of the first fragment not settled: where a new connection resumes. */
  resumeTimecode(): number | undefined {
    for (const f of this.order) if (!isSettled(f.state)) return f.timecode;
    return undefined;
  }

  /** Removes and returns the leading run of settled fragments (a later settled one waits for those before it). */
  takeSettled(): TrackedFragment[] {
    let n = 0;
    while (n < this.order.length && isSettled(this.order[n].state)) n++;
    if (n === 0) return [];
    const settled = this.order.slice(0, n);
    this.order = this.order.slice(n);
    for (const f of settled) this.byTimecode.delete(f.timecode);
    return settled;
  }

  /** Fragments written to the current connection and not settled. */
  get inFlight(): number {
    let n = 0;
    for (const f of this.order) if (f.state === 'sent' || f.state === 'buffering' || f.state === 'received') n++;
    return n;
  }

  get queued(): number {
    let n = 0;
    for (const f of this.order) if (f.state === 'queued') n++;
    return n;
  }

  /** Not settled (queued or in flight). */
  get unsettled(): number {
    let n = 0;
    for (const f of this.order) if (!isSettled(f.state)) n++;
    return n;
  }

  /** Tracked fragments (settled ones not yet taken included), in order. */
  get size(): number {
    return this.order.length;
  }

  snapshot(): readonly TrackedFragment[] {
    return this.order.map((f) => ({ ...f }));
  }

  private require(timecode: number): TrackedFragment {
    const f = this.byTimecode.get(timecode);
    if (!f) throw new KvsError('INTERNAL', `Fragment ${timecode} is not tracked.`, false);
    return f;
  }
}
