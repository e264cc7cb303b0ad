/**
 * PutRecord's SequenceNumberForOrdering as the service reads it: the pattern (0|[1-9]\d{0,128}) is checked by
 * the validator; past it, the number must be one the service could have issued, else InvalidArgumentException
 * "ExclusiveMinimumSequenceNumber … used in PutRecord on stream … under account … is invalid.". The rules below
 * are the ones AWS's answers show (kinesalite recorded them: db/index.js parseSequence and its putRecord cases).
 * Numbers below 2^124 are read with 2^124 added (a leading 1 digit), then, in hex:
 * - below 2^129, the oldest layout: the creation time (digits 1–9) must be below 16025175000 s;
 * - between 2^185 and 1.5 × 2^185, the layout named by the last digit: 1 (arrival in digits 13–21) and 2 (ordinal
 *   in digits 11–26, below 2^63; arrival in digits 29–37) are read; the arrival may not be in the future;
 *   version 3 makes the service fail (InternalFailure); any other version is invalid;
 * - anything else is invalid.
 * Pure, no I/O; the caller gives the time.
 */
import { awsErrors, type AwsServiceError } from '../errors';

const P124 = 1n << 124n;
const P129 = 1n << 129n;
const P185 = 1n << 185n;
const P185_AND_HALF = P185 + (P185 >> 1n);
const LATEST_CREATION_SECONDS = 16025175000;

export type OrderingVerdict = 'valid' | 'invalid' | 'internal-failure';

const hexDigits = (hex: string, from: number, to: number): number => parseInt(hex.slice(from, to), 16);

/** How the service takes `text` (which matches the pattern) as SequenceNumberForOrdering at `nowMs`. */
export function readSequenceForOrdering(text: string, nowMs: number): OrderingVerdict {
  let n = BigInt(text);
  if (n < P124) n += P124;
  const hex = n.toString(16);
  if (n < P129) return hexDigits(hex, 1, 10) < LATEST_CREATION_SECONDS ? 'valid' : 'invalid';
  if (n <= P185 || n >= P185_AND_HALF) return 'invalid';
  switch (hex[hex.length - 1]) {
    case '1':
      return hexDigits(hex, 13, 22) * 1000 > nowMs ? 'invalid' : 'valid';
    case '2':
      if (hexDigits(hex, 11, 12) > 7) return 'invalid';
      return hexDigits(hex, 29, 38) * 1000 > nowMs ? 'invalid' : 'valid';
    case '3':
      return 'internal-failure';
    default:
      return 'invalid';
  }
}

/** The error PutRecord answers for an unusable SequenceNumberForOrdering, or undefined for a usable one. */
export function orderingSequenceError(text: string, streamName: string, accountId: string, nowMs: number): AwsServiceError | undefined {
  const verdict = readSequenceForOrdering(text, nowMs);
  if (verdict === 'valid') return undefined;
  if (verdict === 'internal-failure') return awsErrors.internalFailure('Internal service failure.');
  return awsErrors.invalidArgument(`ExclusiveMinimumSequenceNumber ${text} used in PutRecord on stream ${streamName} under account ${accountId} is invalid.`);
}
