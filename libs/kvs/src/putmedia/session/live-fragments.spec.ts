import type { FragmentAck } from '../ack-parser';
import type { ActiveConnection } from './connection-lifecycle';
import { LiveFragments } from './live-fragments';

/** Only what LiveFragments reads of a connection: whether it is closed. */
const conn = (closed = false): ActiveConnection => ({ connection: { closed } }) as unknown as ActiveConnection;
const ack = (eventType: FragmentAck['eventType'], fragmentTimecode: number): FragmentAck => ({ eventType, fragmentTimecode });
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('LiveFragments', () => {
  it('keeps the bytes of the open fragment; joining hands them over; its acks are kept only once it has joined', () => {
    const live = new LiveFragments();
    const open = live.begin(3000, bytes('S'));
    open.chunks.push(bytes('a'));
    expect(live.keep(ack('BUFFERING', 3000), 1)).toBe(false); // not on any connection yet
    const c = conn();
    expect(live.join(c).map((b) => new TextDecoder().decode(b))).toEqual(['S', 'a']);
    expect(live.streamingOn(c)).toBe(true);
    expect(live.keep(ack('BUFFERING', 3000), 2)).toBe(true);
    expect(live.keep(ack('PERSISTED', 1000), 3)).toBe(false); // another fragment: not ours to keep
    const streamed = live.close(c, 50);
    expect(streamed).toEqual({ conn: c, closedAt: 50, bytes: 0 });
    expect(live.current).toBeUndefined();
    expect(live.streamingOn(c)).toBe(false);
    // Closed, not yet stored: its acks are still kept, then taken once.
    expect(live.keep(ack('PERSISTED', 3000), 60)).toBe(true);
    expect(live.take(3000)).toEqual([
      { ack: ack('BUFFERING', 3000), at: 2 },
      { ack: ack('PERSISTED', 3000), at: 60 },
    ]);
    expect(live.take(3000)).toEqual([]);
  });

  it('goes whole when it never joined, its connection broke, or it closes on another or a closed connection', () => {
    const live = new LiveFragments();
    live.begin(1000, bytes('S'));
    expect(live.close(undefined, 1)).toBeUndefined();

    const c = conn();
    live.begin(2000, bytes('S'));
    live.join(c);
    live.broken();
    expect(live.streamingOn(c)).toBe(false);
    expect(live.keep(ack('PERSISTED', 2000), 2)).toBe(false);
    expect(live.close(c, 3)).toBeUndefined();

    live.begin(3000, bytes('S'));
    live.join(c);
    expect(live.close(conn(), 4)).toBeUndefined(); // the live connection is another one now
    expect(live.take(3000)).toEqual([]);

    const closed = conn(true);
    live.begin(4000, bytes('S'));
    live.join(closed);
    expect(live.close(closed, 5)).toBeUndefined();
  });
});
