import { orderingSequenceError, readSequenceForOrdering } from './sequence-for-ordering';
import { encodeSequenceNumber } from './sequence-number';

const NOW = Date.UTC(2026, 0, 1);
const nowHex = (offsetSeconds: number): string => Math.floor(NOW / 1000 + offsetSeconds).toString(16);
const fromHex = (hex: string): string => BigInt(`0x${hex}`).toString();

describe('readSequenceForOrdering (the numbers AWS takes as SequenceNumberForOrdering)', () => {
  it.each([
    ['version 2, all zero', '20000000000000000000000000000000000000000000002', 'valid'],
    ['version 1, all zero', '20000000000000000000000000000000000000000000001', 'valid'],
    ['version 2, all f where allowed', '2ffffffffff7fffffffffffffff000000000007fffffff2', 'valid'],
    ['version 2, a negative shard index (8 near the end)', '20000000000000000000000000000000000000800000002', 'valid'],
    ['version 2, arrival two seconds ago', `2ffffffffff7fffffff7fffffff000${nowHex(-2)}7fffffff2`, 'valid'],
    ['version 0', '20000000000000000000000000000000000000000000000', 'invalid'],
    ['version 4', '20000000000000000000000000000000000000000000004', 'invalid'],
    ['version 3', '20000000000000000000000000000000000000000000003', 'internal-failure'],
    ['a leading 3', '30000000000000000000000000000000000000000000001', 'invalid'],
    ['a leading 1 (below 2^185)', '1ffffffffff7fffffffffffffff000000000007fffffff2', 'invalid'],
    ['an ordinal of 2^63 or more (8 in the index)', '20000000000800000000000000000000000000000000002', 'invalid'],
    ['version 2, arrival two seconds ahead', `200000000000000000000000000000${nowHex(2)}000000002`, 'invalid'],
    ['the oldest layout with a creation time too late', '13bb2cc3d80000000000000000000000', 'invalid'],
    ['the oldest layout', '13bb2cc3d70000000000000000000000', 'valid'],
    ['a small number (read with 2^124 added)', '5', 'valid'],
  ])('%s → %s', (_name, hex, verdict) => {
    const text = fromHex(hex);
    expect(readSequenceForOrdering(text, NOW)).toBe(verdict);
  });

  it('takes every number the emulator issues, in both its layouts', () => {
    const parts = { shardIndex: 3, shardCreatedSeconds: NOW / 1000 - 60, ordinal: 12345, arrivalSeconds: NOW / 1000 - 1 };
    expect(readSequenceForOrdering(encodeSequenceNumber(parts), NOW)).toBe('valid');
    expect(readSequenceForOrdering(encodeSequenceNumber(parts, 'legacy'), NOW)).toBe('valid');
  });
});

describe('orderingSequenceError', () => {
  it("words AWS's InvalidArgumentException", () => {
    const text = fromHex('20000000000000000000000000000000000000000000004');
    const err = orderingSequenceError(text, 's', '000000000000', NOW);
    expect([err?.code, err?.status, err?.message]).toEqual([
      'InvalidArgumentException',
      400,
      `ExclusiveMinimumSequenceNumber ${text} used in PutRecord on stream s under account 000000000000 is invalid.`,
    ]);
  });

  it('is an InternalFailure for version 3, and nothing for a usable number', () => {
    expect(orderingSequenceError(fromHex('20000000000000000000000000000000000000000000003'), 's', '0', NOW)?.code).toBe('InternalFailure');
    expect(orderingSequenceError(fromHex('20000000000000000000000000000000000000000000002'), 's', '0', NOW)).toBeUndefined();
  });
});
