import { MediaError } from '../media-error';
import { Fragmenter, type FragmenterOptions, type MkvFragment } from './fragmenter';
import type { MkvFrame } from './matroska-types';

/** Video at `fps` with a keyframe every `gop` frames, plus optional audio every 20 ms on track 2. */
function stream(seconds: number, fps: number, gop: number, audio = false, jitterMs = 0): MkvFrame[] {
  const frames: MkvFrame[] = [];
  const n = seconds * fps;
  for (let i = 0; i < n; i++) {
    const ts = Math.round((i * 1000) / fps) + (i % gop === 0 && i > 0 ? -jitterMs : 0);
    frames.push({ track: 1, timestampMs: ts, keyframe: i % gop === 0, data: Uint8Array.of(i & 0xff) });
    if (audio) for (let a = ts; a < Math.round(((i + 1) * 1000) / fps); a += 20) frames.push({ track: 2, timestampMs: a + 1, keyframe: true, data: Uint8Array.of(0) });
  }
  return frames;
}

function run(frames: readonly MkvFrame[], options: FragmenterOptions): { fragments: MkvFragment[]; fragmenter: Fragmenter } {
  const fragmenter = new Fragmenter(options);
  const fragments = [...frames.flatMap((f) => fragmenter.push(f)), ...fragmenter.flush()];
  return { fragments, fragmenter };
}

const shape = (fs: readonly MkvFragment[]): [number, number, number][] => fs.map((f) => [f.timestampMs, f.durationMs, f.frames.length]);

describe('Fragmenter', () => {
  it('cuts at every keyframe once the minimum duration is reached; each fragment opens on a video keyframe', () => {
    const { fragments } = run(stream(4, 25, 25), { minDurationMs: 1000 });
    expect(shape(fragments)).toEqual([[0, 1000, 25], [1000, 1000, 25], [2000, 1000, 25], [3000, 1000, 25]]);
    for (const f of fragments) expect(f.frames[0]).toMatchObject({ track: 1, keyframe: true });
  });

  it('keyframes before the minimum stay inside the fragment', () => {
    expect(shape(run(stream(6, 25, 25), { minDurationMs: 2000 }).fragments)).toEqual([[0, 2000, 50], [2000, 2000, 50], [4000, 2000, 50]]);
  });

  it('tolerates keyframe jitter below the minimum (default 50 ms), not more', () => {
    expect(shape(run(stream(3, 25, 25, false, 2), { minDurationMs: 1000 }).fragments).map((s) => s[0])).toEqual([0, 998, 1998]);
    expect(shape(run(stream(3, 25, 25, false, 2), { minDurationMs: 1000, keyframeToleranceMs: 0 }).fragments).map((s) => s[0])).toEqual([0, 1998]);
  });

  it('audio frames join the open fragment; frames before the first video keyframe are dropped and counted', () => {
    const frames = [{ track: 2, timestampMs: -5, keyframe: true, data: Uint8Array.of(0) }, ...stream(2, 25, 25, true)];
    const { fragments, fragmenter } = run(frames, {});
    expect(fragments).toHaveLength(2);
    expect(fragments[0].frames.filter((f) => f.track === 2).length).toBe(50);
    expect(fragmenter.stats).toMatchObject({ fragments: 2, droppedFrames: 1 });
  });

  it('a GOP longer than maxDurationMs: closed at the limit, frames dropped until the next keyframe (or kept)', () => {
    const frames = stream(14, 10, 120); // keyframes at 0 s and 12 s
    const dropped = run(frames, { maxDurationMs: 10_000 });
    expect(shape(dropped.fragments)).toEqual([[0, 10_000, 100], [12_000, 2000, 20]]);
    expect(dropped.fragmenter.stats).toMatchObject({ overlongFragments: 1, droppedFrames: 20 });
    expect(shape(run(frames, { maxDurationMs: 10_000, onOverlong: 'keep' }).fragments)).toEqual([[0, 12_000, 120], [12_000, 2000, 20]]);
  });

  it('originMs turns source-relative timestamps into absolute producer timestamps', () => {
    const origin = 1_700_000_000_000;
    const { fragments } = run(stream(2, 25, 25), { originMs: origin });
    expect(fragments.map((f) => f.timestampMs)).toEqual([origin, origin + 1000]);
    expect(fragments[1].frames[1].timestampMs).toBe(origin + 1040);
  });

  it('flush() closes the last fragment with one frame interval added', () => {
    const f = new Fragmenter();
    stream(1, 25, 25).forEach((fr) => expect(f.push(fr)).toEqual([]));
    expect(shape(f.flush())).toEqual([[0, 1000, 25]]);
    expect(f.flush()).toEqual([]);
  });

  it.each([{ minDurationMs: 5000, maxDurationMs: 1000 }, { maxDurationMs: 0 }, { videoTrack: 0 }, { keyframeToleranceMs: -1 }])('rejects options %j', (o) => {
    expect(() => new Fragmenter(o)).toThrow(MediaError);
  });

  it('pushFrame: every kept frame is reported once, after the fragments it closes; each fragment is the frames streamed into it', () => {
    const fragmenter = new Fragmenter({ minDurationMs: 500, maxDurationMs: 1000, originMs: 1_000_000 });
    // A first frame that is not a keyframe (dropped), 2 s of a 0.5-s GOP with audio, then an overlong GOP.
    const frames = [{ track: 1, timestampMs: 0, keyframe: false, data: Uint8Array.of(9) }, ...stream(2, 25, 12, true).map((f) => ({ ...f, timestampMs: f.timestampMs + 1 }))];
    for (let i = 0; i < 40; i++) frames.push({ track: 1, timestampMs: 2100 + i * 40, keyframe: i === 0, data: Uint8Array.of(i) });
    const rebuilt: MkvFrame[][] = [];
    const closed: MkvFragment[] = [];
    let dropped = 0;
    for (const input of frames) {
      const step = fragmenter.pushFrame(input);
      closed.push(...step.closed);
      if (!step.frame) {
        dropped++;
        continue;
      }
      expect(step.frame.timestampMs).toBe(input.timestampMs + 1_000_000);
      if (step.opened) {
        expect(step.frame).toMatchObject({ track: 1, keyframe: true });
        rebuilt.push([]);
      }
      rebuilt[rebuilt.length - 1].push(step.frame);
    }
    closed.push(...fragmenter.flush());
    expect(closed.map((f) => f.frames)).toEqual(rebuilt);
    expect(dropped).toBe(fragmenter.stats.droppedFrames);
    expect(fragmenter.stats.overlongFragments).toBe(1);
  });
});
