import { MediaError } from '../media-error';
import { MatroskaStreamReader } from '../matroska/matroska-stream-reader';
import type { MkvTrack } from '../matroska/matroska-types';
import { makeTempDir, makeTestPattern, probeStreams, type TempDir, type TestPatternOptions } from '../testing/media-fixtures';
import { avcCodecString, parseAvcDecoderConfig } from './avc-decoder-config';
import { hevcCodecString, parseHevcDecoderConfig } from './hevc-decoder-config';
import { nalToRbsp, RbspBitReader } from './rbsp-bit-reader';
import { parseH264Sps } from './sps-parser';

const PROFILE_IDC: Record<string, number> = { 'Constrained Baseline': 66, Baseline: 66, Main: 77, High: 100, 'High 10': 110, 'High 4:2:2': 122, 'High 4:4:4 Predictive': 244 };

function videoTrack(bytes: Uint8Array): MkvTrack {
  const r = new MatroskaStreamReader();
  const ev = [...r.push(bytes), ...r.end()].find((e) => e.type === 'header');
  const track = ev?.type === 'header' ? ev.header.tracks.find((t) => t.type === 'video') : undefined;
  if (track === undefined) throw new Error('no video track');
  return track;
}

describe('RBSP bit reader', () => {
  it('reads Exp-Golomb codes (H.264 §9.1 table 9-2)', () => {
    // 1 | 010 | 011 | 00100 | 00101 | 0001000 → ue 0,1,2,3,4,7; then se: 010 → 1, 011 → -1, 00100 → 2
    const bits = '1' + '010' + '011' + '00100' + '00101' + '0001000' + '010' + '011' + '00100';
    const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
    const bytes = Uint8Array.from(padded.match(/.{8}/g) ?? [], (b) => parseInt(b, 2));
    const r = new RbspBitReader(bytes);
    expect([r.ue(), r.ue(), r.ue(), r.ue(), r.ue(), r.ue()]).toEqual([0, 1, 2, 3, 4, 7]);
    expect([r.se(), r.se(), r.se()]).toEqual([1, -1, 2]);
  });

  it('drops emulation-prevention bytes and copies only when there are some', () => {
    const plain = Uint8Array.of(0x67, 0x00, 0x01, 0x00);
    expect(nalToRbsp(plain)).toBe(plain);
    expect(Array.from(nalToRbsp(Uint8Array.of(0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03)))).toEqual([0, 0, 1, 0, 0, 0, 3]);
  });

  it('throws INVALID_CODEC_PRIVATE past the end', () => {
    const r = new RbspBitReader(Uint8Array.of(0x00));
    expect(() => r.ue()).toThrow(MediaError);
    expect(() => new RbspBitReader(Uint8Array.of(0xff)).bits(9)).toThrow(expect.objectContaining({ code: 'INVALID_CODEC_PRIVATE' }));
  });
});

