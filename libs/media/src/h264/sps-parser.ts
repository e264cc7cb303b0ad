/**
 * H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI §E.1.1): what a player needs to know before it sees
 * a frame — profile/level, the displayed size after frame cropping, and the frame rate when the VUI carries timing
 * info. Everything after timing_info in the VUI (HRD, bitstream restriction) is not read.
 */
import { MediaError } from '../media-error';
import { nalToRbsp, RbspBitReader } from './rbsp-bit-reader';

export interface H264Sps {
  profileIdc: number;
  /** constraint_set0..5 flags + reserved bits, the byte between profile_idc and level_idc. */
  constraintFlags: number;
  levelIdc: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormatIdc: number;
  bitDepthLuma: number;
  /** Displayed size: coded macroblocks minus frame cropping. */
  width: number;
  height: number;
  /** Progressive frames only (frame_mbs_only_flag). */
  frameMbsOnly: boolean;
  /** time_scale / (2 × num_units_in_tick) from the VUI timing info, when present (a field-based tick, §E.2.1). */
  frameRate?: number;
  /** Sample aspect ratio, when the VUI gives one. */
  sarWidth?: number;
  sarHeight?: number;
}

/** Profiles with chroma_format_idc and friends in the SPS (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: aspect_ratio_idc 1..16. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [0, 0], [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11], [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];
const EXTENDED_SAR = 255;

/** Parses an SPS NAL unit (with its one-byte NAL header, as avcC carries it). Throws MediaError INVALID_CODEC_PRIVATE. */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  if (nal.length < 4 || (nal[0] & 0x1f) !== 7) throw new MediaError('INVALID_CODEC_PRIVATE', 'Not an H.264 SPS NAL unit (nal_unit_type 7)');
  const r = new RbspBitReader(nalToRbsp(nal.subarray(1)), 'H.264 SPS');
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc > 3) throw new MediaError('INVALID_CODEC_PRIVATE', `H.264 SPS chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = r.ue() + 8;
    r.ue(); // bit_depth_chroma_minus8
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: skip each present scaling_list (§7.3.2.1.1.1)
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.skip(1);
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) throw new MediaError('INVALID_CODEC_PRIVATE', `H.264 SPS pic_order_cnt_type ${pocType}`);
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.flag()) {
    cropLeft = r.ue();
    cropRight = r.ue();
    cropTop = r.ue();
    cropBottom = r.ue();
  }
  // §7.4.2.1.1: crop units are chroma samples (ChromaArrayType 0 when monochrome or colour planes coded apart).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const fieldFactor = frameMbsOnly ? 1 : 2;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * fieldFactor;
  const width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = fieldFactor * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new MediaError('INVALID_CODEC_PRIVATE', `H.264 SPS cropping leaves ${width}x${height}`);
  const sps: H264Sps = { profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepthLuma, width, height, frameMbsOnly };
  if (r.bitsLeft > 0 && r.flag()) readVuiTiming(r, sps);
  return sps;
}

function skipScalingList(r: RbspBitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** VUI up to the timing info (§E.1.1); a truncated VUI only loses what it did not carry. */
function readVuiTiming(r: RbspBitReader, sps: H264Sps): void {
  if (r.flag()) {
    const idc = r.bits(8);
    if (idc === EXTENDED_SAR) {
      sps.sarWidth = r.bits(16);
      sps.sarHeight = r.bits(16);
    } else if (idc > 0 && idc < SAR_TABLE.length) {
      [sps.sarWidth, sps.sarHeight] = SAR_TABLE[idc];
    }
  }
  if (r.flag()) r.skip(1); // overscan
  if (r.flag()) {
    r.skip(4); // video_format, video_full_range_flag
    if (r.flag()) r.skip(24); // colour description
  }
  if (r.flag()) {
    r.ue();
    r.ue();
  }
  if (r.flag()) {
    const unitsInTick = r.bits(32);
    const timeScale = r.bits(32);
    if (unitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / (2 * unitsInTick);
  }
}
