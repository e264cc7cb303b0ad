import type { FragmentAck } from './ack-parser';
import { FragmentTracker } from './fragment-tracker';

class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
}

const ack = (eventType: FragmentAck['eventType'], fragmentTimecode: number, fragmentNumber?: string): FragmentAck => ({
  eventType,
  fragmentTimecode,
  ...(fragmentNumber ? { fragmentNumber } : {}),
});

function setup(timecodes: number[]): { clock: FakeClock; tracker: FragmentTracker } {
  const clock = new FakeClock();
  const tracker = new FragmentTracker(clock);
  for (const tc of timecodes) tracker.enqueue(tc, 1000);
  return { clock, tracker };
}

describe('FragmentTracker', () => {
  it('walks queued → sent → buffering → received → persisted and measures sent → PERSISTED latency', () => {
    const { clock, tracker } = setup([1000]);
    expect(tracker.nextToSend()?.timecode).toBe(1000);
    clock.t += 5;
    tracker.markSent(1000);
    expect(tracker.nextToSend()).toBeUndefined();
    clock.t += 10;
    expect(tracker.applyAck(ack('BUFFERING', 1000))).toMatchObject({ from: 'sent', to: 'buffering', changed: true });
    clock.t += 20;
    expect(tracker.applyAck(ack('RECEIVED', 1000))).toMatchObject({ from: 'buffering', to: 'received', changed: true });
    clock.t += 12;
    const t = tracker.applyAck(ack('PERSISTED', 1000, '91343852333181432392682062607743920146159169392'));
    expect(t).toMatchObject({ from: 'received', to: 'persisted', changed: true });
    expect(t?.fragment).toMatchObject({ ackLatencyMs: 42, fragmentNumber: '91343852333181432392682062607743920146159169392', sendCount: 1 });
    expect(tracker.takeSettled().map((f) => f.timecode)).toEqual([1000]);
    expect(tracker.size).toBe(0);
  });

  it('accepts skipped states and ignores repeated or backward acks and unknown timecodes', () => {
    const { tracker } = setup([1, 2]);
    tracker.markSent(1);
    expect(tracker.applyAck(ack('PERSISTED', 1))).toMatchObject({ from: 'sent', to: 'persisted', changed: true });
    expect(tracker.applyAck(ack('RECEIVED', 1))).toMatchObject({ changed: false, to: 'persisted' });
    expect(tracker.applyAck(ack('PERSISTED', 1))).toMatchObject({ changed: false });
    expect(tracker.applyAck(ack('PERSISTED', 99))).toBeUndefined();
    expect(tracker.applyAck({ eventType: 'IDLE' })).toBeUndefined();
    expect(tracker.applyAck({ eventType: 'ERROR', fragmentTimecode: 2 })).toBeUndefined();
  });

  it('refuses timecodes that do not increase strictly', () => {
    const { tracker } = setup([10]);
    expect(() => tracker.enqueue(10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => tracker.enqueue(9)).toThrow(/not after the previous one/);
    expect(() => tracker.enqueue(Number.NaN)).toThrow(/finite/);
    expect(tracker.enqueue(11).timecode).toBe(11);
  });

  it('after a lost connection resends from the first fragment not persisted, in order, skipping persisted and failed ones', () => {
    const { clock, tracker } = setup([0, 2000, 4000, 6000, 8000, 10000]);
    for (const tc of [0, 2000, 4000, 6000, 8000]) tracker.markSent(tc); // 10000 not written yet
    tracker.applyAck(ack('PERSISTED', 0));
    tracker.applyAck(ack('RECEIVED', 2000));
    tracker.applyAck(ack('BUFFERING', 4000));
    tracker.applyAck(ack('PERSISTED', 6000)); // out of order: already stored, must not be sent twice
    tracker.markFailed(8000, 'INVALID_MKV_DATA'); // refused for good: never resent

    expect(tracker.resumeTimecode()).toBe(2000);
    const resend = tracker.connectionLost();
    expect(resend.map((f) => f.timecode)).toEqual([2000, 4000, 10000]);
    expect(resend.every((f) => f.state === 'queued')).toBe(true);
    expect(tracker.inFlight).toBe(0);

    // The caller deletes 0 from its spool now; 6000 and 8000 wait until 2000 and 4000 settle.
    expect(tracker.takeSettled().map((f) => f.timecode)).toEqual([0]);

    // On the new connection: sent again in order, latency from the new send.
    clock.t += 1000;
    for (let f = tracker.nextToSend(); f; f = tracker.nextToSend()) tracker.markSent(f.timecode);
    expect(tracker.get(2000)).toMatchObject({ state: 'sent', sendCount: 2 });
    expect(tracker.get(10000)).toMatchObject({ state: 'sent', sendCount: 1 });
    clock.t += 30;
    expect(tracker.applyAck(ack('PERSISTED', 2000))?.fragment.ackLatencyMs).toBe(30);
    tracker.applyAck(ack('PERSISTED', 4000));
    expect(tracker.takeSettled().map((f) => [f.timecode, f.state])).toEqual([
      [2000, 'persisted'],
      [4000, 'persisted'],
      [6000, 'persisted'],
      [8000, 'failed'],
    ]);
    expect(tracker.resumeTimecode()).toBe(10000);
    expect(tracker.unsettled).toBe(1);
  });

  it('counts queued, in-flight and unsettled fragments', () => {
    const { tracker } = setup([1, 2, 3, 4]);
    tracker.markSent(1);
    tracker.markSent(2);
    tracker.applyAck(ack('BUFFERING', 2));
    tracker.applyAck(ack('PERSISTED', 1));
    expect({ queued: tracker.queued, inFlight: tracker.inFlight, unsettled: tracker.unsettled, size: tracker.size }).toEqual({
      queued: 2,
      inFlight: 1,
      unsettled: 3,
      size: 4,
    });
    expect(() => tracker.markSent(2)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('keeps a persisted fragment persisted when a late failure names it', () => {
    const { tracker } = setup([1]);
    tracker.markSent(1);
    tracker.applyAck(ack('PERSISTED', 1));
    expect(tracker.markFailed(1, 'X')?.state).toBe('persisted');
    expect(tracker.markFailed(5, 'X')).toBeUndefined();
  });

  it('a fragment streamed frame by frame: sent at its close, acks that came while it was stored applied at their own times', () => {
    const { clock, tracker } = setup([1000]);
    const closedAt = clock.t;
    clock.t += 30; // the store took 30 ms; RECEIVED came at +4, PERSISTED at +6
    tracker.markSent(1000, closedAt);
    tracker.applyAck(ack('RECEIVED', 1000), closedAt + 4);
    const t = tracker.applyAck(ack('PERSISTED', 1000), closedAt + 6);
    expect(t?.fragment).toMatchObject({ sentAt: closedAt, receivedAt: closedAt + 4, persistedAt: closedAt + 6, ackLatencyMs: 6 });
  });
});
