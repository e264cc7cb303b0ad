import { equalJitterDelayMs as backoffDelayMs } from '@tributary/runtime';
import { seededRandom } from '@tributary/runtime/testing';
import { ReadPacer, type ReadPacerOptions } from './read-pacer';

const OPTIONS: ReadPacerOptions = {
  maxCallsPerSecond: 5,
  maxBytesPerSecond: 2 * 1024 * 1024,
  idleTimeBetweenReadsMs: 200,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 5_000,
};
const MIB = 1024 * 1024;

/** Calls as fast as the pacer allows, `behind` every time, and returns the call times. */
function drive(pacer: ReadPacer, calls: number, outcome: { bytes: number; millisBehindLatest: number; records: number }): number[] {
  const times: number[] = [];
  let now = 0;
  for (let i = 0; i < calls; i++) {
    now += pacer.delayMs(now);
    pacer.onCall(now);
    times.push(now);
    pacer.onResult(now, outcome);
  }
  return times;
}

describe('ReadPacer', () => {
  it('reads a backlog back to back, then at 5 calls per second', () => {
    const times = drive(new ReadPacer(OPTIONS, 0), 15, { bytes: 100, millisBehindLatest: 5_000, records: 100 });
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(times.slice(5)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
    // Within the service's own bucket (capacity 5, 5 per second): never more than 5 + 5·t/1000 calls in t ms.
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) expect(j - i + 1).toBeLessThanOrEqual(5 + (5 * (times[j] - times[i])) / 1000 + 1e-9);
    }
  });

  it('waits the idle time, counted from the previous call start, when caught up', () => {
    const pacer = new ReadPacer(OPTIONS, 0);
    pacer.onCall(0);
    pacer.onResult(30, { bytes: 0, millisBehindLatest: 0, records: 0 });
    expect(pacer.delayMs(30)).toBe(170);
    expect(pacer.delayMs(200)).toBe(0);
  });

  it('treats a caught-up page with records as caught up, and any MillisBehindLatest > 0 as behind', () => {
    const pacer = new ReadPacer(OPTIONS, 0);
    pacer.onCall(0);
    pacer.onResult(5, { bytes: 10, millisBehindLatest: 0, records: 3 });
    expect(pacer.delayMs(5)).toBe(195);
    pacer.onCall(200);
    pacer.onResult(205, { bytes: 10, millisBehindLatest: 1, records: 3 });
    expect(pacer.delayMs(205)).toBe(0);
  });

  it('without MillisBehindLatest, idles after an empty page only', () => {
    const pacer = new ReadPacer(OPTIONS, 0);
    pacer.onCall(0);
    pacer.onResult(1, { bytes: 10, millisBehindLatest: undefined as unknown as number, records: 1 });
    expect(pacer.delayMs(1)).toBe(0);
    pacer.onCall(1);
    pacer.onResult(2, { bytes: 0, millisBehindLatest: undefined as unknown as number, records: 0 });
    expect(pacer.delayMs(2)).toBe(199);
  });

  it('holds reads while 2 MiB/s is overdrawn: a 10 MiB response costs the next ~4 s', () => {
    const pacer = new ReadPacer(OPTIONS, 0);
    pacer.onCall(0);
    pacer.onResult(0, { bytes: 10 * MIB, millisBehindLatest: 60_000, records: 10 });
    // 2 MiB in the bucket − 10 MiB = −8 MiB: 4 s to refill to one byte.
    expect(pacer.delayMs(0)).toBe(4001);
    expect(pacer.delayMs(4001)).toBe(0);
  });

  it('keeps the average at 2 MiB/s for a stream of 1-MiB responses', () => {
    const times = drive(new ReadPacer(OPTIONS, 0), 21, { bytes: MIB, millisBehindLatest: 10_000, records: 1 });
    // A read goes out while the bucket holds a byte and may overdraw it by its own size (as the service allows):
    // the 21st MiB starts once 2 MiB (full bucket) + 2 MiB/s · t ≥ 20 MiB, i.e. at 9 s.
    expect(times[20]).toBeGreaterThanOrEqual(9_000);
    expect(times[20]).toBeLessThan(9_100);
  });

  it('backs off after throttling with growing, jittered delays, halving the call rate; success resets', () => {
    let r = 0;
    const randoms = [0, 1, 0.5];
    const pacer = new ReadPacer(OPTIONS, 0, () => randoms[r++ % randoms.length]);
    pacer.onCall(0);
    expect(pacer.onFailure(0, true)).toBe(100); // ceiling 200, equal jitter with random 0 → 100
    expect(pacer.callsPerSecond).toBe(2.5);
    expect(pacer.delayMs(0)).toBe(400); // …but the emptied bucket refills at 2.5 calls/s
    pacer.onCall(400);
    expect(pacer.onFailure(400, true)).toBe(400); // ceiling 400, random 1
    expect(pacer.delayMs(400)).toBe(800); // 1.25 calls/s
    pacer.onCall(1200);
    expect(pacer.onFailure(1200, false)).toBe(600); // ceiling 800, random 0.5; not throttling: the rate stays
    expect(pacer.callsPerSecond).toBe(1.25);
    expect(pacer.consecutiveFailures).toBe(3);
    pacer.onCall(2000);
    pacer.onResult(2010, { bytes: 1, millisBehindLatest: 100, records: 1 });
    expect(pacer.consecutiveFailures).toBe(0);
    expect(pacer.callsPerSecond).toBeCloseTo(1.35);
  });

  it('halves the call rate down to its floor and raises it additively back to the maximum', () => {
    const pacer = new ReadPacer(OPTIONS, 0);
    for (let i = 0; i < 10; i++) pacer.onFailure(0, true);
    expect(pacer.callsPerSecond).toBe(0.5);
    for (let i = 0; i < 40; i++) pacer.onResult(0, { bytes: 1, millisBehindLatest: 100, records: 1 });
    expect(pacer.callsPerSecond).toBeCloseTo(4.5);
    for (let i = 0; i < 10; i++) pacer.onResult(0, { bytes: 1, millisBehindLatest: 100, records: 1 });
    expect(pacer.callsPerSecond).toBe(5);
  });

  it('lets readers sharing the service bucket all progress (AIMD), where fixed-rate readers starve all but one', () => {
    const shares = (options: ReadPacerOptions, readers: number, seed: number): number[] => simulateSharedShard(options, readers, 20_000, seed);
    for (const seed of [1, 2, 3]) {
      const two = shares(OPTIONS, 2, seed);
      expect(Math.min(...two) / Math.max(...two)).toBeGreaterThan(0.4);
      expect(two[0] + two[1]).toBeGreaterThanOrEqual(95); // the service admits 5 + 5/s · 20 s = 105 calls
      const three = shares(OPTIONS, 3, seed);
      expect(Math.min(...three)).toBeGreaterThan(15);
    }
    // The same readers without rate adaptation: one takes nearly everything.
    const fixed = shares({ ...OPTIONS, minCallsPerSecond: 5 }, 2, 1);
    expect(Math.min(...fixed) / Math.max(...fixed)).toBeLessThan(0.2);
  });
});

