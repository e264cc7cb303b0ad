/**
 * The app's settings: command-line flags over environment variables over defaults, validated once at start by a
 * zod schema (`parseConfig` from @tributary/schemas) whose error names each bad setting by its flag and variable.
 *
 * AWS settings are not here on purpose: the region, the credentials and the endpoint are AWS's own
 * (`AWS_REGION`, the credential chain, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KINESIS`), read by the SDK itself,
 * so the same build runs against the emulator and against AWS by environment alone (architecture.md).
 */
import { z } from 'zod';
import { authSettingsProblems } from '@tributary/auth';
import { RUNTIME_DEFAULTS } from '@tributary/runtime';
import {
  AUTH_SECRET_SETTINGS,
  AUTH_SETTING_FLAGS,
  authSettingFields,
  authSettingNames,
  booleanSetting,
  byteSizeSetting as byteSize,
  ConfigError,
  decimalSetting as decimal,
  integerSetting as integer,
  kinesisStreamNameSetting,
  logLevelSetting,
  nonEmptyText,
  parseConfig,
  pickAuthSettings,
  portSetting,
  readSettings,
  throwConfigProblems,
} from '@tributary/schemas';

export { ConfigError };

export const HELP = `telemetry-producer — simulated devices and an HTTP ingest API, into Kinesis Data Streams

Usage: nx serve telemetry-producer -- [options]     (or: tsx apps/telemetry-producer/src/main.ts [options])

Options (environment variable in brackets; flags win over variables):
  --mode <mode>               simulate | ingest | both                 [TELEMETRY_MODE]             default both
  --stream <name>             Kinesis data stream to write to          [TELEMETRY_STREAM]           default telemetry
  --create-stream <shards>    create the stream with this many shards  [TELEMETRY_CREATE_STREAM]    default 0 (never)
                              if it does not exist (local use)

 Device simulator (modes simulate, both):
  --devices <n>               number of simulated devices              [TELEMETRY_SIM_DEVICES]      default 10
  --rate <r>                  records per second per device (0.01–1000) [TELEMETRY_SIM_RATE]        default 1
  --device-prefix <prefix>    device ids are <prefix>0001, <prefix>0002… [TELEMETRY_SIM_DEVICE_PREFIX] default sim-
  --home <lat,lon>            where the simulated fleet stands         [TELEMETRY_SIM_HOME]         default 47.6205,-122.3493
                              (a negative latitude needs the = form: --home=-33.86,151.21)
  --seed <n>                  seed of the simulator's randomness       [TELEMETRY_SIM_SEED]         default random
  --sim-max-in-flight <n>     records awaiting Kinesis' answer, at most [TELEMETRY_SIM_MAX_IN_FLIGHT] default 10000

 HTTP ingest API (modes ingest, both):
  --host <addr>               address to listen on                     [TELEMETRY_HOST]             default 0.0.0.0
  --port <n>                  TCP port (0: any free port)              [TELEMETRY_PORT]             default 8080
  --api-keys-file <file>      hashed API keys: JSON, or id:hash:scopes lines (README) [TELEMETRY_API_KEYS_FILE]
                              the same, inline (lines or ';')          [TELEMETRY_API_KEYS]
                              HS256 shared secret (env only: flags show in ps) [TELEMETRY_JWT_SECRET]
  --jwt-public-key-file <f>   RS256 public key (PEM, SPKI)             [TELEMETRY_JWT_PUBLIC_KEY_FILE]
  --jwks-url <url>            RS256 keys from a JWKS endpoint          [TELEMETRY_JWKS_URL]
  --jwt-issuer <iss>          required "iss" of bearer tokens          [TELEMETRY_JWT_ISSUER]
  --jwt-audience <aud>        required "aud" of bearer tokens          [TELEMETRY_JWT_AUDIENCE]
  --jwt-max-age <s>           longest age and lifetime (exp - iat) of a [TELEMETRY_JWT_MAX_AGE_SECONDS] default 86400
                              bearer token; iat required (0: no bound)
  --body-limit <size>         largest request body (bytes, kb, mb)     [TELEMETRY_BODY_LIMIT]       default 1mb
  --rate-limit <r>            records per second per key (0: off)      [TELEMETRY_RATE_LIMIT]       default 1000
  --rate-burst <n>            records a key may send at once           [TELEMETRY_RATE_BURST]       default 2000
  --max-in-flight <n>         ingested records awaiting Kinesis, at most; [TELEMETRY_MAX_IN_FLIGHT] default 20000
                              beyond it requests get 503

 Producer and process:
  --aggregation <on|off>      KPL aggregation of small records         [TELEMETRY_AGGREGATION]      default on
  --ordered <on|off>          never reorder one device's records, even [TELEMETRY_ORDERED]          default on
                              across retries (one call in flight per shard)
  --linger-ms <ms>            longest a record waits to share a call    [TELEMETRY_LINGER_MS]        default 100
  --record-ttl-ms <ms>        a record not acknowledged by then fails,  [TELEMETRY_RECORD_TTL_MS]    default 10000
                              or, with the buffer, is spilled to disk
  --buffer-dir <dir|off>      durable buffer of the simulator's records [TELEMETRY_BUFFER_DIR]       default .data/telemetry-producer/buffer
                              while Kinesis is unreachable (off: none)
  --buffer-max-bytes <size>   bytes on disk at most; oldest dropped     [TELEMETRY_BUFFER_MAX_BYTES] default 256mb
  --buffer-max-age-ms <ms>    older buffered records are dropped        [TELEMETRY_BUFFER_MAX_AGE_MS] default 86400000
  --shutdown-timeout <ms>     longest flush on SIGTERM before exit 1   [TELEMETRY_SHUTDOWN_TIMEOUT_MS] default 30000
  --log-level <level>         trace | debug | info | warn | error | silent [LOG_LEVEL]              default info
  -h, --help                  this text

AWS: region, credentials and endpoint come from AWS's own environment (AWS_REGION, AWS_PROFILE or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL). Against the local emulator:
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
SIGTERM or SIGINT stops intake, flushes every accepted record to Kinesis and exits 0; a second signal exits at once.
`;

