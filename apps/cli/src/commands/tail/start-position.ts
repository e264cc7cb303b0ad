/**
 * `tail --from`: where each shard starts. Pure: parsing only, no I/O.
 *
 *   trim-horizon            the oldest record in retention (the default)
 *   latest                  only records put after tail started
 *   2026-12-07T06:00:00Z    ISO 8601 time (a date alone is midnight UTC; a time without zone is UTC)
 *   -15m / 15m / 2h / 1d    that long ago (s, m, h, d)
 *   4960...                 a sequence number (digits): read from that record on, in the shard that holds it
 */
import { usageError } from '../../cli/cli-error';

export type StartPosition =
  | { kind: 'trim-horizon' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; at: Date }
  | { kind: 'sequence'; sequenceNumber: string };

const DURATION = /^-?(\d+(?:\.\d+)?)\s*(s|m|h|d)$/i;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Kinesis sequence numbers are decimal integers of up to 128 bits; 20+ digits keeps them apart from epochs. */
const SEQUENCE = /^\d{20,}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export const FROM_HELP = 'trim-horizon (default), latest, an ISO time (2026-12-07T06:00:00Z), a duration ago (15m, 2h, 1d) or a sequence number';

export function parseStartPosition(text: string, now: number = Date.now()): StartPosition {
  const value = text.trim();
  const lower = value.toLowerCase().replace(/_/g, '-');
  if (lower === 'trim-horizon' || lower === 'oldest' || lower === 'beginning') return { kind: 'trim-horizon' };
  if (lower === 'latest' || lower === 'now') return { kind: 'latest' };
  if (SEQUENCE.test(value)) return { kind: 'sequence', sequenceNumber: value };
  const duration = DURATION.exec(value);
  if (duration) {
    return { kind: 'timestamp', at: new Date(now - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()]) };
  }
  if (ISO_DATE.test(value) || ISO_TIME.test(value)) {
    // Date-only and zone-less ISO strings: UTC, so that the same command means the same on every machine.
    const normalized = value.replace(' ', 'T');
    const zoned = ISO_DATE.test(value) ? `${normalized}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(normalized) ? normalized : `${normalized}Z`;
    const at = new Date(zoned);
    if (!Number.isNaN(at.getTime())) {
      if (at.getTime() > now + 60_000) throw usageError(`--from ${text} is in the future; use --from latest to wait for new records`);
      return { kind: 'timestamp', at };
    }
  }
  throw usageError(`--from: cannot read "${text}" as a position; use ${FROM_HELP}`);
}
