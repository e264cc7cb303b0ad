/**
 * The gateway's settings: command-line flags over environment variables over defaults, validated once at start by a
 * zod schema (`parseConfig` from @tributary/schemas) whose error names each bad setting by its flag and variable.
 *
 * AWS settings are not here on purpose: region, credentials and endpoint are AWS's own (`AWS_REGION`, the credential
 * chain, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KINESIS_VIDEO`), read by the SDK itself, so the same build runs
 * against the emulator and against AWS by environment alone (architecture.md). The endpoint variables are only
 * read here to derive the page's default Content-Security-Policy `connect-src` for direct playback.
 */
import { randomBytes } from 'node:crypto';
import { authSettingsProblems, type AuthSettingNames } from '@tributary/auth';
import {
  AUTH_SECRET_SETTINGS,
  AUTH_SETTING_FLAGS,
  authSettingFields,
  authSettingNames,
  byteSizeSetting,
  ConfigError,
  DYNAMODB_TABLE_NAME,
  logLevelSetting,
  nonEmptyText,
  parseConfig,
  pickAuthSettings,
  readSettings,
  throwConfigProblems,
  wholeNumberSetting as integer,
} from '@tributary/schemas';
import { z } from 'zod';

export { ConfigError };

export const HELP = `playback-gateway — KVS playback for browsers: auth, stream list, HLS (direct or proxied), clips, snapshots,
and a web player

Usage: nx serve playback-gateway -- [options]     (or: tsx apps/playback-gateway/src/main.ts [options])

Options (environment variable in brackets; flags win over variables):
  --host <addr>               address to listen on                      [GATEWAY_HOST]              default 0.0.0.0
  --port <n>                  TCP port (0: any free port)               [GATEWAY_PORT]              default 8088
  --public-url <url>          base URL players reach the gateway at     [GATEWAY_PUBLIC_URL]        default from the request
                              (proxied playback URLs are built on it)
  --trust-proxy <hops>        proxies in front whose X-Forwarded-* to   [GATEWAY_TRUST_PROXY]       default 0
                              trust (client IP for rate limits)

 Authentication (API keys and/or one JWT key source; at least one):
  --api-keys-file <file>      hashed API keys: JSON, or id:hash:scopes lines [GATEWAY_API_KEYS_FILE]
                              the same, inline (lines or ';')           [GATEWAY_API_KEYS]
                              HS256 shared secret (env only)            [GATEWAY_JWT_SECRET]
  --jwt-public-key-file <f>   RS256 public key (PEM, SPKI)              [GATEWAY_JWT_PUBLIC_KEY_FILE]
  --jwks-url <url>            RS256 keys from a JWKS endpoint           [GATEWAY_JWKS_URL]
  --jwt-issuer <iss>          required "iss" of bearer tokens           [GATEWAY_JWT_ISSUER]
  --jwt-audience <aud>        required "aud" of bearer tokens           [GATEWAY_JWT_AUDIENCE]
  --jwt-max-age <s>           longest age and lifetime (exp - iat) of a [GATEWAY_JWT_MAX_AGE_SECONDS] default 86400
                              bearer token; iat required (0: no bound)
  Scopes: video:read (every stream) or stream:<name>:read (one stream; stream:*:read = every stream).

 Playback:
                              playback token key, >= 32 bytes (env only; [GATEWAY_PLAYBACK_KEY]      default random
                              every instance behind one load balancer needs the same key)     (one instance only)
  --token-ttl <s>             lifetime of playback sessions (300–43200) [GATEWAY_TOKEN_TTL_SECONDS] default 1800
  --delivery <mode>           default delivery: direct | proxied        [GATEWAY_DELIVERY]          default proxied
  --segment-cache <size>      proxied segments kept in memory (bytes,   [GATEWAY_SEGMENT_CACHE_BYTES] default 256mb
                              kb, mb, gb; 0: no cache)
  --upstream-timeout <ms>     longest wait for KVS per request          [GATEWAY_UPSTREAM_TIMEOUT_MS] default 10000
  --playlist-share-ms <ms>    one proxied playlist fetch serves every   [GATEWAY_PLAYLIST_SHARE_MS] default 200
                              viewer of its KVS session this long (0-2000; 0: each request fetches)

 HTTP:
  --cors-origins <list>       origins allowed to call the API (comma-   [GATEWAY_CORS_ORIGINS]      default none
                              separated, or *)
  --csp-connect-src <list>    origins the page may fetch HLS from in    [GATEWAY_CSP_CONNECT_SRC]   default the KVS
                              direct mode (comma-separated)                                         endpoint (below)
  --api-rate-limit <n>        /api requests per minute per client (0: off) [GATEWAY_API_RATE_LIMIT] default 600
  --hls-rate-limit <n>        /hls requests per minute per client (0: off) [GATEWAY_HLS_RATE_LIMIT] default 6000
  --log-level <level>         trace | debug | info | warn | error | silent [LOG_LEVEL]             default info
  -h, --help                  this text

 Dashboard (/dashboard; DynamoDB tables, each optional: its panel is hidden when unset):
  --device-state-table <t>    devices' latest values (telemetry-consumer) [GATEWAY_DEVICE_STATE_TABLE]
  --rollup-table <t>          minute rollups per device and metric      [GATEWAY_ROLLUP_TABLE]
  --lease-table <t>           consumer leases: lag and progress per shard [GATEWAY_LEASE_TABLE]
  --camera-health-table <t>   producer health per camera (video-producer) [GATEWAY_CAMERA_HEALTH_TABLE]
  Scopes: telemetry:read for the telemetry panels; camera tiles show the streams the principal may read.

AWS: region, credentials and endpoint come from AWS's own environment (AWS_REGION, AWS_PROFILE or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL). Against the local emulator:
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
The default connect-src is AWS_ENDPOINT_URL_KINESIS_VIDEO or AWS_ENDPOINT_URL if set, else
https://*.kinesisvideo.<AWS_REGION>.amazonaws.com.
`;

