import { decodeFragmentNumber, makeFragmentNumber } from './fragment-number';

describe('fragment numbers', () => {
  it('decodes the real numbers of kvs-reference.md §3.6 to a sequence and a plausible server time', () => {
    // Real numbers from a GetMedia capture and an HLS playlist (2017 and 2022).
    const a = decodeFragmentNumber('91343852333181432392682062607743920146159169392');
    expect(a).toBeDefined();
    expect(new Date(a?.serverTimestampMs ?? 0).getUTCFullYear()).toBe(2017);
    const b = decodeFragmentNumber('91343852333185057105875891022195998207386831087');
    const c = decodeFragmentNumber('91343852333185057185104053536460340391192576793');
    expect(new Date(b?.serverTimestampMs ?? 0).getUTCFullYear()).toBe(2022);
    expect((c?.sequence ?? 0) > (b?.sequence ?? 0)).toBe(true);
  });

  it('makes 47-digit numbers that round-trip and increase with the sequence even when the clock steps back', () => {
    const t = Date.UTC(2024, 0, 1);
    const first = makeFragmentNumber(7, t, 0xfffffff);
    const second = makeFragmentNumber(8, t - 60_000, 0);
    expect(first.toString()).toHaveLength(47);
    expect(second > first).toBe(true);
    expect(decodeFragmentNumber(first.toString())).toEqual({ sequence: 7, serverTimestampMs: t });
  });

  it('rejects numbers of another layout', () => {
    expect(decodeFragmentNumber('12345')).toBeUndefined();
    expect(decodeFragmentNumber('abc')).toBeUndefined();
  });
});
