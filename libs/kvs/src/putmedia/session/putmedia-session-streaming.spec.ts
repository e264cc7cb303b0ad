/**
 * Frame streaming in a PutMediaSession (live-fragments.ts): frames go out as they come on a caught-up connection,
 * the store still gets each fragment whole before it counts as sent, acks that beat the store are applied with
 * their own times, and a fragment whose connection went away is resent whole from the store.
 */
import { FakeTimers } from '@tributary/runtime/testing';
import type { PutMediaSessionOptions } from '../putmedia-client';
import { PutMediaConnectionError } from '../../kvs-errors';
import type { PutMediaEventMap, PutMediaEventName } from '../putmedia-events';
import { InMemoryFragmentStore, type ReplayableFragment } from '../replayable-fragments';
import { FakePutMediaConnector } from '../../testing/fake-putmedia-connector';

const enc = new TextEncoder();
const HEADER = enc.encode('HDR1');

/** The in-memory store, its appends held until the test lets them finish (a slow disk). */
class GatedStore extends InMemoryFragmentStore {
  gated = false;
  private waiting: (() => void)[] = [];
  override append(fragment: ReplayableFragment): void | Promise<void> {
    if (!this.gated) return super.append(fragment);
    return new Promise<void>((resolve) => this.waiting.push(() => resolve(super.append(fragment))));
  }
  open(): void {
    this.gated = false;
    for (const go of this.waiting.splice(0)) go();
  }
}

async function harness(options: Partial<PutMediaSessionOptions> = {}) {
  const timers = new FakeTimers(undefined, 20);
  const fake = new FakePutMediaConnector();
  const store = new GatedStore();
  const client = fake.client(timers);
  const session = client.createSession({ streamName: 'cam-1', store, ...options });
  const events: { name: PutMediaEventName; payload: unknown }[] = [];
  for (const name of ['fragment-sent', 'fragment-persisted', 'rotation', 'disconnected'] as const) session.on(name, (payload) => events.push({ name, payload }));
  await session.open();
  session.writeHeader(HEADER);
  const of = <K extends PutMediaEventName>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as PutMediaEventMap[K]);
  return { timers, fake, store, session, of };
}

