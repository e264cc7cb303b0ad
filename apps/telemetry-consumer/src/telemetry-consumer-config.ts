/**
 * The worker's settings: command-line flags over `TELEMETRY_CONSUMER_*` environment variables over defaults,
 * validated once at start by a zod schema (`parseConfig` from @tributary/schemas) whose error names each bad
 * setting by its flag and variable.
 *
 * AWS settings are not here on purpose: region, credentials and endpoints are AWS's own (`AWS_REGION`, the
 * credential chain, `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_KINESIS` / `AWS_ENDPOINT_URL_DYNAMODB`), read by the
 * SDK itself, so the same build runs against the emulator and against AWS by environment alone.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { CONSUMER_DEFAULTS, PROCESSING_DEFAULTS } from '@tributary/kinesis-consumer';
import { RUNTIME_DEFAULTS } from '@tributary/runtime';
import {
  booleanSetting,
  byteSizeSetting as byteSize,
  ConfigError,
  DASHBOARD_ITEM_DEFAULTS,
  DASHBOARD_TABLE_DEFAULTS,
  DYNAMODB_TABLE_NAME,
  EFO_CONSUMER_NAME,
  integerSetting as integer,
  kinesisStreamNameSetting,
  logLevelSetting,
  nonEmptyText,
  optionalText,
  parseConfig,
  portSetting,
  readSettings,
  tableNameSetting,
  throwConfigProblems,
  unlimitedOrSetting as unlimitedOr,
} from '@tributary/schemas';
import { FILE_SINK_DEFAULTS, fileNameSafe } from './sinks/file-sink';

export { ConfigError };

export const HELP = `telemetry-consumer — consumer workers: Kinesis telemetry → validation → rollups → files, device state, DLQ

Usage: nx serve telemetry-consumer -- [options]     (or: tsx apps/telemetry-consumer/src/main.ts [options])
Start several: they share the stream's shards through the lease table (named by --application-name).

Options (environment variable in brackets; flags win over variables):
 Source and worker:
  --stream <name>             Kinesis data stream to read          [TELEMETRY_CONSUMER_STREAM]            default telemetry
  --application-name <name>   lease table, shared by the workers   [TELEMETRY_CONSUMER_APPLICATION_NAME]  default telemetry-consumer
  --worker-id <id>            this worker's lease owner id         [TELEMETRY_CONSUMER_WORKER_ID]         default <host>-<pid>-<random>
  --retrieval <mode>          polling | fan-out                    [TELEMETRY_CONSUMER_RETRIEVAL]         default polling
  --consumer-name <name>      enhanced fan-out consumer name       [TELEMETRY_CONSUMER_EFO_CONSUMER_NAME] default the application name
  --initial-position <pos>    where a new shard lease starts:      [TELEMETRY_CONSUMER_INITIAL_POSITION]  default TRIM_HORIZON
                              TRIM_HORIZON, LATEST or an ISO-8601 date-time (AT_TIMESTAMP)
  --failover-time <ms>        lease duration (a dead worker's shards move after it) [TELEMETRY_CONSUMER_FAILOVER_TIME_MS] default 3000
  --lease-protocol <p>        heartbeat (one write per worker per second) | per-lease (one per shard, KCL's)
                                                                   [TELEMETRY_CONSUMER_LEASE_PROTOCOL]    default heartbeat
  --checkpoint-interval <ms>  a shard's checkpoint writes at most this often (0: every batch)
                                                                   [TELEMETRY_CONSUMER_CHECKPOINT_INTERVAL_MS] default 5000

 Processing:
  --batch-size <n>            records per handler call, at most    [TELEMETRY_CONSUMER_BATCH_SIZE]        default 1000
  --max-retries <n>           retries of a batch the handler itself fails before the DLQ (-1: until it succeeds
                              or ages out; a negative number needs the = form: --max-retries=-1). Failures of
                              the platform (a sink or service throttled, failing or unreachable) do not count:
                              they are retried with backoff until they clear
                                                                   [TELEMETRY_CONSUMER_MAX_RETRIES]       default 3
  --bisect <on|off>           split a failing batch to isolate the bad record [TELEMETRY_CONSUMER_BISECT] default on
  --max-record-age <s>        older records go to the DLQ (-1: no limit; else 60–604800)
                                                                   [TELEMETRY_CONSUMER_MAX_RECORD_AGE_SECONDS] default -1
  --dlq-file <path>           dead letters as NDJSON in this file  [TELEMETRY_CONSUMER_DLQ_FILE]
                                                                   default <output-dir>/dlq/<application>-<worker>.ndjson
  --dlq-stream <name>         dead letters into this Kinesis stream instead [TELEMETRY_CONSUMER_DLQ_STREAM]

 Outputs:
  --output-dir <dir>          telemetry/ and rollups/ file trees   [TELEMETRY_CONSUMER_OUTPUT_DIR]        default .data/telemetry-consumer
  --file-max-size <size>      rotate a file at this much NDJSON (bytes, kb, mb) [TELEMETRY_CONSUMER_FILE_MAX_SIZE] default 64mb
  --file-max-age <ms>         rotate a file this long after opening [TELEMETRY_CONSUMER_FILE_MAX_AGE_MS]  default 300000
  --state-table <name>        DynamoDB table of each device's latest state (created if missing)
                                                                   [TELEMETRY_CONSUMER_STATE_TABLE]       default telemetry-device-state
  --rollup-table <name|off>   DynamoDB table of the closed minute rollups (created if missing; off: none)
                                                                   [TELEMETRY_CONSUMER_ROLLUP_TABLE]      default telemetry-rollups
  --rollup-ttl-days <n>       rollup items expire this long after their minute (DynamoDB TTL)
                                                                   [TELEMETRY_CONSUMER_ROLLUP_TTL_DAYS]   default 7
  --rollup-lateness <ms>      how late a reading may be and still count in its minute
                                                                   [TELEMETRY_CONSUMER_ROLLUP_LATENESS_MS] default 5000
  --rollup-idle-close <ms>    close a silent device's open minutes after this long
                                                                   [TELEMETRY_CONSUMER_ROLLUP_IDLE_CLOSE_MS] default 70000

 Process:
  --host <addr>               /healthz and /metrics listen address [TELEMETRY_CONSUMER_HOST]              default 0.0.0.0
  --port <n>                  their TCP port (0: any free port)    [TELEMETRY_CONSUMER_PORT]              default 8081
  --shutdown-timeout <ms>     longest graceful stop before exit 1  [TELEMETRY_CONSUMER_SHUTDOWN_TIMEOUT_MS] default 30000
  --log-level <level>         trace | debug | info | warn | error | fatal | silent
                                                                   [TELEMETRY_CONSUMER_LOG_LEVEL or LOG_LEVEL] default info
  -h, --help                  this text

AWS: region, credentials and endpoints come from AWS's own environment (AWS_REGION, AWS_PROFILE or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL). Against the local emulator (Kinesis and DynamoDB on
one port):
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
SIGTERM or SIGINT: stop taking records, finish the batch in flight, checkpoint, hand the leases to the other
workers, publish open files and rollups, exit 0. A second signal exits at once.
`;

export type InitialPositionSetting = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date };

const initialPosition = z
  .string()
  .trim()
  .transform((s, ctx): InitialPositionSetting => {
    const upper = s.toUpperCase();
    if (upper === 'TRIM_HORIZON' || upper === 'LATEST') return upper;
    const parsed = z.iso.datetime({ offset: true }).safeParse(s);
    if (parsed.success) return { timestamp: new Date(parsed.data) };
    ctx.issues.push({ code: 'custom', message: 'expected TRIM_HORIZON, LATEST or an ISO-8601 date-time with a zone (AT_TIMESTAMP)', input: s });
    return z.NEVER;
  });

const schema = z.object({
  stream: kinesisStreamNameSetting,
  applicationName: tableNameSetting('it names the DynamoDB lease table'),
  workerId: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(256, { error: 'must be at most 256 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'expected printable ASCII without spaces' }),
  retrieval: z.enum(['polling', 'fan-out'], { error: 'expected polling or fan-out' }),
  consumerName: z.string().regex(EFO_CONSUMER_NAME, { error: 'expected 1–128 characters of a-z A-Z 0-9 _ . - (an EFO consumer name)' }).optional(),
  initialPosition,
  failoverTimeMs: integer(500, 600_000),
  leaseProtocol: z.enum(['heartbeat', 'per-lease'], { error: 'expected heartbeat or per-lease' }),
  checkpointIntervalMs: integer(0, 600_000),
  batchSize: integer(1, 10_000),
  maxRetries: integer(-1, 10_000),
  bisect: booleanSetting,
  maxRecordAgeSeconds: unlimitedOr(60, 604_800),
  dlqFile: optionalText,
  dlqStream: kinesisStreamNameSetting.optional(),
  outputDir: nonEmptyText,
  fileMaxBytes: byteSize(1024, 4 * 1024 ** 3, '67108864, 512kb or 64mb'),
  fileMaxAgeMs: integer(1_000, 24 * 3_600_000),
  stateTable: tableNameSetting(),
  /** undefined: no rollup table (`off`, or an empty `--rollup-table=`). */
  rollupTable: z
    .string()
    .trim()
    .transform((s) => (s === '' || s.toLowerCase() === 'off' ? undefined : s))
    .pipe(z.string().regex(DYNAMODB_TABLE_NAME, { error: 'expected off or 3–255 characters of a-z A-Z 0-9 _ . - (a DynamoDB table name)' }).optional()),
  rollupTtlDays: integer(1, 3_650),
  rollupLatenessMs: integer(0, 3_600_000),
  rollupIdleCloseMs: integer(1_000, 24 * 3_600_000),
  host: nonEmptyText,
  port: portSetting,
  shutdownTimeoutMs: integer(1_000, 3_600_000),
  logLevel: logLevelSetting,
});

