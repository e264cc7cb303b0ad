/**
 * The setting fields every app's config schema shares (issue 16, item 4): numbers, byte sizes, ports, the log
 * level, stream and table names, and the eight auth settings with the names they go by. Each takes the raw string
 * a flag or an environment variable holds; its error message is what `parseConfig` prints after the setting's name
 * (`--port / TELEMETRY_PORT: expected an integer (got "http")`), so the apps word the same mistake the same way.
 */
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors';
import type { Settings } from './config-parser';

const bounded = (min: number, max: number) => z.number().min(min, { error: `must be >= ${min}` }).max(max, { error: `must be <= ${max}` });

/** An integer within min..max (a negative one needs the `=` form of a flag: `--max-retries=-1`). */
export const integerSetting = (min: number, max: number) =>
  z.string().trim().regex(/^-?\d+$/, { error: 'expected an integer' }).transform(Number).pipe(bounded(min, max));

/** A non-negative integer within min..max, for settings where a sign is always a mistake (ages, counts, ms). */
export const wholeNumberSetting = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, { error: 'expected a whole number' }).transform(Number).pipe(bounded(min, max));

/** -1 (no limit, as Lambda spells it) or an integer within min..max. */
export const unlimitedOrSetting = (min: number, max: number) =>
  integerSetting(-1, max).refine((v) => v === -1 || v >= min, { error: `must be -1 (no limit) or between ${min} and ${max}` });

/** A non-negative decimal number within min..max (rates). */
export const decimalSetting = (min: number, max: number) =>
  z.string().trim().regex(/^\d+(\.\d+)?$/, { error: 'expected a number' }).transform(Number).pipe(bounded(min, max));

/** A TCP port; 0 asks the system for any free one. */
export const portSetting = integerSetting(0, 65_535);

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/**
 * Bytes, with an optional b/k/kb/m/mb/g/gb suffix in powers of 1024 (as body and cache sizes are usually read):
 * `1048576`, `512kb`, `1.5mb`. `example` is the setting's own default in both spellings, for the error.
 */
export const byteSizeSetting = (min: number, max: number, example: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^\d+(\.\d+)?\s*(b|k|kb|m|mb|g|gb)?$/, { error: `expected a size such as ${example}` })
    .transform((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(s) as RegExpExecArray;
      return Math.floor(Number(m[1]) * (SIZE_UNITS[m[2]] ?? 1));
    })
    .pipe(z.number().min(min, { error: `must be at least ${min} bytes` }).max(max, { error: `must be at most ${max} bytes` }));

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const logLevelSetting = z.enum(LOG_LEVELS, { error: 'expected trace, debug, info, warn, error, fatal or silent' });

export const nonEmptyText = z.string().trim().min(1, { error: 'must not be empty' });
/** Unset, or text that is not blank. */
export const optionalText = nonEmptyText.optional();

/** Kinesis Data Streams stream names (CreateStream: 1–128 of a-z A-Z 0-9 _ . -). */
export const KINESIS_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
/** Kinesis Video Streams stream names (CreateStream: 1–256 of a-z A-Z 0-9 _ . -). */
export const KVS_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
/** Enhanced fan-out consumer names (RegisterStreamConsumer: 1–128 of a-z A-Z 0-9 _ . -). */
export const EFO_CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
/** DynamoDB table names (CreateTable: 3–255 of a-z A-Z 0-9 _ . -). */
export const DYNAMODB_TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export const kinesisStreamNameSetting = z.string().regex(KINESIS_STREAM_NAME, { error: 'expected 1–128 characters of a-z A-Z 0-9 _ . - (a Kinesis stream name)' });
export const kvsStreamNameSetting = z.string().regex(KVS_STREAM_NAME, { error: 'expected 1–256 characters of a-z A-Z 0-9 _ . - (a KVS stream name)' });
/** A DynamoDB table name; `role` says what the table is for in the error (`it names the DynamoDB lease table`). */
export const tableNameSetting = (role = 'a DynamoDB table name') =>
  z.string().regex(DYNAMODB_TABLE_NAME, { error: `expected 3–255 characters of a-z A-Z 0-9 _ . - (${role})` });

