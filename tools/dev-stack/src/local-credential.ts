/**
 * The local sign-in credential: one API key generated on the first start (libs/auth generateApiKey) and kept, with
 * the gateway's playback-token key, in `<data>/dev-stack/credentials.json` (mode 0600, folder 0700), so a second
 * `npm start` prints the same key and playback URLs survive a restart. The apps only ever get the hashed record
 * (`id:hash:scopes`), as in production.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateApiKey, hashApiKey, parseApiKey, type ApiKeyRecord } from '@tributary/auth';
import { DevStackError } from './dev-stack-error';

/** video:read + telemetry:read for the gateway's player and dashboard, telemetry:write for the ingest API. */
export const LOCAL_SCOPES: readonly string[] = ['video:read', 'telemetry:read', 'telemetry:write'];

export interface LocalCredential {
  /** The plaintext key (`trb_…`), for people and tests; never given to an app. */
  apiKey: string;
  record: ApiKeyRecord;
  /** HS256 key of the gateway's playback tokens (base64, 32 bytes). */
  playbackKey: string;
  createdAt: string;
}

/** The record in the apps' compact API key list form: `<id>:<hash>:<scope>,<scope>`. */
export function apiKeyListEntry(record: ApiKeyRecord): string {
  return `${record.id}:${record.hash}:${record.scopes.join(',')}`;
}

export function credentialFile(dataDir: string): string {
  return path.join(dataDir, 'dev-stack', 'credentials.json');
}

/**
 * Reads the stored credential, or creates one when there is none (or it no longer fits: a key whose hash does not
 * match, or missing scopes). Returns whether it was created, so the banner can say so.
 */
export function loadOrCreateCredential(dataDir: string, now: () => Date = () => new Date()): { credential: LocalCredential; created: boolean } {
  const file = credentialFile(dataDir);
  const existing = readCredential(file);
  if (existing) {
    // Keep the file private even if someone loosened it.
    fs.chmodSync(file, 0o600);
    return { credential: existing, created: false };
  }
  const { key, record } = generateApiKey({ scopes: [...LOCAL_SCOPES], name: 'dev-stack local' });
  const credential: LocalCredential = { apiKey: key, record, playbackKey: randomBytes(32).toString('base64'), createdAt: now().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(credential, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { credential, created: true };
}

function readCredential(file: string): LocalCredential | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevStackError('CREDENTIAL', `cannot read ${file}: ${(err as Error).message}`, false, { cause: err });
  }
  let parsed: Partial<LocalCredential>;
  try {
    parsed = JSON.parse(text) as Partial<LocalCredential>;
  } catch {
    return undefined;
  }
  const { apiKey, record, playbackKey, createdAt } = parsed;
  if (typeof apiKey !== 'string' || typeof playbackKey !== 'string' || typeof createdAt !== 'string' || !record) return undefined;
  let hash: string;
  try {
    hash = hashApiKey(apiKey);
  } catch {
    return undefined;
  }
  if (hash !== record.hash || parseApiKey(apiKey)?.id !== record.id || !LOCAL_SCOPES.every((s) => record.scopes.includes(s))) return undefined;
  return { apiKey, record, playbackKey, createdAt };
}
