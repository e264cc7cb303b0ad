/**
 * Publication of a file sink's files, durable and never twice (see file-sink.ts): a hard link to the final name
 * (which fails rather than replace a file), fsync of the folders whose entries changed, and the reading back of
 * a gzip file's complete lines to tell "published already" from a name clash.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FILE_EXTENSION } from './sink-file-names';

/**
 * Links `source` to `dir/finalName` (or, when a different file holds that name, a `-r<k>` variant), never
 * replacing a file. A name held by a file with the same lines means this content was published already (by
 * another worker that claimed the same orphan, or the writer itself): `linked: false` then, and nothing is added.
 */
export async function publishOnce(source: string, dir: string, finalName: string, lines: () => Promise<string>): Promise<{ path: string; linked: boolean }> {
  const stem = finalName.slice(0, -FILE_EXTENSION.length);
  let mine: string | undefined;
  for (let k = 0; k < 1000; k++) {
    const candidate = path.join(dir, k === 0 ? finalName : `${stem}-r${k}${FILE_EXTENSION}`);
    try {
      await fsp.link(source, candidate);
      return { path: candidate, linked: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        // A file system without hard links: check, then rename (a small window for a clash, never a torn file).
        if (await exists(candidate)) {
          mine ??= await lines();
          if ((await readLines(candidate).catch(() => undefined)) === mine) return { path: candidate, linked: false };
          continue;
        }
        await fsp.rename(source, candidate);
        return { path: candidate, linked: true };
      }
      if (code !== 'EEXIST') throw err;
      mine ??= await lines();
      if ((await readLines(candidate).catch(() => undefined)) === mine) return { path: candidate, linked: false };
    }
  }
  throw new Error(`no free name for ${finalName} in ${dir}`);
}

/** The complete lines of a gzip file, up to its last sync flush (a torn tail is dropped). */
export async function readLines(file: string): Promise<string> {
  const text = zlib.gunzipSync(await fsp.readFile(file), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

export const isNotFound = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export const exists = (file: string): Promise<boolean> =>
  fsp.access(file, fsConstants.F_OK).then(
    () => true,
    () => false,
  );

/** fsync of `from` and every folder below it down to `to` (after a recursive mkdir created them). */
export async function syncDirectories(from: string, to: string): Promise<void> {
  const chain: string[] = [];
  for (let d = to; d.length >= from.length; d = path.dirname(d)) {
    chain.push(d);
    if (d === from || path.dirname(d) === d) break;
  }
  for (const d of chain.reverse()) await syncDirectory(d);
}

/** fsync of a directory (Linux, macOS); platforms that refuse it (Windows) only lose the power-loss guarantee. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
