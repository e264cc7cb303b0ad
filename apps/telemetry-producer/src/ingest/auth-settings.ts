/**
 * The ingest API's credentials, built from the settings: API key records (hashed, from a file and/or a variable)
 * and a JWT verifier. Files are read and keys imported here, at start, so that a bad key list or PEM stops the
 * process with an error naming the setting instead of failing the first request.
 */
import { promises as fs } from 'node:fs';
import {
  AuthError,
  InMemoryApiKeyStore,
  JwtVerifier,
  parseApiKeyRecords,
  type ApiKeyRecord,
  type AuthenticatorOptions,
  type JwtKeySource,
} from '@tributary/auth';
import { ConfigError } from '@tributary/schemas';
import { SETTING_NAMES, type TelemetryProducerConfig } from '../telemetry-producer-config';

type AuthSettings = Pick<
  TelemetryProducerConfig,
  'apiKeysFile' | 'apiKeys' | 'jwtSecret' | 'jwtPublicKeyFile' | 'jwksUrl' | 'jwtIssuer' | 'jwtAudience'
>;

export interface AuthSettingsIo {
  readFile(path: string): Promise<string>;
}

const defaultIo: AuthSettingsIo = { readFile: (path) => fs.readFile(path, 'utf8') };

export async function loadAuthOptions(settings: AuthSettings, io: AuthSettingsIo = defaultIo): Promise<AuthenticatorOptions> {
  const options: AuthenticatorOptions = {};
  const records: ApiKeyRecord[] = [];
  if (settings.apiKeysFile !== undefined) {
    const text = await readSetting('apiKeysFile', settings.apiKeysFile, io);
    records.push(...asSetting('apiKeysFile', () => parseApiKeyRecords(text)));
  }
  if (settings.apiKeys !== undefined) {
    const text = settings.apiKeys;
    records.push(...asSetting('apiKeys', () => parseApiKeyRecords(text)));
  }
  if (settings.apiKeysFile !== undefined || settings.apiKeys !== undefined) {
    const ids = new Set<string>();
    for (const r of records) {
      if (ids.has(r.id)) fail('apiKeys', `API key id ${r.id} is listed twice (in ${SETTING_NAMES.apiKeysFile} and ${SETTING_NAMES.apiKeys}?)`);
      ids.add(r.id);
    }
    options.apiKeys = new InMemoryApiKeyStore(records);
  }

  let key: JwtKeySource | undefined;
  let keySetting: keyof AuthSettings = 'jwtSecret';
  if (settings.jwtSecret !== undefined) key = { type: 'hs256', secret: settings.jwtSecret };
  if (settings.jwtPublicKeyFile !== undefined) {
    keySetting = 'jwtPublicKeyFile';
    key = { type: 'rs256', publicKeyPem: await readSetting('jwtPublicKeyFile', settings.jwtPublicKeyFile, io) };
  }
  if (settings.jwksUrl !== undefined) {
    keySetting = 'jwksUrl';
    key = { type: 'jwks', url: settings.jwksUrl };
  }
  if (key !== undefined) {
    const jwtKey = key;
    const verifier = asSetting(keySetting, () => new JwtVerifier({ key: jwtKey, audience: settings.jwtAudience ?? '', issuer: settings.jwtIssuer }));
    try {
      await verifier.ready();
    } catch (err) {
      fail(keySetting, (err as Error).message, err);
    }
    options.jwt = verifier;
  }
  return options;
}

async function readSetting(key: keyof AuthSettings, path: string, io: AuthSettingsIo): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (err) {
    return fail(key, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`, err);
  }
}

function asSetting<T>(key: keyof AuthSettings, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof AuthError) fail(key, err.message, err);
    throw err;
  }
}

function fail(key: keyof AuthSettings, message: string, cause?: unknown): never {
  const setting = SETTING_NAMES[key];
  throw new ConfigError(`Invalid settings:\n  ${setting}: ${message}`, [{ key, setting, message }], { cause });
}