/** An http(s) origin: scheme, host, optional port; `*.` allowed as the first label (CSP host-source wildcard). */
const ORIGIN = /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/;
const originList = (allowStar: boolean) =>
  z
    .string()
    .trim()
    .transform((s) => s.split(',').map((o) => o.trim().replace(/\/$/, '')).filter((o) => o !== ''))
    .pipe(
      z.array(
        z.string().refine((o) => (allowStar && o === '*') || ORIGIN.test(o), {
          error: `expected origins such as https://app.example.com${allowStar ? ' (or *)' : ''}, comma-separated`,
        }),
      ),
    );

/** A DynamoDB table name (3–255 of `[a-zA-Z0-9_.-]`); empty or unset: the panel it feeds is off. */
const optionalTable = z
  .string()
  .trim()
  .regex(DYNAMODB_TABLE_NAME, { error: 'expected a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)' })
  .optional();

const schema = z.object({
  host: nonEmptyText,
  // Ports and counts here are whole numbers: the gateway has no setting where a sign means something.
  port: integer(0, 65535),
  publicUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  trustProxy: integer(0, 10),
  ...authSettingFields,
  playbackKey: z
    .string()
    .refine((k) => Buffer.byteLength(k, 'utf8') >= 32, { error: 'must be at least 32 bytes (HS256 wants 256 bits of key)' })
    .optional(),
  tokenTtlSeconds: integer(300, 43_200),
  delivery: z.enum(['direct', 'proxied'], { error: 'expected direct or proxied' }),
  segmentCacheBytes: byteSizeSetting(0, 64 * 1024 ** 3, '268435456, 512mb or 1gb'),
  upstreamTimeoutMs: integer(100, 600_000),
  playlistShareMs: integer(0, 2_000),
  corsOrigins: originList(true),
  cspConnectSrc: originList(false).optional(),
  apiRateLimit: integer(0, 10_000_000),
  hlsRateLimit: integer(0, 10_000_000),
  logLevel: logLevelSetting,
  deviceStateTable: optionalTable,
  rollupTable: optionalTable,
  leaseTable: optionalTable,
  cameraHealthTable: optionalTable,
});

type ParsedSettings = z.output<typeof schema>;

export interface PlaybackGatewayConfig extends Omit<ParsedSettings, 'cspConnectSrc' | 'playbackKey'> {
  /** HS256 key of playback tokens (≥ 32 bytes): the one set, or a random one (`playbackKeyGenerated`). */
  playbackKey: string;
  /** Origins besides 'self' the page may fetch from (direct playback goes straight to KVS). */
  cspConnectSrc: string[];
  /** True when GATEWAY_PLAYBACK_KEY was not set and a random key was generated (single-instance use only). */
  playbackKeyGenerated: boolean;
}

