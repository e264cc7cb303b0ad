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

/** Decimal limbs of 7 digits: a product of two stays below 1e14, a sum of a few below 2^53 (exact in a double). */
const LIMB = 1e7;
const LIMBS = 9; // 63 digits: room for 186 bits (56 digits)
const WIDTH = LIMBS * 7;

type DigitBuffer = Buffer & { latin1Slice(start: number, end: number): string };

/** A non-negative BigInt as base-1e7 limbs, least significant first. */
function limbsOf(value: bigint): number[] {
  const out: number[] = [];
  for (let v = value; out.length < LIMBS; v /= 10_000_000n) out.push(Number(v % 10_000_000n));
  return out;
}

/**
 * Encodes many sequence numbers of one shard quickly (PutRecords of 500 records calls this 500 times, GetRecords
 * of 10,000 records 10,000 times; a BigInt and its toString per record were a quarter of a GetRecords answer's CPU
 * in the emulator). The fields do not overlap, so the number is base + ordinal·2^shift + arrival·2^36:
 * - the next ordinal at the same arrival second (the common case: records read or written in a row) adds
 *   2^shift to the previous number's decimal digits;
 * - any other is summed in decimal limbs of plain numbers;
 * - BigInt only for what the limbs do not hold (an ordinal of 2^53 or more, the ENDING_ORDINAL of a closed shard).
 * sequence-number.spec.ts checks all three against encodeSequenceNumber.
 */
export class ShardSequencer {
  private readonly high: bigint;
  private readonly low: bigint;
  private readonly base: number[];
  private readonly ordinalUnit: number[];
  /** 2^shift's decimal digits (values 0–9), right-aligned in WIDTH. */
  private readonly unitDigits: Uint8Array;
  /** Where 2^shift's digits start in unitDigits. */
  private readonly unitStart: number;
  private readonly arrivalMask: number;
  /** base + arrival·2^36 for the last arrival second, unnormalised limbs (each < 2^53). */
  private readonly withArrival = new Float64Array(LIMBS);
  private preparedArrival = -1;
  private readonly work = new Float64Array(LIMBS);
  /** The last number's ASCII digits, zero-padded to WIDTH, and what it encoded. */
  private readonly digits = Buffer.alloc(WIDTH, 48) as DigitBuffer;
  private lastOrdinal = -2;
  private lastArrival = -1;

  constructor(
    shardIndex: number,
    private readonly shardCreatedSeconds: number,
    readonly layout: SequenceLayout = 'aws',
  ) {
    this.high = highBits(layout, shardIndex, shardCreatedSeconds);
    this.low = lowBits(shardIndex);
    this.base = limbsOf(this.high | this.low);
    const unit = 1n << (layout === 'aws' ? 80n : 84n);
    this.ordinalUnit = limbsOf(unit);
    this.unitDigits = Uint8Array.from(unit.toString().padStart(WIDTH, '0'), (c) => c.charCodeAt(0) - 48);
    this.unitStart = WIDTH - unit.toString().length;
    this.arrivalMask = layout === 'aws' ? 2 ** 36 : 2 ** 48;
  }

  /** The arrival is never written as before the shard's creation second (AWS's numbers never are). */
  encode(ordinal: number | bigint, arrivalMs: number): string {
    const start = this.prepare(ordinal, arrivalMs);
    return start < 0 ? this.encodeBig(ordinal, arrivalMs) : this.digits.latin1Slice(start, WIDTH);
  }

