import { ConfigError, loadConfig } from './emulator-config';

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
});
