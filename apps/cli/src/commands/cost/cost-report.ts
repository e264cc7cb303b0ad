/**
 * `tributary cost`'s output, pure: the estimate as a table for a terminal (each line with its formula under it)
 * and as one JSON object for scripts.
 */
import { formatNumber, formatUsd, type CostEstimate, type CostLine } from '@tributary/cost-model';
import type { Colors } from '../../cli/output';

export interface LeaseComparisonRow {
  protocol: string;
  writesPerSecond: number;
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  monthlyUsd: number;
}

const NOT_INCLUDED = 'Not included: compute for the apps, data transfer to the internet, CloudWatch, KMS, free tiers, discounts.';

/** The lease-table cost of the estimate's fleet under each protocol (the two lease lines of each estimate). */
export function leaseComparison(estimates: readonly CostEstimate[]): LeaseComparisonRow[] {
  return estimates.map((e) => ({
    protocol: e.inputs.consumer.lease.name,
    writesPerSecond: e.leaseTable.writesPerSecond,
    writeUnitsPerSecond: e.leaseTable.writeUnitsPerSecond,
    readUnitsPerSecond: e.leaseTable.readUnitsPerSecond,
    monthlyUsd: e.lines.filter((l) => l.item.startsWith('lease table')).reduce((sum, l) => sum + l.monthlyUsd, 0),
  }));
}

/** The estimate as one JSON object (and the lease comparison when asked), ending with a newline. */
export function costJson(estimate: CostEstimate, comparison?: readonly LeaseComparisonRow[]): string {
  const { region, pricesAsOf, inputs, lines, totalUsd, byService, byPart, perThousandDevicesUsd, perCameraUsd, traffic, leaseTable } = estimate;
  const body = { region, pricesAsOf, inputs, traffic, leaseTable, lines, byService, byPart, totalUsd, perThousandDevicesUsd, perCameraUsd, leaseComparison: comparison };
  return `${JSON.stringify(body)}\n`;
}

function pad(text: string, width: number, right = false): string {
  const gap = ' '.repeat(Math.max(0, width - text.length));
  return right ? gap + text : text + gap;
}

function summary(e: CostEstimate): string[] {
  const t = e.inputs.telemetry;
  const out: string[] = [];
  if (t.devices > 0) {
    const shards = t.capacityMode === 'on-demand' ? `on-demand (about ${e.traffic.shards} shards)` : `${e.traffic.shards} shard(s)${t.shards === undefined ? '' : ' (given)'}`;
    out.push(
      `Telemetry: ${formatNumber(t.devices)} devices × ${formatNumber(t.recordsPerDevicePerSecond)} records/s × ${formatNumber(t.recordBytes)} B → ${shards}, ` +
        `${formatNumber(e.traffic.kinesisRecordsPerSecond)} Kinesis records/s${t.aggregation ? ' (KPL aggregation)' : ''}, ${formatNumber(t.retentionHours)} h retention`,
      `Consumers: ${e.inputs.consumer.workers} worker(s), ${e.inputs.consumer.lease.name} leases: ${formatNumber(e.leaseTable.writesPerSecond)} lease-table writes/s, ${formatNumber(e.leaseTable.readUnitsPerSecond)} read units/s`,
    );
  }
  const v = e.inputs.video;
  if (v.cameras > 0) {
    out.push(`Video: ${formatNumber(v.cameras)} camera(s) × ${formatNumber(v.bitrateKbps)} kbit/s, ${formatNumber(v.retentionHours)} h retention, ${formatNumber(v.hoursWatchedPerMonth)} h watched a month`);
  }
  return out;
}

function lineRows(lines: readonly CostLine[], colors: Colors): string[] {
  const widths = { service: 22, item: 8, quantity: 8, price: 10, cost: 9 };
  const cells = lines.map((l) => ({
    service: l.service,
    item: l.item,
    quantity: `${formatNumber(l.quantity)} ${l.unit}`,
    price: `$${l.unitPriceUsd}`,
    cost: formatUsd(l.monthlyUsd),
  }));
  for (const c of cells) {
    widths.item = Math.max(widths.item, c.item.length);
    widths.quantity = Math.max(widths.quantity, c.quantity.length);
  }
  const row = (s: string, i: string, q: string, p: string, c: string): string =>
    `${pad(s, widths.service)}  ${pad(i, widths.item)}  ${pad(q, widths.quantity, true)}  ${pad(p, widths.price, true)}  ${pad(c, widths.cost, true)}`;
  const out = [colors.bold(row('service', 'item', 'quantity a month', 'unit price', 'monthly'))];
  cells.forEach((c, index) => {
    out.push(row(c.service, c.item, c.quantity, c.price, c.cost));
    out.push(colors.dim(`    ${lines[index]?.formula ?? ''}`));
  });
  return out;
}

/** The estimate as a table, its formulas dimmed under each line, totals and what is left out. */
export function formatCostTable(e: CostEstimate, colors: Colors, comparison?: readonly LeaseComparisonRow[]): string {
  const out = [colors.bold(`Monthly AWS cost, ${e.region} list prices of ${e.pricesAsOf} (libs/cost-model/src/prices.ts)`), '', ...summary(e), ''];
  out.push(...lineRows(e.lines, colors), '');
  for (const [service, usd] of Object.entries(e.byService)) if (usd > 0) out.push(`${pad(service, 24)}${pad(formatUsd(usd), 14, true)}`);
  out.push(colors.bold(`${pad('Total a month', 24)}${pad(formatUsd(e.totalUsd), 14, true)}`));
  if (e.perThousandDevicesUsd !== undefined) out.push(`${pad('per 1,000 devices', 24)}${pad(formatUsd(e.perThousandDevicesUsd), 14, true)}`);
  if (e.perCameraUsd !== undefined) out.push(`${pad('per camera', 24)}${pad(formatUsd(e.perCameraUsd), 14, true)}`);
  if (comparison && comparison.length > 0) {
    out.push('', colors.bold(`Lease table under each protocol (${e.traffic.shards} shards, ${e.inputs.consumer.workers} workers)`));
    out.push(`${pad('protocol', 14)}${pad('writes/s', 12, true)}${pad('WRU/s', 12, true)}${pad('RRU/s', 12, true)}${pad('monthly', 14, true)}`);
    for (const r of comparison) {
      out.push(`${pad(r.protocol, 14)}${pad(formatNumber(r.writesPerSecond), 12, true)}${pad(formatNumber(r.writeUnitsPerSecond), 12, true)}${pad(formatNumber(r.readUnitsPerSecond), 12, true)}${pad(formatUsd(r.monthlyUsd), 14, true)}`);
    }
  }
  out.push('', colors.dim(NOT_INCLUDED));
  return `${out.join('\n')}\n`;
}
