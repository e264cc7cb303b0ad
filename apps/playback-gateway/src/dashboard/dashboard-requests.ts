/**
 * What the dashboard API accepts, strict like the rest of the API (unknown query parameters are refused): the
 * rollup look-back and the device id of the rollup path.
 */
import { DEVICE_ID_PATTERN, TELEMETRY_LIMITS } from '@tributary/schemas';
import { z } from 'zod';
import { GatewayError } from '../gateway-error';

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