describe('H.264 SPS and avcC from libx264 (checked against ffprobe)', () => {
  let tmp: TempDir;
  beforeAll(() => (tmp = makeTempDir()));
  afterAll(() => tmp.cleanup());

  const cases: [string, TestPatternOptions, number][] = [
    ['1920x1080 High (coded 1088, cropped)', { size: '1920x1080', videoArgs: ['-profile:v', 'high', '-level', '4.0'] }, 25],
    ['320x180 Main (coded 192, cropped)', { size: '320x180', bFrames: 2, videoArgs: ['-profile:v', 'main'] }, 25],
    ['640x360 Constrained Baseline', { size: '640x360', fps: 30 }, 30],
    ['1280x720 High, no cropping', { size: '1280x720', videoArgs: ['-profile:v', 'high'] }, 25],
    ['318x178 High 4:4:4 (odd crop in luma units)', { size: '318x178', pixFmt: 'yuv444p' }, 25],
    ['320x180 High 4:2:2 (vertical crop unit 1)', { size: '320x180', pixFmt: 'yuv422p' }, 25],
    ['352x288 High 10 at 24000/1001', { size: '352x288', pixFmt: 'yuv420p10le', fps: 24000 / 1001 }, 24000 / 1001],
  ];

  it.each(cases)('%s', (name, o, fps) => {
    const file = tmp.path(`${name.replace(/\W+/g, '_')}.mkv`);
    const track = videoTrack(makeTestPattern(file, { seconds: 0.2, ...o }));
    const probe = probeStreams(file).streams[0];
    if (track.codecPrivate === undefined || probe.profile === undefined) throw new Error('fixture without avcC/profile');
    const cfg = parseAvcDecoderConfig(track.codecPrivate);
    const sps = parseH264Sps(cfg.sps[0]);
    expect({ width: sps.width, height: sps.height }).toEqual({ width: probe.width, height: probe.height });
    expect(sps.profileIdc).toBe(PROFILE_IDC[probe.profile]);
    expect(sps.levelIdc).toBe(probe.level);
    expect(cfg).toMatchObject({ profileIdc: sps.profileIdc, levelIdc: sps.levelIdc, profileCompatibility: sps.constraintFlags, nalLengthSize: 4 });
    expect(cfg.pps).toHaveLength(1);
    expect(sps.frameRate).toBeCloseTo(fps, 3);
    const hex = Array.from(track.codecPrivate.subarray(1, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(avcCodecString(cfg)).toBe(`avc1.${hex}`);
  });

  it('reads an interlaced SPS (frame_mbs_only_flag 0: heights in field pairs)', () => {
    const file = tmp.path('interlaced.mkv');
    const track = videoTrack(makeTestPattern(file, { seconds: 0.2, size: '320x180', videoArgs: ['-flags', '+ildct+ilme', '-x264-params', 'interlaced=1'] }));
    if (track.codecPrivate === undefined) throw new Error('no avcC');
    const sps = parseH264Sps(parseAvcDecoderConfig(track.codecPrivate).sps[0]);
    expect(sps.frameMbsOnly).toBe(false);
    expect([sps.width, sps.height]).toEqual([320, 180]);
  });

  it('refuses what is not an SPS or avcC with INVALID_CODEC_PRIVATE', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        return err instanceof MediaError ? err.code : 'not a MediaError';
      }
      return undefined;
    };
    expect(code(() => parseH264Sps(Uint8Array.of(0x68, 0xce, 0x38, 0x80)))).toBe('INVALID_CODEC_PRIVATE'); // a PPS
    expect(code(() => parseH264Sps(Uint8Array.of(0x67, 0x64, 0x00, 0x1f)))).toBe('INVALID_CODEC_PRIVATE'); // truncated
    expect(code(() => parseAvcDecoderConfig(Uint8Array.of(1, 0x64, 0, 0x1f)))).toBe('INVALID_CODEC_PRIVATE');
    expect(code(() => parseAvcDecoderConfig(Uint8Array.of(0, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 1, 0x67, 0)))).toBe('INVALID_CODEC_PRIVATE'); // version 0
    expect(code(() => parseAvcDecoderConfig(Uint8Array.of(1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 9, 0x67)))).toBe('INVALID_CODEC_PRIVATE'); // SPS overruns
    expect(code(() => parseAvcDecoderConfig(Uint8Array.of(1, 0x64, 0, 0x1f, 0xff, 0xe0, 0)))).toBe('INVALID_CODEC_PRIVATE'); // no SPS
  });
});

describe('H.265 hvcC codec string (ISO/IEC 14496-15 Annex E)', () => {
  it('matches the spec examples', () => {
    const record = (b1: number, compat: number, constraint: number[], level: number): Uint8Array => {
      const r = new Uint8Array(23);
      r[0] = 1;
      r[1] = b1;
      new DataView(r.buffer).setUint32(2, compat);
      r.set(constraint, 6);
      r[12] = level;
      r[21] = 0x03;
      return r;
    };
    expect(hevcCodecString(parseHevcDecoderConfig(record(0x01, 0x60000000, [0xb0], 93)))).toBe('hvc1.1.6.L93.B0');
    expect(hevcCodecString(parseHevcDecoderConfig(record(0x22, 0x20000000, [0xb0], 120)))).toBe('hvc1.2.4.H120.B0');
    expect(parseHevcDecoderConfig(record(0x01, 0x60000000, [0x90], 60)).nalLengthSize).toBe(4);
    expect(() => parseHevcDecoderConfig(Uint8Array.of(1, 2, 3))).toThrow(expect.objectContaining({ code: 'INVALID_CODEC_PRIVATE' }));
  });

  it('reads libx265 output: profile and level as ffprobe reports them', () => {
    const tmp = makeTempDir();
    try {
      const file = tmp.path('hevc.mkv');
      const track = videoTrack(makeTestPattern(file, { seconds: 0.2, size: '320x180', videoCodec: 'libx265' }));
      const probe = probeStreams(file).streams[0];
      if (track.codecPrivate === undefined) throw new Error('no hvcC');
      const cfg = parseHevcDecoderConfig(track.codecPrivate);
      expect(probe.profile).toBe('Main');
      expect(cfg.generalProfileIdc).toBe(1);
      expect(cfg.generalLevelIdc).toBe(probe.level);
      expect(hevcCodecString(cfg)).toMatch(new RegExp(`^hvc1\\.1\\.6\\.L${probe.level ?? 0}(\\.[0-9A-F]{1,2})*$`));
    } finally {
      tmp.cleanup();
    }
  });
});
