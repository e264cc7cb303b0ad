/**
 * Where API key records live. The interface is one lookup by id so that a database-backed store can replace the
 * in-memory one; verification (hash comparison, scopes) stays in `verifyApiKey`, the same for every store.
 *
 * The in-memory store loads from a JSON document (a file's content) or from an environment variable, either the
 * same JSON or a compact list:
 *
 *   JSON:     {"keys":[{"id":"0123456789abcdef","hash":"<64 hex>","scopes":["telemetry:write"],"name":"edge-1"}]}
 *             (or the bare array)
 *   compact:  <id>:<hash>:<scope>,<scope>;<id>:<hash>:<scope>     (entries split on ";" or new lines)
 *
 * Only hashes are accepted: an entry that contains a plaintext key is refused, so a key pasted by mistake
 * fails loudly at start-up instead of sitting in a config repository.
 */
import { z } from 'zod';
import { parseApiKey, secretMatches, type ApiKeyRecord } from './api-key';
import { API_KEY } from '../defaults';
import { AuthError } from '../errors';
import type { Principal } from '../tokens/principal';
import { SCOPE_PATTERN } from '../tokens/scopes';

export interface ApiKeyStore {
  find(id: string): ApiKeyRecord | undefined | Promise<ApiKeyRecord | undefined>;
}

const PLAINTEXT = new RegExp(`${API_KEY.prefix}_[0-9a-f]{16}_`);

const recordSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{16}$/, { error: 'must be 16 lowercase hex digits' }),
    hash: z
      .string()
      .transform((h) => h.toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a SHA-256 hash: 64 hex digits' })),
    scopes: z.array(z.string().regex(SCOPE_PATTERN, { error: 'is not a valid scope' })),
    name: z.string().max(200).optional(),
  })
  .strict();

const documentSchema = z.union([z.array(recordSchema), z.object({ keys: z.array(recordSchema) }).strict()]);

/** Parses a JSON document or a compact list of key records; throws INVALID_KEY_STORE naming each bad entry. */
export function parseApiKeyRecords(text: string): ApiKeyRecord[] {
  if (PLAINTEXT.test(text)) {
    throw new AuthError('INVALID_KEY_STORE', 'the API key list contains a plaintext key; store its hash (hashApiKey) instead');
  }
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let raw: unknown;
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      throw new AuthError('INVALID_KEY_STORE', `the API key list is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    raw = trimmed
      .split(/[;\n]/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => {
        const [id = '', hash = '', ...rest] = entry.split(':');
        // Scopes contain colons themselves: everything after the second colon is the scope list.
        const scopes = rest.join(':').split(/[,\s]+/).filter((s) => s !== '');
        return { id, hash, scopes };
      });
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) =>
      issue.code === 'invalid_union' ? issue.errors.flat() : [issue],
    );
    const detail = [...new Set(lines.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`))].join('; ');
    throw new AuthError('INVALID_KEY_STORE', `invalid API key list: ${detail}`);
  }
  const records = Array.isArray(parsed.data) ? parsed.data : parsed.data.keys;
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.id)) throw new AuthError('INVALID_KEY_STORE', `duplicate API key id ${record.id}`);
    seen.add(record.id);
  }
  return records.map((r) => ({ ...r, scopes: [...r.scopes] }));
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  constructor(records: Iterable<ApiKeyRecord> = []) {
    for (const record of records) this.add(record);
  }

  /** From the content of a JSON file. */
  static fromJson(text: string): InMemoryApiKeyStore {
    return new InMemoryApiKeyStore(parseApiKeyRecords(text));
  }

  /** From an environment variable's value: the same JSON, or the compact `id:hash:scopes;…` form. */
  static fromEnv(value: string | undefined): InMemoryApiKeyStore {
    return new InMemoryApiKeyStore(parseApiKeyRecords(value ?? ''));
  }

  add(record: ApiKeyRecord): void {
    this.records.set(record.id, { ...record, scopes: [...record.scopes] });
  }

  remove(id: string): boolean {
    return this.records.delete(id);
  }

  find(id: string): ApiKeyRecord | undefined {
    return this.records.get(id);
  }

  get size(): number {
    return this.records.size;
  }
}

/** Checks a presented key against the store; the principal on success, INVALID_CREDENTIALS otherwise. */
export async function verifyApiKey(key: string, store: ApiKeyStore): Promise<Principal> {
  const parsed = parseApiKey(key);
  if (!parsed) throw new AuthError('INVALID_CREDENTIALS', 'malformed API key');
  const record = await store.find(parsed.id);
  // Hash and compare even for an unknown id (against a dummy), so both failures take the same time.
  if (!secretMatches(parsed.secret, record?.hash) || !record) throw new AuthError('INVALID_CREDENTIALS', 'unknown or wrong API key');
  const principal: Principal = { kind: 'api-key', subject: record.id, scopes: record.scopes };
  if (record.name !== undefined) principal.name = record.name;
  return principal;
}
