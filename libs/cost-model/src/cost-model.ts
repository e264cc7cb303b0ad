/**
 * The monthly AWS bill of a deployment, line by line: `estimateMonthlyCost(inputs)` validates the inputs, derives
 * the stream's traffic and the lease table's rates, and prices each with `Prices` (us-east-1 by default). What is
 * not in it: compute for the apps (containers, instances, Lambda), data transfer out to the internet, CloudWatch,
 * KMS, free tiers and discounts.
 */
import { validateCostInputs, type CostInputs } from './cost-inputs';
import type { CostLine, CostPart, CostService } from './cost-line';
import { dynamodbCostLines, leaseTableRates, type LeaseTableRates } from './dynamodb-cost';
import { kdsCostLines, kdsTraffic, type KdsTraffic } from './kds-cost';
import { kvsCostLines } from './kvs-cost';
import { PRICES_US_EAST_1, type Prices } from './prices';

export interface CostEstimate {
  readonly region: string;
  readonly pricesAsOf: string;
  readonly inputs: CostInputs;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly byService: Readonly<Record<CostService, number>>;
  readonly byPart: Readonly<Record<CostPart, number>>;
  /** Telemetry's monthly cost per 1,000 devices (undefined without devices). */
  readonly perThousandDevicesUsd?: number;
  /** Video's monthly cost per camera (undefined without cameras). */
  readonly perCameraUsd?: number;
  /** The derived figures the lines were computed from. */
  readonly traffic: KdsTraffic;
  readonly leaseTable: LeaseTableRates;
}

/** Monthly cost of `inputs` at `prices`. Throws CostModelError (INVALID_INPUT) for an input out of range. */
export function estimateMonthlyCost(inputs: CostInputs, prices: Prices = PRICES_US_EAST_1): CostEstimate {
  validateCostInputs(inputs);
  const { telemetry, consumer, state, video } = inputs;
  const traffic = kdsTraffic(telemetry);
  const leaseTable = leaseTableRates(consumer, traffic);
  const lines: CostLine[] = [];
  if (telemetry.devices > 0) lines.push(...kdsCostLines(telemetry, traffic, prices));
  lines.push(...dynamodbCostLines(telemetry, consumer, state, traffic, leaseTable, prices));
  lines.push(...kvsCostLines(video, prices));
  const byService: Record<CostService, number> = { 'Kinesis Data Streams': 0, 'Kinesis Video Streams': 0, DynamoDB: 0 };
  const byPart: Record<CostPart, number> = { telemetry: 0, video: 0 };
  let totalUsd = 0;
  for (const line of lines) {
    byService[line.service] += line.monthlyUsd;
    byPart[line.part] += line.monthlyUsd;
    totalUsd += line.monthlyUsd;
  }
  return {
    region: prices.region,
    pricesAsOf: prices.asOf,
    inputs,
    lines,
    totalUsd,
    byService,
    byPart,
    perThousandDevicesUsd: telemetry.devices > 0 ? (byPart.telemetry / telemetry.devices) * 1000 : undefined,
    perCameraUsd: video.cameras > 0 ? byPart.video / video.cameras : undefined,
    traffic,
    leaseTable,
  };
}