describe('PutMediaSession frame streaming', () => {
  it('streams a fragment frame by frame once caught up; the store gets it whole; early acks count from its close', async () => {
    const h = await harness();
    await h.session.writeFragment(enc.encode('W1000'), 1000); // nothing open yet: the first fragment opens the connection whole
    await h.timers.settle();
    const conn = h.fake.last;
    conn.persist(1000);
    expect(h.session.startFragment(3000, enc.encode('S3000'))).toBe(true);
    await h.session.appendFragment(enc.encode('a'));
    await h.timers.advance(100);
    await h.session.appendFragment(enc.encode('b'));
    expect(conn.written()).toEqual(['HDR1', 'W1000', 'S3000', 'a', 'b']);
    expect(h.store.pending()).toEqual([]); // not stored while it grows

    // The cut: 3000 closes (the store is slow), 5000 opens at once; the service answers 3000 before the store is done.
    h.store.gated = true;
    const closed = h.session.writeFragment(enc.encode('W3000'), 3000);
    expect(h.session.startFragment(5000, enc.encode('S5000'))).toBe(true);
    await h.timers.advance(7);
    conn.ack({ eventType: 'RECEIVED', fragmentTimecode: 3000, fragmentNumber: '93000' });
    await h.timers.advance(5);
    conn.persist(3000);
    expect(h.of('fragment-persisted')).toHaveLength(1); // kept until 3000 is stored
    h.store.open();
    await closed;
    await h.timers.settle();
    expect(conn.written()).toEqual(['HDR1', 'W1000', 'S3000', 'a', 'b', 'S5000']); // never sent twice
    expect(h.of('fragment-sent').map((e) => [e.timecode, e.bytes, e.streamed ?? false])).toEqual([
      [1000, 5, false],
      [3000, 7, true],
    ]);
    expect(h.of('fragment-persisted')[1]).toMatchObject({ timecode: 3000, ackLatencyMs: 12, sendCount: 1 });
    expect(h.store.pending()).toEqual([]); // released once persisted
    expect(h.session.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('a connection lost inside a fragment: the rest is not written there, it goes whole on the next connection; the next one joins once caught up', async () => {
    const h = await harness();
    await h.session.writeFragment(enc.encode('W1000'), 1000);
    await h.timers.settle();
    const first = h.fake.last;
    first.persist(1000);
    expect(h.session.startFragment(3000, enc.encode('S3000'))).toBe(true);
    await h.session.appendFragment(enc.encode('a'));
    first.close(new PutMediaConnectionError('cam-1', 'reset', 'ECONNRESET'));
    await h.session.appendFragment(enc.encode('b'));
    await h.session.writeFragment(enc.encode('W3000'), 3000);
    // Reconnecting: the next fragment does not stream, it goes whole after 3000.
    expect(h.session.startFragment(5000, enc.encode('S5000'))).toBe(false);
    await h.session.appendFragment(enc.encode('c'));
    await h.timers.advance(5_000); // the reconnect's backoff
    const second = h.fake.last;
    expect(h.fake.connections).toHaveLength(2);
    expect(first.written()).toEqual(['HDR1', 'W1000', 'S3000', 'a']);
    // Caught up again: 5000, still being captured, joins with what it has so far and streams on.
    expect(second.written()).toEqual(['HDR1', 'W3000', 'S5000', 'c']);
    await h.session.appendFragment(enc.encode('d'));
    await h.session.writeFragment(enc.encode('W5000'), 5000);
    await h.timers.settle();
    expect(second.written()).toEqual(['HDR1', 'W3000', 'S5000', 'c', 'd']);
    expect(h.of('fragment-sent').map((e) => [e.timecode, e.streamed ?? false])).toEqual([
      [1000, false],
      [3000, false],
      [5000, true],
    ]);
    second.persist(3000, 5000);
    expect(h.session.startFragment(7000, enc.encode('S7000'))).toBe(true);
    expect(second.written().slice(-1)).toEqual(['S7000']);
    expect(h.store.pending()).toEqual([]);
  });

  it('a rotation due while a fragment streams waits for its close; the next fragment goes whole on the new connection', async () => {
    const h = await harness({ rotateAfterMs: 10_000 });
    await h.session.writeFragment(enc.encode('W1000'), 1000);
    await h.timers.settle();
    const first = h.fake.last;
    first.persist(1000);
    expect(h.session.startFragment(3000, enc.encode('S3000'))).toBe(true);
    await h.timers.advance(10_500);
    expect(h.of('rotation')).toHaveLength(1);
    expect(first.ended).toBe(false); // not cut inside the Cluster
    await h.session.appendFragment(enc.encode('a'));
    const closed = h.session.writeFragment(enc.encode('W3000'), 3000);
    expect(h.session.startFragment(5000, enc.encode('S5000'))).toBe(false);
    await closed;
    await h.timers.settle();
    expect(first.ended).toBe(true);
    expect(first.written()).toEqual(['HDR1', 'W1000', 'S3000', 'a']);
    first.persist(3000);
    first.close();
    await h.session.writeFragment(enc.encode('W5000'), 5000);
    await h.timers.settle();
    expect(h.fake.last.written()).toEqual(['HDR1', 'W5000']);
    expect(h.of('disconnected')[0]).toMatchObject({ reason: 'rotation', unacknowledged: 0 });
  });

  it('hold() while a fragment streams waits for its close: not cut inside the Cluster, persisted on that connection, never sent again', async () => {
    // Ending the body inside a streamed Cluster completes it as it is (the service stores the cut fragment), and the
    // whole fragment then went again after resume(): the same producer timestamp stored twice.
    const h = await harness();
    await h.session.writeFragment(enc.encode('W1000'), 1000);
    await h.timers.settle();
    const first = h.fake.last;
    first.persist(1000);
    expect(h.session.startFragment(3000, enc.encode('S3000'))).toBe(true);
    let held = false;
    const holding = h.session.hold().then(() => (held = true));
    await h.timers.advance(100);
    expect(first.ended).toBe(false); // not cut inside the Cluster
    await h.session.appendFragment(enc.encode('a'));
    const closed = h.session.writeFragment(enc.encode('W3000'), 3000);
    expect(h.session.startFragment(5000, enc.encode('S5000'))).toBe(false); // held: the next one does not join
    await closed;
    await h.timers.settle();
    expect(first.ended).toBe(true);
    expect(first.written()).toEqual(['HDR1', 'W1000', 'S3000', 'a']);
    first.persist(3000);
    first.close();
    await h.timers.advance(20);
    await holding;
    expect(held).toBe(true);
    expect(h.fake.connections).toHaveLength(1);

    await h.session.writeFragment(enc.encode('W5000'), 5000);
    h.session.resume();
    await h.timers.settle();
    expect(h.fake.connections).toHaveLength(2);
    expect(h.fake.last.written()).toEqual(['HDR1', 'W5000']); // 3000 is not sent again
    expect(h.of('fragment-persisted').map((e) => e.timecode)).toEqual([1000, 3000]);
    expect(h.store.pending()).toEqual([5000]);
  });

  it('refuses out-of-order use', async () => {
    const h = await harness();
    expect(h.session.startFragment(3000, enc.encode('S3000'))).toBe(false); // no connection yet: goes whole
    expect(() => h.session.startFragment(4000, enc.encode('S4000'))).toThrow(/is open/);
    await expect(h.session.writeFragment(enc.encode('W4000'), 4000)).rejects.toThrow(/is open/);
    await h.session.writeFragment(enc.encode('W3000'), 3000);
    expect(() => h.session.startFragment(3000, enc.encode('S3000'))).toThrow(/not after/);
    await expect(h.session.appendFragment(enc.encode('x'))).rejects.toThrow(/without startFragment/);
  });
});
