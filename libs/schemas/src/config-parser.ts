/**
 * Start-up configuration, validated once (conventions.md §14). An app gathers its raw settings (flags over
 * environment variables over defaults, as apps/kinesis-emulator/src/emulator-config.ts does), then calls
 * `parseConfig` with its schema and the name each setting goes by on the command line and in the environment.
 * Every bad setting is reported at once, by that name, so one failed start tells the operator everything.
 */
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors';
import { formatIssuePath } from './validation-issues';

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
