import type { PutRecordInput, PutResult } from '@tributary/kinesis-producer';
import type { Logger } from 'pino';
import { decodeTelemetry, type TelemetryEnvelope } from '@tributary/schemas';
import { ManualClock } from '../testing/manual-clock';
import { DeviceSimulator, type SimulatorProducer } from './device-simulator';
import { createSeededRandom } from './random-source';

const HOME = { lat: 47.6205, lon: -122.3493 };

/**
 * A producer double (the integration suite runs the real one against the emulator): records every put, answers
 * at once or when told to, and can report a full buffer.
 */
class RecordingProducer implements SimulatorProducer {
  readonly puts: { partitionKey: string; record: TelemetryEnvelope }[] = [];
  private readonly held: (() => void)[] = [];
  writable = true;
  private writableWaiters: (() => void)[] = [];
  constructor(private readonly answerAtOnce = true) {}

  whenWritable(): Promise<void> {
    if (this.writable) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  setWritable(writable: boolean): void {
    this.writable = writable;
    if (writable) for (const resolve of this.writableWaiters.splice(0)) resolve();
  }

  put(input: PutRecordInput): Promise<PutResult> {
    const decoded = decodeTelemetry(input.data as Uint8Array);
    if (!decoded.ok) throw new Error(`the simulator put an invalid record: ${JSON.stringify(decoded.issues)}`);
    this.puts.push({ partitionKey: input.partitionKey, record: decoded.value });
    const result = { shardId: 'shardId-000000000000', sequenceNumber: String(this.puts.length), attempts: 1 };
    if (this.answerAtOnce) return Promise.resolve(result);
    return new Promise((resolve) => this.held.push(() => resolve(result)));
  }

  answerAll(): void {
    for (const answer of this.held.splice(0)) answer();
  }
}

function simulator(producer: SimulatorProducer, clock: ManualClock, options: Partial<ConstructorParameters<typeof DeviceSimulator>[0]> = {}): DeviceSimulator {
  return new DeviceSimulator({ producer, devices: 5, ratePerDevice: 2, home: HOME, clock, random: createSeededRandom(11), ...options });
}

describe('DeviceSimulator', () => {
  it('sends N devices × R records/s, each device in seq order with its id as partition key', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const producer = new RecordingProducer();
    const sim = simulator(producer, clock);
    sim.start();
    await clock.advance(10_000);
    await sim.stop();

    // 5 devices × 2/s = one slot every 100 ms; slots 0..100 fall within [0 s, 10 s].
    expect(producer.puts).toHaveLength(101);
    expect(sim.deviceIds).toEqual(['sim-0001', 'sim-0002', 'sim-0003', 'sim-0004', 'sim-0005']);
    expect(sim.stats()).toEqual({ devices: 5, sent: 101, acknowledged: 101, buffered: 0, failed: 0, inFlight: 0, skipped: 0, running: false });
    for (const [i, id] of sim.deviceIds.entries()) {
      const own = producer.puts.filter((p) => p.record.deviceId === id);
      expect(own.every((p) => p.partitionKey === id)).toBe(true);
      expect(own.map((p) => p.record.seq)).toEqual(Array.from({ length: own.length }, (_, k) => k));
      // Each device every 500 ms, offset by its place in the round.
      expect(own.map((p) => p.record.ts)).toEqual(own.map((_, k) => start + i * 100 + k * 500));
    }
    expect(producer.puts.filter((p) => p.record.deviceId === 'sim-0001')).toHaveLength(21);
  });

  it('starts every device at firstSeq, so a restarted fleet goes on above its previous numbers', async () => {
    const clock = new ManualClock();
    const producer = new RecordingProducer();
    const sim = simulator(producer, clock, { devices: 2, firstSeq: 1_700_000_000_000 });
    sim.start();
    await clock.advance(1_000);
    await sim.stop();
    for (const id of sim.deviceIds) {
      const seqs = producer.puts.filter((p) => p.record.deviceId === id).map((p) => p.record.seq);
      expect(seqs).toEqual(seqs.map((_, k) => 1_700_000_000_000 + k));
    }
  });

  it('puts plausible, schema-valid records', async () => {
    const clock = new ManualClock();
    const producer = new RecordingProducer();
    const sim = simulator(producer, clock, { devices: 20, ratePerDevice: 1 });
    sim.start();
    await clock.advance(60_000);
    await sim.stop();

    expect(producer.puts).toHaveLength(20 * 60 + 1);
    for (const { record } of producer.puts) {
      expect(record).toMatchObject({ schemaVersion: 1, tags: { source: 'simulator', model: 'envsense-2' } });
      expect(Object.keys(record.metrics).sort()).toEqual(['battery_pct', 'humidity_pct', 'temperature_c', 'vibration_g']);
      expect(record.metrics['temperature_c']).toBeGreaterThan(10);
      expect(record.metrics['temperature_c']).toBeLessThan(35);
      expect(record.metrics['humidity_pct']).toBeGreaterThanOrEqual(0);
      expect(record.metrics['humidity_pct']).toBeLessThanOrEqual(100);
      expect(record.metrics['battery_pct']).toBeGreaterThan(0);
      expect(record.metrics['battery_pct']).toBeLessThanOrEqual(100);
      expect(record.metrics['vibration_g']).toBeGreaterThanOrEqual(0);
      expect(record.metrics['vibration_g']).toBeLessThanOrEqual(4);
      expect(Math.abs((record.location?.lat ?? 0) - HOME.lat)).toBeLessThan(0.01);
      expect(Math.abs((record.location?.lon ?? 0) - HOME.lon)).toBeLessThan(0.01);
    }
  });

  it('is reproducible for a seed and clock', async () => {
    const run = async (): Promise<TelemetryEnvelope[]> => {
      const clock = new ManualClock();
      const producer = new RecordingProducer();
      const sim = simulator(producer, clock);
      sim.start();
      await clock.advance(2_000);
      await sim.stop();
      return producer.puts.map((p) => p.record);
    };
    expect(await run()).toEqual(await run());
  });

  it('waits for room when maxInFlight puts are unanswered, then skips what it missed', async () => {
    const clock = new ManualClock();
    const producer = new RecordingProducer(false);
    const sim = simulator(producer, clock, { maxInFlight: 10, maxLagMs: 1_000 });
    const skipped: number[] = [];
    sim.on('skipped', ({ slots }) => skipped.push(slots));
    sim.start();
    await clock.advance(5_000);
    // 51 slots came due, but only 10 puts may be unanswered: the simulator waits instead of queueing.
    expect(producer.puts).toHaveLength(10);
    expect(sim.stats()).toMatchObject({ sent: 10, inFlight: 10, acknowledged: 0 });

    producer.answerAll();
    await clock.advance(0);
    // Room again: the slot it was waiting for goes out (slot 10, due at 1 s); the lag is checked once per round.
    expect(producer.puts).toHaveLength(11);
    expect(producer.puts[10].record.ts).toBe(producer.puts[0].record.ts + 1_000);
    producer.answerAll();
    await clock.advance(110);
    // At the next round (5.01 s) it is 3.9 s behind: the 39 slots older than the newest due one are skipped, not
    // sent in a burst, and the schedule goes on from there (5.0 s, then 5.1 s).
    expect(skipped).toEqual([39]);
    expect(producer.puts).toHaveLength(13);
    expect(producer.puts.slice(11).map((p) => p.record.ts - producer.puts[0].record.ts)).toEqual([5_000, 5_100]);

    const stopped = sim.stop();
    producer.answerAll();
    await stopped;
    expect(sim.stats()).toMatchObject({ sent: 13, acknowledged: 13, inFlight: 0, skipped: 39, running: false });
    // seq stays contiguous per device across the skip: it counts records sent, not slots.
    for (const id of sim.deviceIds) {
      const seqs = producer.puts.filter((p) => p.record.deviceId === id).map((p) => p.record.seq);
      expect(seqs).toEqual(seqs.map((_, k) => k));
    }
  });

  it('waits while the producer is not writable, and stops promptly even then', async () => {
    const clock = new ManualClock();
    const producer = new RecordingProducer();
    const sim = simulator(producer, clock);
    sim.start();
    await clock.advance(1_000);
    expect(producer.puts).toHaveLength(11);
    producer.setWritable(false);
    await clock.advance(1_000);
    // Nothing is put while the producer's buffer is full: no puts pile up waiting inside it.
    expect(producer.puts).toHaveLength(11);
    producer.setWritable(true);
    await clock.advance(0);
    // The slot it was waiting on goes out; the next round catches up within maxLagMs (1 s): 1.1 s … 2.0 s.
    expect(producer.puts).toHaveLength(12);
    await clock.advance(10);
    expect(producer.puts).toHaveLength(21);
    producer.setWritable(false);
    await clock.advance(500);
    await sim.stop();
    expect(sim.stats()).toMatchObject({ sent: 21, running: false });
  });

  it('a record the durable buffer took (put resolves `buffered`) counts as buffered, not acknowledged', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const producer: SimulatorProducer = {
      writable: true,
      whenWritable: () => Promise.resolve(),
      put: () => Promise.resolve(++calls % 2 === 0 ? { status: 'buffered', seq: calls } : { status: 'delivered', result: { shardId: 's', sequenceNumber: String(calls), attempts: 1 } }),
    };
    const sim = simulator(producer, clock);
    const buffered: string[] = [];
    sim.on('buffered', ({ deviceId, seq }) => buffered.push(`${deviceId}#${seq}`));
    sim.start();
    await clock.advance(1_000);
    await sim.stop();
    expect(sim.stats()).toMatchObject({ sent: 11, acknowledged: 6, buffered: 5, failed: 0 });
    expect(buffered[0]).toBe('sim-0002#0');
  });

