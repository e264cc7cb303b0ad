/**
 * The probe's parsers read ffprobe's output, whose values come from the camera's stream (codec names, sizes, rates,
 * timestamps): over arbitrary input they either give well-formed values or, for the stream list, a typed
 * FFMPEG_FAILED (the probe's failure, retried by the pipeline) — never a TypeError, NaN or a negative count that
 * the copy decision would then trust.
 */
import fc from 'fast-check';
import { VideoProducerError } from '../video-producer-error';
import { PacketSummary, parsePacketLine, parseStreams, type ProbedStream } from './source-probe';

const wellFormed = (s: ProbedStream | undefined): void => {
  if (!s) return;
  expect(typeof s.codec).toBe('string');
  for (const k of ['index', 'hasBFrames', 'width', 'height', 'sampleRate', 'channels'] as const) {
    const v = s[k];
    if (v !== undefined) expect(Number.isInteger(v) && v >= 0).toBe(true);
  }
  if (s.fps !== undefined) expect(Number.isFinite(s.fps) && s.fps > 0).toBe(true);
};

/** A stream entry as ffprobe writes one, with any member replaced by any JSON value. */
const streamArb = fc.record(
  {
    index: fc.oneof(fc.nat(8), fc.jsonValue()),
    codec_type: fc.oneof(fc.constantFrom('video', 'audio', 'data'), fc.jsonValue()),
    codec_name: fc.oneof(fc.constantFrom('h264', 'hevc', 'aac', 'mjpeg'), fc.jsonValue()),
    profile: fc.oneof(fc.constantFrom('High', 'Main', 'LC'), fc.jsonValue()),
    width: fc.oneof(fc.nat(8192), fc.double(), fc.jsonValue()),
    height: fc.oneof(fc.nat(8192), fc.double(), fc.jsonValue()),
    avg_frame_rate: fc.oneof(fc.constantFrom('25/1', '0/0', '30000/1001', '1/0', '-5/1'), fc.string(), fc.jsonValue()),
    r_frame_rate: fc.oneof(fc.constantFrom('25/1', '0/0'), fc.string()),
    has_b_frames: fc.oneof(fc.nat(4), fc.integer({ min: -3, max: -1 }), fc.jsonValue()),
    sample_rate: fc.oneof(fc.constantFrom('48000', 'NaN', '-1', '4.5'), fc.jsonValue()),
    channels: fc.oneof(fc.nat(8), fc.double(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

const parseOrTypedError = (json: string): void => {
  let out: ReturnType<typeof parseStreams> | undefined;
  try {
    out = parseStreams(json);
  } catch (err) {
    expect(err).toBeInstanceOf(VideoProducerError);
    expect((err as VideoProducerError).code).toBe('FFMPEG_FAILED');
    return;
  }
  wellFormed(out.video);
  wellFormed(out.audio);
  if (out.video) expect(out.video.type).toBe('video');
  if (out.audio) expect(out.audio.type).toBe('audio');
};

describe('source probe parsers over arbitrary input', () => {
  it('parseStreams: any stream list gives well-formed streams', () => {
    fc.assert(fc.property(fc.array(fc.oneof(streamArb, fc.jsonValue()), { maxLength: 5 }), (streams) => parseOrTypedError(JSON.stringify({ streams }))), { numRuns: 500 });
  });

  it('parseStreams: any JSON value or any text is parsed or refused as FFMPEG_FAILED, never a TypeError', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.string(), fc.string({ unit: 'binary' })), parseOrTypedError), { numRuns: 500 });
  });

  it('parsePacketLine: any line is a packet with finite times or nothing; the lines ffprobe prints read back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (line) => {
        const p = parsePacketLine(line);
        if (!p) return;
        expect(typeof p.keyframe).toBe('boolean');
        for (const t of [p.ptsMs, p.dtsMs]) if (t !== undefined) expect(Number.isFinite(t)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    const us = fc.integer({ min: 0, max: 86_400_000_000 });
    fc.assert(
      fc.property(fc.option(us), fc.option(us), fc.boolean(), (pts, dts, key) => {
        const time = (v: number | null): string => (v === null ? 'N/A' : (v / 1e6).toFixed(6));
        const p = parsePacketLine(`pts_time=${time(pts)}|dts_time=${time(dts)}|flags=${key ? 'K' : '_'}__`);
        expect(p).toEqual({ ptsMs: pts === null ? undefined : pts / 1000, dtsMs: dts === null ? undefined : dts / 1000, keyframe: key });
      }),
      { numRuns: 500 },
    );
  });

  it('PacketSummary: any packet sequence gives non-negative figures, the packets counted', () => {
    const time = fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: undefined });
    const packet = fc.record({ ptsMs: time, dtsMs: time, keyframe: fc.boolean() });
    fc.assert(
      fc.property(fc.nat(20_000), fc.array(packet, { maxLength: 60 }), (maxMs, packets) => {
        const summary = new PacketSummary(maxMs);
        for (const p of packets) summary.add(p);
        const r = summary.result();
        expect(r.packets).toBe(packets.length);
        expect(r.keyframes).toBe(packets.filter((p) => p.keyframe && (p.ptsMs ?? p.dtsMs) !== undefined).length);
        expect(r.sinceLastKeyframeMs).toBeGreaterThanOrEqual(0);
        if (r.keyframeIntervalMs !== undefined) expect(r.keyframeIntervalMs).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
