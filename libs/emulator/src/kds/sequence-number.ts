/**
 * KDS sequence numbers: decimal strings of a 186-bit integer (56 digits) in the service's own layout, read as
 * 47 hex digits (kinesalite's stringifySequence/parseSequence recorded it from real answers):
 *
 *   hex digits   field
 *   0            2
 *   1–9          shard creation, epoch seconds
 *   10           the shard index's last hex digit, repeated
 *   11–26        record ordinal within the shard (below 2^63; what the storage index is keyed by)
 *   27–28        00
 *   29–37        record arrival, epoch seconds
 *   38–45        shard index (KCL's SequenceNumberValidator reads it from bits 4–35 and checks the shard)
 *   46           version 2
 *
 * Within a shard the ordinal dominates the order; children, created at least a second after their parents,
 * issue larger numbers than they did.
 *
 * Emulators before this layout issued another one ("legacy": ordinal in digits 10–25, arrival in 26–37).
 * Shards persisted by them keep it, because clients hold their numbers as checkpoints (see ShardMeta).
 */
const MASK_4 = 0xfn;
const MASK_32 = (1n << 32n) - 1n;
const MASK_36 = (1n << 36n) - 1n;
const MASK_48 = (1n << 48n) - 1n;
const MASK_64 = (1n << 64n) - 1n;

/** The ordinal of a closed shard's EndingSequenceNumber: the largest AWS's layout holds (7fff…f). */
export const ENDING_ORDINAL = (1n << 63n) - 1n;

export type SequenceLayout = 'aws' | 'legacy';

export interface SequenceNumberParts {
  shardIndex: number;
  shardCreatedSeconds: number;
  ordinal: number;
  arrivalSeconds: number;
}

const highBits = (layout: SequenceLayout, shardIndex: number, createdSeconds: number): bigint =>
  (2n << 184n) |
  ((BigInt(createdSeconds) & MASK_36) << 148n) |
  (layout === 'aws' ? (BigInt(shardIndex) & MASK_4) << 144n : 0n);

const lowBits = (shardIndex: number): bigint => ((BigInt(shardIndex) & MASK_32) << 4n) | 2n;

function middleBits(layout: SequenceLayout, ordinal: number | bigint, arrivalSeconds: number): bigint {
  const seq = BigInt(ordinal) & MASK_64;
  return layout === 'aws'
    ? (seq << 80n) | ((BigInt(arrivalSeconds) & MASK_36) << 36n)
    : (seq << 84n) | ((BigInt(arrivalSeconds) & MASK_48) << 36n);
}

export function encodeSequenceNumber(p: SequenceNumberParts, layout: SequenceLayout = 'aws'): string {
  return (highBits(layout, p.shardIndex, p.shardCreatedSeconds) | middleBits(layout, p.ordinal, p.arrivalSeconds) | lowBits(p.shardIndex)).toString();
}

/** Reads a sequence number we issued in `layout`; undefined for anything else (wrong length, version or digits). */
export function decodeSequenceNumber(text: string, layout: SequenceLayout = 'aws'): SequenceNumberParts | undefined {
  if (!/^[1-9]\d{0,128}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >> 186n !== 0n || value >> 184n !== 2n || (value & MASK_4) !== 2n) return undefined;
  const shardIndex = Number((value >> 4n) & MASK_32);
  if (layout === 'aws' && ((value >> 144n) & MASK_4) !== (BigInt(shardIndex) & MASK_4)) return undefined;
  return {
    shardIndex,
    arrivalSeconds: Number((value >> 36n) & (layout === 'aws' ? MASK_36 : MASK_48)),
    ordinal: Number((value >> (layout === 'aws' ? 80n : 84n)) & MASK_64),
    shardCreatedSeconds: Number((value >> 148n) & MASK_36),
  };
}

/**
 * Encodes many sequence numbers of one shard quickly: the constant high and low parts are prepared once and
 * only the ordinal and arrival change (PutRecords of 500 records calls this 500 times).
 */
export class ShardSequencer {
  private readonly high: bigint;
  private readonly low: bigint;
  constructor(
    shardIndex: number,
    private readonly shardCreatedSeconds: number,
    readonly layout: SequenceLayout = 'aws',
  ) {
    this.high = highBits(layout, shardIndex, shardCreatedSeconds);
    this.low = lowBits(shardIndex);
  }
  /** The arrival is never written as before the shard's creation second (AWS's numbers never are). */
  encode(ordinal: number | bigint, arrivalMs: number): string {
    const arrival = Math.max(Math.floor(arrivalMs / 1000), this.layout === 'aws' ? this.shardCreatedSeconds : 0);
    return (this.high | middleBits(this.layout, ordinal, arrival) | this.low).toString();
  }
  decode(text: string): SequenceNumberParts | undefined {
    return decodeSequenceNumber(text, this.layout);
  }
}
