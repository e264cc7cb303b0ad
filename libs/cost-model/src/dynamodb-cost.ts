/**
 * DynamoDB (on-demand tables): the consumer fleet's lease table, the device-state table and the rollup table.
 *
 * Capacity units as AWS bills them (DynamoDB developer guide, "read/write capacity units"): a write is
 * ⌈item bytes / 1 KiB⌉ write request units (a conditional write too, refused or not); a strongly consistent read
 * is ⌈bytes / 4 KiB⌉ read request units, and a Scan adds up the sizes of the items it returns before rounding.
 * The lease table is read with ConsistentRead (libs/kinesis-consumer lease-table.ts).
 */
import type { ConsumerInputs, StateInputs, TelemetryInputs } from './cost-inputs';
import { costLine, formatNumber, type CostLine } from './cost-line';
import { GIB, SECONDS_PER_MONTH, type Prices } from './prices';
import type { KdsTraffic } from './kds-cost';

export interface LeaseTableRates {
  readonly writesPerSecond: number;
  readonly writeUnitsPerSecond: number;
  readonly readUnitsPerSecond: number;
  /** The parts of the write rate, for the breakdown. */
  readonly renewalsPerSecond: number;
  readonly heartbeatsPerSecond: number;
  readonly checkpointsPerSecond: number;
}

const writeUnits = (bytes: number): number => Math.ceil(bytes / 1024);
const readUnits = (bytes: number): number => Math.ceil(bytes / 4096);

/**
 * Lease-table traffic at steady state. A shard is checkpointed at most once per checkpoint interval, and only when
 * a batch brought records: never more often than Kinesis records reach it.
 */
export function leaseTableRates(c: ConsumerInputs, traffic: KdsTraffic): LeaseTableRates {
  const l = c.lease;
  const shards = traffic.shards;
  const renewalsPerSecond = l.leaseRenewIntervalMs === undefined ? 0 : (shards * 1000) / l.leaseRenewIntervalMs;
  const heartbeatsPerSecond = l.workerHeartbeatIntervalMs === undefined ? 0 : (c.workers * 1000) / l.workerHeartbeatIntervalMs;
  const perShardRecords = traffic.kinesisRecordsPerSecond / shards;
  const checkpointsPerSecond = shards * Math.min(1000 / l.checkpointIntervalMs, perShardRecords);
  const leaseWriteUnits = writeUnits(c.leaseItemBytes);
  const scanUnits = (c.workers * 1000 * readUnits(shards * c.leaseItemBytes)) / l.leaseScanIntervalMs;
  const heartbeatScanUnits = l.heartbeatScanIntervalMs === undefined ? 0 : (c.workers * 1000 * readUnits(c.workers * c.heartbeatItemBytes)) / l.heartbeatScanIntervalMs;
  return {
    writesPerSecond: renewalsPerSecond + heartbeatsPerSecond + checkpointsPerSecond,
    writeUnitsPerSecond: (renewalsPerSecond + checkpointsPerSecond) * leaseWriteUnits + heartbeatsPerSecond * writeUnits(c.heartbeatItemBytes),
    readUnitsPerSecond: scanUnits + heartbeatScanUnits,
    renewalsPerSecond,
    heartbeatsPerSecond,
    checkpointsPerSecond,
  };
}

