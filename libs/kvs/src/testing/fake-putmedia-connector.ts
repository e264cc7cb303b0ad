/**
 * A PutMedia connector without sockets, for the session's unit tests: it records what the session writes and
 * lets the test play the service (acks, backpressure, early close, errors).
 */
import type { FragmentAck } from '../putmedia/ack-parser';
import type { KvsError } from '../kvs-errors';
import type { Clock, Timers } from '@tributary/runtime';
import type { PutMediaConnection, PutMediaConnectionHandlers, PutMediaConnectionTarget, PutMediaConnector } from '../putmedia/putmedia-connection';
import { PutMediaClient, type PutMediaClientOptions } from '../putmedia/putmedia-client';

const decoder = new TextDecoder();

export class FakePutMediaConnection implements PutMediaConnection {
  readonly chunks: Uint8Array[] = [];
  ended = false;
  closed = false;
  /** While true, write() answers false (the socket is full) until drain(). */
  full = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly target: PutMediaConnectionTarget,
    private readonly handlers: PutMediaConnectionHandlers,
  ) {}

  write(chunk: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.ended) throw new Error('write after end');
    this.chunks.push(chunk);
    return !this.full;
  }

  drained(): Promise<void> {
    if (!this.full || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.closed = true;
    this.releaseDrains();
  }

  // --- the test's side -----------------------------------------------------------------------------------------

  /** What was written, as text (tests write ASCII fragments). */
  written(): string[] {
    return this.chunks.map((c) => decoder.decode(c));
  }

  drain(): void {
    this.full = false;
    this.releaseDrains();
  }

  ack(ack: FragmentAck): void {
    if (!this.closed) this.handlers.onAck({ kind: 'ack', ack });
  }

  persist(...timecodes: number[]): void {
    for (const t of timecodes) this.ack({ eventType: 'PERSISTED', fragmentTimecode: t, fragmentNumber: `9${t}` });
  }

  /** The service ends the response (normally after our end()), or the exchange fails. */
  close(error?: KvsError): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseDrains();
    this.handlers.onClose(error);
  }

  private releaseDrains(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}

export class FakePutMediaConnector {
  readonly connections: FakePutMediaConnection[] = [];
  readonly connector: PutMediaConnector = (target, handlers) => {
    const open = this.connections.filter((c) => !c.closed);
    if (open.length > 0) throw new Error('a second connection opened while one is still open');
    const connection = new FakePutMediaConnection(target, handlers);
    this.connections.push(connection);
    return connection;
  };

  /**
   * A PutMediaClient whose sessions connect here: test credentials, a fixed data endpoint from a stub control plane,
   * no jitter (random 0.5), `timers` as its clock and timers; `overrides` replace any of it.
   */
  client(timers: Clock & Timers, overrides: Partial<PutMediaClientOptions> = {}): PutMediaClient {
    return new PutMediaClient({
      kinesisVideoClient: { send: async () => ({ DataEndpoint: 'http://127.0.0.1:1', $metadata: {} }) },
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      clock: timers,
      timers,
      random: () => 0.5,
      connector: this.connector,
      ...overrides,
    });
  }

  get last(): FakePutMediaConnection {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error('no connection opened');
    return c;
  }
}
