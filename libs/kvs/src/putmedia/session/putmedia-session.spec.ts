import type { GetDataEndpointCommandOutput } from '@aws-sdk/client-kinesis-video';
import { KvsError } from '../../kvs-errors';
import { PutMediaClient, type PutMediaSessionOptions } from '../putmedia-client';
import { PutMediaConnectionError, PutMediaHttpError } from '../../kvs-errors';
import type { PutMediaEventMap, PutMediaEventName } from '../putmedia-events';
import type { PutMediaSession } from './putmedia-session';
import { InMemoryFragmentStore } from '../replayable-fragments';
import { FakePutMediaConnector } from '../../testing/fake-putmedia-connector';
import type { Logger } from '@tributary/runtime';
import { FakeTimers } from '@tributary/runtime/testing';

const enc = new TextEncoder();
const HEADER = enc.encode('HDR1');
const frag = (tc: number): Uint8Array => enc.encode(`F${tc}`);

interface Harness {
  timers: FakeTimers;
  fake: FakePutMediaConnector;
  client: PutMediaClient;
  session: PutMediaSession;
  store: InMemoryFragmentStore;
  events: { name: PutMediaEventName; payload: unknown }[];
  endpointCalls: number;
  of<K extends PutMediaEventName>(name: K): PutMediaEventMap[K][];
}

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
}

