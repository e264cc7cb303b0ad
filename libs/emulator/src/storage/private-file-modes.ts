/**
 * The data dir holds what others must not read (records, video, the HLS session signing key, lease tables), so
 * everything the emulator creates in it is owner-only, like the dev-stack's credentials: files 0600, folders
 * 0700. Modes are set with chmod after creation, not through the mode argument alone, which the process umask
 * narrows (or, with a umask of 0, leaves too wide): the result does not depend on the umask.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** mkdir -p, each folder it creates set to 0700 (existing ones are left as they are). */
export function makePrivateDir(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // mkdirSync returns the first folder it created; every folder from there down to `dir` is new.
  const created: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    created.push(d);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
  for (const d of created) fs.chmodSync(d, PRIVATE_DIR_MODE);
}

/** openSync for a file of the data dir: a file it creates is 0600 whatever the umask. */
export function openPrivateFile(file: string, flags: string): number {
  const fd = fs.openSync(file, flags, PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Takes group and other permissions away from `dir` and everything under it (files and folders an older
 * version created 0644 / 0755, or that an embedded store such as LevelDB created under the umask). Symbolic
 * links are not followed. Returns how many entries it changed; a missing `dir` changes nothing.
 */
export function tightenTree(dir: string): number {
  let changed = 0;
  const visit = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile (a compaction, a retention run)
      throw err;
    }
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) {
      fs.chmodSync(p, st.mode & 0o700);
      changed++;
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return changed;
}

/**
 * Makes the data dir private at start: creates it 0700, or takes group and other permissions away from an
 * existing one and from the emulator's own `entries` in it (left 0644 / 0755 by versions before modes were
 * set). Other files a user keeps in the folder are not touched. Returns how many entries it changed.
 */
export function securePrivateDataDir(dataDir: string, entries: readonly string[]): number {
  makePrivateDir(dataDir);
  let changed = 0;
  const st = fs.statSync(dataDir);
  if ((st.mode & 0o077) !== 0) {
    fs.chmodSync(dataDir, st.mode & 0o700);
    changed++;
  }
  for (const entry of entries) changed += tightenTree(path.join(dataDir, entry));
  return changed;
}
