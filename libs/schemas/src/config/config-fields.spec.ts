import { z } from 'zod';
import { parseConfig, readSettings } from './config-parser';
import { authSettingFields, authSettingNames, byteSizeSetting, integerSetting, logLevelSetting, pickAuthSettings, portSetting, throwConfigProblems, unlimitedOrSetting, wholeNumberSetting } from './config-fields';
import { ConfigError } from '../errors';

const messageOf = (schema: z.ZodType, value: string): string => {
  const r = schema.safeParse(value);
  return r.success ? 'ok' : r.error.issues[0].message;
};

describe('shared config fields', () => {
  it.each<[string, z.ZodType, string, unknown]>([
    ['an integer', integerSetting(-1, 10), '-1', -1],
    ['a port', portSetting, ' 8080 ', 8080],
    ['a size in mb', byteSizeSetting(1024, 1024 ** 3, '1mb'), '1.5MB', 1572864],
    ['a size in bytes', byteSizeSetting(1024, 1024 ** 3, '1mb'), '2048', 2048],
    ['-1 for no limit', unlimitedOrSetting(60, 100), '-1', -1],
    ['a log level', logLevelSetting, 'warn', 'warn'],
  ])('reads %s', (_name, schema, raw, expected) => {
    expect(schema.parse(raw)).toEqual(expected);
  });

  it.each<[string, z.ZodType, string, string]>([
    ['a word for an integer', integerSetting(0, 10), 'http', 'expected an integer'],
    ['a sign on a whole number', wholeNumberSetting(0, 10), '-1', 'expected a whole number'],
    ['a port too high', portSetting, '65536', 'must be <= 65535'],
    ['a bad size', byteSizeSetting(1024, 2048, '1kb or 2kb'), 'lots', 'expected a size such as 1kb or 2kb'],
    ['a small size', byteSizeSetting(1024, 2048, '1kb'), '10', 'must be at least 1024 bytes'],
    ['a limit in the gap', unlimitedOrSetting(60, 100), '30', 'must be -1 (no limit) or between 60 and 100'],
    ['a bad log level', logLevelSetting, 'loud', 'expected trace, debug, info, warn, error, fatal or silent'],
  ])('refuses %s', (_name, schema, raw, message) => {
    expect(messageOf(schema, raw)).toBe(message);
  });

  it('reads the auth settings under an app prefix, with flags over variables, and names them', () => {
    const settings = readSettings(['--jwt-issuer', 'idp'], { GW_JWT_ISSUER: 'env-idp', GW_API_KEYS: 'k' }, { strings: ['jwt-issuer', 'jwt-max-age', 'api-keys-file', 'jwt-public-key-file', 'jwks-url', 'jwt-audience'] });
    const raw = pickAuthSettings(settings, 'GW_');
    expect(raw).toMatchObject({ jwtIssuer: 'idp', apiKeys: 'k', jwtSecret: undefined });
    const names = authSettingNames('GW_');
    expect([names.apiKeys, names.jwtMaxAge]).toEqual(['GW_API_KEYS', '--jwt-max-age / GW_JWT_MAX_AGE_SECONDS']);
    expect(() => parseConfig(z.object(authSettingFields), { ...raw, jwtSecret: 'short' }, names, { secrets: ['jwtSecret'] })).toThrow(
      'GW_JWT_SECRET: must be at least 32 characters (HS256 wants 256 bits of key) (value hidden)',
    );
  });

  it('throws one ConfigError for cross-setting problems, worded like parseConfig', () => {
    expect(() => throwConfigProblems([])).not.toThrow();
    const problem = { key: 'a', setting: '--a / A', message: 'needs --b' };
    expect(() => throwConfigProblems([problem])).toThrow(new ConfigError('Invalid settings:\n  --a / A: needs --b', [problem]));
  });
});
