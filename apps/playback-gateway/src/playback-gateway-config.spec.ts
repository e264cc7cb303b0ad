import { ConfigError } from '@tributary/schemas';
import { defaultConnectSrc, HELP, loadConfig, SETTING_NAMES, type LoadedConfig } from './playback-gateway-config';
import { configErrorOf } from '@tributary/schemas/testing';

const KEYS = { GATEWAY_API_KEYS: 'id:hash:video:read' };
const KEY32 = 'k'.repeat(32);

const configOf = (loaded: LoadedConfig) => {
  if (loaded.help) throw new Error('help');
  return loaded.config;
};
const errorOf = (argv: string[], env: Record<string, string>): ConfigError => configErrorOf(() => loadConfig(argv, env));

describe('playback-gateway settings', () => {
  it('has defaults for everything but credentials, and generates a playback key when none is set', () => {
    const c = configOf(loadConfig([], KEYS, { randomKey: () => 'r'.repeat(43) }));
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 8088,
      trustProxy: 0,
      tokenTtlSeconds: 1800,
      delivery: 'proxied',
      segmentCacheBytes: 256 * 1024 * 1024,
      upstreamTimeoutMs: 10_000,
      corsOrigins: [],
      apiRateLimit: 600,
      hlsRateLimit: 6000,
      logLevel: 'info',
      playbackKey: 'r'.repeat(43),
      playbackKeyGenerated: true,
      apiKeys: 'id:hash:video:read',
    });
  });

  it('reads flags over variables', () => {
    const c = configOf(
      loadConfig(['--port', '9000', '--delivery', 'direct', '--segment-cache', '1gb', '--cors-origins', 'https://a.example, https://b.example:8443/'], {
        ...KEYS,
        GATEWAY_PORT: '7000',
        GATEWAY_PLAYBACK_KEY: KEY32,
        GATEWAY_TOKEN_TTL_SECONDS: '600',
        GATEWAY_PUBLIC_URL: 'https://video.example/',
      }),
    );
    expect(c).toMatchObject({
      port: 9000,
      delivery: 'direct',
      segmentCacheBytes: 1024 ** 3,
      corsOrigins: ['https://a.example', 'https://b.example:8443'],
      playbackKey: KEY32,
      playbackKeyGenerated: false,
      tokenTtlSeconds: 600,
      publicUrl: 'https://video.example',
    });
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['a short playback key, without echoing it', [], { ...KEYS, GATEWAY_PLAYBACK_KEY: 'short-secret' }, 'GATEWAY_PLAYBACK_KEY: must be at least 32 bytes (HS256 wants 256 bits of key) (value hidden)'],
    ['a TTL under KVS minimum', ['--token-ttl', '60'], KEYS, '--token-ttl / GATEWAY_TOKEN_TTL_SECONDS: must be >= 300'],
    ['a TTL over KVS maximum', ['--token-ttl', '50000'], KEYS, 'must be <= 43200'],
    ['an unknown delivery', ['--delivery', 'cdn'], KEYS, '--delivery / GATEWAY_DELIVERY: expected direct or proxied'],
    ['a bad origin', ['--cors-origins', 'javascript:alert(1)'], KEYS, '--cors-origins / GATEWAY_CORS_ORIGINS: expected origins'],
    ['* with other origins', ['--cors-origins', '*,https://a.example'], KEYS, '* allows every origin: give it alone'],
    ['a bad cache size', ['--segment-cache', 'lots'], KEYS, '--segment-cache / GATEWAY_SEGMENT_CACHE_BYTES: expected a size'],
    ['no credentials at all', [], {}, 'the gateway authenticates every API call'],
    ['a JWT secret without an audience', [], { GATEWAY_JWT_SECRET: 's'.repeat(32) }, '--jwt-audience / GATEWAY_JWT_AUDIENCE: is required when JWT bearer tokens are accepted'],
    ['a JWT maximum age that is not a number', ['--jwt-max-age', '1d'], KEYS, '--jwt-max-age / GATEWAY_JWT_MAX_AGE_SECONDS: expected a whole number'],
    ['a JWT maximum age without a JWT key source', ['--jwt-max-age', '3600'], KEYS, '--jwt-max-age / GATEWAY_JWT_MAX_AGE_SECONDS: applies to JWT bearer tokens'],
  ])('refuses %s', (_name, argv, env, message) => {
    const err = errorOf(argv, env);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('short-secret');
  });

  it('reads the JWT maximum age from the flag over the variable, unset by default (libs/auth applies 24 h)', () => {
    const jwt = { GATEWAY_JWT_SECRET: KEY32, GATEWAY_JWT_AUDIENCE: 'a' };
    expect(configOf(loadConfig([], jwt)).jwtMaxAge).toBeUndefined();
    expect(configOf(loadConfig([], { ...jwt, GATEWAY_JWT_MAX_AGE_SECONDS: '3600' })).jwtMaxAge).toBe(3600);
    expect(configOf(loadConfig(['--jwt-max-age', '0'], { ...jwt, GATEWAY_JWT_MAX_AGE_SECONDS: '3600' })).jwtMaxAge).toBe(0);
  });

  it('refuses unknown flags and answers --help even with bad settings', () => {
    expect(errorOf(['--nope'], KEYS).message).toContain('--help');
    expect(loadConfig(['--help'], { GATEWAY_PORT: 'x' })).toEqual({ help: true });
  });

  it('reads the dashboard tables (each optional; empty is unset) from flags over variables', () => {
    expect(configOf(loadConfig([], KEYS))).toMatchObject({
      deviceStateTable: undefined,
      rollupTable: undefined,
      leaseTable: undefined,
      cameraHealthTable: undefined,
    });
    const c = configOf(
      loadConfig(['--lease-table', 'telemetry-consumer', '--rollup-table', 'rollups-b'], {
        ...KEYS,
        GATEWAY_DEVICE_STATE_TABLE: 'telemetry-device-state',
        GATEWAY_ROLLUP_TABLE: 'rollups-a',
        GATEWAY_CAMERA_HEALTH_TABLE: '',
      }),
    );
    expect(c).toMatchObject({
      deviceStateTable: 'telemetry-device-state',
      rollupTable: 'rollups-b',
      leaseTable: 'telemetry-consumer',
      cameraHealthTable: undefined,
    });
    expect(errorOf(['--camera-health-table', 'no spaces'], KEYS).message).toContain(
      '--camera-health-table / GATEWAY_CAMERA_HEALTH_TABLE: expected a DynamoDB table name',
    );
    expect(errorOf([], { ...KEYS, GATEWAY_LEASE_TABLE: 'ab' }).message).toContain('GATEWAY_LEASE_TABLE');
  });

  it('documents every setting in --help', () => {
    for (const name of Object.values(SETTING_NAMES)) {
      for (const part of name.split(' / ')) expect(HELP).toContain(part);
    }
  });

  it.each<[Record<string, string>, string[]]>([
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, ['http://127.0.0.1:4566']],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_KINESIS_VIDEO: 'http://kvs.local:9000/x' }, ['http://kvs.local:9000']],
    [{ AWS_REGION: 'eu-west-1' }, ['https://*.kinesisvideo.eu-west-1.amazonaws.com']],
    [{}, ['https://*.amazonaws.com']],
  ])('derives the direct-playback connect-src from %j', (env, expected) => {
    expect(defaultConnectSrc(env)).toEqual(expected);
  });
});
