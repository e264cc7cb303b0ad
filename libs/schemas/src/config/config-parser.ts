/**
 * Start-up configuration, validated once (conventions.md §14). An app gathers its raw settings with `readSettings`
 * (flags over environment variables over defaults), then calls `parseConfig` with its schema and the name each
 * setting goes by on the command line and in the environment. Every bad setting is reported at once, by that name,
 * so one failed start tells the operator everything.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors';
import { formatIssuePath } from '../validation-issues';
import { closestNames } from './closest-names';

export interface ParseConfigOptions {
  /**
   * Schema keys whose values are secrets (JWT keys, API key lists): their values are never quoted in the error,
   * which ends up in logs.
   */
  secrets?: readonly string[];
}

/** Longest raw value quoted back in an error message; a pasted PEM or key list would drown the message. */
const MAX_QUOTED = 80;

/**
 * Validates `raw` against `schema` and returns the parsed settings, or throws one `ConfigError` naming every
 * bad setting. `names` maps a top-level schema key to what the user typed, e.g. `{ port: '--port / PORT' }`.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  names: Readonly<Record<string, string>>,
  options: ParseConfigOptions = {},
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const secrets = new Set(options.secrets ?? []);
  const issues: ConfigIssue[] = parsed.error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      // A strict schema's "unknown setting": one line per key, under the key's own name.
      return issue.keys.map((key) => ({ key, setting: names[key] ?? key, message: 'is not a known setting' }));
    }
    const key = issue.path.length > 0 ? String(issue.path[0]) : '';
    const setting = key === '' ? 'settings' : (names[key] ?? formatIssuePath(issue.path.slice(0, 1)));
    const nested = issue.path.length > 1 ? ` at ${formatIssuePath(issue.path.slice(1))}` : '';
    return [{ key, setting, message: `${issue.message}${nested}` }];
  });
  const lines = issues.map((i) => `  ${i.setting}: ${i.message}${quoteValue(raw, i.key, secrets)}`);
  throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`, issues);
}

function quoteValue(raw: unknown, key: string, secrets: ReadonlySet<string>): string {
  if (key === '' || raw === null || typeof raw !== 'object') return '';
  const value = (raw as Record<string, unknown>)[key];
  if (value === undefined) return ' (not set)';
  if (secrets.has(key)) return ' (value hidden)';
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text})`;
}

/**
 * A boolean setting as environment variables and flags spell it: true/false, 1/0, on/off, yes/no (any case).
 * `z.coerce.boolean()` would read "false" as true, which is why this exists.
 */
export const booleanSetting = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'], { error: 'expected true/false, 1/0, on/off or yes/no' }))
  .transform((v) => v === 'true' || v === '1' || v === 'on' || v === 'yes');

/** The flags an app takes, by long name (without `--`); every app also takes `--help` / `-h`. */
export interface SettingFlagNames<S extends string, B extends string> {
  /** Flags that take a value: `--port 8080` or `--port=8080`. */
  strings: readonly S[];
  /** Flags that take none: `--in-memory`. */
  booleans?: readonly B[];
}

/** The parsed flags: a string or `true` per flag given, `undefined` per flag not given. */
export type SettingFlagValues<S extends string, B extends string> = { readonly [K in S]?: string } & {
  readonly [K in B | 'help']?: boolean;
};

export interface Settings<S extends string, B extends string> {
  flags: SettingFlagValues<S, B>;
  /**
   * The flag's value if it was given, else the environment variable if it is set and not empty, else `fallback`.
   * An empty variable (`FOO=` in a compose file) means "not set", as in most tools.
   */
  pick(flag: string | undefined, variable: string, fallback?: string): string | undefined;
}

/**
 * The first flag of `argv` that is not one of `known`, with "did you mean" when a known one is close: parseArgs names
 * only the flag (and `-port` as its first letter, `-p`).
 */
function unknownOption(argv: readonly string[], known: readonly string[]): string | undefined {
  // A value starting with '-' never gets here: parseArgs refuses `--port -5` as ambiguous before looking further.
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
    if (arg.startsWith('--') ? known.includes(name) : name.length === 1) continue;
    const close = closestNames(name, known).map((n) => `--${n}`);
    const typed = arg.split('=')[0];
    return `Unknown option '${typed}'${close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : ''}`;
  }
  return undefined;
}

/**
 * Parses `argv` (without node and the script) strictly against the flag names and returns the flags with a `pick`
 * over `env`. An unknown flag, a missing value or a positional argument throws a `ConfigError` that says how to get
 * help.
 */
export function readSettings<const S extends string, const B extends string = never>(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  names: SettingFlagNames<S, B>,
): Settings<S, B> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const name of names.strings) options[name] = { type: 'string' };
  for (const name of names.booleans ?? []) options[name] = { type: 'boolean' };
  options['help'] = { type: 'boolean', short: 'h' };
  let flags: SettingFlagValues<S, B>;
  try {
    // Strict parsing gives each flag the type it was declared with, so the values are what the type says.
    flags = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as SettingFlagValues<S, B>;
  } catch (err) {
    const unknown = (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(argv, Object.keys(options)) : undefined;
    throw new ConfigError(`${unknown ?? (err as Error).message}. Run with --help for the options.`);
  }
  const pick = (flag: string | undefined, variable: string, fallback?: string): string | undefined => {
    if (flag !== undefined) return flag;
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
  };
  return { flags, pick };
}
