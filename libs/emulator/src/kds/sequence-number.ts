/**
 * KDS sequence numbers: decimal strings of a 186-bit integer (56 digits), as the real service issues them.
 * KCL's SequenceNumberValidator reads the version from bits 184–187 (must be 2) and the shard index from bits
 * 4–35, and rejects checkpoints whose shard does not match, so both sit where it looks. The rest is ours:
 *
 *   bits (LSB = 0)   field
 *   0–3              constant 2 (as in the service's numbers)
 *   4–35             shard index (the 12 digits of shardId-NNNNNNNNNNNN)
 *   36–83            record arrival, epoch seconds (informational: "larger gaps for longer intervals")
 *   84–147           record ordinal within the shard (what the storage index is keyed by)
 *   148–183          shard creation, epoch seconds (tells a shard of a deleted and re-created stream apart)
 *   184–185          version 2
 *
 * Within a shard the ordinal dominates the order; children, created later, issue larger numbers than their
 * parents.
 */
const VERSION = 2n;
const MASK_32 = (1n << 32n) - 1n;
const MASK_36 = (1n << 36n) - 1n;
const MASK_48 = (1n << 48n) - 1n;
const MASK_64 = (1n << 64n) - 1n;

/** The ordinal used in a closed shard's EndingSequenceNumber. */
export const ENDING_ORDINAL = 2 ** 63 - 1;

export interface SequenceNumberParts {
  shardIndex: number;
  shardCreatedSeconds: number;
  ordinal: number;
  arrivalSeconds: number;
}

export function encodeSequenceNumber(p: SequenceNumberParts): string {
  const value =
    (VERSION << 184n) |
    ((BigInt(p.shardCreatedSeconds) & MASK_36) << 148n) |
    ((BigInt(p.ordinal) & MASK_64) << 84n) |
    ((BigInt(p.arrivalSeconds) & MASK_48) << 36n) |
    ((BigInt(p.shardIndex) & MASK_32) << 4n) |
    2n;
  return value.toString();
}

/** Parses a sequence number we issued; undefined for anything else (wrong length, version or digits). */
export function decodeSequenceNumber(text: string): SequenceNumberParts | undefined {
  if (!/^[1-9]\d{0,128}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >> 186n !== 0n || value >> 184n !== VERSION) return undefined;
  return {
    shardIndex: Number((value >> 4n) & MASK_32),
    arrivalSeconds: Number((value >> 36n) & MASK_48),
    ordinal: Number((value >> 84n) & MASK_64),
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
  constructor(shardIndex: number, shardCreatedSeconds: number) {
    this.high = (VERSION << 184n) | ((BigInt(shardCreatedSeconds) & MASK_36) << 148n);
    this.low = ((BigInt(shardIndex) & MASK_32) << 4n) | 2n;
  }
  encode(ordinal: number, arrivalMs: number): string {
    return (
      this.high |
      (BigInt(ordinal) << 84n) |
      ((BigInt(Math.floor(arrivalMs / 1000)) & MASK_48) << 36n) |
      this.low
    ).toString();
  }
}