const geoPoint = z
  .string()
  .trim()
  .regex(/^-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?$/, { error: 'expected "lat,lon" in decimal degrees, e.g. 47.6205,-122.3493' })
  .transform((s) => {
    const [lat, lon] = s.split(',').map((p) => Number(p.trim()));
    return { lat, lon };
  })
  .pipe(
    z.object({
      lat: z.number().min(-90, { error: 'latitude must be within -90..90' }).max(90, { error: 'latitude must be within -90..90' }),
      lon: z.number().min(-180, { error: 'longitude must be within -180..180' }).max(180, { error: 'longitude must be within -180..180' }),
    }),
  );

const schema = z.object({
  mode: z.enum(['simulate', 'ingest', 'both'], { error: 'expected simulate, ingest or both' }),
  stream: kinesisStreamNameSetting,
  createStreamShards: integer(0, 500),
  devices: integer(1, 100_000),
  ratePerDevice: decimal(0.01, 1000),
  devicePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{0,100}$/, { error: 'expected at most 100 characters of letters, digits and _ . : -' }),
  home: geoPoint,
  seed: integer(0, 2 ** 32 - 1).optional(),
  simMaxInFlight: integer(1, 1_000_000),
  host: nonEmptyText,
  port: portSetting,
  ...authSettingFields,
  bodyLimit: byteSize(1024, 64 * 1024 * 1024, '1048576, 512kb, 1mb or 1gb'),
  rateLimit: decimal(0, 10_000_000),
  rateBurst: integer(1, 100_000_000),
  maxInFlight: integer(1, 10_000_000),
  aggregation: booleanSetting,
  ordered: booleanSetting,
  lingerMs: integer(0, 60_000),
  recordTtlMs: integer(100, 86_400_000),
  // 'off' disables the buffer; anything else is a directory.
  bufferDir: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty (off disables the buffer)' })
    .transform((s) => (s.toLowerCase() === 'off' ? undefined : s)),
  bufferMaxBytes: byteSize(64 * 1024, 1024 ** 4, '268435456, 512kb, 256mb or 1gb'),
  bufferMaxAgeMs: integer(1_000, 365 * 86_400_000),
  shutdownTimeoutMs: integer(0, 3_600_000),
  logLevel: logLevelSetting,
});

export type TelemetryProducerConfig = z.output<typeof schema>;
export type TelemetryProducerMode = TelemetryProducerConfig['mode'];

