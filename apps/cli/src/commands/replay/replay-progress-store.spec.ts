import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../cli/cli-error';
import { ReplayProgressStore } from './replay-progress-store';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-progress-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ReplayProgressStore', () => {
  it('remembers acknowledged identities across runs', async () => {
    const file = path.join(dir, 'p');
    const first = await ReplayProgressStore.open(file, 'target');
    first.add('s/a/1/0');
    first.add('s/a/2/0');
    first.add('s/a/2/0');
    await first.close();
    const second = await ReplayProgressStore.open(file, 'target');
    expect([second.has('s/a/1/0'), second.has('s/a/2/0'), second.has('s/a/3/0'), second.size]).toEqual([true, true, false, 2]);
    second.add('s/a/3/0');
    await second.close();
    expect(await fs.readFile(file, 'utf8')).toBe('# tributary replay progress; target stream: target\ns/a/1/0\ns/a/2/0\ns/a/3/0\n');
  });

  it('writes in batches after the flush interval, without close', async () => {
    const file = path.join(dir, 'p');
    const store = await ReplayProgressStore.open(file, 't', 20);
    store.add('x');
    await new Promise((r) => setTimeout(r, 100));
    expect((await fs.readFile(file, 'utf8')).split('\n')).toContain('x');
    await store.close();
  });

  it('ignores a line torn by a crash and appends after it on a fresh line', async () => {
    const file = path.join(dir, 'p');
    await fs.writeFile(file, '# tributary replay progress; target stream: t\ns/a/1/0\ns/a/2');
    const store = await ReplayProgressStore.open(file, 't');
    expect([store.has('s/a/1/0'), store.has('s/a/2'), store.size]).toEqual([true, false, 1]);
    store.add('s/a/2/0');
    await store.close();
    expect(await fs.readFile(file, 'utf8')).toBe('# tributary replay progress; target stream: t\ns/a/1/0\ns/a/2\ns/a/2/0\n');
  });

  it('refuses a file written for another target stream', async () => {
    const file = path.join(dir, 'p');
    await (await ReplayProgressStore.open(file, 'one')).close();
    const error = await ReplayProgressStore.open(file, 'two').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toContain('records a replay into another stream (one)');
  });
});
