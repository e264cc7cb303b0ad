import { concatBytes, makeTempDir, makeTestPattern, type TempDir } from '../testing/media-fixtures';
import { findBox, fullBoxHead, parseBoxes, readElst, readRuns, readStsc, readTable, type Box } from '../testing/mp4-boxes';
import { storedFragments, type StoredFragments } from '../testing/stored-fragments';
import { bytesLength } from './box-writer';
import type { ParsedFragment } from './matroska-fragment';
import { writeMp4Clip } from './mp4-clip-writer';
import { mp4TrackFromMatroska, type Mp4Track } from './mp4-track';

const stbl = (trak: Box, name: string): Box => findBox(trak.children, `mdia/minf/stbl/${name}`);

describe('MP4 clip writer (non-fragmented)', () => {
  let tmp: TempDir;
  let src: StoredFragments;
  let tracks: Mp4Track[];
  beforeAll(() => {
    tmp = makeTempDir();
    src = storedFragments(makeTestPattern(tmp.path('bf.mkv'), { seconds: 3, size: '320x180', bFrames: 2, audio: true, live: true }));
    tracks = src.header.tracks.map(mp4TrackFromMatroska);
  });
  afterAll(() => tmp.cleanup());

  it('ftyp, moov before mdat; chunk offsets and sizes address every frame; stsc one chunk per fragment', () => {
    const parts = writeMp4Clip(tracks, src.parsed);
    const file = concatBytes(parts);
    expect(file.length).toBe(bytesLength(parts));
    const boxes = parseBoxes(file);
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat']);
    const traks = boxes[1].children.filter((b) => b.type === 'trak');
    expect(traks).toHaveLength(2);
    traks.forEach((trak, t) => {
      const frames = src.parsed.flatMap((p) => p.cluster.frames.filter((f) => f.track === t + 1));
      const sizes = readTable(stbl(trak, 'stsz'));
      expect(sizes).toEqual(frames.map((f) => f.data.length));
      const offsets = readTable(stbl(trak, 'stco'));
      const perChunk = src.parsed.map((p) => p.cluster.frames.filter((f) => f.track === t + 1).length).filter((n) => n > 0);
      expect(offsets).toHaveLength(perChunk.length);
      const stsc = readStsc(stbl(trak, 'stsc'));
      const expanded = perChunk.map((_, c) => (stsc.filter(([first]) => first <= c + 1).pop() ?? [0, 0, 0])[1]);
      expect(expanded).toEqual(perChunk);
      let i = 0;
      perChunk.forEach((n, c) => {
        let at = offsets[c];
        for (let k = 0; k < n; k++, i++) {
          expect(file.subarray(at, at + sizes[i])).toEqual(frames[i].data);
          at += sizes[i];
        }
      });
    });
  });

  it('video: stss lists keyframes, ctts v1 signed offsets make DTS + offset = PTS; durations in mdhd/tkhd/mvhd', () => {
    const file = concatBytes(writeMp4Clip(tracks, src.parsed));
    const moov = parseBoxes(file)[1];
    const video = moov.children.filter((b) => b.type === 'trak')[0];
    const frames = src.parsed.flatMap((p) => p.cluster.frames.filter((f) => f.track === 1));
    expect(readTable(stbl(video, 'stss'))).toEqual(frames.flatMap((f, i) => (f.keyframe ? [i + 1] : [])));
    expect(fullBoxHead(stbl(video, 'ctts')).version).toBe(1);
    const durations = readRuns(stbl(video, 'stts'));
    const offsets = readRuns(stbl(video, 'ctts'));
    const first = Math.min(...frames.map((f) => f.timestampMs));
    let dts = 0;
    const pts = durations.map((d, i) => {
      const p = dts + offsets[i];
      dts += d;
      return p;
    });
    expect(pts).toEqual(frames.map((f) => Math.round((f.timestampMs - first) * 90)));
    expect(offsets.some((o) => o < 0)).toBe(true);
    const mdhd = fullBoxHead(findBox(video.children, 'mdia/mdhd'));
    expect(mdhd.view.getUint32(16)).toBe(dts);
    // ffmpeg's fixture starts audio at 0 and video at 21 ms: the video track keeps that offset as an empty edit.
    const audioFirst = Math.min(...src.parsed.flatMap((p) => p.cluster.frames.filter((f) => f.track === 2).map((f) => f.timestampMs)));
    const lead = Math.round(first - audioFirst);
    expect(lead).toBeGreaterThan(0);
    expect(readElst(findBox(video.children, 'edts/elst'))).toEqual([{ duration: lead, mediaTime: -1 }, { duration: Math.round(dts / 90), mediaTime: 0 }]);
    expect(Math.abs(fullBoxHead(findBox(video.children, 'tkhd')).view.getUint32(20) - lead - dts / 90)).toBeLessThanOrEqual(1);
    const audio = moov.children.filter((b) => b.type === 'trak')[1];
    expect(() => findBox(audio.children, 'edts')).toThrow(); // the earliest track needs no edit list
    const mvhd = fullBoxHead(findBox(moov.children, 'mvhd'));
    expect(mvhd.view.getUint32(16)).toBe(Math.max(fullBoxHead(findBox(video.children, 'tkhd')).view.getUint32(20), fullBoxHead(findBox(audio.children, 'tkhd')).view.getUint32(20)));
  });

  it('a track starting later gets an empty edit; co64 on request; tracks without frames are left out', () => {
    const lateAudio: ParsedFragment[] = src.parsed.map((p, i) => (i === 0 ? { ...p, cluster: { ...p.cluster, frames: p.cluster.frames.filter((f) => f.track === 1) } } : p));
    const boxes = parseBoxes(concatBytes(writeMp4Clip(tracks, lateAudio, { co64: true })));
    const [video, audio] = boxes[1].children.filter((b) => b.type === 'trak');
    const startMs = Math.min(...src.parsed[1].cluster.frames.filter((f) => f.track === 2).map((f) => f.timestampMs)) - Math.min(...src.parsed[0].cluster.frames.filter((f) => f.track === 1).map((f) => f.timestampMs));
    const elst = readElst(findBox(audio.children, 'edts/elst'));
    expect(elst[0]).toEqual({ duration: Math.round(startMs), mediaTime: -1 });
    expect(elst[1].mediaTime).toBe(0);
    expect(readTable(stbl(video, 'co64'))[0]).toBe(boxes[2].bodyStart);
    const videoOnly = parseBoxes(concatBytes(writeMp4Clip(tracks, src.parsed.map((p) => ({ ...p, cluster: { ...p.cluster, frames: p.cluster.frames.filter((f) => f.track === 1) } })))));
    expect(videoOnly[1].children.filter((b) => b.type === 'trak')).toHaveLength(1);
    expect(() => writeMp4Clip(tracks, [])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