  it('a stalled uplink skips readings on every wake-up but logs it at most once per 10 s (issue 12: the log flooded)', async () => {
    const clock = new ManualClock();
    const producer = new RecordingProducer(false);
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => void warnings.push(obj), debug: () => undefined, info: () => undefined, error: () => undefined } as unknown as Logger;
    const sim = simulator(producer, clock, { maxInFlight: 5, logger });
    sim.start();
    // Kinesis answers once every 2 s for a minute: each answer lets the simulator wake up behind schedule and skip.
    for (let t = 0; t < 60_000; t += 2_000) {
      await clock.advance(2_000);
      producer.answerAll();
    }
    const stopped = sim.stop();
    producer.answerAll();
    await stopped;
    const skipEvents = sim.stats().skipped;
    expect(skipEvents).toBeGreaterThan(400);
    expect(warnings.length).toBeGreaterThanOrEqual(5);
    expect(warnings.length).toBeLessThanOrEqual(7);
  });

  it('counts a put that fails and goes on', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const producer: SimulatorProducer = {
      writable: true,
      whenWritable: () => Promise.resolve(),
      put: () => (++calls === 2 ? Promise.reject(new Error('expired')) : Promise.resolve({ shardId: 's', sequenceNumber: String(calls), attempts: 1 })),
    };
    const sim = simulator(producer, clock);
    const failures: string[] = [];
    sim.on('failed', ({ deviceId, seq, error }) => failures.push(`${deviceId}#${seq}: ${error.message}`));
    sim.start();
    await clock.advance(1_000);
    await sim.stop();
    expect(failures).toEqual(['sim-0002#0: expired']);
    expect(sim.stats()).toMatchObject({ sent: 11, acknowledged: 10, failed: 1 });
  });
});
