import { partitionKeyFunction } from './partition-key';

describe('partitionKeyFunction', () => {
  it('DETERMINISTIC is the MD5 of the data in lowercase hex (Guava HashCode.toString), equal data equal key', () => {
    const key = partitionKeyFunction('DETERMINISTIC');
    // md5("hello\n"), as `printf 'hello\n' | md5sum` prints it.
    expect(key(Buffer.from('hello\n'))).toBe('b1946ac92492d2347c6235b4d2611184');
    expect(key(Buffer.from('a'))).toBe(key(Buffer.from('a')));
    expect(key(Buffer.from('a'))).not.toBe(key(Buffer.from('b')));
  });

  it('RANDOM is a decimal in [0, 1e6) as Java prints a double, one per record', () => {
    const values = [0, 0.5, 0.123456789, 0.999999];
    let i = 0;
    const key = partitionKeyFunction('RANDOM', () => values[i++]);
    expect([key(Buffer.alloc(0)), key(Buffer.alloc(0)), key(Buffer.alloc(0)), key(Buffer.alloc(0))]).toEqual([
      '0.0',
      '500000.0',
      '123456.789',
      '999999.0',
    ]);
    const real = partitionKeyFunction('RANDOM');
    const keys = new Set(Array.from({ length: 100 }, () => real(Buffer.from('x'))));
    expect(keys.size).toBeGreaterThan(90);
    for (const k of keys) {
      expect(k).toMatch(/^\d+(\.\d+)?(e-\d+)?$/);
      expect(Number(k)).toBeGreaterThanOrEqual(0);
      expect(Number(k)).toBeLessThan(1_000_000);
    }
  });
});
