/**
 * `tributary api-key create --scope <scope>…`: a new API key for the gateway or the ingest API (@tributary/auth's
 * generateApiKey). The key is printed once; what the apps store is its record (id, SHA-256 of the secret, scopes):
 * the compact line for GATEWAY_API_KEYS / TELEMETRY_API_KEYS, or, with --file, appended to a JSON key file for
 * GATEWAY_API_KEYS_FILE / TELEMETRY_API_KEYS_FILE (created 0600 if missing). Calls nothing.
 */
import * as fs from 'node:fs';
import { AuthError, generateApiKey, parseApiKeyRecords, SCOPE_PATTERN, type GeneratedApiKey } from '@tributary/auth';
import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context';
import { CliError, usageError } from '../cli/cli-error';

interface CreateOptions {
  scope: string[];
  name?: string;
  file?: string;
  json?: boolean;
}

const HELP = `
Scopes: video:read (player, camera tiles), telemetry:read (dashboard telemetry panels), telemetry:write (ingest
API), stream:<name>:read (one video stream); --scope takes several, space- or comma-separated, or repeated.

The key (trb_<id>_<secret>) is shown once and never stored: only its record is, so keep the key now. The store
line goes into GATEWAY_API_KEYS or TELEMETRY_API_KEYS (entries separated by new lines or ";"); --file appends the
record, with its name, to a JSON key file for --api-keys-file / GATEWAY_API_KEYS_FILE / TELEMETRY_API_KEYS_FILE.

Output: the key and the store line on a terminal; one JSON object in a pipe or with --json
({"key","id","hash","scopes","name","store"}).

Examples:
  $ tributary api-key create --scope video:read --name kiosk
  $ export GATEWAY_API_KEYS="$(tributary api-key create --scope 'video:read telemetry:read' --json | jq -r .store)"
  $ tributary api-key create --scope telemetry:write --name edge-1 --file /run/secrets/api-keys.json
`;

const collectScopes = (value: string, previous: string[]): string[] => [...previous, ...value.split(/[\s,]+/).filter((s) => s !== '')];

/** The compact store line (`<id>:<hash>:<scope>,<scope>`): what GATEWAY_API_KEYS / TELEMETRY_API_KEYS take. */
export function storeLine(generated: GeneratedApiKey): string {
  const { id, hash, scopes } = generated.record;
  return `${id}:${hash}:${scopes.join(',')}`;
}

function create(options: CreateOptions): GeneratedApiKey {
  if (options.scope.length === 0) throw usageError('--scope is required: which scopes the key grants (e.g. --scope video:read)');
  const bad = options.scope.filter((s) => !SCOPE_PATTERN.test(s));
  if (bad.length > 0) throw usageError(`--scope: ${bad.map((s) => JSON.stringify(s)).join(', ')} is not a scope (e.g. video:read, telemetry:write, stream:camera-1:read)`);
  try {
    return generateApiKey({ scopes: [...new Set(options.scope)], ...(options.name !== undefined ? { name: options.name } : {}) });
  } catch (error) {
    if (error instanceof AuthError) throw usageError(error.message);
    throw error;
  }
}

/** Appends the record to a JSON key file (`{"keys":[…]}`), which must parse as one if it exists. */
function appendToFile(file: string, generated: GeneratedApiKey): void {
  let keys: unknown[] = [];
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError('IO_FAILURE', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (text !== undefined && text.trim() !== '') {
    try {
      keys = parseApiKeyRecords(text);
    } catch (error) {
      throw usageError(`--file ${file} is not an API key file: ${(error as Error).message}`);
    }
  }
  const body = `${JSON.stringify({ keys: [...keys, generated.record] }, null, 2)}\n`;
  try {
    // Through a temporary file and a rename: a key file cut short by a crash would stop the apps at start-up.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, body, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    throw new CliError('IO_FAILURE', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export function register(program: Command, ctx: CliContext): void {
  const apiKey = program.command('api-key').description('API keys for the gateway and the ingest API: create one (the key once, the record to store)');
  apiKey
    .command('create')
    .description('a new API key with the given scopes: prints the key once and the record the apps store')
    .option('--scope <scopes>', 'scope(s) the key grants (repeat, or space/comma-separated)', collectScopes, [])
    .option('--name <label>', 'a label for people (kept in --file, shown in the gateway log)')
    .option('--file <path>', 'also append the record to this JSON key file (created 0600 if missing)')
    .option('--json', 'one JSON object even on a terminal')
    .addHelpText('after', HELP)
    .action(async (options: CreateOptions) => {
      const generated = create(options);
      if (options.file !== undefined) appendToFile(options.file, generated);
      const store = storeLine(generated);
      if (options.json || !ctx.out.isTty) {
        await ctx.out.line(JSON.stringify({ key: generated.key, ...generated.record, store }));
        return;
      }
      const c = ctx.out.colors;
      await ctx.out.write(
        [
          `${c.bold('key:  ')} ${generated.key}`,
          `${c.dim('       shown once: give it to the client now; only its hash is stored')}`,
          `${c.bold('store:')} ${store}`,
          `${c.dim(`       for GATEWAY_API_KEYS / TELEMETRY_API_KEYS${options.file !== undefined ? `; also appended to ${options.file}` : ''}`)}`,
          '',
        ].join('\n'),
      );
    });
}
