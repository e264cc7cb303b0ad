/**
 * A Matroska track as an MP4 track: the sample entry's codec, its codec configuration (avcC / hvcC /
 * AudioSpecificConfig, CodecPrivate as stored) and what the HLS master playlist advertises (codec string,
 * resolution, frame rate). Errors mirror KVS's: no CodecPrivate → MISSING_CODEC_PRIVATE
 * (MissingCodecPrivateDataException), unparsable → INVALID_CODEC_PRIVATE (InvalidCodecPrivateDataException),
 * anything but H.264/H.265/AAC → UNSUPPORTED_CODEC (UnsupportedStreamMediaTypeException).
 */
import { avcCodecString, parseAvcDecoderConfig } from '../h264/avc-decoder-config';
import { hevcCodecString, parseHevcDecoderConfig } from '../h264/hevc-decoder-config';
import { parseH264Sps } from '../h264/sps-parser';
import type { MkvTrack } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { parseAudioSpecificConfig } from './audio-specific-config';

export interface Mp4Track {
  /** MP4 track_ID = Matroska TrackNumber. */
  id: number;
  kind: 'video' | 'audio';
  codec: 'avc1' | 'hvc1' | 'mp4a';
  /** RFC 6381 string for HLS CODECS: avc1.640028, hvc1.1.6.L93.B0, mp4a.40.2. */
  codecString: string;
  /** 90000 for video, the sample rate for audio. */
  timescale: number;
  /** avcC / hvcC / AudioSpecificConfig: Matroska CodecPrivate as stored. */
  codecPrivate: Uint8Array;
  width?: number;
  height?: number;
  frameRate?: number;
  sampleRate?: number;
  channels?: number;
  /** Sample duration in timescale units when it is fixed by the codec (1024 for AAC): sizes a lone last sample. */
  samplesPerFrame?: number;
}

export const VIDEO_TIMESCALE = 90000;
const AAC_FRAME_SAMPLES = 1024;

const AVC_CODEC_ID = 'V_MPEG4/ISO/AVC';
const HEVC_CODEC_ID = 'V_MPEGH/ISO/HEVC';
/** A_AAC plus the legacy A_AAC/MPEG4/LC… ids (which then need a CodecPrivate like A_AAC). */
const isAac = (codecId: string): boolean => codecId === 'A_AAC' || codecId.startsWith('A_AAC/');

function requirePrivate(track: MkvTrack): Uint8Array {
  if (track.codecPrivate === undefined || track.codecPrivate.length === 0) {
    throw new MediaError('MISSING_CODEC_PRIVATE', `Track ${track.number} (${track.codecId}) has no CodecPrivate`);
  }
  return track.codecPrivate;
}

function frameRateOf(track: MkvTrack): number | undefined {
  return track.defaultDurationNs !== undefined && track.defaultDurationNs > 0 ? 1e9 / track.defaultDurationNs : undefined;
}

export function mp4TrackFromMatroska(track: MkvTrack): Mp4Track {
  if (track.type === 'video' && track.codecId === AVC_CODEC_ID) {
    const codecPrivate = requirePrivate(track);
    const cfg = parseAvcDecoderConfig(codecPrivate);
    const sps = parseH264Sps(cfg.sps[0]);
    const out: Mp4Track = { id: track.number, kind: 'video', codec: 'avc1', codecString: avcCodecString(cfg), timescale: VIDEO_TIMESCALE, codecPrivate, width: sps.width, height: sps.height };
    const frameRate = sps.frameRate ?? frameRateOf(track);
    if (frameRate !== undefined) out.frameRate = frameRate;
    return out;
  }
  if (track.type === 'video' && track.codecId === HEVC_CODEC_ID) {
    const codecPrivate = requirePrivate(track);
    const cfg = parseHevcDecoderConfig(codecPrivate);
    if (track.width === undefined || track.height === undefined) throw new MediaError('INVALID_CODEC_PRIVATE', `H.265 track ${track.number} without PixelWidth/PixelHeight`);
    const out: Mp4Track = { id: track.number, kind: 'video', codec: 'hvc1', codecString: hevcCodecString(cfg), timescale: VIDEO_TIMESCALE, codecPrivate, width: track.width, height: track.height };
    const frameRate = frameRateOf(track);
    if (frameRate !== undefined) out.frameRate = frameRate;
    return out;
  }
  if (track.type === 'audio' && isAac(track.codecId)) {
    const codecPrivate = requirePrivate(track);
    const asc = parseAudioSpecificConfig(codecPrivate);
    // The ASC's (core) rate: AAC frames are 1024 samples of it, also for HE-AAC with implicit SBR.
    const sampleRate = asc.sampleRate;
    const channels = track.channels ?? (asc.channelConfiguration > 0 ? asc.channelConfiguration : 2);
    return { id: track.number, kind: 'audio', codec: 'mp4a', codecString: `mp4a.40.${asc.audioObjectType}`, timescale: sampleRate, codecPrivate, sampleRate, channels, samplesPerFrame: AAC_FRAME_SAMPLES };
  }
  throw new MediaError('UNSUPPORTED_CODEC', `Track ${track.number}: ${track.type} ${track.codecId || '(no CodecID)'} cannot be carried in MP4 (H.264, H.265 and AAC can)`);
}
