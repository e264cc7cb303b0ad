/**
 * Errors of @tributary/kpl: one class on the shared base (code, retriable, cause; `instanceof` across bundles by
 * brand, see @tributary/errors). Codes are this lib's own.
 */
import { TributaryError } from '@tributary/errors';

export type KplErrorCode =
  /** Bytes that start with the KPL magic but are not a valid aggregate (checksum, protobuf, table index). */
  | 'MALFORMED_AGGREGATE'
  /** A bug: an invariant of the codec did not hold (the builder's size bookkeeping). */
  | 'INTERNAL';

export class KplError extends TributaryError<KplErrorCode> {
  static override readonly brand: string = 'tributary.kpl.KplError';
  override name = 'KplError';
}
