/**
 * Length-prefixed NAL units (MP4/Matroska samples, ISO/IEC 14496-15) → Annex B byte streams for MPEG-TS
 * (ISO/IEC 13818-1 §2.14 for H.264, §2.17 for H.265): every access unit opens with an access unit delimiter, and a
 * keyframe carries the parameter sets from the decoder configuration record (avcC / hvcC) before its slices, so a
 * player can start decoding at any segment (HLS requires it: RFC 8216 §3.4).
 */
import { parseAvcDecoderConfig } from '../h264/avc-decoder-config';
import { parseHevcDecoderConfig } from '../h264/hevc-decoder-config';
import { MediaError } from '../media-error';

const START_CODE = Uint8Array.of(0, 0, 0, 1);
/** H.264 AUD (nal_unit_type 9), primary_pic_type 7 (any slice type) + stop bit. */
const H264_AUD = Uint8Array.of(0, 0, 0, 1, 0x09, 0xf0);
/** H.265 AUD (nal_unit_type 35, layer 0, tid 1), pic_type 2 (I, P or B) + stop bit. */
const H265_AUD = Uint8Array.of(0, 0, 0, 1, 0x46, 0x01, 0x50);
const H264_NAL_AUD = 9;
const H265_NAL_AUD = 35;

export type VideoCodec = 'h264' | 'h265';

export interface AnnexBConfig {
  codec: VideoCodec;
  nalLengthSize: number;
  /** Start-coded parameter sets (H.264 SPS, PPS; H.265 VPS, SPS, PPS), one buffer. */
  parameterSets: Uint8Array;
}

function startCoded(nals: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(nals.reduce((n, x) => n + 4 + x.length, 0));
  let at = 0;
  for (const nal of nals) {
    out.set(START_CODE, at);
    out.set(nal, at + 4);
    at += 4 + nal.length;
  }
  return out;
}

/** VPS, SPS and PPS arrays of an hvcC record (ISO/IEC 14496-15 §8.3.3.1), in record order. */
export function hevcParameterSets(hvcC: Uint8Array): Uint8Array[] {
  parseHevcDecoderConfig(hvcC);
  const bad = (): MediaError => new MediaError('INVALID_CODEC_PRIVATE', 'hvcC: NAL unit arrays run past the end');
  const nals: Uint8Array[] = [];
  let p = 22;
  if (p >= hvcC.length) throw bad();
  const arrays = hvcC[p++];
  for (let a = 0; a < arrays; a++) {
    if (p + 3 > hvcC.length) throw bad();
    const count = (hvcC[p + 1] << 8) | hvcC[p + 2];
    p += 3;
    for (let i = 0; i < count; i++) {
      if (p + 2 > hvcC.length) throw bad();
      const n = (hvcC[p] << 8) | hvcC[p + 1];
      p += 2;
      if (p + n > hvcC.length) throw bad();
      nals.push(hvcC.subarray(p, p + n));
      p += n;
    }
  }
  return nals;
}

export function annexBConfig(codec: VideoCodec, codecPrivate: Uint8Array): AnnexBConfig {
  if (codec === 'h264') {
    const cfg = parseAvcDecoderConfig(codecPrivate);
    return { codec, nalLengthSize: cfg.nalLengthSize, parameterSets: startCoded([...cfg.sps, ...cfg.pps]) };
  }
  const cfg = parseHevcDecoderConfig(codecPrivate);
  return { codec, nalLengthSize: cfg.nalLengthSize, parameterSets: startCoded(hevcParameterSets(codecPrivate)) };
}

/** The NAL units of a length-prefixed sample, as views. Throws MALFORMED_MKV when a length runs past the end. */
export function splitNalUnits(sample: Uint8Array, nalLengthSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < sample.length) {
    if (p + nalLengthSize > sample.length) throw new MediaError('MALFORMED_MKV', 'A NAL unit length prefix runs past the end of the frame');
    let n = 0;
    for (let i = 0; i < nalLengthSize; i++) n = n * 256 + sample[p + i];
    p += nalLengthSize;
    if (p + n > sample.length) throw new MediaError('MALFORMED_MKV', `A NAL unit of ${n} octets runs past the end of the frame`);
    if (n > 0) out.push(sample.subarray(p, p + n));
    p += n;
  }
  return out;
}

/**
 * One access unit as Annex B parts (views of the sample, no copy of slice data): AUD, [parameter sets when
 * `keyframe`], then each NAL unit after a start code. AUDs already in the sample are dropped (one per unit).
 */
export function annexBAccessUnit(cfg: AnnexBConfig, sample: Uint8Array, keyframe: boolean): Uint8Array[] {
  const parts: Uint8Array[] = [cfg.codec === 'h264' ? H264_AUD : H265_AUD];
  if (keyframe) parts.push(cfg.parameterSets);
  for (const nal of splitNalUnits(sample, cfg.nalLengthSize)) {
    const type = cfg.codec === 'h264' ? nal[0] & 0x1f : (nal[0] >> 1) & 0x3f;
    if (type === (cfg.codec === 'h264' ? H264_NAL_AUD : H265_NAL_AUD)) continue;
    parts.push(START_CODE, nal);
  }
  return parts;
}
