/**
 * `tributary cost`'s flags → @tributary/cost-model inputs. The lease protocols' figures come from the consumer's
 * own defaults (@tributary/kinesis-consumer defaults.ts), so the estimate prices the consumer as it ships; the
 * cost model keeps the same figures as constants (it may not import the consumer) and cost-options.spec.ts checks
 * that they agree.
 */
import {
  DEFAULT_COST_INPUTS,
  KCL_DEFAULT_PROTOCOL,
  type CapacityMode,
  type CostInputs,
  type LeaseProtocolInputs,
} from '@tributary/cost-model';
import { CONSUMER_DEFAULTS, LEASE_DEFAULTS, RETRIEVAL_DEFAULTS } from '@tributary/kinesis-consumer';
import { PRODUCER_DEFAULTS } from '@tributary/kinesis-producer';
import { InvalidArgumentError } from 'commander';

export type LeaseProtocolChoice = 'per-lease' | 'heartbeat' | 'kcl';

export interface CostOptions {
  devices: number;
  rate: number;
  recordSize: number;
  capacityMode: CapacityMode;
  aggregation: boolean;
  shards?: number;
  retention: number;
  pollingApps: number;
  efoConsumers: number;
  workers: number;
  leaseProtocol: LeaseProtocolChoice;
  deviceState: boolean;
  rollups: boolean;
  metrics: number;
  rollupTtlDays: number;
  cameras: number;
  bitrate: number;
  videoRetention: number;
  hoursWatched: number;
  compareLeases?: boolean;
  json?: boolean;
}

/** The flags' defaults: the cost model's (1,000 devices at one 200-B record a second, 2 workers, 2 Mbit/s cameras). */
export const COST_FLAG_DEFAULTS = {
  devices: DEFAULT_COST_INPUTS.telemetry.devices,
  rate: DEFAULT_COST_INPUTS.telemetry.recordsPerDevicePerSecond,
  recordSize: DEFAULT_COST_INPUTS.telemetry.recordBytes,
  retention: DEFAULT_COST_INPUTS.telemetry.retentionHours,
  pollingApps: DEFAULT_COST_INPUTS.telemetry.pollingApplications,
  workers: DEFAULT_COST_INPUTS.consumer.workers,
  metrics: DEFAULT_COST_INPUTS.state.metricsPerRecord,
  rollupTtlDays: DEFAULT_COST_INPUTS.state.rollupTtlDays,
  bitrate: DEFAULT_COST_INPUTS.video.bitrateKbps,
  videoRetention: DEFAULT_COST_INPUTS.video.retentionHours,
} as const;

/** KCL's renewal period for a lease duration: failover / 3 − ε (LeaseManagementConfig; kinesis-consumer defaults.ts). */
function renewIntervalMs(failoverTimeMs: number): number {
  return Math.max(1, Math.floor(failoverTimeMs / 3) - LEASE_DEFAULTS.epsilonMs);
}

/**
 * The three protocols' DynamoDB rates with the consumer's defaults: the heartbeat protocol (the default) and the
 * per-lease one as the consumer runs them (3-s leases, heartbeats or renewals every failover/3 − ε, takers every
 * second, checkpoints coalesced to one per shard per checkpoint interval, heartbeat workers sweeping the lease table
 * every leaseSweepIntervalMs), and KCL's defaults (10-s leases, a taker scan every 2 · (failover + ε); checkpoints per
 * batch at KCL's 1,500-ms idleTimeBetweenReads).
 */
export function leaseProtocols(): Record<LeaseProtocolChoice, LeaseProtocolInputs> {
  const renew = renewIntervalMs(CONSUMER_DEFAULTS.failoverTimeMs);
  return {
    'per-lease': {
      name: 'per-lease',
      leaseRenewIntervalMs: renew,
      checkpointIntervalMs: CONSUMER_DEFAULTS.checkpointIntervalMs,
      leaseScanIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs,
    },
    heartbeat: {
      name: 'heartbeat',
      workerHeartbeatIntervalMs: renew,
      checkpointIntervalMs: CONSUMER_DEFAULTS.checkpointIntervalMs,
      leaseScanIntervalMs: LEASE_DEFAULTS.leaseSweepIntervalMs,
      heartbeatScanIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs,
    },
    kcl: {
      ...KCL_DEFAULT_PROTOCOL,
      leaseRenewIntervalMs: renewIntervalMs(LEASE_DEFAULTS.failoverTimeMs),
      leaseScanIntervalMs: 2 * (LEASE_DEFAULTS.failoverTimeMs + LEASE_DEFAULTS.epsilonMs),
    },
  };
}

/** The consumer's default lease protocol (CONSUMER_DEFAULTS.leaseProtocol). */
export const DEFAULT_LEASE_PROTOCOL: LeaseProtocolChoice = CONSUMER_DEFAULTS.leaseProtocol;

/** The cost-model inputs of the parsed flags. */
export function costInputsFromOptions(o: CostOptions): CostInputs {
  const d = DEFAULT_COST_INPUTS;
  return {
    telemetry: {
      devices: o.devices,
      recordsPerDevicePerSecond: o.rate,
      recordBytes: o.recordSize,
      capacityMode: o.capacityMode,
      aggregation: o.aggregation,
      aggregateMaxBytes: PRODUCER_DEFAULTS.aggregationMaxBytes,
      lingerMs: PRODUCER_DEFAULTS.maxBufferedTimeMs,
      shards: o.shards,
      retentionHours: o.retention,
      pollingApplications: o.pollingApps,
      efoConsumers: o.efoConsumers,
    },
    consumer: { ...d.consumer, workers: o.workers, lease: leaseProtocols()[o.leaseProtocol] },
    state: {
      ...d.state,
      deviceState: o.deviceState,
      batchIntervalMs: RETRIEVAL_DEFAULTS.polling.idleTimeBetweenReadsMs,
      rollupTable: o.rollups,
      metricsPerRecord: o.metrics,
      rollupTtlDays: o.rollupTtlDays,
    },
    video: { cameras: o.cameras, bitrateKbps: o.bitrate, retentionHours: o.videoRetention, hoursWatchedPerMonth: o.hoursWatched },
  };
}

/** The flag that sets each cost-model input, for messages about a refused value. */
export const FLAG_OF_INPUT: Readonly<Record<string, string>> = {
  'telemetry.devices': '--devices',
  'telemetry.recordsPerDevicePerSecond': '--rate',
  'telemetry.recordBytes': '--record-size',
  'telemetry.shards': '--shards',
  'telemetry.retentionHours': '--retention',
  'telemetry.pollingApplications': '--polling-apps',
  'telemetry.efoConsumers': '--efo-consumers',
  'consumer.workers': '--workers',
  'state.metricsPerRecord': '--metrics',
  'state.rollupTtlDays': '--rollup-ttl-days',
  'video.cameras': '--cameras',
  'video.bitrateKbps': '--bitrate',
  'video.retentionHours': '--video-retention',
  'video.hoursWatchedPerMonth': '--hours-watched',
};

/** A commander parser for a whole number ≥ `min`. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value.replaceAll('_', '').replaceAll(',', ''));
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number, ${min} or more`);
    return n;
  };
}

/** A commander parser for a number ≥ 0 (`1/60` is accepted: one a minute). */
export function nonNegative(value: string): number {
  const fraction = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  const n = fraction ? Number(fraction[1]) / Number(fraction[2]) : Number(value.replaceAll('_', '').replaceAll(',', ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number, 0 or more (a fraction such as 1/60 works)');
  return n;
}
