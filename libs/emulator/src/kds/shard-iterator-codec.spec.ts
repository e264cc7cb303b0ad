import { ShardIteratorCodec } from './shard-iterator-codec';

describe('ShardIteratorCodec', () => {
  const codec = new ShardIteratorCodec(Buffer.alloc(32, 7));
  const state = { issuedAt: 1_795_000_000_123, streamCreatedAt: 1_794_000_000_000, shardIndex: 42, ordinal: 9_007_199_254, streamName: 'a'.repeat(128) };

  it('round-trips and fits the API limit of 512 characters', () => {
    const text = codec.encode(state);
    expect(text.length).toBeLessThanOrEqual(512);
    expect(codec.decode(text)).toEqual(state);
  });

  it('rejects a tampered iterator', () => {
    const raw = Buffer.from(codec.encode(state), 'base64');
    raw[22] ^= 1; // the ordinal
    expect(codec.decode(raw.toString('base64'))).toBeUndefined();
  });

  it('rejects an iterator signed with another key', () => {
    expect(new ShardIteratorCodec(Buffer.alloc(32, 8)).decode(codec.encode(state))).toBeUndefined();
  });

  it.each(['', 'AAAA', 'not an iterator at all'])('rejects garbage %j', (text) => {
    expect(codec.decode(text)).toBeUndefined();
  });
});
