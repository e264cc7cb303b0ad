import { GET_CLIP_LIMITS, partFileName, planClipParts } from './clip-plan';
import type { FragmentInfo } from './fragment-timeline';

const t0 = Date.parse('2026-12-07T06:00:00Z');
const fragments = (n: number, sizeBytes = 1000, stepMs = 1000): FragmentInfo[] =>
  Array.from({ length: n }, (_, i) => ({ fragmentNumber: String(i), producerMs: t0 + i * stepMs, serverMs: t0 + i * stepMs, durationMs: 1000, sizeBytes }));

describe('planClipParts', () => {
  it('is one part from the first fragment to the last when within the limits', () => {
    expect(planClipParts(fragments(200))).toEqual([{ from: new Date(t0), to: new Date(t0 + 199_000), fragments: 200, bytes: 200_000 }]);
  });

  it('cuts at 200 fragments', () => {
    const parts = planClipParts(fragments(450));
    expect(parts.map((p) => p.fragments)).toEqual([200, 200, 50]);
    expect(parts[1]).toMatchObject({ from: new Date(t0 + 200_000), to: new Date(t0 + 399_000) });
  });

  it('cuts before the fragment that would pass 100 MB', () => {
    const mb = 1024 * 1024;
    const parts = planClipParts(fragments(5, 30 * mb));
    expect(parts.map((p) => p.fragments)).toEqual([3, 2]);
    expect(parts[0].bytes).toBeLessThanOrEqual(GET_CLIP_LIMITS.maxBytes);
  });

  it('cuts a range longer than 24 h', () => {
    const parts = planClipParts(fragments(3, 10, 13 * 3_600_000));
    expect(parts.map((p) => p.fragments)).toEqual([2, 1]);
  });

  it('is nothing for no fragments', () => {
    expect(planClipParts([])).toEqual([]);
  });

  it('takes other limits', () => {
    expect(planClipParts(fragments(5), { maxFragments: 2, maxBytes: Infinity, maxRangeMs: Infinity }).map((p) => p.fragments)).toEqual([2, 2, 1]);
  });
});

describe('partFileName', () => {
  it.each([
    ['clip.mp4', 2, 'clip-2.mp4'],
    ['out/door.cam.mp4', 1, 'out/door.cam-1.mp4'],
    ['clip', 3, 'clip-3'],
    ['./dir.d/clip', 1, './dir.d/clip-1'],
    ['.hidden', 1, '.hidden-1'],
  ])('%s part %d is %s', (file, i, name) => expect(partFileName(file, i)).toBe(name));
});
