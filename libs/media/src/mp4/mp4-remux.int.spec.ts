/**
 * Acceptance by ffmpeg: KVS-style stored fragments (ffmpeg's own H.264/H.265 + AAC in Matroska) remuxed to
 * fragmented MP4 (init + media segments, as HLS serves them) and to a clip MP4 — ffprobe must see the codecs,
 * sizes, frame counts and timestamps of the Matroska input, and `ffmpeg -xerror` must decode every frame.
 */
import { decodeWithFfmpeg, makeTempDir, makeTestPattern, probePacketTimes, probeStreams, writeBytes, type TempDir } from '../testing/media-fixtures';
import { storedFragments, type StoredFragments } from '../testing/stored-fragments';
import { remuxFragment, writeInitSegment } from './fmp4-writer';
import { writeMp4Clip } from './mp4-clip-writer';
import { mp4TrackFromMatroska } from './mp4-track';

function writeFragmented(file: string, src: StoredFragments, trackNumbers: number[]): void {
  const tracks = trackNumbers.map((n) => mp4TrackFromMatroska(src.header.tracks[n - 1]));
  const parts: Uint8Array[] = [writeInitSegment(tracks)];
  let seq = 1;
  src.parsed.forEach((p, k) => {
    const next = src.parsed[k + 1]?.cluster.timestampMs;
    for (const n of trackNumbers) parts.push(...remuxFragment(p, n, seq++, next === undefined ? undefined : { nextTimestampMs: next }));
  });
  writeBytes(file, ...parts);
}

/** The Matroska PTS (ms) of one track, over the fragments (the fragmenter may drop frames before the first keyframe). */
const mkvPts = (src: StoredFragments, track: number): number[] => src.parsed.flatMap((p) => p.cluster.frames.filter((f) => f.track === track).map((f) => Math.round(f.timestampMs)));
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

