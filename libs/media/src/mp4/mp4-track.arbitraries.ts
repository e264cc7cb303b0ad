/**
 * Fuzz inputs for codec configuration read from a producer's CodecPrivate (issue 12): mp4TrackFromMatroska over
 * H.264 tracks (avcC with an SPS written here from generated sizes, ISO/IEC 14496-15 §5.3.3.1 and H.264 §7.3.2.1),
 * H.265 (hvcC) and AAC (AudioSpecificConfig) tracks, each whole, mutated or random, plus other codec ids. A track
 * becomes an MP4 track or a MediaError (MISSING_CODEC_PRIVATE, INVALID_CODEC_PRIVATE, UNSUPPORTED_CODEC).
 * Shared by mp4-track.property.spec.ts and the soak bench (through @tributary/media/testing).
 */
import fc from 'fast-check';
import { mutatedBytes, type FuzzTarget } from '@tributary/runtime/testing';
import type { MkvTrack } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { mp4TrackFromMatroska } from './mp4-track';

/** MSB-first bit writer with Exp-Golomb codes (H.264 §9.1), for building test SPSs. */
class BitWriter {
  private readonly bits: number[] = [];
  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }
  ue(value: number): this {
    const v = value + 1;
    const len = Math.floor(Math.log2(v));
    return this.u(len, 0).u(len + 1, v);
  }
  /** rbsp_trailing_bits, then the bytes. */
  bytes(): Uint8Array {
    this.bits.push(1);
    while (this.bits.length % 8 !== 0) this.bits.push(0);
    const out = new Uint8Array(this.bits.length / 8);
    for (let i = 0; i < this.bits.length; i++) out[i >> 3] |= this.bits[i] << (7 - (i & 7));
    return out;
  }
}

/** Emulation prevention (H.264 §7.4.1): 00 00 0x (x ≤ 3) → 00 00 03 0x. */
function toNal(header: number, rbsp: Uint8Array): Uint8Array {
  const out: number[] = [header];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

export interface AvcSpsValue {
  profileIdc: 66 | 77 | 100;
  levelIdc: number;
  widthMbs: number;
  heightMbs: number;
}

/** A progressive 4:2:0 8-bit SPS without cropping or VUI: width = 16 × widthMbs, height = 16 × heightMbs. */
export function writeAvcC(v: AvcSpsValue): Uint8Array {
  const w = new BitWriter().u(8, v.profileIdc).u(8, 0).u(8, v.levelIdc).ue(0);
  if (v.profileIdc === 100) w.ue(1).ue(0).ue(0).u(1, 0).u(1, 0); // chroma 4:2:0, 8-bit, no scaling matrices
  w.ue(0) // log2_max_frame_num_minus4
    .ue(2) // pic_order_cnt_type 2
    .ue(1) // max_num_ref_frames
    .u(1, 0) // gaps_in_frame_num_value_allowed_flag
    .ue(v.widthMbs - 1)
    .ue(v.heightMbs - 1)
    .u(1, 1) // frame_mbs_only_flag
    .u(1, 1) // direct_8x8_inference_flag
    .u(1, 0) // frame_cropping_flag
    .u(1, 0); // vui_parameters_present_flag
  const sps = toNal(0x67, w.bytes());
  const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
  return Uint8Array.of(1, v.profileIdc, 0, v.levelIdc, 0xff, 0xe1, sps.length >> 8, sps.length & 0xff, ...sps, 1, pps.length >> 8, pps.length & 0xff, ...pps);
}

export const avcSpsArbitrary: fc.Arbitrary<AvcSpsValue> = fc.record({
  profileIdc: fc.constantFrom(66 as const, 77 as const, 100 as const),
  levelIdc: fc.integer({ min: 10, max: 52 }),
  widthMbs: fc.integer({ min: 1, max: 256 }),
  heightMbs: fc.integer({ min: 1, max: 256 }),
});

/** AudioSpecificConfig: object type 2 (AAC LC), a frequency index, a channel configuration (ISO/IEC 14496-3 §1.6.2.1). */
const ascArbitrary = fc
  .record({ aot: fc.integer({ min: 1, max: 4 }), freq: fc.integer({ min: 0, max: 12 }), channels: fc.integer({ min: 1, max: 7 }) })
  .map(({ aot, freq, channels }) => Uint8Array.of((aot << 3) | (freq >> 1), ((freq & 1) << 7) | (channels << 3)));

const privateOf = (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array | undefined> =>
  fc.oneof({ weight: 2, arbitrary: valid }, { weight: 5, arbitrary: mutatedBytes(valid) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.constant(undefined) });

export const codecTrackArbitrary: fc.Arbitrary<MkvTrack> = fc.oneof(
  fc.record({ number: fc.constant(1), uid: fc.constant(1n), type: fc.constant('video' as const), codecId: fc.constant('V_MPEG4/ISO/AVC'), codecPrivate: privateOf(avcSpsArbitrary.map(writeAvcC)) }),
  fc.record({
    number: fc.constant(1),
    uid: fc.constant(1n),
    type: fc.constant('video' as const),
    codecId: fc.constant('V_MPEGH/ISO/HEVC'),
    codecPrivate: privateOf(fc.uint8Array({ minLength: 23, maxLength: 60 }).map((b) => Uint8Array.of(1, ...b.subarray(1)))),
    width: fc.integer({ min: 1, max: 8192 }),
    height: fc.integer({ min: 1, max: 8192 }),
  }),
  fc.record({ number: fc.constant(2), uid: fc.constant(2n), type: fc.constant('audio' as const), codecId: fc.constantFrom('A_AAC', 'A_AAC/MPEG4/LC'), codecPrivate: privateOf(ascArbitrary), channels: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }) }),
  fc.record({ number: fc.constant(3), uid: fc.constant(3n), type: fc.constantFrom('video' as const, 'audio' as const, 'other' as const), codecId: fc.string({ maxLength: 20 }), codecPrivate: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }) }),
);

export const mp4TrackFuzzTarget: FuzzTarget<MkvTrack> = {
  name: 'codec-private',
  arbitrary: codecTrackArbitrary,
  run(track) {
    const t = mp4TrackFromMatroska(track);
    if (t.kind === 'video' && !((t.width ?? 0) > 0 && (t.height ?? 0) > 0)) throw new Error(`a video track of size ${t.width}x${t.height}`);
    if (t.kind === 'audio' && !((t.sampleRate ?? 0) > 0 && (t.channels ?? 0) > 0)) throw new Error(`an audio track at ${t.sampleRate} Hz, ${t.channels} channels`);
  },
  isTypedRejection: (err) => err instanceof MediaError,
};

/** The SPS written here is read back at the size it describes. */
export const avcRoundTripFuzzTarget: FuzzTarget<AvcSpsValue> = {
  name: 'avc-sps-round-trip',
  arbitrary: avcSpsArbitrary,
  run(v) {
    const t = mp4TrackFromMatroska({ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: writeAvcC(v) });
    if (t.kind !== 'video' || t.width !== v.widthMbs * 16 || t.height !== v.heightMbs * 16) throw new Error(`SPS for ${v.widthMbs * 16}x${v.heightMbs * 16} read as ${JSON.stringify(t)}`);
  },
  isTypedRejection: () => false,
};
