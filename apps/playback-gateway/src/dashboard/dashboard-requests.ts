/**
 * What the dashboard API accepts, strict like the rest of the API (unknown query parameters are refused): the
 * rollup look-back, the device id of the rollup path, the device list's page, search and order, and the consumer
 * history's look-back.
 */
import { DEVICE_ID_PATTERN, METRIC_NAME_PATTERN, TELEMETRY_LIMITS } from '@tributary/schemas';
import { z } from 'zod';
import { GatewayError } from '../gateway-error';
import { validate } from '../api/api-requests';

export const ROLLUP_MINUTES = { default: 30, max: 24 * 60 } as const;

export const noQuerySchema = z.strictObject({});

export const rollupQuerySchema = z.strictObject({
  minutes: z
    .string()
    .regex(/^\d{1,5}$/, { error: 'expected whole minutes' })
    .transform(Number)
    .pipe(z.number().min(1, { error: 'must be >= 1' }).max(ROLLUP_MINUTES.max, { error: `must be <= ${ROLLUP_MINUTES.max}` }))
    .default(ROLLUP_MINUTES.default),
});

/** The `:id` path parameter, by the telemetry envelope's device-id rule; throws INVALID_REQUEST. */
export function deviceIdParam(value: string): string {
  if (value === '' || value.length > TELEMETRY_LIMITS.deviceIdMaxLength || !DEVICE_ID_PATTERN.test(value)) {
    throw new GatewayError('INVALID_REQUEST', `A device id is 1–${TELEMETRY_LIMITS.deviceIdMaxLength} characters of A-Z a-z 0-9 _ . : -`);
  }
  return value;
}

export const DEVICE_PAGE_LIMITS = { defaultLimit: 50, maxLimit: 500, maxOffset: 1_000_000 } as const;

/** How the device list is ordered: by id, by age (newest report first when ascending), by seq, or by one metric. */
export type DeviceSort = { by: 'device' | 'age' | 'seq' } | { by: 'metric'; metric: string };

export interface DeviceListQuery {
  limit: number;
  offset: number;
  /** Lower-cased search text: a substring of the device id. */
  q?: string;
  sort: DeviceSort;
  order: 'asc' | 'desc';
}

const wholeNumber = (what: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, { error: `expected a whole number of ${what}` })
    .transform(Number)
    .pipe(z.number().max(max, { error: `must be <= ${max}` }));

const deviceListQuerySchema = z.strictObject({
  limit: wholeNumber('devices', DEVICE_PAGE_LIMITS.maxLimit)
    .pipe(z.number().min(1, { error: 'must be >= 1' }))
    .default(DEVICE_PAGE_LIMITS.defaultLimit),
  offset: wholeNumber('devices', DEVICE_PAGE_LIMITS.maxOffset).default(0),
  q: z
    .string()
    .max(TELEMETRY_LIMITS.deviceIdMaxLength)
    .regex(DEVICE_ID_PATTERN, { error: 'expected characters of a device id (A-Z a-z 0-9 _ . : -)' })
    .optional(),
  // `device`, `age`, `seq` or `metric:<name>` (a metric name by the envelope's rule).
  sort: z
    .string()
    .max(7 + TELEMETRY_LIMITS.metricNameMaxLength)
    .refine((v) => ['device', 'age', 'seq'].includes(v) || (v.startsWith('metric:') && v.length > 7 && METRIC_NAME_PATTERN.test(v.slice(7))), {
      error: 'expected device, age, seq or metric:<name>',
    })
    .default('device'),
  order: z.enum(['asc', 'desc']).default('asc'),
});

/** The query record of GET /api/dashboard/devices → page, search and order; throws INVALID_REQUEST. */
export function parseDeviceListQuery(query: Record<string, string>): DeviceListQuery {
  const parsed = validate(deviceListQuerySchema, query, 'device list query');
  const sort: DeviceSort = parsed.sort.startsWith('metric:') ? { by: 'metric', metric: parsed.sort.slice(7) } : { by: parsed.sort as 'device' | 'age' | 'seq' };
  const out: DeviceListQuery = { limit: parsed.limit, offset: parsed.offset, sort, order: parsed.order };
  if (parsed.q !== undefined && parsed.q !== '') out.q = parsed.q.toLowerCase();
  return out;
}

export const CONSUMER_HISTORY_MINUTES = { default: 15, max: 60 } as const;

export const consumerHistoryQuerySchema = z.strictObject({
  minutes: z
    .string()
    .regex(/^\d{1,3}$/, { error: 'expected whole minutes' })
    .transform(Number)
    .pipe(z.number().min(1, { error: 'must be >= 1' }).max(CONSUMER_HISTORY_MINUTES.max, { error: `must be <= ${CONSUMER_HISTORY_MINUTES.max}` }))
    .default(CONSUMER_HISTORY_MINUTES.default),
});