  /** encode()'s digits written as ASCII into `out` at `pos` (no string made); the new position. */
  writeInto(ordinal: number, arrivalMs: number, out: Uint8Array, pos: number): number {
    const start = this.prepare(ordinal, arrivalMs);
    if (start < 0) {
      const text = this.encodeBig(ordinal, arrivalMs);
      for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i);
      return pos;
    }
    const d = this.digits;
    for (let i = start; i < WIDTH; i++) out[pos++] = d[i];
    return pos;
  }

  /** Longest encode() result (what writeInto may write). */
  static readonly MAX_DIGITS = WIDTH;

  private arrivalSeconds(arrivalMs: number): number {
    return Math.max(Math.floor(arrivalMs / 1000), this.layout === 'aws' ? this.shardCreatedSeconds : 0);
  }

  private encodeBig(ordinal: number | bigint, arrivalMs: number): string {
    return (this.high | middleBits(this.layout, ordinal, this.arrivalSeconds(arrivalMs)) | this.low).toString();
  }

  /** Puts the number's digits in `digits`; where they start, or -1 when the limbs do not hold it (BigInt then). */
  private prepare(ordinal: number | bigint, arrivalMs: number): number {
    const arrival = this.arrivalSeconds(arrivalMs);
    if (typeof ordinal !== 'number' || !(ordinal >= 0 && ordinal < Number.MAX_SAFE_INTEGER && Number.isInteger(ordinal)) || !(arrival >= 0 && arrival < this.arrivalMask)) {
      this.lastOrdinal = -2;
      return -1;
    }
    if (arrival === this.lastArrival && ordinal === this.lastOrdinal + 1) this.addUnit();
    else this.writeDigits(ordinal, arrival);
    this.lastOrdinal = ordinal;
    this.lastArrival = arrival;
    const d = this.digits;
    let start = 0;
    while (start < WIDTH - 1 && d[start] === 48) start++;
    return start;
  }

  /** digits += 2^shift, in decimal. */
  private addUnit(): void {
    const d = this.digits;
    const u = this.unitDigits;
    let carry = 0;
    let i = WIDTH - 1;
    // Over 2^shift's own digits, then only as far as the carry goes.
    for (; i >= this.unitStart; i--) {
      const v = d[i] - 48 + u[i] + carry;
      carry = v >= 10 ? 1 : 0;
      d[i] = 48 + v - carry * 10;
    }
    for (; carry === 1 && i >= 0; i--) {
      const v = d[i] + 1;
      carry = v > 57 ? 1 : 0;
      d[i] = v - carry * 10;
    }
  }

  /** digits = base + ordinal·2^shift + arrival·2^36, through limbs. */
  private writeDigits(ordinal: number, arrival: number): void {
    if (arrival !== this.preparedArrival) this.prepareArrival(arrival);
    const acc = this.work;
    acc.set(this.withArrival);
    // ordinal < 2^53 < 1e16: three limbs; 2^80 (or 2^84) needs four.
    const o0 = ordinal % LIMB;
    const o1 = Math.floor(ordinal / LIMB) % LIMB;
    const o2 = Math.floor(ordinal / (LIMB * LIMB));
    const u = this.ordinalUnit;
    for (let j = 0; j < 4; j++) {
      acc[j] += o0 * u[j];
      acc[j + 1] += o1 * u[j];
      acc[j + 2] += o2 * u[j];
    }
    let carry = 0;
    let pos = WIDTH;
    for (let k = 0; k < LIMBS; k++) {
      const v = acc[k] + carry;
      carry = Math.floor(v / LIMB);
      // Seven digits a limb, right to left, as small integers.
      let limb = (v - carry * LIMB) | 0;
      for (let n = 0; n < 7; n++) {
        const q = (limb / 10) | 0;
        this.digits[--pos] = 48 + limb - q * 10;
        limb = q;
      }
    }
  }

  private prepareArrival(arrival: number): void {
    const a0 = arrival % LIMB;
    const a1 = Math.floor(arrival / LIMB) % LIMB;
    const a2 = Math.floor(arrival / (LIMB * LIMB));
    // 2^36 = 68719476736: limbs 9476736, 6871.
    const p0 = 9_476_736;
    const p1 = 6_871;
    const w = this.withArrival;
    for (let k = 0; k < LIMBS; k++) w[k] = this.base[k];
    w[0] += a0 * p0;
    w[1] += a0 * p1 + a1 * p0;
    w[2] += a1 * p1 + a2 * p0;
    w[3] += a2 * p1;
    this.preparedArrival = arrival;
  }

  decode(text: string): SequenceNumberParts | undefined {
    return decodeSequenceNumber(text, this.layout);
  }
}
