import { createHash } from 'node:crypto';
import { evenHashRanges, hashKeyOf, MAX_HASH_KEY } from './hash-key';

describe('hash keys', () => {
  it('is MD5 of the UTF-8 key as an unsigned big-endian integer', () => {
    const md5 = createHash('md5').update(Buffer.from('device-ä', 'utf8')).digest();
    let expected = 0n;
    for (const byte of md5) expected = (expected << 8n) | BigInt(byte);
    expect(hashKeyOf('device-ä')).toBe(expected);
  });

  it('splits two shards at 2^127 as the service does', () => {
    expect(evenHashRanges(2)).toEqual([
      { start: 0n, end: (1n << 127n) - 1n },
      { start: 1n << 127n, end: MAX_HASH_KEY },
    ]);
  });

  it.each([1, 3, 7, 100])('covers the whole key space without gaps for %i shards', (n) => {
    const ranges = evenHashRanges(n);
    expect(ranges[0].start).toBe(0n);
    expect(ranges[n - 1].end).toBe(MAX_HASH_KEY);
    for (let i = 1; i < n; i++) expect(ranges[i].start).toBe(ranges[i - 1].end + 1n);
  });
});