/** Flag and variable of each setting, as the error and `--help` name them. */
export const SETTING_NAMES: Readonly<Record<keyof TelemetryProducerConfig, string>> = {
  mode: '--mode / TELEMETRY_MODE',
  stream: '--stream / TELEMETRY_STREAM',
  createStreamShards: '--create-stream / TELEMETRY_CREATE_STREAM',
  devices: '--devices / TELEMETRY_SIM_DEVICES',
  ratePerDevice: '--rate / TELEMETRY_SIM_RATE',
  devicePrefix: '--device-prefix / TELEMETRY_SIM_DEVICE_PREFIX',
  home: '--home / TELEMETRY_SIM_HOME',
  seed: '--seed / TELEMETRY_SIM_SEED',
  simMaxInFlight: '--sim-max-in-flight / TELEMETRY_SIM_MAX_IN_FLIGHT',
  host: '--host / TELEMETRY_HOST',
  port: '--port / TELEMETRY_PORT',
  ...authSettingNames('TELEMETRY_'),
  bodyLimit: '--body-limit / TELEMETRY_BODY_LIMIT',
  rateLimit: '--rate-limit / TELEMETRY_RATE_LIMIT',
  rateBurst: '--rate-burst / TELEMETRY_RATE_BURST',
  maxInFlight: '--max-in-flight / TELEMETRY_MAX_IN_FLIGHT',
  aggregation: '--aggregation / TELEMETRY_AGGREGATION',
  ordered: '--ordered / TELEMETRY_ORDERED',
  lingerMs: '--linger-ms / TELEMETRY_LINGER_MS',
  recordTtlMs: '--record-ttl-ms / TELEMETRY_RECORD_TTL_MS',
  bufferDir: '--buffer-dir / TELEMETRY_BUFFER_DIR',
  bufferMaxBytes: '--buffer-max-bytes / TELEMETRY_BUFFER_MAX_BYTES',
  bufferMaxAgeMs: '--buffer-max-age-ms / TELEMETRY_BUFFER_MAX_AGE_MS',
  shutdownTimeoutMs: '--shutdown-timeout / TELEMETRY_SHUTDOWN_TIMEOUT_MS',
  logLevel: '--log-level / LOG_LEVEL',
};

/** The defaults, as strings (what a flag or variable would hold); README and --help quote the same values. */
export const DEFAULTS = {
  mode: 'both',
  stream: 'telemetry',
  createStreamShards: '0',
  devices: '10',
  ratePerDevice: '1',
  devicePrefix: 'sim-',
  home: '47.6205,-122.3493',
  simMaxInFlight: '10000',
  host: '0.0.0.0',
  port: '8080',
  bodyLimit: '1mb',
  rateLimit: '1000',
  rateBurst: '2000',
  maxInFlight: '20000',
  aggregation: 'on',
  ordered: 'on',
  lingerMs: '100',
  // Short enough that a shutdown during an outage (which waits until records in memory are delivered or spilled)
  // ends well within the shutdown timeout: at most this plus one request timeout (10 s).
  recordTtlMs: '10000',
  bufferDir: '.data/telemetry-producer/buffer',
  bufferMaxBytes: '256mb',
  bufferMaxAgeMs: '86400000',
  shutdownTimeoutMs: String(RUNTIME_DEFAULTS.service.stopTimeoutMs),
  logLevel: 'info',
} as const;

/** `--help` wins over everything else, so that it works even when the environment holds a bad setting. */
export type LoadedConfig = { help: true } | { help: false; config: TelemetryProducerConfig };

