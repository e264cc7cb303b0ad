/**
 * One line of a monthly bill: what is paid for, how much of it, at which price, and the arithmetic written out
 * (`formula`) with the very numbers used, so a reader can redo it by hand.
 */
import type { Price } from './prices';

export type CostService = 'Kinesis Data Streams' | 'Kinesis Video Streams' | 'DynamoDB';

/** Which half of the platform a line belongs to: devices' telemetry or cameras' video. */
export type CostPart = 'telemetry' | 'video';

export interface CostLine {
  readonly part: CostPart;
  readonly service: CostService;
  readonly item: string;
  /** Quantity per month, in the price's unit. */
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
  /** How `quantity` was computed, then `× price = cost`. */
  readonly formula: string;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const SMALL = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const LARGE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A number as a formula shows it: thousands separated, at most 4 significant digits below 1,000. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return INTEGER.format(value);
  return Math.abs(value) >= 1_000 ? LARGE.format(value) : SMALL.format(value);
}

/** Dollars with cents (and more digits below a cent, so small lines do not read as $0.00). */
export function formatUsd(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.01) return `$${SMALL.format(value)}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A line from its quantity and price; `how` is the quantity's arithmetic. */
export function costLine(part: CostPart, service: CostService, item: string, quantity: number, price: Price, how: string): CostLine {
  const monthlyUsd = quantity * price.usd;
  return {
    part,
    service,
    item,
    quantity,
    unit: price.unit,
    unitPriceUsd: price.usd,
    monthlyUsd,
    formula: `${how} = ${formatNumber(quantity)} ${price.unit} × $${price.usd} = ${formatUsd(monthlyUsd)}`,
  };
}
