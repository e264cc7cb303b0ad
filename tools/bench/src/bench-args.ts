/**
 * The option parsing every bench shares: node:util parseArgs in strict mode with `--help` added, and the checks of
 * the values (positive numbers, `--only` subsets, JSON objects), each with the error message the usage follows.
 */
import { parseArgs } from 'node:util';

type FlagValues<S extends string, B extends string> = { [K in S]?: string } & { [K in B]?: boolean };

/**
 * The bench's flags (`strings` take a value, `booleans` do not) parsed strictly: an unknown flag or a positional
 * argument throws parseArgs's own error. Undefined on `--help`, which every bench takes.
 */
export function parseBenchArgs<S extends string, B extends string = never>(argv: string[], strings: readonly S[], booleans: readonly B[] = []): FlagValues<S, B> | undefined {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of strings) options[name] = { type: 'string' };
  for (const name of booleans) options[name] = { type: 'boolean' };
  options['help'] = { type: 'boolean' };
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values['help']) return undefined;
  return values as FlagValues<S, B>;
}

/** A positive number option (`--name N`), or `fallback` when absent. */
export function positiveOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

/** A positive number option rounded to a whole number (counts: runs, records, shards, …). */
export function positiveIntegerOption(name: string, text: string | undefined, fallback: number): number {
  return Math.round(positiveOption(name, text, fallback));
}

/** As positiveOption, but the literal `0` is accepted too (an extra delay or a linger that is off). */
export function zeroOrPositiveOption(name: string, text: string | undefined, fallback: number): number {
  return text === '0' ? 0 : positiveOption(name, text, fallback);
}

/** "a", "a and b", "a, b and c". */
function spelledList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * `--only LIST`: the comma-separated subset of `all` asked for (all when absent), in the order of `all`; throws on
 * a name that is not one of them.
 */
export function onlyOption<T extends string>(text: string | undefined, all: readonly T[]): T[] {
  const asked = text === undefined ? [...all] : text.split(',').map((s) => s.trim());
  for (const name of asked) if (!all.includes(name as T)) throw new Error(`--only takes ${spelledList(all)}, got ${name}`);
  return all.filter((name) => asked.includes(name));
}

/**
 * An option that holds a JSON object (extra options for the code under test, which validates them itself: an
 * unknown or bad one fails the first run with its name); undefined when absent.
 */
export function jsonObjectOption(name: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--${name} must be a JSON object, got ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--${name} must be a JSON object, got ${text}`);
  return parsed as Record<string, unknown>;
}
