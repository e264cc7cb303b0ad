import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DEFAULTS, HELP, loadConfig, SETTING_NAMES, type LoadedConfig, type TelemetryProducerConfig } from './telemetry-producer-config';
import { configErrorOf } from '@tributary/schemas/testing';

const KEYS = { TELEMETRY_API_KEYS: 'placeholder' };

function configOf(loaded: LoadedConfig): TelemetryProducerConfig {
  if (loaded.help) throw new Error('expected settings, got --help');
  return loaded.config;
}

const errorOf = (argv: string[], env: NodeJS.ProcessEnv): ConfigError => configErrorOf(() => loadConfig(argv, env));

describe('loadConfig', () => {
  it('uses the defaults when nothing but credentials is set', () => {
    expect(configOf(loadConfig([], KEYS))).toEqual({
      mode: 'both',
      stream: 'telemetry',
      createStreamShards: 0,
      devices: 10,
      ratePerDevice: 1,
      devicePrefix: 'sim-',
      home: { lat: 47.6205, lon: -122.3493 },
      simMaxInFlight: 10000,
      host: '0.0.0.0',
      port: 8080,
      apiKeys: 'placeholder',
      bodyLimit: 1024 * 1024,
      rateLimit: 1000,
      rateBurst: 2000,
      maxInFlight: 20000,
      aggregation: true,
      ordered: true,
      lingerMs: 100,
      recordTtlMs: 10000,
      bufferDir: '.data/telemetry-producer/buffer',
      bufferMaxBytes: 256 * 1024 * 1024,
      bufferMaxAgeMs: 86400000,
      shutdownTimeoutMs: 30000,
      logLevel: 'info',
    });
  });

  it('reads the time-to-live and the durable buffer settings; off disables the buffer', () => {
    const c = configOf(loadConfig(['--record-ttl-ms', '300000', '--buffer-max-bytes', '1gb'], { ...KEYS, TELEMETRY_BUFFER_DIR: '/var/lib/tp/buffer', TELEMETRY_BUFFER_MAX_AGE_MS: '3600000' }));
    expect(c).toMatchObject({ recordTtlMs: 300000, bufferDir: '/var/lib/tp/buffer', bufferMaxBytes: 1024 ** 3, bufferMaxAgeMs: 3600000 });
    expect(configOf(loadConfig(['--buffer-dir', 'off'], KEYS)).bufferDir).toBeUndefined();
    expect(configOf(loadConfig(['--buffer-dir', 'OFF', '--ordered', 'off'], KEYS)).bufferDir).toBeUndefined();
  });

  it.each([
    [['--record-ttl-ms', '50'], '--record-ttl-ms / TELEMETRY_RECORD_TTL_MS'],
    [['--buffer-max-bytes', '1kb'], '--buffer-max-bytes / TELEMETRY_BUFFER_MAX_BYTES'],
    [['--buffer-max-age-ms', 'soon'], '--buffer-max-age-ms / TELEMETRY_BUFFER_MAX_AGE_MS'],
    [['--ordered', 'off'], '--buffer-dir / TELEMETRY_BUFFER_DIR'],
  ])('refuses %j naming %s', (argv, setting) => {
    expect(errorOf(argv, KEYS).message).toContain(setting);
  });

  it('prefers flags over environment variables, and reads both', () => {
    const c = configOf(
      loadConfig(['--mode', 'simulate', '--devices', '250', '--rate', '0.5', '--body-limit', '256kb', '--home=-33.86, 151.21'], {
        TELEMETRY_MODE: 'ingest',
        TELEMETRY_SIM_DEVICES: '3',
        TELEMETRY_STREAM: 'fleet.v1',
        TELEMETRY_SIM_SEED: '42',
        TELEMETRY_AGGREGATION: 'off',
        LOG_LEVEL: 'debug',
      }),
    );
    expect(c).toMatchObject({
      mode: 'simulate',
      devices: 250,
      ratePerDevice: 0.5,
      bodyLimit: 256 * 1024,
      home: { lat: -33.86, lon: 151.21 },
      stream: 'fleet.v1',
      seed: 42,
      aggregation: false,
      logLevel: 'debug',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(configOf(loadConfig([], { ...KEYS, TELEMETRY_PORT: '' })).port).toBe(8080);
  });

  it('answers --help even when a setting is bad', () => {
    expect(loadConfig(['--help'], { TELEMETRY_PORT: 'x' })).toEqual({ help: true });
  });

  it.each([
    [['--mode', 'replay'], '--mode / TELEMETRY_MODE: expected simulate, ingest or both (got "replay")'],
    [['--stream', 'no spaces'], '--stream / TELEMETRY_STREAM: expected 1–128 characters'],
    [['--port', 'http'], '--port / TELEMETRY_PORT: expected an integer (got "http")'],
    [['--port', '65536'], '--port / TELEMETRY_PORT: must be <= 65535'],
    [['--devices', '0'], '--devices / TELEMETRY_SIM_DEVICES: must be >= 1'],
    [['--rate', 'fast'], '--rate / TELEMETRY_SIM_RATE: expected a number'],
    [['--rate', '5000'], '--rate / TELEMETRY_SIM_RATE: must be <= 1000'],
    [['--home', '47.6'], '--home / TELEMETRY_SIM_HOME: expected "lat,lon"'],
    [['--home', '95,10'], '--home / TELEMETRY_SIM_HOME: latitude must be within -90..90 at lat'],
    [['--device-prefix', 'a/b'], '--device-prefix / TELEMETRY_SIM_DEVICE_PREFIX'],
    [['--body-limit', 'huge'], '--body-limit / TELEMETRY_BODY_LIMIT: expected a size'],
    [['--body-limit', '10'], '--body-limit / TELEMETRY_BODY_LIMIT: must be at least 1024 bytes'],
    [['--rate-burst=-1'], '--rate-burst / TELEMETRY_RATE_BURST: must be >= 1'],
    [['--aggregation', 'maybe'], '--aggregation / TELEMETRY_AGGREGATION: expected true/false'],
    [['--jwks-url', 'ftp://keys'], '--jwks-url / TELEMETRY_JWKS_URL: expected an http(s) URL'],
    [['--log-level', 'loud'], '--log-level / LOG_LEVEL: expected trace, debug'],
    [['--shutdown-timeout', '1.5'], '--shutdown-timeout / TELEMETRY_SHUTDOWN_TIMEOUT_MS: expected an integer'],
  ])('names the bad setting for %j', (argv, message) => {
    const err = errorOf(argv, KEYS);
    expect(err.message).toContain(message);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.retriable).toBe(false);
  });

  it('names bad environment variables too, and every bad setting at once', () => {
    const err = errorOf([], { ...KEYS, TELEMETRY_SIM_DEVICES: 'many', TELEMETRY_PORT: '-5' });
    expect(err.issues.map((i) => i.setting)).toEqual(['--devices / TELEMETRY_SIM_DEVICES', '--port / TELEMETRY_PORT']);
  });

  it('never quotes a secret back', () => {
    const err = errorOf([], { ...KEYS, TELEMETRY_JWT_SECRET: 'short-secret' });
    expect(err.message).toContain('TELEMETRY_JWT_SECRET: must be at least 32 characters');
    expect(err.message).toContain('(value hidden)');
    expect(err.message).not.toContain('short-secret');
  });

  it('refuses to serve the ingest API without credentials, naming where they go', () => {
    const err = errorOf(['--mode', 'ingest'], {});
    expect(err.message).toContain('--api-keys-file / TELEMETRY_API_KEYS_FILE, TELEMETRY_API_KEYS, TELEMETRY_JWT_SECRET');
    expect(err.message).toContain('mode "ingest" serves the ingest API');
    expect(configOf(loadConfig(['--mode', 'simulate'], {})).mode).toBe('simulate');
  });

  it('wants one JWT key source, and issuer/audience only with one', () => {
    expect(errorOf(['--jwks-url', 'https://idp.example/jwks.json'], { TELEMETRY_JWT_SECRET: 'x'.repeat(32) }).message).toContain(
      'TELEMETRY_JWT_SECRET, --jwks-url / TELEMETRY_JWKS_URL: give one JWT key source, not several',
    );
    expect(errorOf(['--jwt-issuer', 'https://idp.example'], KEYS).message).toContain(
      '--jwt-issuer / TELEMETRY_JWT_ISSUER: applies to JWT bearer tokens, but no JWT key source is set',
    );
  });

  it('requires an audience with JWTs, and an issuer with a JWKS', () => {
    expect(errorOf([], { TELEMETRY_JWT_SECRET: 'x'.repeat(32) }).issues).toEqual([
      { key: 'jwtAudience', setting: '--jwt-audience / TELEMETRY_JWT_AUDIENCE', message: 'is required when JWT bearer tokens are accepted' },
    ]);
    expect(errorOf(['--jwks-url', 'https://idp.example/jwks.json', '--jwt-audience', 'tributary'], {}).issues).toEqual([
      { key: 'jwtIssuer', setting: '--jwt-issuer / TELEMETRY_JWT_ISSUER', message: 'is required with --jwks-url / TELEMETRY_JWKS_URL' },
    ]);
    const c = configOf(loadConfig(['--jwks-url', 'https://idp.example/jwks.json', '--jwt-audience', 'tributary', '--jwt-issuer', 'https://idp.example/'], {}));
    expect(c).toMatchObject({ jwksUrl: 'https://idp.example/jwks.json', jwtAudience: 'tributary', jwtIssuer: 'https://idp.example/' });
  });

  it('reads the JWT maximum age (unset: libs/auth applies 24 h), only with a JWT key source', () => {
    const jwt = { TELEMETRY_JWT_SECRET: 'x'.repeat(32), TELEMETRY_JWT_AUDIENCE: 'a' };
    expect(configOf(loadConfig([], jwt)).jwtMaxAge).toBeUndefined();
    expect(configOf(loadConfig(['--jwt-max-age', '0'], { ...jwt, TELEMETRY_JWT_MAX_AGE_SECONDS: '3600' })).jwtMaxAge).toBe(0);
    expect(configOf(loadConfig([], { ...jwt, TELEMETRY_JWT_MAX_AGE_SECONDS: '3600' })).jwtMaxAge).toBe(3600);
    expect(errorOf(['--jwt-max-age', '3600'], KEYS).message).toContain('--jwt-max-age / TELEMETRY_JWT_MAX_AGE_SECONDS: applies to JWT bearer tokens');
  });

  it('rejects unknown flags with a pointer to --help', () => {
    expect(errorOf(['--devics', '3'], KEYS).message).toMatch(/--devics.*--help/s);
  });
});

describe('documentation of the settings', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const names = Object.entries(SETTING_NAMES).flatMap(([key, name]) => name.split(' / ').map((n) => [key, n] as const));

  it.each(names)('--help and the README name %s as %s', (_key, name) => {
    expect(HELP).toContain(name.startsWith('--') ? `${name} ` : `[${name}]`);
    expect(readme).toContain(`\`${name}\``);
  });

  it.each(Object.entries(DEFAULTS))('--help and the README give %s the default %s', (key, value) => {
    const [first, second] = SETTING_NAMES[key as keyof typeof SETTING_NAMES].split(' / ');
    const variable = second ?? first;
    const helpLine = HELP.split('\n').find((l) => l.includes(`[${variable}]`)) ?? '';
    expect(helpLine).toContain(`default ${value}`);
    const readmeRow = readme.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${variable}\``)) ?? '';
    expect(readmeRow).toMatch(new RegExp(`\\| \`${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\|$`));
  });
});