export const SETTING_NAMES: Readonly<Record<keyof ParsedSettings, string>> & AuthSettingNames = {
  host: '--host / GATEWAY_HOST',
  port: '--port / GATEWAY_PORT',
  publicUrl: '--public-url / GATEWAY_PUBLIC_URL',
  trustProxy: '--trust-proxy / GATEWAY_TRUST_PROXY',
  ...authSettingNames('GATEWAY_'),
  playbackKey: 'GATEWAY_PLAYBACK_KEY',
  tokenTtlSeconds: '--token-ttl / GATEWAY_TOKEN_TTL_SECONDS',
  delivery: '--delivery / GATEWAY_DELIVERY',
  segmentCacheBytes: '--segment-cache / GATEWAY_SEGMENT_CACHE_BYTES',
  upstreamTimeoutMs: '--upstream-timeout / GATEWAY_UPSTREAM_TIMEOUT_MS',
  playlistShareMs: '--playlist-share-ms / GATEWAY_PLAYLIST_SHARE_MS',
  corsOrigins: '--cors-origins / GATEWAY_CORS_ORIGINS',
  cspConnectSrc: '--csp-connect-src / GATEWAY_CSP_CONNECT_SRC',
  apiRateLimit: '--api-rate-limit / GATEWAY_API_RATE_LIMIT',
  hlsRateLimit: '--hls-rate-limit / GATEWAY_HLS_RATE_LIMIT',
  logLevel: '--log-level / LOG_LEVEL',
  deviceStateTable: '--device-state-table / GATEWAY_DEVICE_STATE_TABLE',
  rollupTable: '--rollup-table / GATEWAY_ROLLUP_TABLE',
  leaseTable: '--lease-table / GATEWAY_LEASE_TABLE',
  cameraHealthTable: '--camera-health-table / GATEWAY_CAMERA_HEALTH_TABLE',
};

/** The defaults, as strings (what a flag or variable would hold); README and --help quote the same values. */
export const DEFAULTS = {
  host: '0.0.0.0',
  port: '8088',
  trustProxy: '0',
  tokenTtlSeconds: '1800',
  delivery: 'proxied',
  segmentCacheBytes: '256mb',
  upstreamTimeoutMs: '10000',
  playlistShareMs: '200',
  corsOrigins: '',
  apiRateLimit: '600',
  hlsRateLimit: '6000',
  logLevel: 'info',
} as const;

/** `--help` wins over everything else, so that it works even when the environment holds a bad setting. */
export type LoadedConfig = { help: true } | { help: false; config: PlaybackGatewayConfig };

export interface LoadConfigOptions {
  /** Source of the generated playback key when none is set (tests inject a fixed one). */
  randomKey?: () => string;
}

