/**
 * The launcher's settings: command-line flags over environment variables over defaults, validated once by a
 * zod schema whose errors name the setting (flag and variable) that is wrong.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { booleanSetting, ConfigError, parseConfig, readSettings } from '@tributary/schemas';

export { ConfigError };

export const HELP = `kinesis-emulator — AWS Kinesis Data Streams, Kinesis Video Streams and DynamoDB on one local port
(HTTP/1.1 and HTTP/2)

Usage: npm run emulator -- [options]      (or: npx tsx apps/kinesis-emulator/src/main.ts [options])

Options (environment variable in brackets):
  --port <n>            TCP port, 0 for any free one            [EMULATOR_PORT]       default 4566
  --host <addr>         address to listen on                    [EMULATOR_HOST]       default 127.0.0.1
  --data-dir <dir>      folder for durable state                [EMULATOR_DATA_DIR]   default .data/emulator
  --in-memory           keep nothing on disk                    [EMULATOR_IN_MEMORY=true]
  --limits <on|off>     AWS throughput quotas per shard         [EMULATOR_LIMITS]     default on
  --fsync <policy>      always | interval | never               [EMULATOR_FSYNC]      default interval
  --tls-cert <file>     serve TLS too (ALPN h2, http/1.1)       [EMULATOR_TLS_CERT]
  --tls-key <file>      key for --tls-cert                      [EMULATOR_TLS_KEY]
  --cors-origins <list> origins whose pages may call it         [EMULATOR_CORS_ORIGINS] default loopback
                        (comma-separated: loopback, https://app.example, http://host:*, or *)
  --allowed-hosts <list> extra names accepted in Host            [EMULATOR_ALLOWED_HOSTS]
                        (localhost and IP addresses always are; e.g. emulator,.lan; * for any)
  --max-connections <n> open connections at most (idle ones     [EMULATOR_MAX_CONNECTIONS]
                        are closed first at the cap)             default 1000, at most half of ulimit -n
  --idle-timeout-ms <n> close a connection after this long      [EMULATOR_IDLE_TIMEOUT_MS] default 60000
                        without a byte either way
  --keep-alive-timeout-ms <n> close a connection with no        [EMULATOR_KEEP_ALIVE_TIMEOUT_MS] default 65000
                        request in flight after this long
  --headers-timeout-ms <n> HTTP/1.1 headers, TLS handshake      [EMULATOR_HEADERS_TIMEOUT_MS] default 20000
  --request-timeout-ms <n> a whole request body (all but        [EMULATOR_REQUEST_TIMEOUT_MS] default 60000
                        PutMedia, whose upload lasts as long as the camera runs)
  --transition-ms <n>   how long CREATING, UPDATING, DELETING   [EMULATOR_TRANSITION_MS] default 0
                        last: KDS streams and consumers, KVS streams, DynamoDB tables (0: at once)
  --shard-limit <n>     open shards per account (CreateStream,  [EMULATOR_SHARD_LIMIT] default 500
                        UpdateShardCount, SplitShard over it: LimitExceededException)
  --log-level <level>   trace | debug | info | warn | error     [LOG_LEVEL]           default info
  -h, --help            this text

Point any AWS SDK or the AWS CLI at it with AWS_ENDPOINT_URL=http://127.0.0.1:4566 and any credentials.
Browsers: a request with an Origin not in --cors-origins, or a Host name not its own, is refused (403).
Fsync: "interval" writes every acknowledged record to the OS before answering (it survives kill -9) and
fdatasyncs each second; "always" fdatasyncs before answering (survives power loss); "never" leaves it to the OS.
`;

/** A comma-separated list; empty entries dropped. */
const listSetting = z.string().transform((v) => v.split(',').map((e) => e.trim()).filter((e) => e !== ''));

const isOriginSetting = (entry: string): boolean =>
  entry === 'loopback' || entry === '*' || /^https?:\/\/(\[[^\]]+\]|[^:/]+)(:(\d+|\*))?\/?$/i.test(entry);

/**
 * The default connection cap: 1000, or half the process's open-file limit when that is lower (the other half is
 * for segment files, LevelDB and ffmpeg pipes), so that the cap is reached before the kernel refuses sockets.
 */
export function defaultMaxConnections(openFileLimit: number | undefined): number {
  if (openFileLimit === undefined || !Number.isFinite(openFileLimit)) return 1000;
  return Math.max(16, Math.min(1000, Math.floor(openFileLimit / 2)));
}

/** The soft "Max open files" limit in the text of /proc/self/limits (Linux), if it names one. */
export function openFileLimitOf(procLimits: string): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(procLimits);
  return m ? Number(m[1]) : undefined;
}

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  inMemory: booleanSetting,
  limits: booleanSetting,
  fsync: z.enum(['always', 'interval', 'never']),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  corsOrigins: listSetting.refine((list) => list.every(isOriginSetting), { message: 'each entry must be loopback, *, or an origin scheme://host[:port] (port may be *)' }),
  allowedHosts: listSetting,
  maxConnections: z.coerce.number().int().min(1),
  idleTimeoutMs: z.coerce.number().int().min(1),
  keepAliveTimeoutMs: z.coerce.number().int().min(1),
  headersTimeoutMs: z.coerce.number().int().min(1),
  requestTimeoutMs: z.coerce.number().int().min(1),
  transitionMs: z.coerce.number().int().min(0),
  // Unset: the library's default (KDS_SIZES.defaultShardLimit), so the figure lives in one place.
  shardLimit: z.coerce.number().int().min(1).optional(),
});

