import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyOut, lastLineStart, readLines } from './line-reader';
import { makeTempDir, removeDir } from './tailer-test-kit';

describe('readLines / lastLineStart on a real file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  const withFile = async <T>(content: string, fn: (h: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> => {
    const path = join(dir, 'f.log');
    await writeFile(path, content);
    const handle = await open(path, 'r');
    try {
      return await fn(handle);
    } finally {
      await handle.close();
    }
  };

  it.each([
    ['complete lines up to the last newline', 'ab\ncd\nef', 0, 100, { kind: 'lines', text: 'ab\ncd\n', endOffset: 6 }],
    ['from an offset', 'ab\ncd\nef\n', 3, 100, { kind: 'lines', text: 'cd\nef\n', endOffset: 9 }],
    ['bounded by maxBytes, still ending at a newline', 'ab\ncd\nef\n', 0, 5, { kind: 'lines', text: 'ab\n', endOffset: 3 }],
    ['a line longer than maxBytes, in pieces', 'abcdefgh\n', 0, 4, { kind: 'long-line', text: 'abcd', endOffset: 4 }],
    ['a partial line shorter than maxBytes waits', 'ab\ncd', 3, 100, { kind: 'partial', pending: 2 }],
    ['nothing past the offset', 'ab\n', 3, 100, { kind: 'eof' }],
  ])('%s', async (_name, content, offset, maxBytes, expected) => {
    const read = await withFile(content, (h) => readLines(h, offset, maxBytes, Buffer.byteLength(content) - offset));
    const shown = 'bytes' in read ? { kind: read.kind, text: read.bytes.toString(), endOffset: read.endOffset } : read;
    expect(shown).toEqual(expected);
  });

  it('copies a small chunk out of a large read buffer (the buffer is not kept alive downstream)', async () => {
    const read = await withFile('ab\n' + 'x'.repeat(70_000), (h) => readLines(h, 0, 65_536, 70_003));
    expect(read.kind).toBe('lines');
    if (read.kind === 'lines') expect(read.bytes.toString()).toBe('ab\n');
    // A small chunk is a copy, not a view of the read buffer. (Checked on the buffers themselves: the size of the
    // copy's backing store says nothing since Node 24, whose small-buffer pool is 64 KiB like the read buffer.)
    const big = Buffer.alloc(65_536, 0x78);
    const small = copyOut(big, 3);
    expect(small.buffer).not.toBe(big.buffer);
    big.fill(0);
    expect(small.toString()).toBe('xxx');
    expect(copyOut(big, 40_000).buffer).toBe(big.buffer);
  });

  it.each([
    ['after the last newline', 'ab\ncd\nhalf', 1024, 6],
    ['at the size when the file ends with a newline', 'ab\ncd\n', 1024, 6],
    ['at 0 when the whole file is one unfinished line', 'unfinished', 1024, 0],
    ['at the size when the window holds no newline', 'ab\n' + 'x'.repeat(50), 10, 53],
    ['at 0 for an empty file', '', 1024, 0],
  ])('lastLineStart: %s', async (_name, content, window, expected) => {
    expect(await withFile(content, (h) => lastLineStart(h, Buffer.byteLength(content), window))).toBe(expected);
  });
});
