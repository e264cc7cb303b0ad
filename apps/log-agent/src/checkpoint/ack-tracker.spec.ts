import { AckTracker } from './ack-tracker';

describe('AckTracker', () => {
  it('moves the checkpoint only over the acknowledged prefix when acks arrive out of order', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    t.sent(10, 25);
    t.sent(25, 40);
    expect(t.acked(25)).toBe(false);
    expect(t.checkpoint).toBe(0);
    expect(t.acked(10)).toBe(false);
    expect(t.checkpoint).toBe(0);
    expect(t.inFlight).toBe(1);
    expect(t.acked(0)).toBe(true);
    expect(t.checkpoint).toBe(40);
    expect(t.settled).toBe(true);
  });

  it('holds the checkpoint at a record that never acknowledges, however many after it do', () => {
    const t = new AckTracker(100);
    for (let i = 0; i < 50; i++) t.sent(100 + i * 10, 110 + i * 10);
    for (let i = 1; i < 50; i++) t.acked(100 + i * 10);
    expect(t.checkpoint).toBe(100);
    expect(t.inFlight).toBe(1);
    expect(t.settled).toBe(false);
  });

  it('counts gaps between records (dropped lines) as done once the record after them acks', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    t.sent(30, 40);
    t.acked(30);
    expect(t.checkpoint).toBe(0);
    t.acked(0);
    expect(t.checkpoint).toBe(40);
  });

  it('passes trailing bytes that need no record only after every record before them acks', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    expect(t.consumedUpTo(50)).toBe(false);
    expect(t.checkpoint).toBe(0);
    expect(t.highWater).toBe(50);
    t.acked(0);
    expect(t.checkpoint).toBe(50);
    expect(t.consumedUpTo(60)).toBe(true);
    expect(t.checkpoint).toBe(60);
    t.sent(60, 70);
    t.acked(60);
    expect(t.checkpoint).toBe(70);
  });

  it('ignores duplicate and unknown acks', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    t.sent(10, 20);
    expect(t.acked(0)).toBe(true);
    expect(t.acked(0)).toBe(false);
    expect(t.acked(5)).toBe(false);
    expect(t.checkpoint).toBe(10);
  });

  it.each([
    ['a range ending before it starts', 10, 5],
    ['a range starting before the previous end', 5, 15],
    ['a fractional offset', 10.5, 20],
  ])('refuses %s', (_name, start, end) => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    expect(() => t.sent(start, end)).toThrow(RangeError);
  });

  it('ignores a record announced again (its chunk handed over again), pending or already committed', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    t.sent(10, 20);
    t.acked(0);
    t.sent(0, 10);
    t.sent(10, 20);
    expect(t.inFlight).toBe(1);
    t.acked(10);
    expect(t.checkpoint).toBe(20);
    t.sent(20, 30);
    // An overlap that is not the same record is still a caller's error.
    expect(() => t.sent(20, 25)).toThrow(RangeError);
  });

  it('refuses to declare bytes inside an announced record as consumed', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    expect(() => t.consumedUpTo(5)).toThrow(RangeError);
  });

  it('forgets pending ranges on reset (truncation): their late acks change nothing', () => {
    const t = new AckTracker(0);
    t.sent(0, 10);
    t.sent(10, 20);
    t.reset(0);
    expect(t.acked(0)).toBe(false);
    expect(t.checkpoint).toBe(0);
    t.sent(0, 5);
    t.acked(0);
    expect(t.checkpoint).toBe(5);
  });

  it('keeps working over many records (compaction keeps the order)', () => {
    const t = new AckTracker(0);
    const n = 5000;
    for (let i = 0; i < n; i++) t.sent(i * 2, i * 2 + 2);
    // Ack evens first, then odds in reverse: the checkpoint jumps only when record 1 (start 2) acks.
    for (let i = 0; i < n; i += 2) t.acked(i * 2);
    expect(t.checkpoint).toBe(2);
    for (let i = n - 1; i >= 1; i -= 2) t.acked(i * 2);
    expect(t.checkpoint).toBe(n * 2);
    expect(t.settled).toBe(true);
  });
});
