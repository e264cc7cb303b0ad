/**
 * An app's authentication settings → the Authenticator's options, shared by every app that authenticates clients
 * (telemetry ingest API, playback gateway): API key records (hashed, from a file and/or a variable), one JWT
 * key source (HS256 secret, RS256 public key file, or a JWKS URL), and the JWT's issuer, audience and maximum age.
 *
 * Two steps, both at start-up so that a bad setting stops the process with an error naming it (by the flag and
 * variable the app gives in `names`) instead of failing the first request:
 *   - `authSettingsProblems`: rules across the settings (one key source, audience required, issuer with a JWKS);
 *   - `loadAuthOptions`: reads the files, parses the key lists, imports the keys.
 */
import { promises as fs } from 'node:fs';
import { ConfigError, type ConfigIssue } from '@tributary/schemas';
import { parseApiKeyRecords, InMemoryApiKeyStore } from './api-keys/api-key-store';
import type { ApiKeyRecord } from './api-keys/api-key';
import type { AuthenticatorOptions } from './authenticator';
import { AuthError } from './errors';
import { JwtVerifier, type JwtKeySource } from './tokens/jwt-verifier';

export interface AuthSettings {
  apiKeysFile?: string;
  apiKeys?: string;
  jwtSecret?: string;
  jwtPublicKeyFile?: string;
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /** Longest age and lifetime of a JWT, seconds (0: no bound); AUTH_DEFAULTS.jwtMaxTokenAgeSeconds when unset. */
  jwtMaxAge?: number;
}

/** How the user knows each setting, e.g. `{ apiKeysFile: '--api-keys-file / TELEMETRY_API_KEYS_FILE', … }`. */
export type AuthSettingNames = Readonly<Record<keyof AuthSettings, string>>;

export interface AuthSettingsIo {
  readFile(path: string): Promise<string>;
}

const defaultIo: AuthSettingsIo = { readFile: (path) => fs.readFile(path, 'utf8') };

const JWT_SOURCES = ['jwtSecret', 'jwtPublicKeyFile', 'jwksUrl'] as const;

/**
 * Rules across the auth settings. `required`: the app serves authenticated endpoints, so some credential source
 * must be set (`requiredBecause` says why, in the message).
 */
export function authSettingsProblems(
  settings: AuthSettings,
  names: AuthSettingNames,
  options: { required: boolean; requiredBecause?: string } = { required: true },
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const jwtSources = JWT_SOURCES.filter((k) => settings[k] !== undefined);
  if (options.required && settings.apiKeysFile === undefined && settings.apiKeys === undefined && jwtSources.length === 0) {
    problems.push({
      key: 'apiKeysFile',
      setting: `${names.apiKeysFile}, ${names.apiKeys}, ${names.jwtSecret}, ${names.jwtPublicKeyFile} or ${names.jwksUrl}`,
      message: options.requiredBecause ?? 'API keys or JWT settings are needed to authenticate clients',
    });
  }
  if (jwtSources.length > 1) {
    problems.push({ key: jwtSources[1], setting: jwtSources.map((k) => names[k]).join(', '), message: 'give one JWT key source, not several' });
  }
  for (const key of ['jwtIssuer', 'jwtAudience', 'jwtMaxAge'] as const) {
    if (settings[key] !== undefined && jwtSources.length === 0) {
      problems.push({ key, setting: names[key], message: 'applies to JWT bearer tokens, but no JWT key source is set' });
    }
  }
  // A token minted for another service must not pass here (RFC 8725 §3.9), and one identity provider's JWKS signs
  // tokens for many tenants: the verifier requires the audience always and the issuer with a JWKS.
  if (jwtSources.length > 0 && settings.jwtAudience === undefined) {
    problems.push({ key: 'jwtAudience', setting: names.jwtAudience, message: 'is required when JWT bearer tokens are accepted' });
  }
  if (settings.jwksUrl !== undefined && settings.jwtIssuer === undefined) {
    problems.push({ key: 'jwtIssuer', setting: names.jwtIssuer, message: `is required with ${names.jwksUrl}` });
  }
  return problems;
}

/** Reads key files, parses key lists and imports JWT keys; throws a ConfigError naming the setting at fault. */
export async function loadAuthOptions(settings: AuthSettings, names: AuthSettingNames, io: AuthSettingsIo = defaultIo): Promise<AuthenticatorOptions> {
  const fail = (key: keyof AuthSettings, message: string, cause?: unknown): never => {
    const setting = names[key];
    throw new ConfigError(`Invalid settings:\n  ${setting}: ${message}`, [{ key, setting, message }], { cause });
  };
  const readSetting = async (key: keyof AuthSettings, path: string): Promise<string> => {
    try {
      return await io.readFile(path);
    } catch (err) {
      return fail(key, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`, err);
    }
  };
  const asSetting = <T>(key: keyof AuthSettings, build: () => T): T => {
    try {
      return build();
    } catch (err) {
      if (err instanceof AuthError) fail(key, err.message, err);
      throw err;
    }
  };

  const options: AuthenticatorOptions = {};
  const records: ApiKeyRecord[] = [];
  if (settings.apiKeysFile !== undefined) {
    const text = await readSetting('apiKeysFile', settings.apiKeysFile);
    records.push(...asSetting('apiKeysFile', () => parseApiKeyRecords(text)));
  }
  if (settings.apiKeys !== undefined) {
    const text = settings.apiKeys;
    records.push(...asSetting('apiKeys', () => parseApiKeyRecords(text)));
  }
  if (settings.apiKeysFile !== undefined || settings.apiKeys !== undefined) {
    const ids = new Set<string>();
    for (const r of records) {
      if (ids.has(r.id)) fail('apiKeys', `API key id ${r.id} is listed twice (in ${names.apiKeysFile} and ${names.apiKeys}?)`);
      ids.add(r.id);
    }
    options.apiKeys = new InMemoryApiKeyStore(records);
  }

  let key: JwtKeySource | undefined;
  let keySetting: keyof AuthSettings = 'jwtSecret';
  if (settings.jwtSecret !== undefined) key = { type: 'hs256', secret: settings.jwtSecret };
  if (settings.jwtPublicKeyFile !== undefined) {
    keySetting = 'jwtPublicKeyFile';
    key = { type: 'rs256', publicKeyPem: await readSetting('jwtPublicKeyFile', settings.jwtPublicKeyFile) };
  }
  if (settings.jwksUrl !== undefined) {
    keySetting = 'jwksUrl';
    key = { type: 'jwks', url: settings.jwksUrl };
  }
  if (key !== undefined) {
    const jwtKey = key;
    const verifier = asSetting(keySetting, () =>
      new JwtVerifier({
        key: jwtKey,
        audience: settings.jwtAudience ?? '',
        issuer: settings.jwtIssuer,
        ...(settings.jwtMaxAge !== undefined ? { maxTokenAgeSeconds: settings.jwtMaxAge } : {}),
      }),
    );
    try {
      await verifier.ready();
    } catch (err) {
      fail(keySetting, (err as Error).message, err);
    }
    options.jwt = verifier;
  }
  return options;
}
