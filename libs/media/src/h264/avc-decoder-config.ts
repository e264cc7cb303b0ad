/**
 * AVCDecoderConfigurationRecord (`avcC`, ISO/IEC 14496-15 §5.3.3.1) — Matroska's CodecPrivate for
 * V_MPEG4/ISO/AVC and the body of the MP4 `avcC` box — and the RFC 6381 codec string derived from it.
 */
import { MediaError } from '../media-error';

export interface AvcDecoderConfig {
  profileIdc: number;
  /** The constraint-flags byte (profile_compatibility). */
  profileCompatibility: number;
  levelIdc: number;
  /** Octets of each NAL unit's length prefix in samples: 1, 2 or 4. */
  nalLengthSize: number;
  /** SPS NAL units, views into the record. */
  sps: Uint8Array[];
  /** PPS NAL units, views into the record. */
  pps: Uint8Array[];
}

const invalid = (why: string): MediaError => new MediaError('INVALID_CODEC_PRIVATE', `avcC: ${why}`);

/** Parses an avcC record (the optional high-profile tail is ignored). Throws MediaError INVALID_CODEC_PRIVATE. */
export function parseAvcDecoderConfig(avcC: Uint8Array): AvcDecoderConfig {
  if (avcC.length < 7) throw invalid(`${avcC.length} octets, at least 7 needed`);
  if (avcC[0] !== 1) throw invalid(`configurationVersion ${avcC[0]}, expected 1`);
  const nalLengthSize = (avcC[4] & 0x03) + 1;
  if (nalLengthSize === 3) throw invalid('lengthSizeMinusOne 2 is reserved');
  let p = 5;
  const readSets = (count: number, what: string): Uint8Array[] => {
    const sets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (p + 2 > avcC.length) throw invalid(`${what} ${i} length runs past the end`);
      const n = (avcC[p] << 8) | avcC[p + 1];
      p += 2;
      if (n === 0 || p + n > avcC.length) throw invalid(`${what} ${i} of ${n} octets does not fit`);
      sets.push(avcC.subarray(p, p + n));
      p += n;
    }
    return sets;
  };
  const sps = readSets(avcC[p++] & 0x1f, 'SPS');
  if (p >= avcC.length) throw invalid('no PPS count');
  const pps = readSets(avcC[p++], 'PPS');
  if (sps.length === 0) throw invalid('no SPS');
  return { profileIdc: avcC[1], profileCompatibility: avcC[2], levelIdc: avcC[3], nalLengthSize, sps, pps };
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** RFC 6381 §3.3 `avc1.PPCCLL` (lower-case hex, as KVS writes it: "avc1.640028"). */
export function avcCodecString(cfg: Pick<AvcDecoderConfig, 'profileIdc' | 'profileCompatibility' | 'levelIdc'>): string {
  return `avc1.${hex2(cfg.profileIdc)}${hex2(cfg.profileCompatibility)}${hex2(cfg.levelIdc)}`;
}
