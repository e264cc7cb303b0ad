import { z } from 'zod';
import { booleanSetting, parseConfig, readSettings } from './config-parser';
import { ConfigError, SchemaError } from '../errors';

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  limits: booleanSetting,
  jwtSecret: z.string().min(32).optional(),
  level: z.enum(['debug', 'info']),
});

const NAMES = {
  port: '--port / PORT',
  host: '--host / HOST',
  limits: '--limits / LIMITS',
  jwtSecret: '--jwt-secret / JWT_SECRET',
  level: '--log-level / LOG_LEVEL',
};

const thrown = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('parseConfig', () => {
  it('returns the parsed settings', () => {
    expect(parseConfig(schema, { port: '8080', host: 'h', limits: 'Off', level: 'info' }, NAMES)).toEqual({
      port: 8080,
      host: 'h',
      limits: false,
      level: 'info',
    });
  });

  it('names every bad setting by its flag and variable, in one error', () => {
    const err = thrown(() =>
      parseConfig(schema, { port: '70000', host: '', limits: 'maybe', jwtSecret: 'short-secret', level: 'loud' }, NAMES, {
        secrets: ['jwtSecret'],
      }),
    );
    expect(err).toBeInstanceOf(SchemaError);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.retriable).toBe(false);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe(
      [
        'Invalid settings:',
        '  --port / PORT: Too big: expected number to be <=65535 (got "70000")',
        '  --host / HOST: Too small: expected string to have >=1 characters (got "")',
        '  --limits / LIMITS: expected true/false, 1/0, on/off or yes/no (got "maybe")',
        '  --jwt-secret / JWT_SECRET: Too small: expected string to have >=32 characters (value hidden)',
        '  --log-level / LOG_LEVEL: Invalid option: expected one of "debug"|"info" (got "loud")',
      ].join('\n'),
    );
    expect(err.issues.map((i) => i.key)).toEqual(['port', 'host', 'limits', 'jwtSecret', 'level']);
    expect(err.issues[0]).toEqual({ key: 'port', setting: '--port / PORT', message: 'Too big: expected number to be <=65535' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing setting', { port: '1', host: 'h', limits: 'on' }, '  --log-level / LOG_LEVEL: Invalid option: expected one of "debug"|"info" (not set)'],
    ['a long value, shortened', { port: '1', host: 'h', limits: 'on', level: 'x'.repeat(200) }, `  --log-level / LOG_LEVEL: Invalid option: expected one of "debug"|"info" (got "${'x'.repeat(79)}…)`],
    ['a key without a name', { port: '1', host: 'h', limits: 'on', level: 'info', extra: 1 }, '  extra: is not a known setting (got 1)'],
  ])('%s', (_name, raw, line) => {
    const strict = schema.strict();
    expect(thrown(() => parseConfig(strict, raw, NAMES)).message.split('\n')[1]).toBe(line);
  });

  it('reports cross-field rules and nested paths', () => {
    const tls = z
      .object({ cert: z.string().optional(), key: z.string().optional(), limits: z.object({ rps: z.number().positive() }) })
      .refine((c) => (c.cert === undefined) === (c.key === undefined), { error: 'must be given together with --tls-cert', path: ['key'] })
      .refine(() => false, { error: 'always wrong' });
    const err = thrown(() => parseConfig(tls, { cert: 'c', limits: { rps: 0 } }, { key: '--tls-key', limits: '--limits' }));
    expect(err.message).toBe(
      [
        'Invalid settings:',
        '  --limits: Too small: expected number to be >0 at rps (got {"rps":0})',
        '  --tls-key: must be given together with --tls-cert (not set)',
        '  settings: always wrong',
      ].join('\n'),
    );
    const err2 = thrown(() => parseConfig(tls, { cert: 'c', limits: { rps: 1 } }, { key: '--tls-key' }));
    expect(err2.message).toBe(
      ['Invalid settings:', '  --tls-key: must be given together with --tls-cert (not set)', '  settings: always wrong'].join('\n'),
    );
  });
});

describe('booleanSetting', () => {
  it.each<[string, boolean]>([
    ['true', true],
    ['TRUE', true],
    [' 1 ', true],
    ['on', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['Off', false],
    ['no', false],
  ])('%j → %s', (raw, expected) => {
    expect(booleanSetting.parse(raw)).toBe(expected);
  });

  it.each(['', 'y', 'enabled', '2'])('%j is refused', (raw) => {
    expect(booleanSetting.safeParse(raw).success).toBe(false);
  });
});

describe('readSettings', () => {
  const NAMES = { strings: ['port', 'log-level'], booleans: ['in-memory'] } as const;

  it('returns the parsed flags, typed by their names, and always takes --help / -h', () => {
    const { flags } = readSettings(['--port', '9000', '--in-memory', '-h'], {}, NAMES);
    const port: string | undefined = flags.port;
    const inMemory: boolean | undefined = flags['in-memory'];
    const help: boolean | undefined = flags.help;
    expect(port).toBe('9000');
    expect(inMemory).toBe(true);
    expect(help).toBe(true);
    expect(flags['log-level']).toBeUndefined();
    // @ts-expect-error a flag that was not declared has no value to read
    expect(flags.nope).toBeUndefined();
    expect(readSettings(['--help'], {}, { strings: [] }).flags.help).toBe(true);
  });

  it('picks the flag over the variable over the fallback', () => {
    const env = { PORT: '7000', LOG_LEVEL: 'debug' };
    const { flags, pick } = readSettings(['--port', '9000'], env, NAMES);
    expect(pick(flags.port, 'PORT', '8080')).toBe('9000');
    expect(pick(flags['log-level'], 'LOG_LEVEL', 'info')).toBe('debug');
    expect(pick(undefined, 'MISSING', 'info')).toBe('info');
    expect(pick(undefined, 'MISSING')).toBeUndefined();
  });

  it('treats an empty variable as not set, but an empty flag as given', () => {
    const { flags, pick } = readSettings(['--port='], { PORT: '', LOG_LEVEL: '' }, NAMES);
    expect(pick(undefined, 'LOG_LEVEL', 'info')).toBe('info');
    expect(pick(flags.port, 'PORT', '8080')).toBe('');
  });

  it('reads the environment when pick is called, not before', () => {
    const env: Record<string, string | undefined> = {};
    const { pick } = readSettings([], env, NAMES);
    env['PORT'] = '7000';
    expect(pick(undefined, 'PORT')).toBe('7000');
  });

  it.each([
    [['--nope'], /Unknown option '--nope'/],
    [['--port'], /Option '--port <value>' argument missing/],
    [['--in-memory=yes'], /Option '--in-memory' does not take an argument/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('throws a ConfigError pointing at --help for %j', (argv, message) => {
    const err = thrown(() => readSettings(argv, {}, NAMES));
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/\. Run with --help for the options\.$/);
    expect(err.issues).toEqual([]);
  });

  // Issue 19: a mistyped flag said only "Unknown option '--prot'".
  it.each([
    [['--prot', '9000'], "Unknown option '--prot' (did you mean --port?). Run with --help for the options."],
    [['--port', '9000', '--log-levle=debug'], "Unknown option '--log-levle' (did you mean --log-level?). Run with --help for the options."],
    [['--in-mem'], "Unknown option '--in-mem' (did you mean --in-memory?). Run with --help for the options."],
    [['-port', '9000'], "Unknown option '-port' (did you mean --port?). Run with --help for the options."],
    [['--port=9000', '-h', '--verbose', 'x'], "Unknown option '--verbose'. Run with --help for the options."],
  ])('suggests the closest flag for %j', (argv, message) => {
    expect(thrown(() => readSettings(argv, {}, NAMES)).message).toBe(message);
  });
});
