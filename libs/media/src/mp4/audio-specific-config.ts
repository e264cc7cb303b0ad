/**
 * MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) — Matroska's CodecPrivate for A_AAC and the
 * DecoderSpecificInfo inside an MP4 `esds`. Only the head is read: object type, sampling rate, channels.
 */
import { MediaError } from '../media-error';

export interface AudioSpecificConfig {
  /** audioObjectType: 2 AAC-LC, 5 SBR (HE-AAC), 29 PS (HE-AACv2), … — the `40.N` of mp4a.40.N. */
  audioObjectType: number;
  sampleRate: number;
  /** channelConfiguration (0 = defined in the PCE, not read here). */
  channelConfiguration: number;
}

/** Table 1.18, samplingFrequencyIndex 0..12. */
const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const ESCAPE_OBJECT_TYPE = 31;
const EXPLICIT_RATE = 15;

export function parseAudioSpecificConfig(asc: Uint8Array): AudioSpecificConfig {
  let pos = 0;
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, pos++) {
      if (pos >= asc.length * 8) throw new MediaError('INVALID_CODEC_PRIVATE', 'AudioSpecificConfig ends early');
      v = v * 2 + ((asc[pos >> 3] >> (7 - (pos & 7))) & 1);
    }
    return v;
  };
  let audioObjectType = bits(5);
  if (audioObjectType === ESCAPE_OBJECT_TYPE) audioObjectType = 32 + bits(6);
  if (audioObjectType === 0) throw new MediaError('INVALID_CODEC_PRIVATE', 'AudioSpecificConfig audioObjectType 0');
  const index = bits(4);
  const sampleRate = index === EXPLICIT_RATE ? bits(24) : SAMPLE_RATES[index];
  if (sampleRate === undefined || sampleRate === 0) throw new MediaError('INVALID_CODEC_PRIVATE', `AudioSpecificConfig samplingFrequencyIndex ${index}`);
  const channelConfiguration = bits(4);
  return { audioObjectType, sampleRate, channelConfiguration };
}