/**
 * Readers that always have work, against a service bucket of 5 calls/s, with 1–8 ms of random network delay
 * between a reader's decision and the service (without it every call lands on the millisecond its bucket refills,
 * which no network does). Returns the calls served per reader.
 */
function simulateSharedShard(options: ReadPacerOptions, readers: number, ms: number, seed: number): number[] {
  const random = seededRandom(seed);
  const pacers = Array.from({ length: readers }, () => new ReadPacer(options, 0, random));
  const served = pacers.map(() => 0);
  const inFlight = new Map<number, number>(); // reader → arrival time at the service
  let tokens = 5;
  for (let now = 0; now <= ms; now++) {
    tokens = Math.min(5, tokens + 5 / 1000);
    pacers.forEach((p, i) => {
      if (!inFlight.has(i) && p.delayMs(now) === 0) {
        p.onCall(now);
        inFlight.set(i, now + 1 + Math.floor(random() * 8));
      }
    });
    const arriving = [...inFlight].filter(([, at]) => at === now).map(([i]) => i);
    for (const i of arriving.sort(() => random() - 0.5)) {
      inFlight.delete(i);
      if (tokens >= 1) {
        tokens -= 1;
        served[i]++;
        pacers[i].onResult(now + 1, { bytes: 1, millisBehindLatest: 1_000, records: 1 });
      } else pacers[i].onFailure(now + 1, true);
    }
  }
  return served;
}


describe('backoffDelayMs', () => {
  it.each([
    [1, 0, 100],
    [1, 1, 200],
    [3, 1, 800],
    [10, 1, 5_000],
    [10, 0, 2_500],
  ])('attempt %i with random %d → %i ms', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, 200, 5_000, () => random)).toBe(expected);
  });
});
