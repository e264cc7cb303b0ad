/**
 * Kinesis Data Streams: from the fleet's record rate and size to the stream's Kinesis records, shards and PUT
 * payload units, then the month's lines in either capacity mode.
 *
 * KPL aggregation (KPL aggregation-format.md; libs/kinesis-producer): user records for one shard are packed into
 * aggregates of up to `aggregateMaxBytes`, and a shard gets at most one aggregate per linger at low rates. So the
 * stream carries min(user records, max(bytes / aggregate size, shards × flushes per second)) Kinesis records per
 * second. The aggregate format's own bytes (20 + a few per record) are not counted.
 */
import type { TelemetryInputs } from './cost-inputs';
import { costLine, formatNumber, type CostLine } from './cost-line';
import { GIB, HOURS_PER_MONTH, SECONDS_PER_MONTH, type Prices } from './prices';

const MIB = 1024 * 1024;
/** A PUT payload unit: 25 KB (25,600 bytes) of a record, rounded up. */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;
/** Provisioned shard write limits (kds-reference.md §1.4). */
export const SHARD_WRITE_BYTES_PER_SECOND = MIB;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1_000;
/** An on-demand stream starts with 4 MiB/s of write capacity, i.e. 4 shards (kds-reference.md §1.4). */
export const ON_DEMAND_MIN_SHARDS = 4;
/** Hours of retention included in the base price, and where extended retention ends (7 days). */
const BASE_RETENTION_HOURS = 24;
const EXTENDED_RETENTION_END_HOURS = 168;

export interface KdsTraffic {
  readonly userRecordsPerSecond: number;
  readonly userBytesPerSecond: number;
  /** Shards the stream has (provisioned) or is estimated to have (on-demand). */
  readonly shards: number;
  readonly shardsGiven: boolean;
  /** Kinesis records (aggregates or single records) per second, and their average size. */
  readonly kinesisRecordsPerSecond: number;
  readonly kinesisRecordBytes: number;
  readonly putPayloadUnitsPerSecond: number;
}

function kinesisRecordsPerSecond(t: TelemetryInputs, userRecords: number, userBytes: number, shards: number): number {
  if (!t.aggregation || userRecords === 0) return userRecords;
  const byBytes = userBytes / t.aggregateMaxBytes;
  const byLinger = shards * (1000 / t.lingerMs);
  return Math.min(userRecords, Math.max(byBytes, byLinger));
}

/** The stream's traffic: shards (given, or the fewest the bytes and records need) and Kinesis records. */
export function kdsTraffic(t: TelemetryInputs): KdsTraffic {
  const userRecordsPerSecond = t.devices * t.recordsPerDevicePerSecond;
  const userBytesPerSecond = userRecordsPerSecond * t.recordBytes;
  const byBytes = Math.ceil(userBytesPerSecond / SHARD_WRITE_BYTES_PER_SECOND);
  let shards = t.shards ?? Math.max(1, byBytes);
  if (t.shards === undefined && t.capacityMode === 'on-demand') shards = Math.max(ON_DEMAND_MIN_SHARDS, byBytes);
  let records = kinesisRecordsPerSecond(t, userRecordsPerSecond, userBytesPerSecond, shards);
  if (t.shards === undefined && records / shards > SHARD_WRITE_RECORDS_PER_SECOND) {
    // Unaggregated small records: the 1,000 records/s per shard binds before the bytes do.
    shards = Math.ceil(records / SHARD_WRITE_RECORDS_PER_SECOND);
    records = kinesisRecordsPerSecond(t, userRecordsPerSecond, userBytesPerSecond, shards);
  }
  const kinesisRecordBytes = records > 0 ? userBytesPerSecond / records : 0;
  return {
    userRecordsPerSecond,
    userBytesPerSecond,
    shards,
    shardsGiven: t.shards !== undefined,
    kinesisRecordsPerSecond: records,
    kinesisRecordBytes,
    putPayloadUnitsPerSecond: records * Math.ceil(kinesisRecordBytes / PUT_PAYLOAD_UNIT_BYTES),
  };
}

function trafficText(traffic: KdsTraffic): string {
  return `${formatNumber(traffic.kinesisRecordsPerSecond)} Kinesis records/s`;
}

/** Long-term retention (beyond 7 days): the bytes of the days past the 7th, stored all month. */
function longTermLine(t: TelemetryInputs, storedBytesPerSecond: number, prices: Prices): CostLine[] {
  if (t.retentionHours <= EXTENDED_RETENTION_END_HOURS) return [];
  const hours = t.retentionHours - EXTENDED_RETENTION_END_HOURS;
  const gb = (storedBytesPerSecond * hours * 3600) / GIB;
  return [
    costLine('telemetry', 'Kinesis Data Streams', 'long-term retention (beyond 7 days)', gb, prices.kds.longTermRetentionGbMonth, `${formatNumber(storedBytesPerSecond)} B/s × ${formatNumber(hours)} h × 3,600 / 2^30`),
  ];
}