function leaseLines(c: ConsumerInputs, traffic: KdsTraffic, rates: LeaseTableRates, prices: Prices): CostLine[] {
  const l = c.lease;
  const d = prices.dynamodb;
  const parts: string[] = [];
  if (l.leaseRenewIntervalMs !== undefined) parts.push(`${traffic.shards} leases × 1,000 / ${formatNumber(l.leaseRenewIntervalMs)} ms`);
  if (l.workerHeartbeatIntervalMs !== undefined) parts.push(`${c.workers} workers × 1,000 / ${formatNumber(l.workerHeartbeatIntervalMs)} ms`);
  parts.push(`${traffic.shards} shards × min(1,000 / ${formatNumber(l.checkpointIntervalMs)} ms, ${formatNumber(traffic.kinesisRecordsPerSecond / traffic.shards)} records/s) checkpoints`);
  const writeHow = `(${parts.join(' + ')}) = ${formatNumber(rates.writesPerSecond)} writes/s, ${formatNumber(rates.writeUnitsPerSecond)} WRU/s × ${formatNumber(SECONDS_PER_MONTH)} s / 10^6`;
  const reads = [`${c.workers} workers × ⌈${traffic.shards} × ${c.leaseItemBytes} B / 4 KiB⌉ RRU × 1,000 / ${formatNumber(l.leaseScanIntervalMs)} ms`];
  if (l.heartbeatScanIntervalMs !== undefined) reads.push(`${c.workers} workers × ⌈${c.workers} × ${c.heartbeatItemBytes} B / 4 KiB⌉ RRU × 1,000 / ${formatNumber(l.heartbeatScanIntervalMs)} ms`);
  const readHow = `(${reads.join(' + ')}) = ${formatNumber(rates.readUnitsPerSecond)} RRU/s × ${formatNumber(SECONDS_PER_MONTH)} s / 10^6`;
  return [
    costLine('telemetry', 'DynamoDB', `lease table writes (${l.name})`, (rates.writeUnitsPerSecond * SECONDS_PER_MONTH) / 1e6, d.writeRequestUnitsPerMillion, writeHow),
    costLine('telemetry', 'DynamoDB', `lease table reads (${l.name})`, (rates.readUnitsPerSecond * SECONDS_PER_MONTH) / 1e6, d.readRequestUnitsPerMillion, readHow),
  ];
}

function deviceStateLines(t: TelemetryInputs, s: StateInputs, prices: Prices): CostLine[] {
  if (!s.deviceState || t.devices === 0) return [];
  const d = prices.dynamodb;
  const perDevice = Math.min(t.recordsPerDevicePerSecond, 1000 / s.batchIntervalMs);
  const wru = t.devices * perDevice * writeUnits(s.deviceStateItemBytes);
  const gb = (t.devices * s.deviceStateItemBytes) / GIB;
  return [
    costLine(
      'telemetry',
      'DynamoDB',
      'device-state writes',
      (wru * SECONDS_PER_MONTH) / 1e6,
      d.writeRequestUnitsPerMillion,
      `${formatNumber(t.devices)} devices × min(${formatNumber(t.recordsPerDevicePerSecond)} records/s, 1,000 / ${formatNumber(s.batchIntervalMs)} ms batches) × ${writeUnits(s.deviceStateItemBytes)} WRU × ${formatNumber(SECONDS_PER_MONTH)} s / 10^6`,
    ),
    costLine('telemetry', 'DynamoDB', 'device-state storage', gb, d.storageGbMonth, `${formatNumber(t.devices)} items × ${s.deviceStateItemBytes} B / 2^30`),
  ];
}

function rollupLines(t: TelemetryInputs, s: StateInputs, prices: Prices): CostLine[] {
  if (!s.rollupTable || t.devices === 0 || s.metricsPerRecord === 0) return [];
  const d = prices.dynamodb;
  // One item per device, metric and minute that had a reading.
  const minutesWithReadings = Math.min(t.recordsPerDevicePerSecond * 60, 1);
  const itemsPerSecond = (t.devices * s.metricsPerRecord * minutesWithReadings) / 60;
  const stored = itemsPerSecond * s.rollupTtlDays * 86_400;
  const itemsHow = `${formatNumber(t.devices)} devices × ${s.metricsPerRecord} metrics × ${formatNumber(minutesWithReadings)} / 60 s`;
  return [
    costLine('telemetry', 'DynamoDB', 'rollup writes', (itemsPerSecond * writeUnits(s.rollupItemBytes) * SECONDS_PER_MONTH) / 1e6, d.writeRequestUnitsPerMillion, `${itemsHow} × ${writeUnits(s.rollupItemBytes)} WRU × ${formatNumber(SECONDS_PER_MONTH)} s / 10^6`),
    costLine('telemetry', 'DynamoDB', `rollup storage (${formatNumber(s.rollupTtlDays)}-day TTL)`, (stored * s.rollupItemBytes) / GIB, d.storageGbMonth, `${itemsHow} × ${formatNumber(s.rollupTtlDays)} d × 86,400 s × ${s.rollupItemBytes} B / 2^30`),
  ];
}

/** Every DynamoDB line of the telemetry half. */
export function dynamodbCostLines(t: TelemetryInputs, c: ConsumerInputs, s: StateInputs, traffic: KdsTraffic, rates: LeaseTableRates, prices: Prices): CostLine[] {
  const lines = t.devices === 0 ? [] : leaseLines(c, traffic, rates, prices);
  return [...lines, ...deviceStateLines(t, s, prices), ...rollupLines(t, s, prices)];
}