/** Reads flags (`argv` without node and the script) and `env`, and validates them; throws a ConfigError. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, options: LoadConfigOptions = {}): LoadedConfig {
  const settings = readSettings(argv, env, {
    strings: [
      'host', 'port', 'public-url', 'trust-proxy', ...AUTH_SETTING_FLAGS, 'token-ttl', 'delivery', 'segment-cache', 'upstream-timeout', 'playlist-share-ms', 'cors-origins', 'csp-connect-src',
      'api-rate-limit', 'hls-rate-limit', 'log-level', 'device-state-table', 'rollup-table', 'lease-table', 'camera-health-table',
    ],
  });
  const { flags, pick } = settings;
  if (flags.help) return { help: true };
  const raw = {
    host: pick(flags.host, 'GATEWAY_HOST', DEFAULTS.host),
    port: pick(flags.port, 'GATEWAY_PORT', DEFAULTS.port),
    publicUrl: pick(flags['public-url'], 'GATEWAY_PUBLIC_URL'),
    trustProxy: pick(flags['trust-proxy'], 'GATEWAY_TRUST_PROXY', DEFAULTS.trustProxy),
    // Unset ones take libs/auth's defaults; only meaningful together, which authSettingsProblems checks.
    ...pickAuthSettings(settings, 'GATEWAY_'),
    playbackKey: pick(undefined, 'GATEWAY_PLAYBACK_KEY'),
    tokenTtlSeconds: pick(flags['token-ttl'], 'GATEWAY_TOKEN_TTL_SECONDS', DEFAULTS.tokenTtlSeconds),
    delivery: pick(flags.delivery, 'GATEWAY_DELIVERY', DEFAULTS.delivery),
    segmentCacheBytes: pick(flags['segment-cache'], 'GATEWAY_SEGMENT_CACHE_BYTES', DEFAULTS.segmentCacheBytes),
    upstreamTimeoutMs: pick(flags['upstream-timeout'], 'GATEWAY_UPSTREAM_TIMEOUT_MS', DEFAULTS.upstreamTimeoutMs),
    playlistShareMs: pick(flags['playlist-share-ms'], 'GATEWAY_PLAYLIST_SHARE_MS', DEFAULTS.playlistShareMs),
    // An empty list is a valid value here ("no cross-origin callers"), so the default is applied after pick.
    corsOrigins: pick(flags['cors-origins'], 'GATEWAY_CORS_ORIGINS') ?? DEFAULTS.corsOrigins,
    cspConnectSrc: pick(flags['csp-connect-src'], 'GATEWAY_CSP_CONNECT_SRC'),
    apiRateLimit: pick(flags['api-rate-limit'], 'GATEWAY_API_RATE_LIMIT', DEFAULTS.apiRateLimit),
    hlsRateLimit: pick(flags['hls-rate-limit'], 'GATEWAY_HLS_RATE_LIMIT', DEFAULTS.hlsRateLimit),
    logLevel: pick(flags['log-level'], 'LOG_LEVEL', DEFAULTS.logLevel),
    // An empty value turns a panel off like an unset one (a deployment template can always pass the variable).
    deviceStateTable: nonEmpty(pick(flags['device-state-table'], 'GATEWAY_DEVICE_STATE_TABLE')),
    rollupTable: nonEmpty(pick(flags['rollup-table'], 'GATEWAY_ROLLUP_TABLE')),
    leaseTable: nonEmpty(pick(flags['lease-table'], 'GATEWAY_LEASE_TABLE')),
    cameraHealthTable: nonEmpty(pick(flags['camera-health-table'], 'GATEWAY_CAMERA_HEALTH_TABLE')),
  };
  const parsed = parseConfig(schema, raw, SETTING_NAMES, { secrets: [...AUTH_SECRET_SETTINGS, 'playbackKey'] });
  const problems = authSettingsProblems(parsed, SETTING_NAMES, {
    required: true,
    requiredBecause: 'the gateway authenticates every API call: give API keys or JWT settings',
  });
  if (parsed.corsOrigins.includes('*') && parsed.corsOrigins.length > 1) {
    problems.push({ key: 'corsOrigins', setting: SETTING_NAMES.corsOrigins, message: '* allows every origin: give it alone' });
  }
  throwConfigProblems(problems);
  const { cspConnectSrc, playbackKey, ...rest } = parsed;
  const generated = playbackKey === undefined;
  return {
    help: false,
    config: {
      ...rest,
      playbackKey: playbackKey ?? (options.randomKey ?? randomKey)(),
      playbackKeyGenerated: generated,
      cspConnectSrc: cspConnectSrc ?? defaultConnectSrc(env),
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function randomKey(): string {
  // 32 random bytes as base64url: 43 characters, 256 bits.
  return randomBytes(32).toString('base64url');
}

/**
 * Where direct-mode players fetch HLS from: the KVS data endpoints. Locally that is the emulator (the endpoint
 * variable); on AWS, GetDataEndpoint answers `https://<id>.kinesisvideo.<region>.amazonaws.com`.
 */
export function defaultConnectSrc(env: Readonly<Record<string, string | undefined>>): string[] {
  const endpoint = env['AWS_ENDPOINT_URL_KINESIS_VIDEO'] || env['AWS_ENDPOINT_URL'];
  if (endpoint) {
    try {
      return [new URL(endpoint).origin];
    } catch {
      return [];
    }
  }
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
  return region && /^[a-z0-9-]+$/.test(region) ? [`https://*.kinesisvideo.${region}.amazonaws.com`] : ['https://*.amazonaws.com'];
}