type ParsedSettings = z.output<typeof schema>;

export type DeadLetterTarget = { kind: 'file'; path: string } | { kind: 'stream'; streamName: string };

export interface TelemetryConsumerConfig extends ParsedSettings {
  /** Where dead letters go: `--dlq-stream`, else `--dlq-file`, else a file per worker under the output folder. */
  dlq: DeadLetterTarget;
}

/** Flag and variable of each setting, as the error and `--help` name them. */
export const SETTING_NAMES: Readonly<Record<keyof ParsedSettings, string>> = {
  stream: '--stream / TELEMETRY_CONSUMER_STREAM',
  applicationName: '--application-name / TELEMETRY_CONSUMER_APPLICATION_NAME',
  workerId: '--worker-id / TELEMETRY_CONSUMER_WORKER_ID',
  retrieval: '--retrieval / TELEMETRY_CONSUMER_RETRIEVAL',
  consumerName: '--consumer-name / TELEMETRY_CONSUMER_EFO_CONSUMER_NAME',
  initialPosition: '--initial-position / TELEMETRY_CONSUMER_INITIAL_POSITION',
  failoverTimeMs: '--failover-time / TELEMETRY_CONSUMER_FAILOVER_TIME_MS',
  leaseProtocol: '--lease-protocol / TELEMETRY_CONSUMER_LEASE_PROTOCOL',
  checkpointIntervalMs: '--checkpoint-interval / TELEMETRY_CONSUMER_CHECKPOINT_INTERVAL_MS',
  batchSize: '--batch-size / TELEMETRY_CONSUMER_BATCH_SIZE',
  maxRetries: '--max-retries / TELEMETRY_CONSUMER_MAX_RETRIES',
  bisect: '--bisect / TELEMETRY_CONSUMER_BISECT',
  maxRecordAgeSeconds: '--max-record-age / TELEMETRY_CONSUMER_MAX_RECORD_AGE_SECONDS',
  dlqFile: '--dlq-file / TELEMETRY_CONSUMER_DLQ_FILE',
  dlqStream: '--dlq-stream / TELEMETRY_CONSUMER_DLQ_STREAM',
  outputDir: '--output-dir / TELEMETRY_CONSUMER_OUTPUT_DIR',
  fileMaxBytes: '--file-max-size / TELEMETRY_CONSUMER_FILE_MAX_SIZE',
  fileMaxAgeMs: '--file-max-age / TELEMETRY_CONSUMER_FILE_MAX_AGE_MS',
  stateTable: '--state-table / TELEMETRY_CONSUMER_STATE_TABLE',
  rollupTable: '--rollup-table / TELEMETRY_CONSUMER_ROLLUP_TABLE',
  rollupTtlDays: '--rollup-ttl-days / TELEMETRY_CONSUMER_ROLLUP_TTL_DAYS',
  rollupLatenessMs: '--rollup-lateness / TELEMETRY_CONSUMER_ROLLUP_LATENESS_MS',
  rollupIdleCloseMs: '--rollup-idle-close / TELEMETRY_CONSUMER_ROLLUP_IDLE_CLOSE_MS',
  host: '--host / TELEMETRY_CONSUMER_HOST',
  port: '--port / TELEMETRY_CONSUMER_PORT',
  shutdownTimeoutMs: '--shutdown-timeout / TELEMETRY_CONSUMER_SHUTDOWN_TIMEOUT_MS',
  logLevel: '--log-level / TELEMETRY_CONSUMER_LOG_LEVEL',
};

