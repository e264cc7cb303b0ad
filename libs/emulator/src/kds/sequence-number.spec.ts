import { decodeSequenceNumber, encodeSequenceNumber, ShardSequencer, ENDING_ORDINAL } from './sequence-number';

// KCL's SequenceNumberValidator (v2 reader): bitLength 186, version at bit 184, shard index at bits 4..35.
const kclRead = (seq: string) => {
  const n = BigInt(seq);
  return { bits: n.toString(2).length, version: Number((n >> 184n) & 0xfn), shard: Number((n >> 4n) & 0xffffffffn) };
};

describe('sequence numbers', () => {
  const created = 1_795_000_000;

  it.each([0, 1, 7, 4095, 2 ** 31])('KCL reads shard index %i from them', (shardIndex) => {
    const seq = encodeSequenceNumber({ shardIndex, shardCreatedSeconds: created, ordinal: 5, arrivalSeconds: created + 3 });
    expect(seq).toHaveLength(56);
    expect(kclRead(seq)).toEqual({ bits: 186, version: 2, shard: shardIndex });
  });

  it('round-trips through decode', () => {
    const parts = { shardIndex: 12, shardCreatedSeconds: created, ordinal: 123_456_789, arrivalSeconds: created + 99 };
    expect(decodeSequenceNumber(encodeSequenceNumber(parts))).toEqual(parts);
  });

  it('grows with the ordinal whatever the arrival time', () => {
    const s = new ShardSequencer(3, created);
    const a = BigInt(s.encode(10, (created + 500) * 1000));
    const b = BigInt(s.encode(11, created * 1000));
    expect(b > a).toBe(true);
  });

  it('orders a later shard (child) above an earlier one (parent)', () => {
    const parentEnd = BigInt(new ShardSequencer(0, created).encode(ENDING_ORDINAL, created * 1000));
    const childStart = BigInt(new ShardSequencer(1, created + 1).encode(0, (created + 1) * 1000));
    expect(childStart > parentEnd).toBe(true);
  });

  it('matches encodeSequenceNumber in the fast path', () => {
    const s = new ShardSequencer(9, created);
    expect(s.encode(77, (created + 4) * 1000 + 999)).toBe(
      encodeSequenceNumber({ shardIndex: 9, shardCreatedSeconds: created, ordinal: 77, arrivalSeconds: created + 4 }),
    );
  });

  it.each(['', '0', '12', 'abc', '-5', '1'.repeat(60), '49590338271490256608559692538361571095921575989136588898'])(
    'does not decode %j as one of ours unless it has our layout',
    (text) => {
      const parts = decodeSequenceNumber(text);
      if (parts) expect(kclRead(text).bits).toBe(186);
      else expect(parts).toBeUndefined();
    },
  );
});