/**
 * The auth settings of an app that authenticates clients (libs/auth `loadAuthOptions` reads them; its
 * `authSettingsProblems` checks the combinations): API keys (a file or inline), one JWT key source and the claims.
 */
export const authSettingFields = {
  apiKeysFile: optionalText,
  apiKeys: optionalText,
  jwtSecret: z.string().min(32, { error: 'must be at least 32 characters (HS256 wants 256 bits of key)' }).optional(),
  jwtPublicKeyFile: optionalText,
  jwksUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  jwtIssuer: optionalText,
  jwtAudience: optionalText,
  jwtMaxAge: wholeNumberSetting(0, 31_536_000).optional(),
};
export type AuthSettingKey = keyof typeof authSettingFields;

/** Auth settings whose values `parseConfig` never quotes (pass them in its `secrets`). */
export const AUTH_SECRET_SETTINGS: readonly AuthSettingKey[] = ['apiKeys', 'jwtSecret'];

/** The flags of the auth settings (the two secrets are environment-only: flags show in `ps`). */
export const AUTH_SETTING_FLAGS = ['api-keys-file', 'jwt-public-key-file', 'jwks-url', 'jwt-issuer', 'jwt-audience', 'jwt-max-age'] as const;
type AuthSettingFlag = (typeof AUTH_SETTING_FLAGS)[number];

/** Flag and variable of each auth setting, for an app whose variables start with `prefix` (`GATEWAY_`). */
export function authSettingNames(prefix: string): Record<AuthSettingKey, string> {
  return {
    apiKeysFile: `--api-keys-file / ${prefix}API_KEYS_FILE`,
    apiKeys: `${prefix}API_KEYS`,
    jwtSecret: `${prefix}JWT_SECRET`,
    jwtPublicKeyFile: `--jwt-public-key-file / ${prefix}JWT_PUBLIC_KEY_FILE`,
    jwksUrl: `--jwks-url / ${prefix}JWKS_URL`,
    jwtIssuer: `--jwt-issuer / ${prefix}JWT_ISSUER`,
    jwtAudience: `--jwt-audience / ${prefix}JWT_AUDIENCE`,
    jwtMaxAge: `--jwt-max-age / ${prefix}JWT_MAX_AGE_SECONDS`,
  };
}

/** The raw auth settings (flags over variables named `prefix…`); unset ones stay undefined (libs/auth's defaults). */
export function pickAuthSettings(settings: Settings<AuthSettingFlag, never>, prefix: string): Record<AuthSettingKey, string | undefined> {
  const { flags, pick } = settings;
  return {
    apiKeysFile: pick(flags['api-keys-file'], `${prefix}API_KEYS_FILE`),
    apiKeys: pick(undefined, `${prefix}API_KEYS`),
    jwtSecret: pick(undefined, `${prefix}JWT_SECRET`),
    jwtPublicKeyFile: pick(flags['jwt-public-key-file'], `${prefix}JWT_PUBLIC_KEY_FILE`),
    jwksUrl: pick(flags['jwks-url'], `${prefix}JWKS_URL`),
    jwtIssuer: pick(flags['jwt-issuer'], `${prefix}JWT_ISSUER`),
    jwtAudience: pick(flags['jwt-audience'], `${prefix}JWT_AUDIENCE`),
    jwtMaxAge: pick(flags['jwt-max-age'], `${prefix}JWT_MAX_AGE_SECONDS`),
  };
}

/**
 * Throws one ConfigError for the problems found across settings (after `parseConfig` passed each one), worded like
 * parseConfig's own: `Invalid settings:` and a line per problem. Does nothing when there are none.
 */
export function throwConfigProblems(problems: readonly ConfigIssue[]): void {
  if (problems.length === 0) return;
  throw new ConfigError(
    `Invalid settings:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`,
    problems.map((p) => ({ key: p.key, setting: p.setting, message: p.message })),
  );
}
