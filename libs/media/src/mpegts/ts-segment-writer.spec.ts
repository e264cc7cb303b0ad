import { spawnSync } from 'node:child_process';
import { parseAvcDecoderConfig } from '../h264/avc-decoder-config';
import { FFMPEG, makeTempDir, makeTestPattern, probePacketTimes, probeStreams, writeBytes, type TempDir } from '../testing/media-fixtures';
import { storedFragments, type StoredFragments } from '../testing/stored-fragments';
import { tsPackets, tsPesPackets, type Pes } from '../testing/ts-packets';
import { ADTS_HEADER_LENGTH, adtsConfig, adtsHeader } from './adts';
import { annexBAccessUnit, annexBConfig, hevcParameterSets, splitNalUnits } from './annexb';
import { crc32Mpeg2, patSection, pesHeader, pmtSection, TsPacketWriter, wrap33, writeTimestamp } from './ts-packet-writer';
import { AUDIO_PID, PCR_DELAY, VIDEO_PID, writeTsSegment } from './ts-segment-writer';
import { readTimestamp } from '../testing/ts-packets';

const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);
const startCodeSplit = (b: Uint8Array): number[][] => {
  // NAL unit types of an Annex B stream (4-octet start codes, as the writer uses).
  const types: number[][] = [];
  for (let i = 0; i + 4 < b.length; i++) if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 0 && b[i + 3] === 1) types.push([i + 4, b[i + 4]]);
  return types;
};

describe('MPEG-TS packets', () => {
  it('CRC-32/MPEG-2 of "123456789" is 0x0376E6E7 (the catalogue check value)', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });

  it('PAT and PMT sections: ids, section_length, program 1 → PMT PID 0x1000, streams, a CRC that checks out', () => {
    const pat = patSection();
    expect(Array.from(pat.subarray(0, 12))).toEqual([0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xf0, 0x00]);
    expect(crc32Mpeg2(pat)).toBe(0); // the CRC makes the whole section's CRC zero
    const pmt = pmtSection(0x100, [{ streamType: 0x1b, pid: 0x100 }, { streamType: 0x0f, pid: 0x101 }]);
    expect(((pmt[1] & 0x0f) << 8) | pmt[2]).toBe(pmt.length - 3);
    expect(Array.from(pmt.subarray(8, 22))).toEqual([0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x00, 0x0f, 0xe1, 0x01, 0xf0, 0x00]);
    expect(crc32Mpeg2(pmt)).toBe(0);
  });

  it('PTS/DTS fields: prefix, 33 bits with marker bits, wrap at 2^33', () => {
    const b = new Uint8Array(5);
    writeTimestamp(b, 0, 0x2, 2 ** 33 - 1);
    expect(Array.from(b)).toEqual([0x2f, 0xff, 0xff, 0xff, 0xff]);
    writeTimestamp(b, 0, 0x3, 0);
    expect(Array.from(b)).toEqual([0x31, 0x00, 0x01, 0x00, 0x01]);
    writeTimestamp(b, 0, 0x1, 123_456_789_012);
    expect(readTimestamp(b, 0)).toBe(123_456_789_012 % 2 ** 33);
    expect(wrap33(-1)).toBe(2 ** 33 - 1);
  });

  it('PES header: PES_packet_length counts from after itself; PTS only when DTS equals it; 0 when over 16 bits', () => {
    const audio = pesHeader(0xc0, 100, 9000);
    expect(Array.from(audio.subarray(0, 9))).toEqual([0, 0, 1, 0xc0, 0, 3 + 5 + 100, 0x84, 0x80, 5]);
    const video = pesHeader(0xe0, 1000, 9000, 6000);
    expect(video.length).toBe(19);
    expect([video[7], video[8], readTimestamp(video, 9), readTimestamp(video, 14)]).toEqual([0xc0, 10, 9000, 6000]);
    expect([video[9] >> 4, video[14] >> 4]).toEqual([3, 1]);
    expect(pesHeader(0xe0, 1000, 9000, 9000)[7]).toBe(0x80);
    expect(Array.from(pesHeader(0xe0, 70_000, 0).subarray(4, 6))).toEqual([0, 0]);
  });

  it('cuts a PES into 188-octet packets: PUSI on the first, CC per PID, stuffing in the adaptation field of the last', () => {
    const w = new TsPacketWriter(188);
    const payload = new Uint8Array(400).map((_, i) => i & 0xff);
    for (let i = 0; i < 20; i++) w.writePes(0x100, pesHeader(0xe0, payload.length, i * 3600), [payload.subarray(0, 150), payload.subarray(150)], { pcr: i * 3600, randomAccess: i === 0 });
    w.writePes(0x101, pesHeader(0xc0, 183 - 14, 0), [new Uint8Array(183 - 14)]); // one octet short of a full packet
    const ts = w.finish();
    expect(ts.length % 188).toBe(0);
    const packets = tsPackets(ts);
    const video = packets.filter((p) => p.pid === 0x100);
    expect(video.map((p) => p.cc)).toEqual(video.map((_, i) => i & 15));
    const pes = tsPesPackets(ts);
    expect(pes.filter((p) => p.pid === 0x100).map((p) => p.pcr)).toEqual(Array.from({ length: 20 }, (_, i) => i * 3600));
    expect(pes[0].randomAccess).toBe(true);
    expect(pes[1].randomAccess).toBe(false);
    for (const p of pes.filter((x) => x.pid === 0x100)) expect(Buffer.from(p.data)).toEqual(Buffer.from(payload));
    // One octet of stuffing: an adaptation field of length 0.
    const short = packets.filter((p) => p.pid === 0x101);
    expect(short).toHaveLength(1);
    expect(short[0].adaptationLength).toBe(0);
    expect(pes[pes.length - 1].actualLength).toBe(pes[pes.length - 1].packetLength);
  });
});