export type EmulatorConfig = z.infer<typeof schema> & { help: boolean };

const NAMES: Record<string, string> = {
  port: '--port / EMULATOR_PORT',
  host: '--host / EMULATOR_HOST',
  dataDir: '--data-dir / EMULATOR_DATA_DIR',
  inMemory: '--in-memory / EMULATOR_IN_MEMORY',
  limits: '--limits / EMULATOR_LIMITS',
  fsync: '--fsync / EMULATOR_FSYNC',
  tlsCert: '--tls-cert / EMULATOR_TLS_CERT',
  tlsKey: '--tls-key / EMULATOR_TLS_KEY',
  logLevel: '--log-level / LOG_LEVEL',
  corsOrigins: '--cors-origins / EMULATOR_CORS_ORIGINS',
  allowedHosts: '--allowed-hosts / EMULATOR_ALLOWED_HOSTS',
  maxConnections: '--max-connections / EMULATOR_MAX_CONNECTIONS',
  idleTimeoutMs: '--idle-timeout-ms / EMULATOR_IDLE_TIMEOUT_MS',
  keepAliveTimeoutMs: '--keep-alive-timeout-ms / EMULATOR_KEEP_ALIVE_TIMEOUT_MS',
  headersTimeoutMs: '--headers-timeout-ms / EMULATOR_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: '--request-timeout-ms / EMULATOR_REQUEST_TIMEOUT_MS',
  transitionMs: '--transition-ms / EMULATOR_TRANSITION_MS',
  shardLimit: '--shard-limit / EMULATOR_SHARD_LIMIT',
};

/** `openFileLimit`: the process's open-file limit when known, for the default connection cap. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string, openFileLimit?: number): EmulatorConfig {
  const { flags } = readSettings(argv, env, {
    strings: [
      'port',
      'host',
      'data-dir',
      'limits',
      'fsync',
      'tls-cert',
      'tls-key',
      'log-level',
      'cors-origins',
      'allowed-hosts',
      'max-connections',
      'idle-timeout-ms',
      'keep-alive-timeout-ms',
      'headers-timeout-ms',
      'request-timeout-ms',
      'transition-ms',
      'shard-limit',
    ],
    booleans: ['in-memory'],
  });
  const raw = {
    port: flags.port ?? env['EMULATOR_PORT'] ?? '4566',
    host: flags.host ?? env['EMULATOR_HOST'] ?? '127.0.0.1',
    dataDir: path.resolve(cwd, flags['data-dir'] ?? env['EMULATOR_DATA_DIR'] ?? '.data/emulator'),
    inMemory: flags['in-memory'] ? 'true' : (env['EMULATOR_IN_MEMORY'] ?? 'false'),
    limits: flags.limits ?? env['EMULATOR_LIMITS'] ?? 'on',
    fsync: flags.fsync ?? env['EMULATOR_FSYNC'] ?? 'interval',
    tlsCert: flags['tls-cert'] ?? env['EMULATOR_TLS_CERT'],
    tlsKey: flags['tls-key'] ?? env['EMULATOR_TLS_KEY'],
    logLevel: flags['log-level'] ?? env['LOG_LEVEL'] ?? 'info',
    corsOrigins: flags['cors-origins'] ?? env['EMULATOR_CORS_ORIGINS'] ?? 'loopback',
    allowedHosts: flags['allowed-hosts'] ?? env['EMULATOR_ALLOWED_HOSTS'] ?? '',
    maxConnections: flags['max-connections'] ?? env['EMULATOR_MAX_CONNECTIONS'] ?? String(defaultMaxConnections(openFileLimit)),
    idleTimeoutMs: flags['idle-timeout-ms'] ?? env['EMULATOR_IDLE_TIMEOUT_MS'] ?? '60000',
    keepAliveTimeoutMs: flags['keep-alive-timeout-ms'] ?? env['EMULATOR_KEEP_ALIVE_TIMEOUT_MS'] ?? '65000',
    headersTimeoutMs: flags['headers-timeout-ms'] ?? env['EMULATOR_HEADERS_TIMEOUT_MS'] ?? '20000',
    requestTimeoutMs: flags['request-timeout-ms'] ?? env['EMULATOR_REQUEST_TIMEOUT_MS'] ?? '60000',
    transitionMs: flags['transition-ms'] ?? env['EMULATOR_TRANSITION_MS'] ?? '0',
    shardLimit: flags['shard-limit'] ?? env['EMULATOR_SHARD_LIMIT'],
  };
  const config = parseConfig(schema, raw, NAMES);
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('Invalid settings:\n  --tls-cert and --tls-key must be given together');
  }
  return { ...config, help: flags.help ?? false };
}
