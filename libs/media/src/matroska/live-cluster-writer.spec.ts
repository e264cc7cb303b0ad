import { MediaError } from '../media-error';
import { LiveClusterWriter } from './live-cluster-writer';
import { MatroskaStreamReader } from './matroska-stream-reader';
import type { MkvFrame, MkvStreamHeader } from './matroska-types';
import { writeCluster, writeStreamHeader } from './matroska-writer';

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [
    { number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: Uint8Array.of(1, 2, 3) },
    { number: 2, uid: 2n, type: 'audio', codecId: 'A_AAC', samplingFrequency: 48000, channels: 2 },
  ],
};

function frames(startMs: number): MkvFrame[] {
  const out: MkvFrame[] = [];
  for (let i = 0; i < 12; i++) {
    // Sizes around the 1- and 2-octet size boundaries (126/127 and 16382/16383 payload bytes with the block header).
    const size = [1, 122, 123, 124, 16378, 16379, 16380, 70_000][i % 8];
    out.push({ track: 1, timestampMs: startMs + i * 40, keyframe: i === 0, data: new Uint8Array(size).fill(i) });
    if (i % 3 === 0) out.push({ track: 2, timestampMs: startMs + i * 40 + 5, keyframe: true, data: Uint8Array.of(0xaa, i) });
  }
  return out;
}

function streamed(startMs: number, list: MkvFrame[], scale = 1_000_000): Uint8Array {
  const w = new LiveClusterWriter(startMs, scale);
  return Buffer.concat([w.start(), ...list.map((f) => w.block(f))]);
}

describe('LiveClusterWriter', () => {
  it('start + blocks are byte for byte writeCluster with the unknown size', () => {
    for (const startMs of [0, 1_733_500_000_123]) {
      const list = frames(startMs);
      expect(Buffer.from(streamed(startMs, list))).toEqual(Buffer.from(writeCluster({ timestampMs: startMs, frames: list }, 1_000_000, { unknownSize: true })));
    }
  });

  it('the reader ends each streamed Cluster where the next one starts, and at the end of the body', () => {
    const a = frames(1_733_500_000_000);
    const b = frames(1_733_500_000_500);
    const reader = new MatroskaStreamReader();
    const bytes = Buffer.concat([writeStreamHeader(HEADER), streamed(a[0].timestampMs, a), streamed(b[0].timestampMs, b)]);
    const events = [];
    // Fed in small pieces, as a socket delivers it.
    for (let i = 0; i < bytes.length; i += 997) events.push(...reader.push(bytes.subarray(i, i + 997)));
    const beforeEnd = events.filter((e) => e.type === 'cluster');
    expect(beforeEnd).toHaveLength(1);
    events.push(...reader.end());
    const clusters = events.flatMap((e) => (e.type === 'cluster' ? [e.cluster] : []));
    expect(clusters.map((c) => [c.timecode, c.unknownSize, c.frames.length])).toEqual([
      [a[0].timestampMs, true, a.length],
      [b[0].timestampMs, true, b.length],
    ]);
    expect(clusters[1].frames.map((f) => [f.track, f.timestampMs, f.keyframe, f.data.length])).toEqual(b.map((f) => [f.track, f.timestampMs, f.keyframe, f.data.length]));
  });

  it('reports the timecode in TimecodeScale ticks and refuses what a Cluster cannot hold', () => {
    expect(new LiveClusterWriter(1500, 500_000).timecode).toBe(3000);
    expect(() => new LiveClusterWriter(-1, 1_000_000)).toThrow(MediaError);
    const w = new LiveClusterWriter(0, 1_000_000);
    expect(() => w.block({ track: 1, timestampMs: 40_000, keyframe: false, data: Uint8Array.of(1) })).toThrow(/int16/);
  });
});
