/**
 * Options the camera commands share: durations (`--gap 2s`), the timestamp kind of a range, and --from/--to read
 * with the time grammar (time-expression.ts). A bad value is a usage error (exit 2) that says what is accepted.
 */
import { InvalidArgumentError, Option } from 'commander';
import { usageError } from '../cli/cli-error';
import { parseDuration, parseTimeExpression, parseTimeRange } from './time-expression';

/** A duration option's parser (`30s`, `2m`): commander prints the message and main.ts exits 2. */
export function durationOption(text: string): number {
  const ms = parseDuration(text.trim());
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s, 2m or 1h');
  return ms;
}

/** --timestamps: ranges in producer (capture) or server (arrival) time. */
export function timestampsOption(): Option {
  return new Option('--timestamps <kind>', 'range in producer (capture) or server (arrival) timestamps').choices(['producer', 'server']).default('producer');
}

/** --from/--to parsed against now (with a default span when --from may be left out), or a usage error. */
export function rangeOf(options: { from?: string; to?: string }, defaultSpanMs?: number, now = new Date()): { from: Date; to: Date } {
  const range = parseTimeRange(options.from, options.to, now, defaultSpanMs);
  if (!range.ok) throw usageError(range.message);
  return { from: range.from, to: range.to };
}

/** One time option (`--at`), or a usage error naming it. */
export function timeOf(flag: string, text: string, now = new Date()): Date {
  const t = parseTimeExpression(text, now);
  if (!t.ok) throw usageError(`${flag}: ${t.message}`);
  return t.value;
}
