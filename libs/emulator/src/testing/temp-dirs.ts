/** Temporary folders for specs that write files: made under the OS temp dir, removed after each test. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Registers an `afterEach` that removes what the returned factory made; call it at the top of a spec file. */
export function tempDirsRemovedAfterEach(prefix: string): () => string {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** The segment files of a log folder (storage/segment-backend.ts), in ordinal order. */
export const segmentFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();
