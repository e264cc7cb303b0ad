/**
 * Bit reader for H.264/H.265 parameter sets (ITU-T H.264 §7.2): fixed-width reads, Exp-Golomb ue(v)/se(v)
 * (§9.1), over the RBSP — the NAL payload with its emulation-prevention bytes (00 00 03 → 00 00, §7.4.1) removed.
 * Reading past the end throws INVALID_CODEC_PRIVATE: parameter sets come from CodecPrivate.
 */
import { MediaError } from '../media-error';

/** The NAL unit's bytes with every emulation_prevention_three_byte dropped (a copy only when one is present). */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  let zeros = 0;
  let found = -1;
  for (let i = 0; i < nal.length; i++) {
    if (zeros >= 2 && nal[i] === 3) {
      found = i;
      break;
    }
    zeros = nal[i] === 0 ? zeros + 1 : 0;
  }
  if (found < 0) return nal;
  const out = new Uint8Array(nal.length);
  let n = 0;
  zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

export class RbspBitReader {
  private pos = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly what = 'parameter set',
  ) {}

  get bitsLeft(): number {
    return this.data.length * 8 - this.pos;
  }

  /** One bit. */
  bit(): number {
    if (this.pos >= this.data.length * 8) throw new MediaError('INVALID_CODEC_PRIVATE', `${this.what} ends early`);
    const b = (this.data[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  flag(): boolean {
    return this.bit() === 1;
  }

  /** n ≤ 32 bits, unsigned. */
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  skip(n: number): void {
    if (this.pos + n > this.data.length * 8) throw new MediaError('INVALID_CODEC_PRIVATE', `${this.what} ends early`);
    this.pos += n;
  }

  /** ue(v): unsigned Exp-Golomb. */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new MediaError('INVALID_CODEC_PRIVATE', `${this.what}: Exp-Golomb code longer than 32 bits`);
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** se(v): signed Exp-Golomb (1 → 1, 2 → −1, 3 → 2, …). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