/** A logger that keeps what it was given, so tests can count lines per level. */
function capturingLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (obj: object | string, msg?: string) => lines.push({ level, msg: typeof obj === 'string' ? obj : msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

async function harness(options: Partial<PutMediaSessionOptions> = {}, store = new InMemoryFragmentStore(), logger?: Logger): Promise<Harness> {
  const timers = new FakeTimers(undefined, 20);
  const fake = new FakePutMediaConnector();
  let endpointCalls = 0;
  const client = fake.client(timers, {
    kinesisVideoClient: {
      send: async (): Promise<GetDataEndpointCommandOutput> => {
        endpointCalls++;
        return { DataEndpoint: 'http://127.0.0.1:1', $metadata: {} };
      },
    },
    ...(logger ? { logger } : {}),
  });
  const session = client.createSession({ streamName: 'cam-1', store, ...options });
  const events: Harness['events'] = [];
  for (const name of [
    'connected',
    'disconnected',
    'reconnect',
    'rotation',
    'fragment-sent',
    'fragment-persisted',
    'fragment-failed',
    'ack-error',
    'session-error',
    'backpressure',
  ] as const) {
    session.on(name, (payload) => events.push({ name, payload }));
  }
  await session.open();
  const h: Harness = {
    timers,
    fake,
    client,
    session,
    store,
    events,
    get endpointCalls() {
      return endpointCalls;
    },
    of: <K extends PutMediaEventName>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as PutMediaEventMap[K]),
  };
  return h;
}

async function write(h: Harness, ...timecodes: number[]): Promise<void> {
  for (const tc of timecodes) await h.session.writeFragment(frag(tc), tc);
  await h.timers.settle();
}

describe('PutMediaSession', () => {
  it('opens one connection lazily, writes the header then fragments in order, and releases persisted ones', async () => {
    const h = await harness();
    expect(h.fake.connections).toHaveLength(0);
    h.session.writeHeader(HEADER);
    await write(h, 1000, 3000, 5000);
    const conn = h.fake.last;
    expect(h.fake.connections).toHaveLength(1);
    expect(conn.written()).toEqual(['HDR1', 'F1000', 'F3000', 'F5000']);
    expect(conn.target.path).toBe('/putMedia');
    expect(conn.target.headers['x-amzn-stream-name']).toBe('cam-1');
    expect(h.store.pending()).toEqual([1000, 3000, 5000]);

    await h.timers.advance(40);
    conn.ack({ eventType: 'BUFFERING', fragmentTimecode: 1000 });
    conn.persist(1000, 3000);
    expect(h.store.pending()).toEqual([5000]);
    expect(h.of('fragment-persisted')).toEqual([
      { streamName: 'cam-1', timecode: 1000, fragmentNumber: '91000', ackLatencyMs: 40, sendCount: 1 },
      { streamName: 'cam-1', timecode: 3000, fragmentNumber: '93000', ackLatencyMs: 40, sendCount: 1 },
    ]);

    const ended = h.session.end();
    await h.timers.settle();
    // Nothing left to send: the body ends at once, which is also what lets the service complete the last fragment.
    expect(conn.ended).toBe(true);
    let done = false;
    void ended.then(() => (done = true));
    conn.persist(5000);
    await h.timers.settle();
    expect(done).toBe(false); // waits for the response to end too
    conn.close();
    await ended;
    expect(h.session.state).toBe('closed');
    expect(h.client.openSessions).toEqual([]);
    expect(h.store.size).toBe(0);
    expect(h.session.stats().totals).toMatchObject({ fragmentsSent: 3, fragmentsPersisted: 3, reconnects: 0 });
  });

  it('after a dropped connection reconnects with backoff and resends from the first fragment not persisted', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 0, 2000, 4000, 6000);
    const first = h.fake.last;
    first.persist(0);
    first.ack({ eventType: 'RECEIVED', fragmentTimecode: 2000 });
    first.persist(6000); // out of order: stored already, must not be resent
    first.close(new PutMediaConnectionError('cam-1', 'reset', 'ECONNRESET'));
    await h.timers.settle();
    expect(h.of('disconnected')[0]).toMatchObject({ reason: 'CONNECTION_ERROR', detail: 'ECONNRESET', unacknowledged: 2 });
    expect(h.of('reconnect')).toEqual([{ streamName: 'cam-1', attempt: 1, delayMs: 125, reason: 'CONNECTION_ERROR' }]);
    expect(h.fake.connections).toHaveLength(1);

    // Fragments keep coming during the outage: they are stored, not lost.
    await write(h, 8000);
    await h.timers.advance(125);
    const second = h.fake.last;
    expect(h.fake.connections).toHaveLength(2);
    expect(second.written()).toEqual(['HDR1', 'F2000', 'F4000', 'F8000']);
    expect(h.of('connected')[1]).toMatchObject({ connection: 2, resumeTimecode: 2000, backlog: 3 });
    second.persist(2000, 4000, 8000);
    expect(h.store.pending()).toEqual([]);
    const persisted = h.of('fragment-persisted').map((e) => [e.timecode, e.sendCount]);
    expect(persisted).toEqual([
      [0, 1],
      [6000, 1],
      [2000, 2],
      [4000, 2],
      [8000, 1],
    ]);
  });

  it('backs off exponentially while the service stays unreachable, and resets after a PERSISTED ack', async () => {
    const h = await harness({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1000 });
    h.session.writeHeader(HEADER);
    await write(h, 1);
    for (let i = 0; i < 5; i++) {
      h.fake.last.close(new PutMediaConnectionError('cam-1', 'refused', 'ECONNREFUSED'));
      await h.timers.advance(2000);
    }
    expect(h.of('reconnect').map((e) => e.delayMs)).toEqual([50, 100, 200, 400, 500]);
    expect(h.endpointCalls).toBeGreaterThan(1); // ECONNREFUSED: the endpoint is looked up again
    h.fake.last.persist(1);
    await write(h, 2);
    h.fake.last.close(new PutMediaConnectionError('cam-1', 'reset', 'ECONNRESET'));
    await h.timers.settle();
    expect(h.of('reconnect').at(-1)).toMatchObject({ attempt: 1, delayMs: 50 });
  });

  // Hardening probe: a minute without KVS logged a warning per backoff step; an outage is one warning, its retries
  // debug lines (the video-producer reports the outage and the recovery once from the 'reconnect' events).
  it('logs the first failure of an outage at warn and the retries of the same outage at debug', async () => {
    const lines: LogLine[] = [];
    const h = await harness({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1000 }, new InMemoryFragmentStore(), capturingLogger(lines));
    h.session.writeHeader(HEADER);
    await write(h, 1);
    for (let i = 0; i < 6; i++) {
      h.fake.last.close(new PutMediaConnectionError('cam-1', 'refused', 'ECONNREFUSED'));
      await h.timers.advance(2000);
    }
    const failures = lines.filter((l) => l.msg?.startsWith('PutMedia connection failed'));
    expect(failures.map((l) => l.level)).toEqual(['warn', 'debug', 'debug', 'debug', 'debug', 'debug']);
    h.fake.last.persist(1);
    await write(h, 2);
    h.fake.last.close(new PutMediaConnectionError('cam-1', 'reset', 'ECONNRESET'));
    await h.timers.settle();
    // A new outage after a PERSISTED ack warns again.
    expect(lines.filter((l) => l.msg?.startsWith('PutMedia connection failed')).at(-1)?.level).toBe('warn');
  });

  it('drops a fragment refused by an ERROR ack (drop-fragment), reconnects and goes on with the next', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1000, 2000, 3000);
    const first = h.fake.last;
    first.persist(1000);
    first.ack({ eventType: 'ERROR', fragmentTimecode: 2000, errorId: 4006, errorCode: 'INVALID_MKV_DATA' });
    await h.timers.settle();
    expect(first.closed).toBe(true);
    expect(h.of('ack-error')).toEqual([{ streamName: 'cam-1', errorId: 4006, errorCode: 'INVALID_MKV_DATA', disposition: 'drop-fragment', timecode: 2000 }]);
    expect(h.of('fragment-failed')).toEqual([{ streamName: 'cam-1', timecode: 2000, code: 'INVALID_MKV_DATA', errorId: 4006 }]);
    expect(h.store.pending()).toEqual([3000]);
    await h.timers.advance(1000);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F3000']);
  });

  it('when the ERROR ack names no fragment in flight, isolates the bad one by sending one at a time, then speeds up again', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1000, 2000, 3000, 4000);
    h.fake.last.persist(1000);
    h.fake.last.ack({ eventType: 'ERROR', fragmentTimecode: 1000, errorId: 4006 }); // names the last good one
    await h.timers.settle();
    expect(h.of('fragment-failed')).toEqual([]); // no guess: good video is not dropped
    await h.timers.advance(1000);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F2000']); // careful: one at a time
    h.fake.last.persist(2000);
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR1', 'F2000', 'F3000']);
    h.fake.last.ack({ eventType: 'ERROR', errorId: 4006 }); // alone on the wire: 3000 is the culprit
    await h.timers.settle();
    expect(h.of('fragment-failed')).toEqual([{ streamName: 'cam-1', timecode: 3000, code: 'INVALID_MKV_DATA', errorId: 4006 }]);
    await h.timers.advance(1000);
    await write(h, 5000, 6000);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F4000']); // 4000 was in flight at the first error: still careful
    h.fake.last.persist(4000);
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR1', 'F4000', 'F5000', 'F6000']); // back to streaming
  });

  it('fails after maxConsecutiveFragmentErrors refusals in a row (the header is at fault)', async () => {
    const h = await harness({ maxConsecutiveFragmentErrors: 2 });
    h.session.writeHeader(HEADER);
    await write(h, 1, 2, 3);
    h.fake.last.ack({ eventType: 'ERROR', fragmentTimecode: 1, errorId: 4010 });
    await h.timers.advance(1000);
    h.fake.last.ack({ eventType: 'ERROR', fragmentTimecode: 2, errorId: 4010 });
    await h.timers.settle();
    expect(h.session.state).toBe('failed');
    expect(h.of('session-error')[0]).toMatchObject({ code: 'SESSION_FAILED', retriable: false });
    await expect(h.session.writeFragment(frag(9), 9)).rejects.toMatchObject({ code: 'SESSION_FAILED' });
    expect(h.store.pending()).toEqual([3]); // kept for a later run
  });

  it('stops on a fatal ERROR ack (stream not active): end() rejects, fragments stay in the store', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1, 2);
    h.fake.last.ack({ eventType: 'ERROR', fragmentTimecode: 1, errorId: 4008, errorCode: 'STREAM_NOT_ACTIVE' });
    await h.timers.settle();
    expect(h.session.state).toBe('failed');
    await expect(h.session.end()).rejects.toMatchObject({ code: 'ACK_ERROR', ackErrorCode: 'STREAM_NOT_ACTIVE', retriable: false });
    expect(h.store.pending()).toEqual([1, 2]);
    expect(h.fake.connections).toHaveLength(1);
  });

  it('retries a ConnectionLimitExceededException answer and stops on ResourceNotFoundException', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1);
    h.fake.last.close(new PutMediaHttpError('cam-1', 400, 'ConnectionLimitExceededException', 'busy'));
    await h.timers.advance(200);
    expect(h.fake.connections).toHaveLength(2);
    expect(h.session.state).toBe('open');
    h.fake.last.close(new PutMediaHttpError('cam-1', 404, 'ResourceNotFoundException', 'gone'));
    await h.timers.settle();
    expect(h.session.state).toBe('failed');
  });

  it('rotates the connection before the connection limit: ends the old body, waits for its acks, opens a new one', async () => {
    const h = await harness({ rotateAfterMs: 60_000 });
    h.session.writeHeader(HEADER);
    await write(h, 1000);
    const first = h.fake.last;
    first.persist(1000);
    await h.timers.advance(59_000);
    await write(h, 60_000);
    await h.timers.advance(1_000);
    expect(h.of('rotation')).toEqual([{ streamName: 'cam-1', connection: 1, ageMs: 60_000 }]);
    expect(first.ended).toBe(true);
    await write(h, 61_000); // waits: one connection per stream
    expect(h.fake.connections).toHaveLength(1);
    first.persist(60_000);
    first.close(); // the service finishes the old response
    await h.timers.settle();
    const second = h.fake.last;
    expect(h.fake.connections).toHaveLength(2);
    expect(second.written()).toEqual(['HDR1', 'F61000']);
    expect(h.of('disconnected')[0]).toMatchObject({ reason: 'rotation', unacknowledged: 0 });
    expect(h.of('reconnect')).toEqual([]);
  });

  it('rotation gives up waiting for the old connection after rotationDrainTimeoutMs and resends what it lacked', async () => {
    const h = await harness({ rotateAfterMs: 10_000, rotationDrainTimeoutMs: 2_000 });
    h.session.writeHeader(HEADER);
    await write(h, 1000);
    await h.timers.advance(10_000);
    expect(h.fake.last.ended).toBe(true);
    await h.timers.advance(2_000);
    expect(h.fake.connections).toHaveLength(2);
    expect(h.fake.connections[0].closed).toBe(true);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F1000']);
  });

  it('replaces a connection that carries no ack while fragments are in flight', async () => {
    const h = await harness({ staleAfterMs: 5_000 });
    h.session.writeHeader(HEADER);
    await write(h, 1);
    await h.timers.advance(3_000);
    h.fake.last.ack({ eventType: 'IDLE' }); // any ack counts as life
    await h.timers.advance(4_000);
    expect(h.fake.connections).toHaveLength(1);
    await h.timers.advance(1_500);
    expect(h.of('disconnected')[0]).toMatchObject({ reason: 'CONNECTION_STALE' });
    await h.timers.advance(1_000);
    expect(h.fake.connections).toHaveLength(2);
  });

  it('leaves an idle connection alone', async () => {
    const h = await harness({ staleAfterMs: 5_000 });
    h.session.writeHeader(HEADER);
    await write(h, 1);
    h.fake.last.persist(1);
    await h.timers.advance(60_000);
    expect(h.fake.connections).toHaveLength(1);
    // The service closes an idle request after 30 s: nothing to resend, so no reconnect until there is data.
    h.fake.last.close();
    await h.timers.advance(10_000);
    expect(h.fake.connections).toHaveLength(1);
    await write(h, 2);
    expect(h.fake.connections).toHaveLength(2);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F2']);
  });

  it('takes a new connection for a new stream header (one Segment per request)', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1);
    h.session.writeHeader(enc.encode('HDR1')); // same bytes: nothing changes
    await write(h, 2);
    h.session.writeHeader(enc.encode('HDR2'));
    await write(h, 3);
    const first = h.fake.last;
    expect(first.written()).toEqual(['HDR1', 'F1', 'F2']);
    expect(first.ended).toBe(true);
    first.persist(1, 2);
    first.close();
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR2', 'F3']);
  });

  it('applies backpressure: writeFragment waits while the socket is full', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1);
    h.fake.last.full = true;
    const second = h.session.writeFragment(frag(2), 2); // written; the socket then reports full
    await h.timers.settle();
    let resolved = false;
    const third = h.session.writeFragment(frag(3), 3).then(() => {
      resolved = true;
    });
    await h.timers.settle();
    expect(resolved).toBe(false);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F1', 'F2']);
    expect(h.of('backpressure')).toEqual([{ streamName: 'cam-1', waiting: true }]);
    h.fake.last.drain();
    await Promise.all([second, third]);
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR1', 'F1', 'F2', 'F3']);
    expect(h.of('backpressure')).toEqual([
      { streamName: 'cam-1', waiting: true },
      { streamName: 'cam-1', waiting: false },
    ]);
  });

  it('after a restart sends what the store still holds first, behind its own header', async () => {
    const store = new InMemoryFragmentStore();
    const oldHeader = enc.encode('HDR0');
    store.append({ timecode: 10, bytes: frag(10), header: oldHeader });
    store.append({ timecode: 20, bytes: frag(20), header: oldHeader });
    const h = await harness({}, store);
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR0', 'F10', 'F20']);
    h.session.writeHeader(HEADER);
    await expect(h.session.writeFragment(frag(20), 20)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await write(h, 30);
    h.fake.last.persist(10, 20);
    h.fake.last.close();
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR1', 'F30']);
  });

  it('reports fragments the store evicted before they were persisted', async () => {
    const evicted: number[] = [];
    const store = new InMemoryFragmentStore({ maxBytes: 6, onEvict: (tc) => evicted.push(tc) });
    const h = await harness({ freshCacheBytes: 0 }, store);
    h.session.writeHeader(HEADER);
    await write(h, 1);
    h.fake.last.close(new PutMediaConnectionError('cam-1', 'reset', 'ECONNRESET'));
    await write(h, 2, 3, 4); // 2 bytes each: "F1" is pushed out
    expect(evicted).toEqual([1]);
    await h.timers.advance(1000);
    expect(h.of('fragment-failed')).toEqual([{ streamName: 'cam-1', timecode: 1, code: 'EVICTED' }]);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F2', 'F3', 'F4']);
  });

  it('end() rejects with END_TIMEOUT when fragments are not persisted in time', async () => {
    const h = await harness({ endTimeoutMs: 5_000 });
    h.session.writeHeader(HEADER);
    await write(h, 1);
    const ended = h.session.end();
    const check = expect(ended).rejects.toMatchObject({ code: 'END_TIMEOUT' });
    await h.timers.advance(5_000);
    await check;
    expect(h.store.pending()).toEqual([1]);
  });

  it('refuses misuse: writes before open or header, timecodes going back, a second session per stream', async () => {
    const h = await harness();
    await expect(h.session.writeFragment(frag(1), 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    h.session.writeHeader(HEADER);
    await write(h, 5);
    await expect(h.session.writeFragment(frag(5), 5)).rejects.toThrow(/not after the previous one/);
    expect(() => h.client.createSession({ streamName: 'cam-1' })).toThrow(expect.objectContaining({ code: 'SESSION_EXISTS' }));
    const other = h.client.createSession({ streamName: 'cam-2' });
    expect(() => other.writeHeader(HEADER)).toThrow(expect.objectContaining({ code: 'SESSION_CLOSED' }));
    h.session.destroy();
    expect(() => h.client.createSession({ streamName: 'cam-1' })).not.toThrow();
  });

  it('validates options and names the bad setting', () => {
    expect(() => new PutMediaClient({ region: 'x', maxAckBytes: 1 })).toThrow(/maxAckBytes/);
    const client = new PutMediaClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    expect(() => client.createSession({ streamName: 'bad name' })).toThrow(/streamName/);
    expect(() => client.createSession({})).toThrow(expect.any(KvsError));
    expect(() => client.createSession({ streamName: 's', rotateAfterMs: -1 })).toThrow(/rotateAfterMs/);
    expect(() => client.createSession({ streamName: 's', reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 5 })).toThrow(/reconnectMaxDelayMs/);
    client.destroy();
  });
  it('hold() hands the connection back (body ended, closed) and queues fragments; resume() sends them on a new connection', async () => {
    // Two sessions on one stream (live and a backlog upload) take turns: KVS refuses a second concurrent PutMedia.
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1000, 2000);
    const first = h.fake.last;
    first.persist(1000);
    let held = false;
    const holding = h.session.hold().then(() => (held = true));
    await h.timers.settle();
    expect(first.ended).toBe(true);
    expect(held).toBe(false); // the last acks and the close are awaited
    first.persist(2000);
    first.close();
    await h.timers.advance(20);
    await holding;
    expect(held).toBe(true);
    expect(h.session.stats()).toMatchObject({ connected: false, held: true });
    expect(h.of('disconnected').map((e) => e.reason)).toEqual(['hold']);

    await write(h, 3000, 4000);
    await h.timers.advance(1000);
    expect(h.fake.connections).toHaveLength(1); // nothing opens while held
    expect(h.store.pending()).toEqual([3000, 4000]);

    h.session.resume();
    await h.timers.settle();
    expect(h.fake.connections).toHaveLength(2);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F3000', 'F4000']);
    h.fake.last.persist(3000, 4000);
    const ended = h.session.end();
    await h.timers.settle();
    h.fake.last.close();
    await ended;
    expect(h.store.size).toBe(0);
  });

  it('a fragment written and not persisted before hold() goes out again after resume(); end() lifts a hold', async () => {
    const h = await harness();
    h.session.writeHeader(HEADER);
    await write(h, 1000);
    const first = h.fake.last;
    const holding = h.session.hold();
    await h.timers.settle();
    first.close(); // closed without a PERSISTED for 1000
    await h.timers.advance(20);
    await holding;
    const ended = h.session.end();
    await h.timers.settle();
    expect(h.session.isHeld).toBe(false);
    expect(h.fake.connections).toHaveLength(2);
    expect(h.fake.last.written()).toEqual(['HDR1', 'F1000']);
    h.fake.last.persist(1000);
    await h.timers.settle();
    h.fake.last.close();
    await ended;
    expect(h.session.stats().totals).toMatchObject({ fragmentsSent: 2, fragmentsResent: 1, fragmentsPersisted: 1 });
  });
});
