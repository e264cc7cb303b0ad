/**
 * What the API accepts, as zod schemas, strict (unknown members and query parameters are refused rather than
 * ignored): stream names, the playback request body, and the clip and snapshot query strings. Times are ISO-8601
 * with an offset (`2026-01-01T10:00:00Z`, `…+01:00`) or epoch milliseconds, and come out as epoch milliseconds.
 */
import { z } from 'zod';
import { GatewayError } from '../gateway-error';

/** KVS stream name rule (1–256 of `[a-zA-Z0-9_.-]`). */
export const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;

/** GetHLSStreamingSessionURL / GetClip: the end lies within 24 h of the start (kvs-reference.md §5.3, §5.5). */
export const MAX_RANGE_MS = 24 * 60 * 60 * 1000;

/** A time as the API accepts it (ISO-8601 with an offset, or epoch ms), out as epoch ms. */
export const instant = z.union([
  z.iso.datetime({ offset: true, error: 'expected an ISO-8601 time with an offset, e.g. 2026-01-01T10:00:00Z' }).transform((s) => Date.parse(s)),
  z.string().regex(/^\d{10,16}$/, { error: 'expected epoch milliseconds' }).transform(Number),
  z.number().int().min(0),
]);

export const playbackRequestSchema = z
  .strictObject({
    mode: z.enum(['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'], { error: 'expected LIVE, LIVE_REPLAY or ON_DEMAND' }).default('LIVE'),
    start: instant.optional(),
    end: instant.optional(),
    delivery: z.enum(['direct', 'proxied'], { error: 'expected direct or proxied' }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'LIVE' && (r.start !== undefined || r.end !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'LIVE plays from now: give no start or end' });
    }
    if (r.mode === 'ON_DEMAND' && (r.start === undefined || r.end === undefined)) {
      ctx.addIssue({ code: 'custom', path: [r.start === undefined ? 'start' : 'end'], message: 'ON_DEMAND needs a start and an end' });
    }
    if (r.mode === 'LIVE_REPLAY' && r.start === undefined) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'LIVE_REPLAY needs a start' });
    }
    checkRange(r.start, r.end, ctx);
  });

export type PlaybackRequest = z.output<typeof playbackRequestSchema>;

function checkRange(start: number | undefined, end: number | undefined, ctx: z.RefinementCtx): void {
  if (start === undefined || end === undefined) return;
  if (end <= start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  else if (end - start > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be within 24 hours of start' });
}

export const clipQuerySchema = z
  .strictObject({ start: instant, end: instant })
  .superRefine((r, ctx) => checkRange(r.start, r.end, ctx));

export const snapshotQuerySchema = z.strictObject({
  at: instant.optional(),
  format: z
    .enum(['jpeg', 'png', 'JPEG', 'PNG'], { error: 'expected jpeg or png' })
    .default('jpeg')
    .transform((f) => f.toUpperCase() as 'JPEG' | 'PNG'),
  width: z
    .string()
    .regex(/^\d{1,4}$/, { error: 'expected a width in pixels' })
    .transform(Number)
    .pipe(z.number().min(1, { error: 'must be >= 1' }).max(3840, { error: 'must be <= 3840' }))
    .optional(),
});

/**
 * A raw query string as a flat record; a repeated or empty-named parameter is refused (no arrays, no `a[b]`
 * nesting: `query parser` is off in the app and this is the only reader).
 */
export function queryRecord(rawUrl: string): Record<string, string> {
  const q = rawUrl.indexOf('?');
  const out: Record<string, string> = {};
  if (q < 0) return out;
  for (const [name, value] of new URLSearchParams(rawUrl.slice(q + 1))) {
    if (name === '' || Object.prototype.hasOwnProperty.call(out, name)) {
      throw new GatewayError('INVALID_REQUEST', name === '' ? 'Empty query parameter name.' : `Query parameter ${JSON.stringify(name.slice(0, 40))} given twice.`);
    }
    out[name] = value;
  }
  return out;
}

/** Parses `input` with `schema` or throws INVALID_REQUEST naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? `unknown ${i.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}` : `${i.path.join('.') || what}: ${i.message}`,
  );
  throw new GatewayError('INVALID_REQUEST', `Invalid ${what}: ${issues.join('; ')}.`);
}
