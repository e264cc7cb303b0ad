/**
 * HEVCDecoderConfigurationRecord (`hvcC`, ISO/IEC 14496-15 §8.3.3.1), just enough for the codec string
 * (ISO/IEC 14496-15 Annex E.3, e.g. `hvc1.1.6.L93.B0`) and the NAL length size. The size comes from the
 * Matroska track (PixelWidth/PixelHeight), not from the H.265 SPS.
 */
import { MediaError } from '../media-error';

export interface HevcDecoderConfig {
  generalProfileSpace: number;
  generalTierFlag: boolean;
  generalProfileIdc: number;
  generalProfileCompatibilityFlags: number;
  /** The 6 octets of general_constraint_indicator_flags, a view. */
  generalConstraintIndicator: Uint8Array;
  generalLevelIdc: number;
  nalLengthSize: number;
}

const HVCC_FIXED_LENGTH = 23;

export function parseHevcDecoderConfig(hvcC: Uint8Array): HevcDecoderConfig {
  if (hvcC.length < HVCC_FIXED_LENGTH) throw new MediaError('INVALID_CODEC_PRIVATE', `hvcC: ${hvcC.length} octets, at least ${HVCC_FIXED_LENGTH} needed`);
  if (hvcC[0] !== 1) throw new MediaError('INVALID_CODEC_PRIVATE', `hvcC: configurationVersion ${hvcC[0]}, expected 1`);
  const nalLengthSize = (hvcC[21] & 0x03) + 1;
  if (nalLengthSize === 3) throw new MediaError('INVALID_CODEC_PRIVATE', 'hvcC: lengthSizeMinusOne 2 is reserved');
  return {
    generalProfileSpace: hvcC[1] >> 6,
    generalTierFlag: (hvcC[1] & 0x20) !== 0,
    generalProfileIdc: hvcC[1] & 0x1f,
    generalProfileCompatibilityFlags: ((hvcC[2] << 24) | (hvcC[3] << 16) | (hvcC[4] << 8) | hvcC[5]) >>> 0,
    generalConstraintIndicator: hvcC.subarray(6, 12),
    generalLevelIdc: hvcC[12],
    nalLengthSize,
  };
}

/** `hvc1.<space><profile>.<compat, bit-reversed hex>.<L|H><level>[.<constraint octets, trailing zeros dropped>]`. */
export function hevcCodecString(cfg: HevcDecoderConfig, sampleEntry: 'hvc1' | 'hev1' = 'hvc1'): string {
  const space = ['', 'A', 'B', 'C'][cfg.generalProfileSpace] ?? '';
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (cfg.generalProfileCompatibilityFlags & (1 << i)) reversed |= 1 << (31 - i);
  const parts = [sampleEntry, `${space}${cfg.generalProfileIdc}`, (reversed >>> 0).toString(16).toUpperCase(), `${cfg.generalTierFlag ? 'H' : 'L'}${cfg.generalLevelIdc}`];
  const c = cfg.generalConstraintIndicator;
  let last = c.length - 1;
  while (last >= 0 && c[last] === 0) last--;
  for (let i = 0; i <= last; i++) parts.push(c[i].toString(16).toUpperCase());
  return parts.join('.');
}
