/**
 * ADTS headers (ISO/IEC 13818-7 §6.2 / ISO/IEC 14496-3 §1.A.2.2) for raw AAC frames, from the track's
 * AudioSpecificConfig: MPEG-TS carries AAC as ADTS (stream_type 0x0F), MP4 and Matroska carry it raw.
 *
 * 7-octet header, no CRC: syncword 0xFFF, ID 0 (MPEG-4), layer 0, protection_absent 1, profile = object type − 1,
 * sampling_frequency_index, channel_configuration, frame_length (header included), buffer fullness 0x7FF
 * (variable rate), one raw data block. HE-AAC (SBR/PS, object types 5 and 29) is signalled implicitly as AAC-LC
 * at the core rate, as ADTS cannot name those object types.
 */
import { MediaError } from '../media-error';
import { parseAudioSpecificConfig } from '../mp4/audio-specific-config';

export const ADTS_HEADER_LENGTH = 7;
const MAX_FRAME_LENGTH = 0x1fff;
const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const AAC_LC = 2;
const IMPLICIT_LC = new Set([5, 29]);

export interface AdtsConfig {
  /** ADTS profile field (2 bits): audio object type − 1. */
  profile: number;
  samplingFrequencyIndex: number;
  channelConfiguration: number;
}

export function adtsConfig(asc: Uint8Array): AdtsConfig {
  const parsed = parseAudioSpecificConfig(asc);
  const objectType = IMPLICIT_LC.has(parsed.audioObjectType) ? AAC_LC : parsed.audioObjectType;
  if (objectType < 1 || objectType > 4) {
    throw new MediaError('UNSUPPORTED_CODEC', `AAC object type ${parsed.audioObjectType} cannot be carried in ADTS`);
  }
  const samplingFrequencyIndex = SAMPLE_RATES.indexOf(parsed.sampleRate);
  if (samplingFrequencyIndex < 0) throw new MediaError('UNSUPPORTED_CODEC', `AAC sample rate ${parsed.sampleRate} Hz has no ADTS sampling_frequency_index`);
  // 0 means "in a program_config_element": players then guess stereo, the usual meaning in practice.
  return { profile: objectType - 1, samplingFrequencyIndex, channelConfiguration: parsed.channelConfiguration || 2 };
}

/** The header for one raw AAC frame of `payloadLength` octets. */
export function adtsHeader(cfg: AdtsConfig, payloadLength: number): Uint8Array {
  const frameLength = payloadLength + ADTS_HEADER_LENGTH;
  if (frameLength > MAX_FRAME_LENGTH) throw new MediaError('INVALID_ARGUMENT', `An AAC frame of ${payloadLength} octets does not fit ADTS`);
  const h = new Uint8Array(ADTS_HEADER_LENGTH);
  h[0] = 0xff;
  h[1] = 0xf1; // syncword low bits, ID 0, layer 00, protection_absent 1
  h[2] = (cfg.profile << 6) | (cfg.samplingFrequencyIndex << 2) | (cfg.channelConfiguration >> 2);
  h[3] = ((cfg.channelConfiguration & 3) << 6) | (frameLength >> 11);
  h[4] = (frameLength >> 3) & 0xff;
  h[5] = ((frameLength & 7) << 5) | 0x1f; // + buffer fullness 0x7FF high bits
  h[6] = 0xfc; // buffer fullness low bits, number_of_raw_data_blocks_in_frame 0
  return h;
}
