import { decodeSequenceNumber, encodeSequenceNumber, ShardSequencer, ENDING_ORDINAL } from './sequence-number';
import { readServiceSequenceNumber } from './sequence-number-reader';

// KCL's SequenceNumberValidator (v2 reader): bitLength 186, version at bit 184, shard index at bits 4..35.
const kclRead = (seq: string) => {
  const n = BigInt(seq);
  return { bits: n.toString(2).length, version: Number((n >> 184n) & 0xfn), shard: Number((n >> 4n) & 0xffffffffn) };
};
const hexOf = (seq: string): string => BigInt(seq).toString(16);

describe('sequence numbers', () => {
  const created = 1_795_000_000;

  it.each([0, 1, 7, 4095, 2 ** 31])('KCL reads shard index %i from them', (shardIndex) => {
    const seq = encodeSequenceNumber({ shardIndex, shardCreatedSeconds: created, ordinal: 5, arrivalSeconds: created + 3 });
    expect(seq).toHaveLength(56);
    expect(kclRead(seq)).toEqual({ bits: 186, version: 2, shard: shardIndex });
  });

  it("lays the fields out as the service does (a real number's layout: 2, created, shard digit, index, 00, arrival, shard, 2)", () => {
    // A sequence number AWS issued on shard 6 (hex 205bf4e5c 2 6 0000000067648a17 00 05c181eea 00000006 2).
    const real = hexOf('49590338271490256608559692538361571095921575989136588898');
    const ours = hexOf(
      encodeSequenceNumber({ shardIndex: 6, shardCreatedSeconds: 0x05bf4e5c2, ordinal: 0x67648a17, arrivalSeconds: 0x05c181eea }),
    );
    expect(ours).toBe(real);
    const s = hexOf(encodeSequenceNumber({ shardIndex: 0x1d, shardCreatedSeconds: created, ordinal: 0xabc, arrivalSeconds: created + 9 }));
    expect([s[0], s.slice(1, 10), s[10], s.slice(11, 27), s.slice(27, 29), s.slice(29, 38), s.slice(38, 46), s[46]]).toEqual([
      '2',
      created.toString(16).padStart(9, '0'),
      'd',
      'abc'.padStart(16, '0'),
      '00',
      (created + 9).toString(16).padStart(9, '0'),
      '0000001d',
      '2',
    ]);
  });

  it('round-trips through decode, in both layouts', () => {
    const parts = { shardIndex: 12, shardCreatedSeconds: created, ordinal: 123_456_789, arrivalSeconds: created + 99 };
    expect(decodeSequenceNumber(encodeSequenceNumber(parts))).toEqual(parts);
    expect(decodeSequenceNumber(encodeSequenceNumber(parts, 'legacy'), 'legacy')).toEqual(parts);
  });

  it('tells a legacy number from an AWS-layout one where the shard digit differs', () => {
    const parts = { shardIndex: 3, shardCreatedSeconds: created, ordinal: 40, arrivalSeconds: created };
    expect(encodeSequenceNumber(parts, 'legacy')).not.toBe(encodeSequenceNumber(parts));
    expect(decodeSequenceNumber(encodeSequenceNumber(parts, 'legacy'))).toBeUndefined();
  });

  it('grows with the ordinal whatever the arrival time', () => {
    for (const layout of ['aws', 'legacy'] as const) {
      const s = new ShardSequencer(3, created, layout);
      const a = BigInt(s.encode(10, (created + 500) * 1000));
      const b = BigInt(s.encode(11, created * 1000));
      expect(b > a).toBe(true);
    }
  });

  it('orders a later shard (child) above an earlier one (parent)', () => {
    const parentEnd = BigInt(new ShardSequencer(15, created).encode(ENDING_ORDINAL, created * 1000));
    const childStart = BigInt(new ShardSequencer(16, created + 1).encode(0, (created + 1) * 1000));
    expect(childStart > parentEnd).toBe(true);
  });

  it('writes a closed shard end the service itself reads as valid', () => {
    const end = new ShardSequencer(4, created).encode(ENDING_ORDINAL, created * 1000);
    expect(hexOf(end).slice(11, 27)).toBe('7fffffffffffffff');
    expect(readServiceSequenceNumber(end)).toEqual({ version: 2, shardIndex: 4, shardCreatedSeconds: created });
  });

  it('matches encodeSequenceNumber in the fast path', () => {
    const s = new ShardSequencer(9, created);
    expect(s.encode(77, (created + 4) * 1000 + 999)).toBe(
      encodeSequenceNumber({ shardIndex: 9, shardCreatedSeconds: created, ordinal: 77, arrivalSeconds: created + 4 }),
    );
    expect(s.decode(s.encode(77, created * 1000))?.ordinal).toBe(77);
  });

  it.each(['', '0', '12', 'abc', '-5', '1'.repeat(60), '49590338271490256608559692538361571095921575989136588899'])(
    'does not decode %j as one of ours',
    (text) => {
      expect(decodeSequenceNumber(text)).toBeUndefined();
    },
  );
});

