import { ConfigError, defaultMaxConnections, HELP, loadConfig, openFileLimitOf } from './emulator-config';

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const c = loadConfig([], {}, '/srv');
    expect(c).toMatchObject({ port: 4566, host: '127.0.0.1', dataDir: '/srv/.data/emulator', inMemory: false, limits: true, fsync: 'interval', logLevel: 'info', help: false });
  });

  it('prefers flags over environment variables', () => {
    const c = loadConfig(['--port', '5000', '--limits', 'off', '--in-memory'], { EMULATOR_PORT: '6000', EMULATOR_LIMITS: 'on' }, '/srv');
    expect(c).toMatchObject({ port: 5000, limits: false, inMemory: true });
  });

  it('reads environment variables', () => {
    const c = loadConfig([], { EMULATOR_PORT: '0', EMULATOR_DATA_DIR: '/var/lib/emu', EMULATOR_FSYNC: 'always', LOG_LEVEL: 'debug' }, '/srv');
    expect(c).toMatchObject({ port: 0, dataDir: '/var/lib/emu', fsync: 'always', logLevel: 'debug' });
  });

  it.each([
    [['--port', 'abc'], '--port / EMULATOR_PORT'],
    [['--port', '70000'], '--port / EMULATOR_PORT'],
    [['--limits', 'maybe'], '--limits / EMULATOR_LIMITS'],
    [['--fsync', 'sometimes'], '--fsync / EMULATOR_FSYNC'],
    [['--log-level', 'loud'], '--log-level / LOG_LEVEL'],
  ])('names the bad setting for %j', (argv, name) => {
    expect(() => loadConfig(argv, {}, '/srv')).toThrow(ConfigError);
    expect(() => loadConfig(argv, {}, '/srv')).toThrow(name);
  });

  it('rejects unknown flags with a pointer to --help', () => {
    expect(() => loadConfig(['--prot', '1'], {}, '/srv')).toThrow(/--help/);
  });

  it('requires --tls-cert and --tls-key together', () => {
    expect(() => loadConfig(['--tls-cert', 'c.pem'], {}, '/srv')).toThrow('--tls-cert and --tls-key must be given together');
  });

  it('defaults to loopback CORS origins, no extra hosts, and the connection figures of the library', () => {
    const c = loadConfig([], {}, '/srv');
    expect(c).toMatchObject({
      corsOrigins: ['loopback'],
      allowedHosts: [],
      maxConnections: 1000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
    });
  });

  it('reads comma-separated origins and hosts, and the connection settings', () => {
    const c = loadConfig(
      ['--cors-origins', 'loopback, https://app.example:8443,http://dash.lan:*', '--max-connections', '200'],
      { EMULATOR_ALLOWED_HOSTS: 'emulator,.lan', EMULATOR_IDLE_TIMEOUT_MS: '5000' },
      '/srv',
    );
    expect(c).toMatchObject({
      corsOrigins: ['loopback', 'https://app.example:8443', 'http://dash.lan:*'],
      allowedHosts: ['emulator', '.lan'],
      maxConnections: 200,
      idleTimeoutMs: 5000,
    });
  });

  it.each([
    [['--cors-origins', 'app.example'], '--cors-origins / EMULATOR_CORS_ORIGINS'],
    [['--max-connections', '0'], '--max-connections / EMULATOR_MAX_CONNECTIONS'],
    [['--idle-timeout-ms', 'soon'], '--idle-timeout-ms / EMULATOR_IDLE_TIMEOUT_MS'],
  ])('names the bad connection setting for %j', (argv, name) => {
    expect(() => loadConfig(argv, {}, '/srv')).toThrow(name);
  });

  it('leaves status transitions instant and the shard limit to the library unless set', () => {
    const c = loadConfig([], {}, '/srv');
    expect(c.transitionMs).toBe(0);
    expect(c.shardLimit).toBeUndefined();
  });

  it('reads the transition delay and the shard limit, flags over variables', () => {
    expect(loadConfig(['--transition-ms', '500', '--shard-limit', '10'], {}, '/srv')).toMatchObject({ transitionMs: 500, shardLimit: 10 });
    expect(loadConfig([], { EMULATOR_TRANSITION_MS: '250', EMULATOR_SHARD_LIMIT: '20' }, '/srv')).toMatchObject({ transitionMs: 250, shardLimit: 20 });
    expect(loadConfig(['--shard-limit', '30'], { EMULATOR_SHARD_LIMIT: '20' }, '/srv').shardLimit).toBe(30);
  });

  it.each([
    [['--transition-ms=-1'], {}, '--transition-ms / EMULATOR_TRANSITION_MS'],
    [['--transition-ms', 'slow'], {}, '--transition-ms / EMULATOR_TRANSITION_MS'],
    [[], { EMULATOR_TRANSITION_MS: '1.5' }, '--transition-ms / EMULATOR_TRANSITION_MS'],
    [['--shard-limit', '0'], {}, '--shard-limit / EMULATOR_SHARD_LIMIT'],
    [[], { EMULATOR_SHARD_LIMIT: 'many' }, '--shard-limit / EMULATOR_SHARD_LIMIT'],
  ])('names the bad status or limit setting for %j %j', (argv, env, name) => {
    expect(() => loadConfig(argv, env, '/srv')).toThrow(ConfigError);
    expect(() => loadConfig(argv, env, '/srv')).toThrow(name);
  });

  it('names every service it emulates in --help, Kinesis Video Streams included', () => {
    expect(HELP.split('\n')[0]).toContain('Kinesis Data Streams, Kinesis Video Streams and DynamoDB');
  });

  it('caps connections at half the open-file limit when that is under 1000', () => {
    expect(loadConfig([], {}, '/srv', 400).maxConnections).toBe(200);
    expect(loadConfig([], {}, '/srv', 1_048_576).maxConnections).toBe(1000);
    expect(defaultMaxConnections(undefined)).toBe(1000);
    expect(defaultMaxConnections(10)).toBe(16);
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            400                  1048576              files\n';
    expect(openFileLimitOf(limits)).toBe(400);
    expect(openFileLimitOf('nothing here')).toBeUndefined();
  });
});
