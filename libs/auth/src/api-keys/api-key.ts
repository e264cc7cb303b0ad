/**
 * API keys: `trb_<id>_<secret>`. The id (8 random bytes, hex) names the key in logs and in the store; the secret
 * (32 random bytes from the OS CSPRNG, base64url) is shown once, at generation, and only its SHA-256 is kept.
 *
 * Why SHA-256 and not bcrypt/scrypt/argon2: slow password hashes exist to make guessing low-entropy, human-chosen
 * passwords expensive after a leak of the hashes. A 256-bit random secret cannot be guessed at any hash speed
 * (2^255 tries on average), so slowness buys nothing, while costing tens of milliseconds of CPU per request: on an
 * ingest API that would cap throughput and hand attackers a cheap denial of service. (GitHub and Stripe keys are
 * handled the same way.)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY } from '../defaults';
import { AuthError } from '../errors';
import { SCOPE_PATTERN } from '../tokens/scopes';

/** What a store keeps for one key: never the key itself. */
export interface ApiKeyRecord {
  id: string;
  /** SHA-256 of the secret part, 64 lowercase hex digits. */
  hash: string;
  scopes: readonly string[];
  /** A label for people ("edge gateway paris"), never used for decisions. */
  name?: string;
}

export interface GeneratedApiKey {
  /** The full key, to hand to the client once. */
  key: string;
  /** What to store. */
  record: ApiKeyRecord;
}

export interface GenerateApiKeyOptions {
  scopes: readonly string[];
  name?: string;
  /** Source of random bytes; the OS CSPRNG unless a test injects one. */
  randomBytes?: (size: number) => Uint8Array;
}

export function generateApiKey(options: GenerateApiKeyOptions): GeneratedApiKey {
  for (const scope of options.scopes) {
    if (!SCOPE_PATTERN.test(scope)) throw new AuthError('INVALID_OPTIONS', `invalid scope ${JSON.stringify(scope)}`);
  }
  const random = options.randomBytes ?? randomBytes;
  const id = Buffer.from(random(API_KEY.idBytes)).toString('hex');
  const secret = Buffer.from(random(API_KEY.secretBytes)).toString('base64url');
  const key = `${API_KEY.prefix}_${id}_${secret}`;
  if (!API_KEY.pattern.test(key)) throw new AuthError('INVALID_OPTIONS', 'randomBytes returned the wrong number of bytes');
  const record: ApiKeyRecord = { id, hash: hashSecret(secret), scopes: [...options.scopes] };
  if (options.name !== undefined) record.name = options.name;
  return { key, record };
}

/** Splits a presented key into id and secret; `undefined` if it is not shaped like one of our keys. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = API_KEY.pattern.exec(key);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(`${API_KEY.prefix}_`);
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Hash of a full key, for tools that provision the store from a key generated elsewhere. */
export function hashApiKey(key: string): ApiKeyRecord['hash'] {
  const parsed = parseApiKey(key);
  if (!parsed) throw new AuthError('INVALID_OPTIONS', 'not an API key of the form trb_<id>_<secret>');
  return hashSecret(parsed.secret);
}

// Compared against when the id is unknown, so that an unknown id costs the same as a wrong secret.
const DUMMY_HASH = Buffer.alloc(32);

/**
 * True if `secret` hashes to `storedHash`, compared in constant time: the comparison does not stop at the first
 * differing byte, so response timing tells an attacker nothing about how close a guess was.
 */
export function secretMatches(secret: string, storedHash: string | undefined): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = storedHash !== undefined && /^[0-9a-f]{64}$/.test(storedHash) ? Buffer.from(storedHash, 'hex') : DUMMY_HASH;
  return timingSafeEqual(presented, stored) && stored !== DUMMY_HASH;
}
