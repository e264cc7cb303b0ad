/**
 * What a deployment looks like to the cost model: the telemetry fleet and its stream, the consumer fleet and its
 * lease protocol, the consumer's DynamoDB tables, and the cameras and their viewers. Every figure is per second or
 * per month of steady state; the model does not simulate bursts.
 *
 * The defaults mirror the platform's own: the producer's (libs/kinesis-producer/src/defaults.ts: 51,200-byte
 * aggregates, 100-ms linger) and the consumer's (libs/kinesis-consumer/src/defaults.ts: the heartbeat lease
 * protocol, 3-s leases, checkpoints coalesced to one per shard per 5 s, a batch per 200-ms poll). This lib is
 * `scope:shared` and may not import those libs; the CLI, which may, checks in a spec that the two agree.
 */
import { CostModelError } from './cost-model-error';

export type CapacityMode = 'provisioned' | 'on-demand';

export interface TelemetryInputs {
  /** Devices sending telemetry. */
  readonly devices: number;
  /** Records per device per second (0.1 = one every 10 s). */
  readonly recordsPerDevicePerSecond: number;
  /** Bytes of one record as put (data + partition key). */
  readonly recordBytes: number;
  readonly capacityMode: CapacityMode;
  /** KPL aggregation in the producer (on by default). */
  readonly aggregation: boolean;
  /** Largest aggregate the producer builds (KPL AggregationMaxSize). */
  readonly aggregateMaxBytes: number;
  /** The producer's linger: at most one aggregate per shard per linger at low rates. */
  readonly lingerMs: number;
  /** Provisioned shards; undefined = the fewest the throughput needs. */
  readonly shards?: number;
  /** Stream retention, hours (24 to 8,760). */
  readonly retentionHours: number;
  /** Applications reading the stream by polling (shared throughput): the telemetry consumer is one. */
  readonly pollingApplications: number;
  /** Applications reading it with enhanced fan-out. */
  readonly efoConsumers: number;
}

/**
 * How a consumer fleet spends DynamoDB on its lease table. Rates, not a protocol's code: the same shape describes
 * today's per-lease renewals, a heartbeat per worker, and KCL's defaults.
 */
export interface LeaseProtocolInputs {
  /** Name shown in the breakdown. */
  readonly name: string;
  /** One conditional write per lease every this many ms (per-lease renewal); undefined = leases are not renewed one by one. */
  readonly leaseRenewIntervalMs?: number;
  /** One write per worker every this many ms (a heartbeat item); undefined = none. */
  readonly workerHeartbeatIntervalMs?: number;
  /** One checkpoint write per shard every this many ms while records flow. */
  readonly checkpointIntervalMs: number;
  /** Each worker reads the whole lease table (strongly consistent Scan) every this many ms. */
  readonly leaseScanIntervalMs: number;
  /** Each worker reads every heartbeat item every this many ms; undefined = no heartbeat items. */
  readonly heartbeatScanIntervalMs?: number;
}

export interface ConsumerInputs {
  /** Consumer workers sharing the shards (their hosts are not priced: compute is outside this model). */
  readonly workers: number;
  readonly lease: LeaseProtocolInputs;
  /** Bytes of one lease item (KCL attribute names, a checkpoint, parent ids): about 250–400. */
  readonly leaseItemBytes: number;
  /** Bytes of one heartbeat item. */
  readonly heartbeatItemBytes: number;
}

export interface StateInputs {
  /** The device-state table (one conditional PutItem per device per batch). */
  readonly deviceState: boolean;
  readonly deviceStateItemBytes: number;
  /** A batch per shard per this many ms (the polling interval): a device is written at most once per batch. */
  readonly batchIntervalMs: number;
  /** The rollup table (one item per device, metric and minute). */
  readonly rollupTable: boolean;
  readonly metricsPerRecord: number;
  readonly rollupItemBytes: number;
  /** Rollup items live this long (TTL). */
  readonly rollupTtlDays: number;
}

export interface VideoInputs {
  readonly cameras: number;
  /** Average bitrate of one camera, kbit/s (1 kbit = 1,000 bits). */
  readonly bitrateKbps: number;
  /** KVS retention, hours (0 = none stored). */
  readonly retentionHours: number;
  /** Hours of video watched per month, all viewers of all cameras together (HLS, DASH, clips). */
  readonly hoursWatchedPerMonth: number;
}

export interface CostInputs {
  readonly telemetry: TelemetryInputs;
  readonly consumer: ConsumerInputs;
  readonly state: StateInputs;
  readonly video: VideoInputs;
}

/**
 * The consumer's per-lease protocol (`leaseProtocol: 'per-lease'`, KCL 2's scheme with this library's timings): 3-s
 * leases each renewed every 3000/3 − 25 = 975 ms, the whole table scanned by every worker every second, checkpoints
 * coalesced to one per shard per 5 s (before issue 17 it was one per handler batch, up to 5 a second per shard).
 */
export const PER_LEASE_PROTOCOL: LeaseProtocolInputs = {
  name: 'per-lease',
  leaseRenewIntervalMs: 975,
  checkpointIntervalMs: 5_000,
  leaseScanIntervalMs: 1_000,
};

/**
 * KCL's defaults (LeaseManagementConfig, kds-reference.md §4.3): failoverTimeMillis 10 s, renewals every
 * failover/3 − epsilon (3,308 ms), a taker scan every 2 · (failover + epsilon) (20,050 ms); checkpoints as the
 * application calls them (taken here once per batch at KCL's 1,500-ms idleTimeBetweenReads).
 */
