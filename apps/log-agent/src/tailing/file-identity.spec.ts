import { appendFile, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FINGERPRINT_MAX_BYTES, hashOf, headMatches, identityOf } from './file-identity';
import { makeTempDir, removeDir } from './tailer-test-kit';

describe('file identity', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('takes dev, inode and a fingerprint of the first KiB at most', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'x'.repeat(3000));
    const handle = await open(path, 'r');
    const id = await identityOf(handle);
    await handle.close();
    expect(id.fingerprintBytes).toBe(FINGERPRINT_MAX_BYTES);
    expect(id.fingerprint).toBe(hashOf(Buffer.from('x'.repeat(FINGERPRINT_MAX_BYTES))));
    expect(id.size).toBe(3000);
    expect(id.ino).toMatch(/^\d+$/);
    expect(id.dev).toMatch(/^\d+$/);
  });

  it('a short file fingerprints what it has; the same file grown still matches, other bytes do not', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'first line\n');
    const handle = await open(path, 'r');
    const id = await identityOf(handle);
    expect(id.fingerprintBytes).toBe(11);
    await appendFile(path, 'second line\n');
    expect(headMatches(id, Buffer.from('first line\nsecond line\n'))).toBe(true);
    expect(headMatches(id, Buffer.from('first lime\nsecond line\n'))).toBe(false);
    // Shorter than the fingerprint: truncated.
    expect(headMatches(id, Buffer.from('first'))).toBe(false);
    await handle.close();
  });

  it('an empty file has an empty fingerprint that any content matches', () => {
    expect(headMatches({ fingerprintBytes: 0, fingerprint: hashOf(Buffer.alloc(0)) }, Buffer.from('anything'))).toBe(true);
  });
});
