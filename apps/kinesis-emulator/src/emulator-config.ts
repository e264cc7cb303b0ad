/**
 * The launcher's settings: command-line flags over environment variables over defaults, validated once by a
 * zod schema whose errors name the setting (flag and variable) that is wrong.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { booleanSetting, ConfigError, parseConfig, readSettings } from '@tributary/schemas';

export { ConfigError };

export const HELP = `kinesis-emulator — AWS Kinesis Data Streams and DynamoDB on one local port (HTTP/1.1 and HTTP/2)

Usage: nx serve kinesis-emulator -- [options]      (or: tsx apps/kinesis-emulator/src/main.ts [options])

Options (environment variable in brackets):
  --port <n>            TCP port, 0 for any free one            [EMULATOR_PORT]       default 4566
  --host <addr>         address to listen on                    [EMULATOR_HOST]       default 127.0.0.1
  --data-dir <dir>      folder for durable state                [EMULATOR_DATA_DIR]   default .data/emulator
  --in-memory           keep nothing on disk                    [EMULATOR_IN_MEMORY=true]
  --limits <on|off>     AWS throughput quotas per shard         [EMULATOR_LIMITS]     default on
  --fsync <policy>      always | interval | never               [EMULATOR_FSYNC]      default interval
  --tls-cert <file>     serve TLS too (ALPN h2, http/1.1)       [EMULATOR_TLS_CERT]
  --tls-key <file>      key for --tls-cert                      [EMULATOR_TLS_KEY]
  --log-level <level>   trace | debug | info | warn | error     [LOG_LEVEL]           default info
  -h, --help            this text

Point any AWS SDK or the AWS CLI at it with AWS_ENDPOINT_URL=http://127.0.0.1:4566 and any credentials.
Fsync: "interval" writes every acknowledged record to the OS before answering (it survives kill -9) and
fdatasyncs each second; "always" fdatasyncs before answering (survives power loss); "never" leaves it to the OS.
`;

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
};

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): EmulatorConfig {
  const { flags } = readSettings(argv, env, {
    strings: ['port', 'host', 'data-dir', 'limits', 'fsync', 'tls-cert', 'tls-key', 'log-level'],
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
  };
  const config = parseConfig(schema, raw, NAMES);
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('Invalid settings:\n  --tls-cert and --tls-key must be given together');
  }
  return { ...config, help: flags.help ?? false };
}