describe('ADTS', () => {
  it('writes the header bits from an AudioSpecificConfig (AAC-LC 48 kHz stereo)', () => {
    const cfg = adtsConfig(Uint8Array.of(0x11, 0x90)); // object type 2, index 3, channels 2
    expect(cfg).toEqual({ profile: 1, samplingFrequencyIndex: 3, channelConfiguration: 2 });
    const h = adtsHeader(cfg, 300);
    const bits = Array.from(h, (b) => b.toString(2).padStart(8, '0')).join('');
    const field = (from: number, n: number): number => parseInt(bits.slice(from, from + n), 2);
    expect(field(0, 12)).toBe(0xfff); // syncword
    expect(field(12, 1)).toBe(0); // ID: MPEG-4
    expect(field(13, 2)).toBe(0); // layer
    expect(field(15, 1)).toBe(1); // protection_absent
    expect(field(16, 2)).toBe(1); // profile: LC
    expect(field(18, 4)).toBe(3); // 48000
    expect(field(23, 3)).toBe(2); // channels
    expect(field(30, 13)).toBe(300 + ADTS_HEADER_LENGTH); // frame_length
    expect(field(43, 11)).toBe(0x7ff); // buffer fullness
    expect(field(54, 2)).toBe(0); // one raw data block
  });

  it('signals HE-AAC as LC at the core rate; refuses rates ADTS cannot name', () => {
    expect(adtsConfig(Uint8Array.of(0x2b, 0x92, 0x08, 0x00))).toMatchObject({ profile: 1, samplingFrequencyIndex: 7 }); // SBR, 22.05 kHz core
    expect(() => adtsConfig(Uint8Array.of(0x17, 0x80, 0x00, 0x3e, 0x80))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_CODEC' })); // explicit 1000 Hz
  });
});

describe('MPEG-TS segments from stored fragments', () => {
  let tmp: TempDir;
  let av: StoredFragments; // H.264 with B-frames + AAC
  let hevc: StoredFragments;
  beforeAll(() => {
    tmp = makeTempDir('ts-writer-');
    av = storedFragments(makeTestPattern(tmp.path('av.mkv'), { seconds: 3, bFrames: 2, audio: true, live: true }));
    hevc = storedFragments(makeTestPattern(tmp.path('hevc.mkv'), { seconds: 2, videoCodec: 'libx265', noBFrames: true, live: true }));
  });
  afterAll(() => tmp.cleanup());

  const segments = (s: StoredFragments, audio: boolean): Uint8Array[] => s.parsed.map((p) => writeTsSegment(p, audio ? { audioTrack: 2 } : {}));

  it('opens with PAT and PMT, then video on 0x100 (stream 0xE0) and AAC on 0x101 (0xC0), CC continuous per PID', () => {
    const ts = segments(av, true)[1];
    const packets = tsPackets(ts);
    expect(packets.slice(0, 2).map((p) => [p.pid, p.unitStart])).toEqual([[0, true], [0x1000, true]]);
    for (const pid of [VIDEO_PID, AUDIO_PID]) {
      const cc = packets.filter((p) => p.pid === pid).map((p) => p.cc);
      expect(cc.length).toBeGreaterThan(16);
      expect(cc).toEqual(cc.map((_, i) => i & 15));
    }
    const pes = tsPesPackets(ts);
    expect(new Set(pes.map((p) => `${p.pid}:${p.streamId}`))).toEqual(new Set([`${VIDEO_PID}:224`, `${AUDIO_PID}:192`]));
  });

  it('ends every PID’s continuity counter back at 0, so segments join without a CC break (PSI repeated 16 times)', () => {
    const all = segments(av, true);
    for (const ts of all) {
      const packets = tsPackets(ts);
      for (const pid of [0, 0x1000, VIDEO_PID, AUDIO_PID]) {
        const cc = packets.filter((p) => p.pid === pid && p.hasPayload).map((p) => p.cc);
        expect([pid, cc.length % 16, cc[cc.length - 1]]).toEqual([pid, 0, 15]);
      }
    }
    // The payload is unchanged by the spreading: every PES still carries its frame whole.
    const audio = tsPesPackets(all[1]).filter((p) => p.pid === AUDIO_PID);
    const frames = av.parsed[1].cluster.frames.filter((f) => f.track === 2);
    expect(Buffer.from(audio[audio.length - 1].data.subarray(7))).toEqual(Buffer.from(frames[frames.length - 1].data));
    const file = tmp.path('cc.ts');
    writeBytes(file, ...all);
    const { stderr } = spawnSync(FFMPEG, ['-v', 'debug', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
    expect(stderr).toContain('mpegts');
    expect(stderr).not.toMatch(/Continuity check failed/);
  });

  it('PTS are the frames’ timestamps at 90 kHz; DTS increase and never pass the PTS (B-frames); PCR leads the DTS', () => {
    const parsed = av.parsed[1];
    const pes = tsPesPackets(writeTsSegment(parsed, { audioTrack: 2 }));
    const video = pes.filter((p) => p.pid === VIDEO_PID);
    const frames = parsed.cluster.frames.filter((f) => f.track === 1);
    expect(video.map((p) => p.pts)).toEqual(frames.map((f) => wrap33(f.timestampMs * 90)));
    expect(video.some((p) => p.dts !== undefined)).toBe(true); // B-frames reorder
    const dts = video.map((p) => p.dts ?? p.pts ?? NaN);
    for (let i = 0; i < video.length; i++) {
      expect(dts[i]).toBeLessThanOrEqual(video[i].pts ?? NaN);
      if (i > 0) expect(dts[i]).toBeGreaterThan(dts[i - 1]);
      expect(video[i].pcr).toBe(wrap33(dts[i] - PCR_DELAY));
    }
    expect(video.map((p) => p.randomAccess)).toEqual(frames.map((f) => f.keyframe));
    // offsetMs moves every timestamp (a producer timeline for RELATIVE timecodes), past 2^33 ticks too.
    const offsetMs = 1_800_000_000_000;
    const moved = tsPesPackets(writeTsSegment(parsed, { audioTrack: 2, offsetMs })).filter((p) => p.pid === VIDEO_PID);
    expect(moved.map((p) => p.pts)).toEqual(frames.map((f) => wrap33((f.timestampMs + offsetMs) * 90)));
    const audio = pes.filter((p) => p.pid === AUDIO_PID);
    expect(audio.map((p) => p.pts)).toEqual(parsed.cluster.frames.filter((f) => f.track === 2).map((f) => Math.round(f.timestampMs * 90)));
    // Decode order across PIDs: interleaved by decode time.
    const order = pes.map((p) => p.dts ?? p.pts ?? NaN);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('PES lengths: audio exact, each AAC frame behind a 7-octet ADTS header whose frame_length matches', () => {
    const parsed = av.parsed[0];
    const audio = tsPesPackets(writeTsSegment(parsed, { audioTrack: 2 })).filter((p: Pes) => p.pid === AUDIO_PID);
    const frames = parsed.cluster.frames.filter((f) => f.track === 2);
    expect(audio).toHaveLength(frames.length);
    audio.forEach((p, i) => {
      expect(p.packetLength).toBe(p.actualLength);
      expect(((p.data[3] & 3) << 11) | (p.data[4] << 3) | (p.data[5] >> 5)).toBe(frames[i].data.length + 7);
      expect(Buffer.from(p.data.subarray(7))).toEqual(Buffer.from(frames[i].data));
    });
  });

  it('H.264 access units: AUD first, SPS and PPS from the avcC before each keyframe, slices unchanged', () => {
    const parsed = av.parsed[0];
    const avcC = av.header.tracks[0].codecPrivate ?? new Uint8Array(0);
    const cfg = parseAvcDecoderConfig(avcC);
    const video = tsPesPackets(writeTsSegment(parsed)).filter((p) => p.pid === VIDEO_PID);
    const frames = parsed.cluster.frames.filter((f) => f.track === 1);
    video.forEach((p, i) => {
      const types = startCodeSplit(p.data).map(([, h]) => h & 0x1f);
      expect(types[0]).toBe(9);
      if (frames[i].keyframe) expect(types.slice(1, 3)).toEqual([7, 8]);
      else expect(types).not.toContain(7);
      expect(types.filter((t) => t === 9)).toHaveLength(1);
    });
    expect(Buffer.from(video[0].data).includes(Buffer.from(cfg.sps[0]))).toBe(true);
    const au = concat(annexBAccessUnit(annexBConfig('h264', avcC), frames[1].data, false));
    const nals = splitNalUnits(frames[1].data, cfg.nalLengthSize).filter((n) => (n[0] & 0x1f) !== 9);
    expect(au.length).toBe(6 + nals.reduce((n, x) => n + 4 + x.length, 0));
  });

  it('H.265: VPS, SPS and PPS from the hvcC before each keyframe, AUD type 35; ffprobe reads hevc', () => {
    const hvcC = hevc.header.tracks[0].codecPrivate ?? new Uint8Array(0);
    // x265 also stores a prefix SEI (39) in the record; it goes along.
    expect(hevcParameterSets(hvcC).map((n) => (n[0] >> 1) & 0x3f).slice(0, 3)).toEqual([32, 33, 34]);
    const segs = segments(hevc, false);
    const first = tsPesPackets(segs[0]).filter((p) => p.pid === VIDEO_PID)[0];
    expect(startCodeSplit(first.data).map(([, h]) => (h >> 1) & 0x3f).slice(0, 4)).toEqual([35, 32, 33, 34]);
    const file = tmp.path('hevc.ts');
    writeBytes(file, ...segs);
    expect(probeStreams(file).streams.map((s) => [s.codecName, s.width, s.height])).toEqual([['hevc', 320, 240]]);
    expect(probePacketTimes(file, 'v:0')).toHaveLength(50);
  });

  it('consecutive segments read back by ffprobe: h264 + aac, every frame, timestamps continuous', () => {
    const file = tmp.path('av.ts');
    writeBytes(file, ...segments(av, true));
    const probed = probeStreams(file);
    expect(probed.formatName).toBe('mpegts');
    expect(probed.streams.map((s) => s.codecName).sort()).toEqual(['aac', 'h264']);
    const packets = probePacketTimes(file, 'v:0');
    expect(packets).toHaveLength(75);
    const dts = packets.map((p) => p.dtsMs);
    for (let i = 1; i < dts.length; i++) expect(dts[i] - dts[i - 1]).toBe(40);
    const audio = probePacketTimes(file, 'a:0');
    expect(audio.length).toBe(av.frames.filter((f) => f.track === 2).length);
  });
});