/** The defaults, as strings (what a flag or variable would hold); README and --help quote the same values. */
export const DEFAULTS = {
  stream: 'telemetry',
  applicationName: 'telemetry-consumer',
  // The consumer library's own defaults (its defaults.ts files say why they differ from KCL's and Lambda's).
  retrieval: CONSUMER_DEFAULTS.retrieval,
  initialPosition: CONSUMER_DEFAULTS.initialPosition,
  failoverTimeMs: String(CONSUMER_DEFAULTS.failoverTimeMs),
  leaseProtocol: CONSUMER_DEFAULTS.leaseProtocol,
  checkpointIntervalMs: String(CONSUMER_DEFAULTS.checkpointIntervalMs),
  batchSize: String(CONSUMER_DEFAULTS.batchSize),
  maxRetries: String(PROCESSING_DEFAULTS.maximumRetryAttempts),
  bisect: PROCESSING_DEFAULTS.bisectBatchOnFunctionError ? 'on' : 'off',
  maxRecordAgeSeconds: String(PROCESSING_DEFAULTS.maximumRecordAgeInSeconds),
  outputDir: '.data/telemetry-consumer',
  fileMaxBytes: `${FILE_SINK_DEFAULTS.maxFileBytes / (1024 * 1024)}mb`,
  fileMaxAgeMs: String(FILE_SINK_DEFAULTS.maxFileAgeMs),
  stateTable: DASHBOARD_TABLE_DEFAULTS.deviceState,
  rollupTable: DASHBOARD_TABLE_DEFAULTS.rollups,
  rollupTtlDays: String(DASHBOARD_ITEM_DEFAULTS.rollupTtlSeconds / 86_400),
  rollupLatenessMs: '5000',
  rollupIdleCloseMs: '70000',
  host: '0.0.0.0',
  port: '8081',
  shutdownTimeoutMs: String(RUNTIME_DEFAULTS.service.stopTimeoutMs),
  logLevel: 'info',
} as const;