function provisionedLines(t: TelemetryInputs, traffic: KdsTraffic, prices: Prices): CostLine[] {
  const p = prices.kds;
  const shardHow = traffic.shardsGiven
    ? `${traffic.shards} shards (given)`
    : `${traffic.shards} shards (max(1, ⌈${formatNumber(traffic.userBytesPerSecond)} B/s / 1 MiB/s⌉, ⌈${trafficText(traffic)} / 1,000⌉))`;
  const unitsPerRecord = Math.ceil(traffic.kinesisRecordBytes / PUT_PAYLOAD_UNIT_BYTES);
  const lines = [
    costLine('telemetry', 'Kinesis Data Streams', 'shard-hours', traffic.shards * HOURS_PER_MONTH, p.shardHour, `${shardHow} × ${HOURS_PER_MONTH} h`),
    costLine(
      'telemetry',
      'Kinesis Data Streams',
      'PUT payload units',
      (traffic.putPayloadUnitsPerSecond * SECONDS_PER_MONTH) / 1e6,
      p.putPayloadUnitsPerMillion,
      `${trafficText(traffic)} × ${unitsPerRecord} unit(s) of 25 KiB (${formatNumber(traffic.kinesisRecordBytes)} B each) × ${formatNumber(SECONDS_PER_MONTH)} s / 10^6`,
    ),
  ];
  if (t.retentionHours > BASE_RETENTION_HOURS) {
    lines.push(costLine('telemetry', 'Kinesis Data Streams', 'extended retention (24 h to 7 days)', traffic.shards * HOURS_PER_MONTH, p.extendedRetentionShardHour, `${traffic.shards} shards × ${HOURS_PER_MONTH} h`));
  }
  lines.push(...longTermLine(t, traffic.userBytesPerSecond, prices));
  if (t.efoConsumers > 0) {
    lines.push(
      costLine('telemetry', 'Kinesis Data Streams', 'enhanced fan-out consumer-shard-hours', t.efoConsumers * traffic.shards * HOURS_PER_MONTH, p.efoConsumerShardHour, `${t.efoConsumers} consumers × ${traffic.shards} shards × ${HOURS_PER_MONTH} h`),
      costLine('telemetry', 'Kinesis Data Streams', 'enhanced fan-out data retrieved', (t.efoConsumers * traffic.userBytesPerSecond * SECONDS_PER_MONTH) / GIB, p.efoRetrievalGb, `${t.efoConsumers} consumers × ${formatNumber(traffic.userBytesPerSecond)} B/s × ${formatNumber(SECONDS_PER_MONTH)} s / 2^30`),
    );
  }
  return lines;
}

function onDemandLines(t: TelemetryInputs, traffic: KdsTraffic, prices: Prices): CostLine[] {
  const p = prices.kds;
  // On-demand bills each record rounded up to 1 KiB.
  const billedRecordBytes = Math.ceil(traffic.kinesisRecordBytes / 1024) * 1024;
  const billedBytesPerSecond = traffic.kinesisRecordsPerSecond * billedRecordBytes;
  const monthGb = (billedBytesPerSecond * SECONDS_PER_MONTH) / GIB;
  const dataHow = `${trafficText(traffic)} × ${formatNumber(billedRecordBytes)} B (${formatNumber(traffic.kinesisRecordBytes)} B rounded up to 1 KiB) × ${formatNumber(SECONDS_PER_MONTH)} s / 2^30`;
  const lines = [
    costLine('telemetry', 'Kinesis Data Streams', 'on-demand stream-hours', HOURS_PER_MONTH, p.onDemandStreamHour, `1 stream × ${HOURS_PER_MONTH} h`),
    costLine('telemetry', 'Kinesis Data Streams', 'on-demand data in', monthGb, p.onDemandIngestGb, dataHow),
  ];
  if (t.pollingApplications > 0) {
    lines.push(costLine('telemetry', 'Kinesis Data Streams', 'on-demand data retrieved (polling)', t.pollingApplications * monthGb, p.onDemandRetrievalGb, `${t.pollingApplications} application(s) × ${formatNumber(monthGb)} GB`));
  }
  if (t.efoConsumers > 0) {
    lines.push(costLine('telemetry', 'Kinesis Data Streams', 'on-demand enhanced fan-out data retrieved', t.efoConsumers * monthGb, p.onDemandEfoRetrievalGb, `${t.efoConsumers} consumer(s) × ${formatNumber(monthGb)} GB`));
  }
  if (t.retentionHours > BASE_RETENTION_HOURS) {
    const hours = Math.min(t.retentionHours, EXTENDED_RETENTION_END_HOURS) - BASE_RETENTION_HOURS;
    const gb = (billedBytesPerSecond * hours * 3600) / GIB;
    lines.push(costLine('telemetry', 'Kinesis Data Streams', 'on-demand extended retention (24 h to 7 days)', gb, p.onDemandExtendedRetentionGbMonth, `${formatNumber(billedBytesPerSecond)} B/s × ${formatNumber(hours)} h × 3,600 / 2^30`));
  }
  lines.push(...longTermLine(t, billedBytesPerSecond, prices));
  return lines;
}

/** The stream's lines for a month, in its capacity mode. */
export function kdsCostLines(t: TelemetryInputs, traffic: KdsTraffic, prices: Prices): CostLine[] {
  return t.capacityMode === 'on-demand' ? onDemandLines(t, traffic, prices) : provisionedLines(t, traffic, prices);
}
