import type { MkvFrame } from '../matroska/matroska-types';
import { decodeTimestamps, msToTimescale, sampleTable } from './sample-timing';

const frame = (timestampMs: number, keyframe = false): MkvFrame => ({ track: 1, timestampMs, keyframe, data: new Uint8Array(1) });

describe('DTS/CTS from Matroska presentation times', () => {
  it('B-frames (decode order I P B B P B B): DTS = sorted PTS, offsets PTS − DTS, some negative', () => {
    // 25 fps, ms: presentation 0 40 80 120 160 200 240 → decode order I0 P120 B40 B80 P240 B160 B200
    const frames = [0, 120, 40, 80, 240, 160, 200].map((ms, i) => frame(1000 + ms, i === 0));
    const { pts, dts } = decodeTimestamps(frames, 90000);
    expect(Array.from(dts)).toEqual([0, 40, 80, 120, 160, 200, 240].map((ms) => (1000 + ms) * 90));
    const table = sampleTable(pts, dts, 3600, msToTimescale(1280, 90000));
    expect(Array.from(table.durations)).toEqual([3600, 3600, 3600, 3600, 3600, 3600, 3600]);
    expect(Array.from(table.ctsOffsets)).toEqual([0, 80, -40, -40, 80, -40, -40].map((ms) => ms * 90));
    expect(table).toMatchObject({ hasCtsOffsets: true, hasNegativeCtsOffsets: true });
    for (let i = 0; i < frames.length; i++) expect(table.dts[i] + table.ctsOffsets[i]).toBe(pts[i]);
  });

  it('in-order frames: no offsets; the last duration reaches the next fragment, else repeats', () => {
    const { pts, dts } = decodeTimestamps([frame(0, true), frame(33), frame(67)], 90000);
    expect(dts).toBe(pts);
    expect(Array.from(sampleTable(pts, dts, 1, 100 * 90).durations)).toEqual([2970, 3060, 2970]);
    expect(Array.from(sampleTable(pts, dts, 1).durations)).toEqual([2970, 3060, 3060]);
    expect(Array.from(sampleTable(pts, dts, 1, 10).durations)).toEqual([2970, 3060, 3060]); // end before the last DTS: ignored
    expect(sampleTable(pts, dts, 1).hasCtsOffsets).toBe(false);
    expect(Array.from(sampleTable(pts.subarray(0, 1), dts.subarray(0, 1), 1024).durations)).toEqual([1024]);
  });

  it('nudges duplicate timestamps so every duration is positive, and leaves the input alone', () => {
    const { pts, dts } = decodeTimestamps([frame(0, true), frame(0), frame(40)], 1000);
    const table = sampleTable(pts, dts, 40);
    expect(Array.from(table.dts)).toEqual([0, 1, 40]);
    expect(Array.from(table.durations)).toEqual([1, 39, 39]);
    expect(Array.from(table.ctsOffsets)).toEqual([0, -1, 0]);
    expect(Array.from(pts)).toEqual([0, 0, 40]);
  });

  it('converts fractional ms to ticks by rounding', () => {
    expect(msToTimescale(33.3667, 90000)).toBe(3003);
    expect(msToTimescale(1_700_000_000_021, 90000)).toBe(153_000_000_001_890);
  });
});
