import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryWatcher, networkFilesystemOf } from './directory-watcher';
import { makeTempDir, removeDir, waitFor } from './tailer-test-kit';

describe('DirectoryWatcher', () => {
  let dir: string;
  const watchers: DirectoryWatcher[] = [];
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await removeDir(dir);
  });

  const make = (directory: string, forcePolling = false) => {
    const events: Array<[string, string | undefined]> = [];
    const fallbacks: string[] = [];
    const w = new DirectoryWatcher({ directory, forcePolling, onChange: (e, n) => events.push([e, n]), onFallback: (r) => fallbacks.push(r) });
    watchers.push(w);
    return { w, events, fallbacks };
  };

  it('reports writes as change and new or renamed names as rename (inotify on a local filesystem)', async () => {
    expect(await networkFilesystemOf(dir)).toBeUndefined();
    const { w, events } = make(dir);
    await w.ensureWatching();
    expect(w.watching).toBe(true);
    await writeFile(join(dir, 'a.log'), 'x\n');
    await waitFor('rename event', () => events.some(([e, n]) => e === 'rename' && n === 'a.log'));
    await writeFile(join(dir, 'a.log'), 'y\n', { flag: 'a' });
    await waitFor('change event', () => events.some(([e, n]) => e === 'change' && n === 'a.log'));
    await rename(join(dir, 'a.log'), join(dir, 'a.log.1'));
    await waitFor('rename of the new name', () => events.some(([e, n]) => e === 'rename' && n === 'a.log.1'));
  });

  it('does not watch when polling is forced', async () => {
    const { w, fallbacks } = make(dir, true);
    await w.ensureWatching();
    expect(w.watching).toBe(false);
    expect(fallbacks).toEqual([]);
  });

  it('waits quietly for a directory that is not there yet, then watches it', async () => {
    const sub = join(dir, 'later');
    const { w, fallbacks } = make(sub);
    await w.ensureWatching();
    expect(w.watching).toBe(false);
    expect(fallbacks).toEqual([]);
    await mkdir(sub);
    await w.ensureWatching();
    expect(w.watching).toBe(true);
  });

  it('falls back to polling with a reason when fs.watch refuses the path', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    const { w, fallbacks } = make(join(file, 'sub'));
    await w.ensureWatching();
    expect(w.watching).toBe(false);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatch(/fs\.watch failed: .*ENOTDIR/);
  });
});
