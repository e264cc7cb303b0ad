/**
 * The query of GET /api/streams, strict like the rest of the API, and the page cursor:
 *
 *   limit   1–200 streams per page, default 50
 *   cursor  opaque: base64url of `1:<last stream name of the previous page>`. The list is in name order, so "the
 *           streams after this name" stays right while streams come and go between pages (an offset would skip
 *           or repeat one). It names a stream the caller was shown; a forged one reveals nothing, since only
 *           readable streams after it are listed.
 *   q       case-insensitive substring of the stream name, in the stream-name alphabet; empty: no filter
 */
import { z } from 'zod';
import { GatewayError } from '../gateway-error';
import { STREAM_NAME, validate } from './api-requests';

export const STREAM_LIST_LIMITS = { defaultLimit: 50, maxLimit: 200 } as const;

const CURSOR_VERSION = '1:';
/** base64url of `1:` + a name of at most 256 characters. */
const CURSOR_TEXT = /^[A-Za-z0-9_-]{4,400}$/;

export interface StreamListQuery {
  limit: number;
  /** List the streams whose name sorts after this one (code-unit order). */
  after?: string;
  /** Lower-cased search text. */
  q?: string;
}

const streamListQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, { error: 'expected a whole number of streams' })
    .transform(Number)
    .pipe(z.number().min(1, { error: 'must be >= 1' }).max(STREAM_LIST_LIMITS.maxLimit, { error: `must be <= ${STREAM_LIST_LIMITS.maxLimit}` }))
    .default(STREAM_LIST_LIMITS.defaultLimit),
  cursor: z.string().optional(),
  q: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{0,256}$/, { error: 'expected up to 256 of a-z A-Z 0-9 _ . -' })
    .optional(),
});

/** The page cursor that continues after `lastName`. */
export function encodeStreamCursor(lastName: string): string {
  return Buffer.from(CURSOR_VERSION + lastName, 'utf8').toString('base64url');
}

/** The stream name a cursor continues after; INVALID_REQUEST for anything encodeStreamCursor did not make. */
export function decodeStreamCursor(cursor: string): string {
  const text = CURSOR_TEXT.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const name = text.slice(CURSOR_VERSION.length);
  // Re-encoding must give the same text: refuses padding tricks and non-canonical base64.
  if (!text.startsWith(CURSOR_VERSION) || !STREAM_NAME.test(name) || encodeStreamCursor(name) !== cursor) {
    throw new GatewayError('INVALID_REQUEST', 'Invalid cursor: give back the nextCursor of the previous page as it was.');
  }
  return name;
}

/** The query record of GET /api/streams (queryRecord) → limit, cursor position and search text; throws INVALID_REQUEST. */
export function parseStreamListQuery(query: Record<string, string>): StreamListQuery {
  const parsed = validate(streamListQuerySchema, query, 'stream list query');
  const out: StreamListQuery = { limit: parsed.limit };
  if (parsed.cursor !== undefined) out.after = decodeStreamCursor(parsed.cursor);
  if (parsed.q !== undefined && parsed.q !== '') out.q = parsed.q.toLowerCase();
  return out;
}
