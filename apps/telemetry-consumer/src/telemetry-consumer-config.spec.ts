import * as path from 'node:path';
import { ConfigError, DEFAULTS, HELP, loadConfig, SETTING_NAMES, type LoadedConfig, type TelemetryConsumerConfig } from './telemetry-consumer-config';
import { configErrorOf } from '@tributary/schemas/testing';

const IDENTITY = { hostname: 'host-a', pid: 42, nonce: 'abc123' };

function configOf(loaded: LoadedConfig): TelemetryConsumerConfig {
  if (loaded.help) throw new Error('expected settings, got --help');
  return loaded.config;
}

const load = (argv: string[], env: NodeJS.ProcessEnv = {}): TelemetryConsumerConfig => configOf(loadConfig(argv, env, IDENTITY));

const errorOf = (argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError => configErrorOf(() => loadConfig(argv, env, IDENTITY));

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    expect(load([])).toEqual({
      stream: 'telemetry',
      applicationName: 'telemetry-consumer',
      workerId: 'host-a-42-abc123',
      retrieval: 'polling',
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3_000,
      leaseProtocol: 'heartbeat',
      checkpointIntervalMs: 5_000,
      batchSize: 1000,
      maxRetries: 3,
      bisect: true,
      maxRecordAgeSeconds: -1,
      outputDir: '.data/telemetry-consumer',
      fileMaxBytes: 64 * 1024 * 1024,
      fileMaxAgeMs: 300_000,
      stateTable: 'telemetry-device-state',
      rollupTable: 'telemetry-rollups',
      rollupTtlDays: 7,
      rollupLatenessMs: 5000,
      rollupIdleCloseMs: 70_000,
      host: '0.0.0.0',
      port: 8081,
      shutdownTimeoutMs: 30_000,
      logLevel: 'info',
      dlq: { kind: 'file', path: path.join('.data/telemetry-consumer', 'dlq', 'telemetry-consumer-host-a-42-abc123.ndjson') },
    });
  });

  it('prefers flags over TELEMETRY_CONSUMER_* variables, and reads both', () => {
    const c = load(['--retrieval', 'fan-out', '--batch-size', '250', '--file-max-size', '512kb', '--initial-position=latest'], {
      TELEMETRY_CONSUMER_RETRIEVAL: 'polling',
      TELEMETRY_CONSUMER_BATCH_SIZE: '10',
      TELEMETRY_CONSUMER_STREAM: 'fleet.v1',
      TELEMETRY_CONSUMER_EFO_CONSUMER_NAME: 'rollups',
      TELEMETRY_CONSUMER_BISECT: 'off',
      TELEMETRY_CONSUMER_MAX_RETRIES: '-1',
      TELEMETRY_CONSUMER_DLQ_STREAM: 'telemetry-dlq',
      TELEMETRY_CONSUMER_WORKER_ID: 'worker-7',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      retrieval: 'fan-out',
      batchSize: 250,
      fileMaxBytes: 512 * 1024,
      initialPosition: 'LATEST',
      stream: 'fleet.v1',
      consumerName: 'rollups',
      bisect: false,
      maxRetries: -1,
      workerId: 'worker-7',
      logLevel: 'debug',
      dlq: { kind: 'stream', streamName: 'telemetry-dlq' },
    });
  });

  it('reads negative numbers in the = form of a flag', () => {
    expect(load(['--max-retries=-1', '--max-record-age=-1', '--max-record-age', '60'])).toMatchObject({ maxRetries: -1, maxRecordAgeSeconds: 60 });
  });

  it('reads an AT_TIMESTAMP start as a date', () => {
    expect(load(['--initial-position', '2025-06-01T12:00:00+02:00']).initialPosition).toEqual({ timestamp: new Date('2025-06-01T10:00:00Z') });
  });

  it('names the DLQ file after the application and a file-name-safe worker id, under the output folder', () => {
    expect(load(['--output-dir', '/var/lib/tc', '--worker-id', 'ip-10-0-0-1:1234']).dlq).toEqual({
      kind: 'file',
      path: path.join('/var/lib/tc', 'dlq', 'telemetry-consumer-ip-10-0-0-1_1234.ndjson'),
    });
    expect(load(['--dlq-file', '/tmp/dead.ndjson']).dlq).toEqual({ kind: 'file', path: '/tmp/dead.ndjson' });
  });

  it('prefers TELEMETRY_CONSUMER_LOG_LEVEL over LOG_LEVEL, and treats an empty variable as unset', () => {
    expect(load([], { TELEMETRY_CONSUMER_LOG_LEVEL: 'warn', LOG_LEVEL: 'debug' }).logLevel).toBe('warn');
    expect(load([], { TELEMETRY_CONSUMER_PORT: '' }).port).toBe(8081);
  });

  it('answers --help even when a setting is bad', () => {
    expect(loadConfig(['--help'], { TELEMETRY_CONSUMER_PORT: 'x' }, IDENTITY)).toEqual({ help: true });
  });

  it.each([
    [['--port', 'http'], {}, '--port / TELEMETRY_CONSUMER_PORT: expected an integer (got "http")'],
    [[], { TELEMETRY_CONSUMER_RETRIEVAL: 'efo' }, '--retrieval / TELEMETRY_CONSUMER_RETRIEVAL: expected polling or fan-out (got "efo")'],
    [['--initial-position', 'yesterday'], {}, '--initial-position / TELEMETRY_CONSUMER_INITIAL_POSITION: expected TRIM_HORIZON, LATEST or an ISO-8601'],
    [['--batch-size', '0'], {}, '--batch-size / TELEMETRY_CONSUMER_BATCH_SIZE: must be >= 1 (got "0")'],
    [['--max-record-age', '30'], {}, '--max-record-age / TELEMETRY_CONSUMER_MAX_RECORD_AGE_SECONDS: must be -1 (no limit) or between 60 and 604800'],
    [['--max-retries=-2'], {}, '--max-retries / TELEMETRY_CONSUMER_MAX_RETRIES: must be >= -1'],
    [['--application-name', 'ab'], {}, '--application-name / TELEMETRY_CONSUMER_APPLICATION_NAME: expected 3–255 characters'],
    [['--state-table', 'bad name'], {}, '--state-table / TELEMETRY_CONSUMER_STATE_TABLE: expected 3–255 characters'],
    [['--file-max-size', 'huge'], {}, '--file-max-size / TELEMETRY_CONSUMER_FILE_MAX_SIZE: expected a size'],
    [['--bisect', 'maybe'], {}, '--bisect / TELEMETRY_CONSUMER_BISECT: expected true/false'],
    [['--worker-id', 'a b'], {}, '--worker-id / TELEMETRY_CONSUMER_WORKER_ID: expected printable ASCII without spaces'],
    [['--failover-time', '100'], {}, '--failover-time / TELEMETRY_CONSUMER_FAILOVER_TIME_MS: must be >= 500'],
  ])('names the setting in the error: %j %j', (argv, env, message) => {
    expect(errorOf(argv, env).message).toContain(message);
  });

  it('reports every bad setting at once', () => {
    const err = errorOf(['--port=-1', '--batch-size', 'x'], { TELEMETRY_CONSUMER_LOG_LEVEL: 'loud' });
    expect(err.issues.map((i) => i.key).sort()).toEqual(['batchSize', 'logLevel', 'port']);
  });

  it.each([
    [['--dlq-file', 'a', '--dlq-stream', 'b'], 'give one dead-letter destination, not both'],
    [['--dlq-stream', 'telemetry'], '--dlq-stream / TELEMETRY_CONSUMER_DLQ_STREAM: must differ from the source stream "telemetry"'],
    [['--consumer-name', 'x'], '--consumer-name / TELEMETRY_CONSUMER_EFO_CONSUMER_NAME: applies to --retrieval fan-out only'],
    [['--rollup-lateness', '80000'], '--rollup-idle-close / TELEMETRY_CONSUMER_ROLLUP_IDLE_CLOSE_MS: must be longer than'],
  ])('checks settings together: %j', (argv, message) => {
    expect(errorOf(argv).message).toContain(message);
  });

  it('refuses unknown flags and positionals, pointing at --help', () => {
    expect(errorOf(['--shards', '2']).message).toMatch(/Unknown option '--shards'.*--help/);
    expect(errorOf(['extra']).message).toMatch(/--help/);
  });

  it('documents every setting and default in --help', () => {
    for (const names of Object.values(SETTING_NAMES)) {
      for (const name of names.split(' / ')) expect(HELP).toContain(name);
    }
    for (const [key, value] of Object.entries(DEFAULTS)) {
      if (key === 'fileMaxAgeMs' || key === 'failoverTimeMs' || key === 'checkpointIntervalMs' || key === 'rollupIdleCloseMs' || key === 'rollupLatenessMs' || key === 'shutdownTimeoutMs') {
        expect(HELP).toContain(`default ${value}`);
      } else {
        expect(HELP).toContain(value);
      }
    }
  });
});