/** Reads flags (`argv` without node and the script) and `env`, and validates them; throws a ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const settings = readSettings(argv, env, {
    strings: [
      'mode', 'stream', 'create-stream', 'devices', 'rate', 'device-prefix', 'home', 'seed', 'sim-max-in-flight',
      'host', 'port', ...AUTH_SETTING_FLAGS, 'body-limit',
      'rate-limit', 'rate-burst', 'max-in-flight', 'aggregation', 'ordered', 'linger-ms', 'record-ttl-ms', 'buffer-dir',
      'buffer-max-bytes', 'buffer-max-age-ms', 'shutdown-timeout', 'log-level',
    ],
  });
  const { flags, pick } = settings;
  if (flags.help) return { help: true };
  const raw = {
    mode: pick(flags.mode, 'TELEMETRY_MODE', DEFAULTS.mode),
    stream: pick(flags.stream, 'TELEMETRY_STREAM', DEFAULTS.stream),
    createStreamShards: pick(flags['create-stream'], 'TELEMETRY_CREATE_STREAM', DEFAULTS.createStreamShards),
    devices: pick(flags.devices, 'TELEMETRY_SIM_DEVICES', DEFAULTS.devices),
    ratePerDevice: pick(flags.rate, 'TELEMETRY_SIM_RATE', DEFAULTS.ratePerDevice),
    devicePrefix: pick(flags['device-prefix'], 'TELEMETRY_SIM_DEVICE_PREFIX', DEFAULTS.devicePrefix),
    home: pick(flags.home, 'TELEMETRY_SIM_HOME', DEFAULTS.home),
    seed: pick(flags.seed, 'TELEMETRY_SIM_SEED'),
    simMaxInFlight: pick(flags['sim-max-in-flight'], 'TELEMETRY_SIM_MAX_IN_FLIGHT', DEFAULTS.simMaxInFlight),
    host: pick(flags.host, 'TELEMETRY_HOST', DEFAULTS.host),
    port: pick(flags.port, 'TELEMETRY_PORT', DEFAULTS.port),
    // Unset ones take libs/auth's defaults; only meaningful together, which authSettingsProblems checks.
    ...pickAuthSettings(settings, 'TELEMETRY_'),
    bodyLimit: pick(flags['body-limit'], 'TELEMETRY_BODY_LIMIT', DEFAULTS.bodyLimit),
    rateLimit: pick(flags['rate-limit'], 'TELEMETRY_RATE_LIMIT', DEFAULTS.rateLimit),
    rateBurst: pick(flags['rate-burst'], 'TELEMETRY_RATE_BURST', DEFAULTS.rateBurst),
    maxInFlight: pick(flags['max-in-flight'], 'TELEMETRY_MAX_IN_FLIGHT', DEFAULTS.maxInFlight),
    aggregation: pick(flags.aggregation, 'TELEMETRY_AGGREGATION', DEFAULTS.aggregation),
    ordered: pick(flags.ordered, 'TELEMETRY_ORDERED', DEFAULTS.ordered),
    lingerMs: pick(flags['linger-ms'], 'TELEMETRY_LINGER_MS', DEFAULTS.lingerMs),
    recordTtlMs: pick(flags['record-ttl-ms'], 'TELEMETRY_RECORD_TTL_MS', DEFAULTS.recordTtlMs),
    bufferDir: pick(flags['buffer-dir'], 'TELEMETRY_BUFFER_DIR', DEFAULTS.bufferDir),
    bufferMaxBytes: pick(flags['buffer-max-bytes'], 'TELEMETRY_BUFFER_MAX_BYTES', DEFAULTS.bufferMaxBytes),
    bufferMaxAgeMs: pick(flags['buffer-max-age-ms'], 'TELEMETRY_BUFFER_MAX_AGE_MS', DEFAULTS.bufferMaxAgeMs),
    shutdownTimeoutMs: pick(flags['shutdown-timeout'], 'TELEMETRY_SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMs),
    logLevel: pick(flags['log-level'], 'LOG_LEVEL', DEFAULTS.logLevel),
  };
  const config = parseConfig(schema, raw, SETTING_NAMES, { secrets: AUTH_SECRET_SETTINGS });
  checkCombinations(config);
  return { config, help: false };
}

/** Rules across settings, named like the single-setting ones. */
function checkCombinations(c: TelemetryProducerConfig): void {
  const problems = authSettingsProblems(c, SETTING_NAMES, {
    required: c.mode !== 'simulate',
    requiredBecause: `mode "${c.mode}" serves the ingest API, which needs API keys or JWT settings to authenticate clients`,
  });
  if (c.bufferDir !== undefined && c.mode !== 'ingest' && !c.ordered) {
    // The buffer replays a device's spilled records in order only over an ordered producer (README, "Durable buffer").
    problems.push({ key: 'bufferDir', setting: SETTING_NAMES.bufferDir, message: 'needs --ordered on (or --buffer-dir off)' });
  }
  throwConfigProblems(problems);
}