describe('the service reading a sequence number', () => {
  const hex = (h: string): string => BigInt(`0x${h}`).toString();

  it.each([
    ['5', { version: 0, shardIndex: 5, shardCreatedSeconds: 0 }],
    ['0', { version: 0, shardIndex: 0, shardCreatedSeconds: 0 }],
    ['49590338271490256608559692538361571095921575989136588898', { version: 2, shardIndex: 6, shardCreatedSeconds: 0x05bf4e5c2 }],
    [hex('20000000000000000000000000000000000000800000002'), { version: 2, shardIndex: -2147483648, shardCreatedSeconds: 0 }],
  ])('reads %s', (text, expected) => {
    expect(readServiceSequenceNumber(text)).toEqual(expected);
  });

  it.each([
    ['a record index of 2^63 or more', hex('20000000000800000000000000000000000000000000002')],
    ['a creation date past the year 2477', hex('13bb2cc3d80000000000000000000000')],
    ['a number between the layouts', (1n << 150n).toString()],
    ['an unknown version digit', hex('20000000000000000000000000000000000000000000007')],
  ])('refuses %s', (_what, text) => {
    expect(readServiceSequenceNumber(text)).toBeUndefined();
  });
});

describe('ShardSequencer (decimal limbs) against the BigInt layout', () => {
  it('gives encodeSequenceNumber for random shards, ordinals and arrivals, both layouts', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const layout of ['aws', 'legacy'] as const) {
      for (let round = 0; round < 200; round++) {
        const shardIndex = [0, 1, 15, 4095, 2 ** 31, 2 ** 32 - 1][round % 6];
        const created = 1_700_000_000 + Math.floor(random() * 200_000_000);
        const sequencer = new ShardSequencer(shardIndex, created, layout);
        for (let i = 0; i < 20; i++) {
          const ordinal = [0, 1, 9_999_999, 10_000_000, 2 ** 53 - 1, Math.floor(random() * 2 ** 40), Math.floor(random() * 2 ** 53)][i % 7];
          // Arrivals repeat (the cached arrival part), go back, and sit before the shard's creation (clamped in 'aws').
          const arrivalMs = [created * 1000 + 999, (created + Math.floor(random() * 1e6)) * 1000, (created - 5) * 1000, 0][i % 4];
          const arrivalSeconds = Math.max(Math.floor(arrivalMs / 1000), layout === 'aws' ? created : 0);
          expect(sequencer.encode(ordinal, arrivalMs)).toBe(encodeSequenceNumber({ shardIndex, shardCreatedSeconds: created, ordinal, arrivalSeconds }, layout));
        }
      }
    }
  });

  it('gives encodeSequenceNumber for ordinals in a row (the decimal increment), carries included', () => {
    for (const layout of ['aws', 'legacy'] as const) {
      for (const first of [0, 999_990, 2 ** 40 - 5, 2 ** 53 - 30]) {
        const sequencer = new ShardSequencer(5, 1_795_000_000, layout);
        for (let ordinal = first; ordinal < first + 25; ordinal++) {
          expect(sequencer.encode(ordinal, 1_795_000_007_500)).toBe(
            encodeSequenceNumber({ shardIndex: 5, shardCreatedSeconds: 1_795_000_000, ordinal, arrivalSeconds: 1_795_000_007 }, layout),
          );
        }
      }
    }
  });

  it('falls back to BigInt for what the limbs do not hold (2^53 and above, a closed shard end)', () => {
    const s = new ShardSequencer(2, 1_795_000_000);
    expect(s.encode(2 ** 53, 1_795_000_001_000)).toBe(encodeSequenceNumber({ shardIndex: 2, shardCreatedSeconds: 1_795_000_000, ordinal: 2 ** 53, arrivalSeconds: 1_795_000_001 }));
    expect(hexOf(s.encode(ENDING_ORDINAL, 0)).slice(11, 27)).toBe('7fffffffffffffff');
  });
});