describe('MP4 remux accepted by ffprobe/ffmpeg', () => {
  let tmp: TempDir;
  let bf: StoredFragments; // H.264 640x360 with B-frames + AAC
  let plain: StoredFragments; // H.264 without B-frames (the KVS producer recipe)
  beforeAll(() => {
    tmp = makeTempDir();
    bf = storedFragments(makeTestPattern(tmp.path('bf.mkv'), { seconds: 6, size: '640x360', bFrames: 2, audio: true, live: true }));
    plain = storedFragments(makeTestPattern(tmp.path('plain.mkv'), { seconds: 4, size: '320x180', noBFrames: true, live: true }));
  });
  afterAll(() => tmp.cleanup());

  it('H.264 without B-frames: init + segments → same codec, size, frame count and exactly the Matroska PTS', () => {
    const file = tmp.path('plain-f.mp4');
    writeFragmented(file, plain, [1]);
    const { streams } = probeStreams(file);
    expect(streams).toEqual([expect.objectContaining({ codecName: 'h264', codecTag: 'avc1', width: 320, height: 180, avgFrameRate: '25/1' })]);
    const packets = probePacketTimes(file, 'v:0');
    expect(packets.map((p) => p.ptsMs)).toEqual(mkvPts(plain, 1));
    expect(packets.map((p) => p.dtsMs)).toEqual(mkvPts(plain, 1));
    expect(packets.map((p) => p.keyframe)).toEqual(plain.parsed.flatMap((p) => p.cluster.frames.map((f) => f.keyframe)));
    expect(decodeWithFfmpeg(file)).toEqual({ errors: '', videoFrames: plain.frames.length });
  });

  it('H.264 with B-frames: decode order kept, DTS increasing, PTS those of Matroska (up to ffmpeg’s constant fMP4 dts_shift)', () => {
    const file = tmp.path('bf-video.mp4');
    writeFragmented(file, bf, [1]);
    expect(probeStreams(file).streams[0]).toMatchObject({ codecName: 'h264', width: 640, height: 360, profile: 'Main' });
    const packets = probePacketTimes(file, 'v:0');
    const expected = mkvPts(bf, 1);
    expect(packets).toHaveLength(expected.length);
    // ffmpeg's mov demuxer adds the largest negative CTS offset seen (dts_shift) to every fragmented PTS
    const shift = packets[0].ptsMs - expected[0];
    expect(shift).toBeGreaterThan(0);
    expect(shift).toBeLessThanOrEqual(120);
    expect(packets.map((p) => p.ptsMs - shift)).toEqual(expected);
    for (let i = 1; i < packets.length; i++) expect(packets[i].dtsMs).toBeGreaterThan(packets[i - 1].dtsMs);
    expect(packets.map((p) => p.dtsMs)).toEqual(sorted(expected)); // DTS = the PTS values, sorted, in decode order
    expect(decodeWithFfmpeg(file)).toEqual({ errors: '', videoFrames: expected.length });
  });

  it('AAC track alone (TrackNumber=2) and both tracks in one init: valid mp4a/esds, every packet at its Matroska time', () => {
    const audioFile = tmp.path('bf-audio.mp4');
    writeFragmented(audioFile, bf, [2]);
    const { streams } = probeStreams(audioFile);
    expect(streams).toEqual([expect.objectContaining({ codecName: 'aac', codecTag: 'mp4a', profile: 'LC', sampleRate: 48000, channels: 1 })]);
    expect(probePacketTimes(audioFile, 'a:0').map((p) => p.ptsMs)).toEqual(mkvPts(bf, 2));
    expect(decodeWithFfmpeg(audioFile).errors).toBe('');

    const both = tmp.path('bf-both.mp4');
    writeFragmented(both, bf, [1, 2]);
    expect(probeStreams(both).streams.map((s) => s.codecName)).toEqual(['h264', 'aac']);
    expect(probePacketTimes(both, 'a:0')).toHaveLength(mkvPts(bf, 2).length);
    expect(decodeWithFfmpeg(both)).toEqual({ errors: '', videoFrames: mkvPts(bf, 1).length });
  });

  it('clip MP4: moov first, both tracks, exact PTS, duration ≈ the fragments’ total, decodes cleanly', () => {
    const file = tmp.path('clip.mp4');
    const tracks = bf.header.tracks.map(mp4TrackFromMatroska);
    writeBytes(file, ...writeMp4Clip(tracks, bf.parsed));
    const probe = probeStreams(file);
    expect(probe.formatName).toContain('mp4');
    expect(probe.streams.map((s) => [s.codecName, s.width, s.height, s.sampleRate])).toEqual([
      ['h264', 640, 360, undefined],
      ['aac', undefined, undefined, 48000],
    ]);
    const start = Math.min(...mkvPts(bf, 1), ...mkvPts(bf, 2));
    expect(probePacketTimes(file, 'v:0').map((p) => p.ptsMs)).toEqual(mkvPts(bf, 1).map((t) => t - start));
    expect(probePacketTimes(file, 'a:0').map((p) => p.ptsMs)).toEqual(mkvPts(bf, 2).map((t) => t - start));
    const first = bf.parsed[0].cluster.timestampMs;
    const lastFrames = bf.parsed[bf.parsed.length - 1].cluster.frames.filter((f) => f.track === 1);
    const totalMs = Math.max(...lastFrames.map((f) => f.timestampMs)) + 40 - first; // last frame lasts 1/25 s
    expect(Math.abs(probe.durationSec * 1000 - totalMs)).toBeLessThanOrEqual(45);
    expect(decodeWithFfmpeg(file)).toEqual({ errors: '', videoFrames: mkvPts(bf, 1).length });
  });

  it('H.265 (libx265): hvc1 init + segments and a clip decode cleanly with every frame', () => {
    const hevc = storedFragments(makeTestPattern(tmp.path('hevc.mkv'), { seconds: 3, size: '320x180', videoCodec: 'libx265', live: true }));
    const fragmented = tmp.path('hevc-f.mp4');
    writeFragmented(fragmented, hevc, [1]);
    const clip = tmp.path('hevc-clip.mp4');
    writeBytes(clip, ...writeMp4Clip([mp4TrackFromMatroska(hevc.header.tracks[0])], hevc.parsed));
    for (const file of [fragmented, clip]) {
      expect(probeStreams(file).streams[0]).toMatchObject({ codecName: 'hevc', codecTag: 'hvc1', width: 320, height: 180 });
      expect(decodeWithFfmpeg(file)).toEqual({ errors: '', videoFrames: mkvPts(hevc, 1).length });
    }
    expect(probePacketTimes(clip, 'v:0').map((p) => p.ptsMs)).toEqual(mkvPts(hevc, 1).map((t) => t - Math.min(...mkvPts(hevc, 1))));
  });
});