export const KCL_DEFAULT_PROTOCOL: LeaseProtocolInputs = {
  name: 'kcl-defaults',
  leaseRenewIntervalMs: 3_308,
  checkpointIntervalMs: 1_500,
  leaseScanIntervalMs: 20_050,
};

/**
 * The consumer's default protocol (`leaseProtocol: 'heartbeat'`, issue 17): one heartbeat item per worker vouching
 * for its leases, written at the renewal period of 3-s leases (975 ms); takers read the heartbeats every second
 * instead of scanning leases, and sweep the lease table every 60 s; checkpoints coalesced to one per shard per 5 s.
 * Nominal rates: scans a joining or dying worker triggers, and handoffs, come on top (npm run bench:scale counts them).
 */
export const HEARTBEAT_PROTOCOL: LeaseProtocolInputs = {
  name: 'heartbeat',
  workerHeartbeatIntervalMs: 975,
  checkpointIntervalMs: 5_000,
  leaseScanIntervalMs: 60_000,
  heartbeatScanIntervalMs: 1_000,
};

export const DEFAULT_COST_INPUTS: CostInputs = {
  telemetry: {
    devices: 1_000,
    recordsPerDevicePerSecond: 1,
    recordBytes: 200,
    capacityMode: 'provisioned',
    aggregation: true,
    aggregateMaxBytes: 51_200,
    lingerMs: 100,
    retentionHours: 24,
    pollingApplications: 1,
    efoConsumers: 0,
  },
  consumer: { workers: 2, lease: HEARTBEAT_PROTOCOL, leaseItemBytes: 300, heartbeatItemBytes: 200 },
  state: {
    deviceState: true,
    deviceStateItemBytes: 400,
    batchIntervalMs: 200,
    rollupTable: true,
    metricsPerRecord: 4,
    rollupItemBytes: 250,
    rollupTtlDays: 30,
  },
  video: { cameras: 0, bitrateKbps: 2_000, retentionHours: 24, hoursWatchedPerMonth: 0 },
};

type Check = readonly [path: string, value: number | undefined, min: number, max: number, integer?: boolean];

/** Refuses inputs the model cannot price (negative counts, retention outside AWS's range), naming the field. */
export function validateCostInputs(inputs: CostInputs): void {
  const { telemetry: t, consumer: c, state: s, video: v } = inputs;
  const l = c.lease;
  const checks: Check[] = [
    ['telemetry.devices', t.devices, 0, 1e9, true],
    ['telemetry.recordsPerDevicePerSecond', t.recordsPerDevicePerSecond, 0, 1e6],
    ['telemetry.recordBytes', t.recordBytes, 1, 10 * 1024 * 1024, true],
    ['telemetry.aggregateMaxBytes', t.aggregateMaxBytes, 64, 1024 * 1024, true],
    ['telemetry.lingerMs', t.lingerMs, 1, 3_600_000],
    ['telemetry.shards', t.shards, 1, 1e6, true],
    ['telemetry.retentionHours', t.retentionHours, 24, 8_760],
    ['telemetry.pollingApplications', t.pollingApplications, 0, 1_000, true],
    ['telemetry.efoConsumers', t.efoConsumers, 0, 50, true],
    ['consumer.workers', c.workers, 1, 1e6, true],
    ['consumer.leaseItemBytes', c.leaseItemBytes, 1, 400 * 1024, true],
    ['consumer.heartbeatItemBytes', c.heartbeatItemBytes, 1, 400 * 1024, true],
    ['consumer.lease.leaseRenewIntervalMs', l.leaseRenewIntervalMs, 1, 1e9],
    ['consumer.lease.workerHeartbeatIntervalMs', l.workerHeartbeatIntervalMs, 1, 1e9],
    ['consumer.lease.checkpointIntervalMs', l.checkpointIntervalMs, 1, 1e9],
    ['consumer.lease.leaseScanIntervalMs', l.leaseScanIntervalMs, 1, 1e9],
    ['consumer.lease.heartbeatScanIntervalMs', l.heartbeatScanIntervalMs, 1, 1e9],
    ['state.deviceStateItemBytes', s.deviceStateItemBytes, 1, 400 * 1024, true],
    ['state.batchIntervalMs', s.batchIntervalMs, 1, 1e9],
    ['state.metricsPerRecord', s.metricsPerRecord, 0, 100, true],
    ['state.rollupItemBytes', s.rollupItemBytes, 1, 400 * 1024, true],
    ['state.rollupTtlDays', s.rollupTtlDays, 0, 36_500],
    ['video.cameras', v.cameras, 0, 1e7, true],
    ['video.bitrateKbps', v.bitrateKbps, 0, 100_000],
    ['video.retentionHours', v.retentionHours, 0, 87_600],
    ['video.hoursWatchedPerMonth', v.hoursWatchedPerMonth, 0, 1e12],
  ];
  for (const [path, value, min, max, integer] of checks) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < min || value > max || (integer === true && !Number.isInteger(value))) {
      const kind = integer === true ? 'an integer' : 'a number';
      throw new CostModelError('INVALID_INPUT', `${path}: expected ${kind} from ${min} to ${max} (got ${value})`, { field: path });
    }
  }
  if (v.retentionHours > 0 && v.retentionHours < 1) {
    throw new CostModelError('INVALID_INPUT', `video.retentionHours: 0 or at least 1 (got ${v.retentionHours})`, { field: 'video.retentionHours' });
  }
}
