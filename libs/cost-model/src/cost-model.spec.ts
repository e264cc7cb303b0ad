/**
 * Worked examples, each figure redone by hand (the arithmetic is in the comments) against the us-east-1 prices of
 * prices.ts. A month is 730 h = 2,628,000 s; GB is 2^30 bytes.
 */
import { DEFAULT_COST_INPUTS, HEARTBEAT_PROTOCOL, KCL_DEFAULT_PROTOCOL, PER_LEASE_PROTOCOL, type CostInputs } from './cost-inputs';
import type { CostLine } from './cost-line';
import { CostModelError } from './cost-model-error';
import { estimateMonthlyCost } from './cost-model';

type Overrides = { [K in keyof CostInputs]?: Partial<CostInputs[K]> };

function inputs(overrides: Overrides = {}): CostInputs {
  return {
    telemetry: { ...DEFAULT_COST_INPUTS.telemetry, ...overrides.telemetry },
    consumer: { ...DEFAULT_COST_INPUTS.consumer, ...overrides.consumer },
    state: { ...DEFAULT_COST_INPUTS.state, ...overrides.state },
    video: { ...DEFAULT_COST_INPUTS.video, ...overrides.video },
  };
}

function line(lines: readonly CostLine[], item: string): CostLine {
  const found = lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line "${item}" in ${lines.map((l) => l.item).join(', ')}`);
  return found;
}

describe('1,000 devices, one 200-B record a second each, KPL aggregation, provisioned, 2 workers, heartbeat leases', () => {
  const estimate = estimateMonthlyCost(inputs());

  it('derives 1 shard and 10 aggregates/s of 20,000 B', () => {
    // 1,000 records/s × 200 B = 200,000 B/s < 1 MiB/s: 1 shard. Aggregates: min(1,000, max(200,000 / 51,200 = 3.9,
    // 1 shard × 1,000 / 100 ms = 10)) = 10/s, each 200,000 / 10 = 20,000 B: one PUT payload unit (≤ 25,600 B).
    expect(estimate.traffic).toMatchObject({ shards: 1, kinesisRecordsPerSecond: 10, kinesisRecordBytes: 20_000, putPayloadUnitsPerSecond: 10 });
  });

  it('prices the stream: shard-hours and PUT payload units', () => {
    // 1 × 730 h × $0.015 = $10.95
    expect(line(estimate.lines, 'shard-hours').monthlyUsd).toBeCloseTo(10.95, 9);
    // 10 units/s × 2,628,000 s = 26.28 M × $0.014 = $0.36792
    expect(line(estimate.lines, 'PUT payload units')).toMatchObject({ quantity: 26.28 });
    expect(line(estimate.lines, 'PUT payload units').monthlyUsd).toBeCloseTo(0.36792, 9);
  });

  it("prices the lease table from the heartbeat protocol's rates", () => {
    // Writes: 2 workers × 1,000 / 975 = 2.051282 heartbeats/s + 1 shard × min(1,000 / 5,000 = 0.2, 10) = 0.2
    // checkpoints/s = 2.251282/s, 1 WRU each (200-B heartbeat, 300-B lease); × 2,628,000 = 5.916369 M × $0.625 = $3.697731.
    expect(estimate.leaseTable.writesPerSecond).toBeCloseTo(2.251282, 6);
    expect(line(estimate.lines, 'lease table writes (heartbeat)').monthlyUsd).toBeCloseTo(3.697731, 5);
    // Reads: 2 workers × ⌈300 B / 4 KiB⌉ = 1 RRU per sweep / 60 s = 0.033333 + 2 workers × ⌈2 × 200 B / 4 KiB⌉ = 1 RRU
    // per heartbeat read each second = 2.033333 RRU/s × 2,628,000 = 5.3436 M × $0.125 = $0.66795.
    expect(line(estimate.lines, 'lease table reads (heartbeat)').monthlyUsd).toBeCloseTo(0.66795, 6);
  });

  it("per-lease instead: a renewal per lease per 975 ms and a scan per worker per second", () => {
    const perLease = estimateMonthlyCost(inputs({ consumer: { lease: PER_LEASE_PROTOCOL } }));
    // 1 × 1,000 / 975 + 0.2 = 1.225641 WRU/s → 3.220985 M × $0.625 = $2.013115; 2 RRU/s → 5.256 M × $0.125 = $0.657.
    expect(line(perLease.lines, 'lease table writes (per-lease)').monthlyUsd).toBeCloseTo(2.013115, 5);
    expect(line(perLease.lines, 'lease table reads (per-lease)').monthlyUsd).toBeCloseTo(0.657, 9);
  });

  it('prices device state and rollups, which dominate', () => {
    // 1,000 devices × min(1/s, 5 batches/s) × 1 WRU = 1,000 WRU/s × 2,628,000 = 2,628 M × $0.625 = $1,642.50
    expect(line(estimate.lines, 'device-state writes').monthlyUsd).toBeCloseTo(1642.5, 6);
    // 1,000 × 4 metrics / 60 s = 66.667 items/s × 2,628,000 = 175.2 M × $0.625 = $109.50
    expect(line(estimate.lines, 'rollup writes').monthlyUsd).toBeCloseTo(109.5, 6);
    // 66.667/s × 30 d × 86,400 s = 172,800,000 items × 250 B = 43.2e9 B / 2^30 = 40.2331 GB × $0.25 = $10.0583
    expect(line(estimate.lines, 'rollup storage (30-day TTL)').monthlyUsd).toBeCloseTo(10.0583, 4);
    // 1,000 × 400 B / 2^30 = 0.00037253 GB × $0.25 = $0.0000931
    expect(line(estimate.lines, 'device-state storage').monthlyUsd).toBeCloseTo(0.0000931, 7);
  });

  it('adds up to the total, per 1,000 devices, with no video', () => {
    // 10.95 + 0.36792 + 3.697731 + 0.66795 + 1,642.5 + 0.0000931 + 109.5 + 10.0583 = 1,777.7420
    expect(estimate.totalUsd).toBeCloseTo(1777.742, 3);
    expect(estimate.perThousandDevicesUsd).toBeCloseTo(1777.742, 3);
    expect(estimate.byService['Kinesis Data Streams']).toBeCloseTo(11.31792, 6);
    expect(estimate.perCameraUsd).toBeUndefined();
    expect(estimate.lines.every((l) => l.part === 'telemetry')).toBe(true);
  });

  it('writes each formula out with its numbers', () => {
    expect(line(estimate.lines, 'shard-hours').formula).toBe(
      '1 shards (max(1, ⌈200,000 B/s / 1 MiB/s⌉, ⌈10 Kinesis records/s / 1,000⌉)) × 730 h = 730 shard-hour × $0.015 = $10.95',
    );
    expect(line(estimate.lines, 'device-state writes').formula).toBe(
      '1,000 devices × min(1 records/s, 1,000 / 200 ms batches) × 1 WRU × 2,628,000 s / 10^6 = 2,628 million write request units × $0.625 = $1,642.50',
    );
  });
});

describe('one camera for a month: 2 Mbit/s, 7 days kept, 30 hours watched', () => {
  const estimate = estimateMonthlyCost(inputs({ telemetry: { devices: 0 }, video: { cameras: 1, bitrateKbps: 2_000, retentionHours: 168, hoursWatchedPerMonth: 30 } }));

  it('prices ingest, storage and HLS', () => {
    // 2,000 kbit/s = 250,000 B/s; × 2,628,000 s = 657e9 B / 2^30 = 611.8786 GB × $0.0085 = $5.20097
    expect(line(estimate.lines, 'media ingested').monthlyUsd).toBeCloseTo(5.20097, 4);
    // 250,000 B/s × 168 h × 3,600 = 151.2e9 B / 2^30 = 140.8160 GB × $0.023 = $3.23877
    expect(line(estimate.lines, 'media stored').monthlyUsd).toBeCloseTo(3.23877, 4);
    // 30 h × 3,600 × 250,000 B/s = 27e9 B / 2^30 = 25.1457 GB × $0.0119 = $0.299234
    expect(line(estimate.lines, 'media watched (HLS/DASH/clips)').monthlyUsd).toBeCloseTo(0.299234, 5);
    // 5.20097 + 3.23877 + 0.299234 = 8.738974
    expect(estimate.perCameraUsd).toBeCloseTo(8.738974, 4);
    expect(estimate.totalUsd).toBeCloseTo(8.738974, 4);
    expect(estimate.lines.map((l) => l.service)).toEqual(['Kinesis Video Streams', 'Kinesis Video Streams', 'Kinesis Video Streams']);
  });

  it('stores nothing at retention 0', () => {
    const live = estimateMonthlyCost(inputs({ telemetry: { devices: 0 }, video: { cameras: 10, retentionHours: 0 } }));
    expect(live.lines.map((l) => l.item)).toEqual(['media ingested']);
  });
});

describe('capacity modes and options', () => {
  it('on-demand: 4 shards at least, records rounded up to 1 KiB, a stream-hour, data in and retrieved', () => {
    const estimate = estimateMonthlyCost(inputs({ telemetry: { capacityMode: 'on-demand' } }));
    // Aggregates: min(1,000, max(3.9, 4 shards × 10)) = 40/s of 5,000 B → billed 5 × 1,024 = 5,120 B.
    // 40 × 5,120 = 204,800 B/s × 2,628,000 s / 2^30 = 501.25122 GB.
    expect(estimate.traffic).toMatchObject({ shards: 4, kinesisRecordsPerSecond: 40, kinesisRecordBytes: 5_000 });
    expect(line(estimate.lines, 'on-demand stream-hours').monthlyUsd).toBeCloseTo(29.2, 9); // 730 × $0.04
    expect(line(estimate.lines, 'on-demand data in').monthlyUsd).toBeCloseTo(40.100098, 5); // × $0.08
    expect(line(estimate.lines, 'on-demand data retrieved (polling)').monthlyUsd).toBeCloseTo(20.050049, 5); // × $0.04
    expect(estimate.lines.some((l) => l.item === 'shard-hours')).toBe(false);
  });

  it('without aggregation the 1,000 records/s per shard binds before the bytes', () => {
    const estimate = estimateMonthlyCost(inputs({ telemetry: { devices: 5_000, recordBytes: 100, aggregation: false } }));
    // 5,000 records/s of 100 B = 500,000 B/s (1 shard by bytes) but 5,000 / 1,000 = 5 shards by records.
    expect(estimate.traffic).toMatchObject({ shards: 5, kinesisRecordsPerSecond: 5_000, putPayloadUnitsPerSecond: 5_000 });
    expect(line(estimate.lines, 'shard-hours').monthlyUsd).toBeCloseTo(54.75, 9); // 5 × 730 × $0.015
    expect(line(estimate.lines, 'PUT payload units').monthlyUsd).toBeCloseTo(183.96, 6); // 5,000 × 2,628,000 = 13,140 M × $0.014
  });

  it('a 50-KiB record costs 2 PUT payload units', () => {
    const estimate = estimateMonthlyCost(inputs({ telemetry: { devices: 10, recordBytes: 50 * 1024, aggregation: false } }));
    expect(estimate.traffic.putPayloadUnitsPerSecond).toBe(20); // 10 records/s × ⌈51,200 / 25,600⌉
  });

  it('30 days of retention: extended retention per shard-hour and the days past 7 as long-term GB-months', () => {
    const estimate = estimateMonthlyCost(inputs({ telemetry: { retentionHours: 720 } }));
    expect(line(estimate.lines, 'extended retention (24 h to 7 days)').monthlyUsd).toBeCloseTo(14.6, 9); // 1 × 730 × $0.02
    // 200,000 B/s × (720 − 168) h × 3,600 = 397.44e9 B / 2^30 = 370.1466 GB × $0.023 = $8.51337
    expect(line(estimate.lines, 'long-term retention (beyond 7 days)').monthlyUsd).toBeCloseTo(8.51337, 4);
  });

  it('enhanced fan-out: consumer-shard-hours and data retrieved', () => {
    const estimate = estimateMonthlyCost(inputs({ telemetry: { efoConsumers: 2, shards: 4 } }));
    expect(line(estimate.lines, 'enhanced fan-out consumer-shard-hours').monthlyUsd).toBeCloseTo(87.6, 9); // 2 × 4 × 730 × $0.015
    // 2 × 200,000 B/s × 2,628,000 s = 1.0512e12 B / 2^30 = 979.0057 GB × $0.013 = $12.72707
    expect(line(estimate.lines, 'enhanced fan-out data retrieved').monthlyUsd).toBeCloseTo(12.72707, 4);
  });

  it('rollups only for minutes with readings, and none when the tables are off', () => {
    const sparse = estimateMonthlyCost(inputs({ telemetry: { recordsPerDevicePerSecond: 1 / 300 } }));
    // One reading per 5 minutes: 1,000 × 4 × (60 / 300 = 0.2) / 60 = 13.333 items/s × 2,628,000 = 35.04 M × $0.625
    expect(line(sparse.lines, 'rollup writes').monthlyUsd).toBeCloseTo(21.9, 6);
    const off = estimateMonthlyCost(inputs({ state: { deviceState: false, rollupTable: false } }));
    expect(off.lines.map((l) => l.item)).toEqual(['shard-hours', 'PUT payload units', 'lease table writes (heartbeat)', 'lease table reads (heartbeat)']);
  });
});

describe('lease protocols at 1,000 shards and 20 workers', () => {
  // 100,000 devices × 1/s × 200 B, 1,000 shards given: aggregates min(100,000, max(390.6, 1,000 × 10)) = 10,000/s,
  // 10 per shard, so each shard has a batch to checkpoint at every opportunity.
  const at = (lease: typeof PER_LEASE_PROTOCOL) =>
    estimateMonthlyCost(inputs({ telemetry: { devices: 100_000, shards: 1_000 }, consumer: { workers: 20, lease } })).leaseTable;

  it('per-lease: a renewal per lease per 975 ms, coalesced checkpoints, a full scan per worker per second', () => {
    const rates = at(PER_LEASE_PROTOCOL);
    expect(rates.renewalsPerSecond).toBeCloseTo(1025.641, 3); // 1,000 × 1,000 / 975
    expect(rates.checkpointsPerSecond).toBeCloseTo(200, 9); // 1,000 × min(1,000 / 5,000, 10)
    // 20 workers × ⌈1,000 × 300 B / 4,096⌉ = 74 RRU per scan, once a second
    expect(rates.readUnitsPerSecond).toBeCloseTo(1_480, 9);
  });

  it("KCL's defaults: renewals every 3,308 ms, scans every 20,050 ms, checkpoints per 1,500-ms batch", () => {
    const rates = at(KCL_DEFAULT_PROTOCOL);
    expect(rates.renewalsPerSecond).toBeCloseTo(302.297, 3); // 1,000 × 1,000 / 3,308
    expect(rates.checkpointsPerSecond).toBeCloseTo(666.667, 3); // 1,000 × 1,000 / 1,500
    expect(rates.readUnitsPerSecond).toBeCloseTo(73.815, 3); // 20 × 74 × 1,000 / 20,050
  });

  it('heartbeat: writes grow with workers, not shards, besides coalesced checkpoints', () => {
    const rates = at(HEARTBEAT_PROTOCOL);
    expect(rates.renewalsPerSecond).toBe(0);
    expect(rates.heartbeatsPerSecond).toBeCloseTo(20.513, 3); // 20 workers × 1,000 / 975
    expect(rates.checkpointsPerSecond).toBeCloseTo(200, 9); // 1,000 × 1,000 / 5,000
    // Leases swept every 60 s: 20 × 74 / 60 = 24.667; heartbeats read every second: 20 × ⌈20 × 200 / 4,096⌉ = 20
    expect(rates.readUnitsPerSecond).toBeCloseTo(44.667, 3);
    expect(rates.writesPerSecond).toBeLessThan(at(KCL_DEFAULT_PROTOCOL).writesPerSecond);
  });
});

describe('invalid inputs are refused with the field named', () => {
  it.each<[string, Overrides, string]>([
    ['negative devices', { telemetry: { devices: -1 } }, 'telemetry.devices'],
    ['fractional devices', { telemetry: { devices: 1.5 } }, 'telemetry.devices'],
    ['retention under 24 h', { telemetry: { retentionHours: 12 } }, 'telemetry.retentionHours'],
    ['retention over a year', { telemetry: { retentionHours: 9_000 } }, 'telemetry.retentionHours'],
    ['no workers', { consumer: { workers: 0 } }, 'consumer.workers'],
    ['NaN bitrate', { video: { bitrateKbps: Number.NaN } }, 'video.bitrateKbps'],
    ['more than 50 EFO consumers', { telemetry: { efoConsumers: 51 } }, 'telemetry.efoConsumers'],
    ['video retention under an hour', { video: { retentionHours: 0.5 } }, 'video.retentionHours'],
  ])('%s', (_name, overrides, field) => {
    let error: unknown;
    try {
      estimateMonthlyCost(inputs(overrides));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CostModelError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field, retriable: false });
    expect((error as Error).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  });
});
