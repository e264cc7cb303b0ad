/**
 * Frame streaming's bookkeeping in a PutMedia session (what the Producer SDK's kvssink does: each frame goes on the
 * wire as it is captured, inside a Cluster of unknown size that the next Cluster ends). Pure: no I/O, no clock.
 *
 * One fragment is open at a time; its bytes so far are kept. It joins the live connection once that connection is
 * caught up (nothing queued or being stored ahead of it): what it has so far is written at once, each later frame
 * as it comes. A connection lost under it: it joins the next one from its start (the service discarded the part
 * it saw). Once closed it goes to the store like any other, and only then is it tracked as sent (the
 * store holds it whole before it counts as sent and resendable). Its acks may come before that — the service
 * answers RECEIVED and PERSISTED as soon as the next Cluster begins, while the store is still writing — so acks
 * about a streamed fragment not yet tracked are kept here and applied, with their arrival times, once it is.
 * A fragment that had no connection when it closed, or whose connection went away after it closed and before
 * PERSISTED, is resent whole from the store on the next connection; the service never stored a part it saw on a
 * connection that went away (an aborted request leaves its open fragment unreceived, kvs-reference.md §3.7).
 */
import type { FragmentAck } from '../ack-parser';
import type { ActiveConnection } from './connection-lifecycle';

export interface OpenLiveFragment {
  timecode: number;
  /** The connection it is being streamed on; undefined until it joins one (else it goes whole once closed). */
  conn?: ActiveConnection;
  /** Its bytes so far (written again from the start when it joins a connection). */
  chunks: Uint8Array[];
  /** Bytes written to `conn`. */
  bytes: number;
}

/** A fragment streamed whole on `conn`, closed at `closedAt` (its last byte written), not yet stored. */
export interface StreamedFragment {
  conn: ActiveConnection;
  closedAt: number;
  bytes: number;
}

export interface EarlyAck {
  ack: FragmentAck;
  at: number;
}

export class LiveFragments {
  private open?: OpenLiveFragment;
  /** Acks kept by timecode, for fragments streamed and not yet tracked. */
  private readonly early = new Map<number, EarlyAck[]>();

  get current(): OpenLiveFragment | undefined {
    return this.open;
  }

  /** A fragment is open and being streamed on `conn`. */
  streamingOn(conn: ActiveConnection): boolean {
    return this.open?.conn === conn;
  }

  begin(timecode: number, first: Uint8Array): OpenLiveFragment {
    this.open = { timecode, chunks: [first], bytes: 0 };
    return this.open;
  }

  /** The open fragment joins `conn`: what it has so far is written there now (returned), the rest as it comes. */
  join(conn: ActiveConnection): Uint8Array[] {
    const open = this.open;
    if (!open) return [];
    open.conn = conn;
    open.bytes = 0;
    this.early.set(open.timecode, []);
    return open.chunks;
  }

  /** The open fragment's connection is gone: it waits to join the next one. */
  broken(): void {
    if (!this.open?.conn) return;
    this.early.delete(this.open.timecode);
    delete this.open.conn;
  }

  /**
   * Closes the open fragment at `at`. Returns how it was streamed when all of it went on `current` (the live
   * connection now), else undefined (it goes whole from the store).
   */
  close(current: ActiveConnection | undefined, at: number): StreamedFragment | undefined {
    const open = this.open;
    this.open = undefined;
    if (!open) return undefined;
    if (!open.conn || open.conn !== current || open.conn.connection.closed) {
      this.early.delete(open.timecode);
      return undefined;
    }
    return { conn: open.conn, closedAt: at, bytes: open.bytes };
  }

  /** Keeps an ack about a streamed fragment not yet tracked; false when no such fragment has that timecode. */
  keep(ack: FragmentAck, at: number): boolean {
    if (ack.fragmentTimecode === undefined) return false;
    const kept = this.early.get(ack.fragmentTimecode);
    if (!kept) return false;
    kept.push({ ack, at });
    return true;
  }

  /** The acks kept for a fragment, which is now tracked (or dropped): they are no longer kept. */
  take(timecode: number): EarlyAck[] {
    const kept = this.early.get(timecode) ?? [];
    this.early.delete(timecode);
    return kept;
  }

  clear(): void {
    this.open = undefined;
    this.early.clear();
  }
}