/** What the default worker id is made of; tests fix it. */
export interface WorkerIdentity {
  hostname: string;
  pid: number;
  /** A few random characters, so two workers started on one host in the same pid namespace still differ. */
  nonce: string;
}

export function defaultWorkerIdentity(): WorkerIdentity {
  return { hostname: os.hostname(), pid: process.pid, nonce: Math.random().toString(36).slice(2, 8) };
}

/** `--help` wins over everything else, so that it works even when the environment holds a bad setting. */
export type LoadedConfig = { help: true } | { help: false; config: TelemetryConsumerConfig };

/** Reads flags (`argv` without node and the script) and `env`, and validates them; throws a ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, identity: WorkerIdentity = defaultWorkerIdentity()): LoadedConfig {
  const { flags, pick } = readSettings(argv, env, {
    strings: [
      'stream', 'application-name', 'worker-id', 'retrieval', 'consumer-name', 'initial-position', 'failover-time', 'lease-protocol', 'checkpoint-interval',
      'batch-size', 'max-retries', 'bisect', 'max-record-age', 'dlq-file', 'dlq-stream', 'output-dir', 'file-max-size',
      'file-max-age', 'state-table', 'rollup-table', 'rollup-ttl-days', 'rollup-lateness', 'rollup-idle-close', 'host', 'port', 'shutdown-timeout',
      'log-level',
    ],
  });
  if (flags.help) return { help: true };
  const P = 'TELEMETRY_CONSUMER_';
  const raw = {
    stream: pick(flags.stream, `${P}STREAM`, DEFAULTS.stream),
    applicationName: pick(flags['application-name'], `${P}APPLICATION_NAME`, DEFAULTS.applicationName),
    workerId: pick(flags['worker-id'], `${P}WORKER_ID`, `${identity.hostname}-${identity.pid}-${identity.nonce}`),
    retrieval: pick(flags.retrieval, `${P}RETRIEVAL`, DEFAULTS.retrieval),
    consumerName: pick(flags['consumer-name'], `${P}EFO_CONSUMER_NAME`),
    initialPosition: pick(flags['initial-position'], `${P}INITIAL_POSITION`, DEFAULTS.initialPosition),
    failoverTimeMs: pick(flags['failover-time'], `${P}FAILOVER_TIME_MS`, DEFAULTS.failoverTimeMs),
    leaseProtocol: pick(flags['lease-protocol'], `${P}LEASE_PROTOCOL`, DEFAULTS.leaseProtocol),
    checkpointIntervalMs: pick(flags['checkpoint-interval'], `${P}CHECKPOINT_INTERVAL_MS`, DEFAULTS.checkpointIntervalMs),
    batchSize: pick(flags['batch-size'], `${P}BATCH_SIZE`, DEFAULTS.batchSize),
    maxRetries: pick(flags['max-retries'], `${P}MAX_RETRIES`, DEFAULTS.maxRetries),
    bisect: pick(flags.bisect, `${P}BISECT`, DEFAULTS.bisect),
    maxRecordAgeSeconds: pick(flags['max-record-age'], `${P}MAX_RECORD_AGE_SECONDS`, DEFAULTS.maxRecordAgeSeconds),
    dlqFile: pick(flags['dlq-file'], `${P}DLQ_FILE`),
    dlqStream: pick(flags['dlq-stream'], `${P}DLQ_STREAM`),
    outputDir: pick(flags['output-dir'], `${P}OUTPUT_DIR`, DEFAULTS.outputDir),
    fileMaxBytes: pick(flags['file-max-size'], `${P}FILE_MAX_SIZE`, DEFAULTS.fileMaxBytes),
    fileMaxAgeMs: pick(flags['file-max-age'], `${P}FILE_MAX_AGE_MS`, DEFAULTS.fileMaxAgeMs),
    stateTable: pick(flags['state-table'], `${P}STATE_TABLE`, DEFAULTS.stateTable),
    // An empty flag (`--rollup-table=`) turns the table off; an empty variable means "not set", as everywhere.
    rollupTable: pick(flags['rollup-table'], `${P}ROLLUP_TABLE`, DEFAULTS.rollupTable),
    rollupTtlDays: pick(flags['rollup-ttl-days'], `${P}ROLLUP_TTL_DAYS`, DEFAULTS.rollupTtlDays),
    rollupLatenessMs: pick(flags['rollup-lateness'], `${P}ROLLUP_LATENESS_MS`, DEFAULTS.rollupLatenessMs),
    rollupIdleCloseMs: pick(flags['rollup-idle-close'], `${P}ROLLUP_IDLE_CLOSE_MS`, DEFAULTS.rollupIdleCloseMs),
    host: pick(flags.host, `${P}HOST`, DEFAULTS.host),
    port: pick(flags.port, `${P}PORT`, DEFAULTS.port),
    shutdownTimeoutMs: pick(flags['shutdown-timeout'], `${P}SHUTDOWN_TIMEOUT_MS`, DEFAULTS.shutdownTimeoutMs),
    logLevel: pick(flags['log-level'], `${P}LOG_LEVEL`, pick(undefined, 'LOG_LEVEL', DEFAULTS.logLevel)),
  };
  const settings = parseConfig(schema, raw, SETTING_NAMES);
  checkCombinations(settings);
  const dlq: DeadLetterTarget =
    settings.dlqStream !== undefined
      ? { kind: 'stream', streamName: settings.dlqStream }
      : {
          kind: 'file',
          path: settings.dlqFile ?? path.join(settings.outputDir, 'dlq', `${fileNameSafe(settings.applicationName)}-${fileNameSafe(settings.workerId)}.ndjson`),
        };
  return { help: false, config: { ...settings, dlq } };
}

/** Rules across settings, named like the single-setting ones. */
function checkCombinations(c: ParsedSettings): void {
  const problems: { key: keyof ParsedSettings; setting: string; message: string }[] = [];
  if (c.dlqFile !== undefined && c.dlqStream !== undefined) {
    problems.push({ key: 'dlqStream', setting: `${SETTING_NAMES.dlqFile}, ${SETTING_NAMES.dlqStream}`, message: 'give one dead-letter destination, not both' });
  }
  if (c.dlqStream !== undefined && c.dlqStream === c.stream) {
    problems.push({
      key: 'dlqStream',
      setting: SETTING_NAMES.dlqStream,
      message: `must differ from the source stream "${c.stream}" (dead letters would be read again and fail again)`,
    });
  }
  if (c.consumerName !== undefined && c.retrieval !== 'fan-out') {
    problems.push({ key: 'consumerName', setting: SETTING_NAMES.consumerName, message: `applies to --retrieval fan-out only (retrieval is "${c.retrieval}")` });
  }
  if (c.rollupIdleCloseMs <= c.rollupLatenessMs) {
    problems.push({
      key: 'rollupIdleCloseMs',
      setting: SETTING_NAMES.rollupIdleCloseMs,
      message: `must be longer than ${SETTING_NAMES.rollupLatenessMs} (${c.rollupLatenessMs} ms), or minutes would close before late readings may arrive`,
    });
  }
  throwConfigProblems(problems);
}
