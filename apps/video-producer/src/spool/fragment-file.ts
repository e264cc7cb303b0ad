/**
 * One fragment as a file, the format the spool and the recording share: `"TVF1" | u32 header length (big endian) |
 * stream header | fragment bytes`. Each file carries the stream header its fragment was cut under, so every file can
 * be sent (or played) on its own. Written durably: to `<path>.tmp`, optionally fsynced, then renamed, so a crash
 * leaves either the whole file or a `.tmp` that the store's start-up scan deletes.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface FragmentFileContent {
  header: Uint8Array;
  bytes: Uint8Array;
}

const MAGIC = new Uint8Array([0x54, 0x56, 0x46, 0x31]); // "TVF1"
export const FRAGMENT_FILE_PREFIX_BYTES = 8;

/** Bytes a fragment takes on disk. */
export function fragmentFileSize(fragment: FragmentFileContent): number {
  return FRAGMENT_FILE_PREFIX_BYTES + fragment.header.length + fragment.bytes.length;
}

/** Writes the file at `path` through a `.tmp` name and a rename (fsync before the rename when asked). */
export async function writeFragmentFile(path: string, fragment: FragmentFileContent, fsync: boolean): Promise<void> {
  const tmp = `${path}.tmp`;
  const prefix = new Uint8Array(FRAGMENT_FILE_PREFIX_BYTES);
  prefix.set(MAGIC, 0);
  new DataView(prefix.buffer).setUint32(4, fragment.header.length, false);
  const handle = await open(tmp, 'w');
  try {
    await handle.writev([prefix, fragment.header, fragment.bytes]);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/** The header and fragment of a file's bytes (views, no copies), or undefined when it is not such a file. */
export function parseFragmentFile(data: Uint8Array): FragmentFileContent | undefined {
  if (data.length < FRAGMENT_FILE_PREFIX_BYTES) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return undefined;
  const headerLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4, false);
  if (FRAGMENT_FILE_PREFIX_BYTES + headerLength > data.length) return undefined;
  return { header: data.subarray(FRAGMENT_FILE_PREFIX_BYTES, FRAGMENT_FILE_PREFIX_BYTES + headerLength), bytes: data.subarray(FRAGMENT_FILE_PREFIX_BYTES + headerLength) };
}

/** A fragment file found by scanFragmentFiles: its name's match and its size. */
export interface FoundFragmentFile {
  path: string;
  match: RegExpExecArray;
  size: number;
}

/**
 * The start-up scan both stores make of their folder: half-written `.tmp` files and files too short to hold the
 * prefix (a crash inside a write) are deleted; files whose names match `names` are returned, with their size.
 */
export function scanFragmentFiles(dir: string, names: RegExp): FoundFragmentFile[] {
  const found: FoundFragmentFile[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.endsWith('.tmp')) {
      unlinkSync(path);
      continue;
    }
    const match = names.exec(name);
    if (!match) continue;
    const size = statSync(path).size;
    if (size < FRAGMENT_FILE_PREFIX_BYTES) {
      unlinkSync(path);
      continue;
    }
    found.push({ path, match, size });
  }
  return found;
}

/**
 * A fragment file read back: its header and fragment, 'missing' when the file is gone, 'unreadable' when its
 * bytes are not such a file (a crash inside a write; the store deletes it).
 */
export async function readFragmentFile(path: string): Promise<FragmentFileContent | 'missing' | 'unreadable'> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  return parseFragmentFile(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) ?? 'unreadable';
}

/**
 * The stream headers of fragments read back, one object per distinct header (the last 8): the session compares a
 * fragment's header with its connection's, and a copy of its own does not keep the whole file's buffer alive.
 */
export class HeaderInterner {
  private readonly headers: Uint8Array[] = [];

  intern(header: Uint8Array): Uint8Array {
    for (const h of this.headers) if (equalBytes(h, header)) return h;
    const copy = header.slice();
    this.headers.push(copy);
    if (this.headers.length > 8) this.headers.shift();
    return copy;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
