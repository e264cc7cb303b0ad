import type { MkvTrack } from '../matroska/matroska-types';
import { MediaError } from '../media-error';
import { makeTempDir, makeTestPattern, type TempDir } from '../testing/media-fixtures';
import { storedFragments } from '../testing/stored-fragments';
import { parseAudioSpecificConfig } from './audio-specific-config';
import { mp4TrackFromMatroska } from './mp4-track';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return err instanceof MediaError ? err.code : 'not a MediaError';
  }
  return undefined;
};

describe('AudioSpecificConfig', () => {
  it.each([
    [[0x11, 0x90], { audioObjectType: 2, sampleRate: 48000, channelConfiguration: 2 }],
    [[0x12, 0x08], { audioObjectType: 2, sampleRate: 44100, channelConfiguration: 1 }],
    [[0x2b, 0x92, 0x08, 0x00], { audioObjectType: 5, sampleRate: 22050, channelConfiguration: 2 }],
    // escape object type 31 → 32 + 6 bits (here 42 = USAC), explicit 24-bit rate 12345
    [[0xf9, 0x5e, 0x00, 0x60, 0x72, 0x40], { audioObjectType: 42, sampleRate: 12345, channelConfiguration: 2 }],
  ])('%j', (bytes, expected) => {
    expect(parseAudioSpecificConfig(Uint8Array.from(bytes))).toEqual(expected);
  });

  it('refuses short or reserved configs', () => {
    expect(codeOf(() => parseAudioSpecificConfig(Uint8Array.of(0x11)))).toBe('INVALID_CODEC_PRIVATE');
    expect(codeOf(() => parseAudioSpecificConfig(Uint8Array.of(0x16, 0x90)))).toBe('INVALID_CODEC_PRIVATE'); // index 13
    expect(codeOf(() => parseAudioSpecificConfig(Uint8Array.of(0x01, 0x90)))).toBe('INVALID_CODEC_PRIVATE'); // AOT 0
  });
});

describe('mp4TrackFromMatroska', () => {
  let tmp: TempDir;
  let video: MkvTrack;
  let audio: MkvTrack;
  beforeAll(() => {
    tmp = makeTempDir();
    const { header } = storedFragments(makeTestPattern(tmp.path('av.mkv'), { seconds: 1, size: '320x180', audio: true, live: true }));
    [video, audio] = header.tracks;
  });
  afterAll(() => tmp.cleanup());

  it('H.264: codec string, cropped size and frame rate from the SPS; 90 kHz', () => {
    expect(mp4TrackFromMatroska(video)).toEqual({ id: 1, kind: 'video', codec: 'avc1', codecString: 'avc1.42c00c', timescale: 90000, codecPrivate: video.codecPrivate, width: 320, height: 180, frameRate: 25 });
  });

  it('AAC: mp4a.40.2, timescale = sample rate, channels', () => {
    expect(mp4TrackFromMatroska(audio)).toEqual({ id: 2, kind: 'audio', codec: 'mp4a', codecString: 'mp4a.40.2', timescale: 48000, codecPrivate: audio.codecPrivate, sampleRate: 48000, channels: 1, samplesPerFrame: 1024 });
  });

  it('maps KVS media errors: missing, invalid, unsupported', () => {
    const { codecPrivate: _unused, ...noPrivate } = video;
    expect(codeOf(() => mp4TrackFromMatroska(noPrivate))).toBe('MISSING_CODEC_PRIVATE');
    expect(codeOf(() => mp4TrackFromMatroska({ ...audio, codecPrivate: new Uint8Array(0) }))).toBe('MISSING_CODEC_PRIVATE');
    expect(codeOf(() => mp4TrackFromMatroska({ ...video, codecPrivate: Uint8Array.of(1, 2, 3) }))).toBe('INVALID_CODEC_PRIVATE');
    expect(codeOf(() => mp4TrackFromMatroska({ ...video, codecId: 'V_VP8' }))).toBe('UNSUPPORTED_CODEC');
    expect(codeOf(() => mp4TrackFromMatroska({ ...audio, codecId: 'A_OPUS' }))).toBe('UNSUPPORTED_CODEC');
    expect(codeOf(() => mp4TrackFromMatroska({ ...video, type: 'other', typeCode: 0x11 }))).toBe('UNSUPPORTED_CODEC');
    const hevc = { ...video, codecId: 'V_MPEGH/ISO/HEVC', codecPrivate: Uint8Array.of(1, 2, 3) };
    expect(codeOf(() => mp4TrackFromMatroska(hevc))).toBe('INVALID_CODEC_PRIVATE');
  });

  it('H.265 (libx265): hvc1 with the Matroska size', () => {
    const { header } = storedFragments(makeTestPattern(tmp.path('hevc.mkv'), { seconds: 0.5, size: '320x180', videoCodec: 'libx265', live: true }));
    expect(mp4TrackFromMatroska(header.tracks[0])).toMatchObject({ codec: 'hvc1', codecString: expect.stringMatching(/^hvc1\.1\.6\.L\d+/), width: 320, height: 180, frameRate: 25 });
  });
});
