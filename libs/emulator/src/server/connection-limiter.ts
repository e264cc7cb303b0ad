/**
 * The cap on open connections, as bookkeeping without sockets (the listener does the I/O). At the cap a new
 * connection is admitted by closing the one idle the longest, rather than refused: refusing would let a client
 * that opens connections and sends nothing (or sends nothing more) starve every real client, which is what a cap
 * applied by the kernel or by `net.Server.maxConnections` does. The victim is, in this order:
 * 1. a connection that has not sent its first bytes (its protocol is not known yet), oldest first;
 * 2. a connection with no request in flight (HTTP/1.1 between requests, an HTTP/2 session without streams),
 *    the one idle the longest first.
 * Connections with a request in flight, and TLS connections (their requests are not seen at this level), are
 * never chosen: when nothing else is left, the new connection is refused.
 */

export type ConnectionState = 'sniffing' | 'open' | 'opaque';

interface Entry {
  state: ConnectionState;
  inFlight: number;
  idleSince: number;
}

export type Admission<C> = { admitted: true; evict?: C } | { admitted: false };

export class ConnectionLimiter<C> {
  // Insertion order is accept order: the first 'sniffing' entry met is the oldest.
  private readonly entries = new Map<C, Entry>();

  constructor(
    private readonly maxConnections: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Registers a new connection; at the cap, names the one to close to make room (or refuses this one). */
  admit(conn: C): Admission<C> {
    let evict: C | undefined;
    if (this.entries.size >= this.maxConnections) {
      evict = this.victim();
      if (evict === undefined) return { admitted: false };
      this.entries.delete(evict);
    }
    this.entries.set(conn, { state: 'sniffing', inFlight: 0, idleSince: this.now() });
    return evict === undefined ? { admitted: true } : { admitted: true, evict };
  }

  /** The connection's protocol is known: 'open' (its requests are reported) or 'opaque' (TLS: they are not). */
  identified(conn: C, state: 'open' | 'opaque'): void {
    const e = this.entries.get(conn);
    if (!e) return;
    e.state = state;
    e.idleSince = this.now();
  }

  requestStarted(conn: C): void {
    const e = this.entries.get(conn);
    if (e) e.inFlight++;
  }

  requestEnded(conn: C): void {
    const e = this.entries.get(conn);
    if (!e || e.inFlight === 0) return;
    if (--e.inFlight === 0) e.idleSince = this.now();
  }

  remove(conn: C): void {
    this.entries.delete(conn);
  }

  private victim(): C | undefined {
    let idle: C | undefined;
    let idleSince = Infinity;
    for (const [conn, e] of this.entries) {
      if (e.state === 'sniffing') return conn;
      if (e.state === 'open' && e.inFlight === 0 && e.idleSince < idleSince) {
        idle = conn;
        idleSince = e.idleSince;
      }
    }
    return idle;
  }
}
