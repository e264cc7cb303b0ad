/** Which frame of a fragment GetImages shows for a sample time (the frame on screen then). */
import { frameIndexAt } from './get-images';

describe('frameIndexAt', () => {
  const frames = [1000, 1040, 1080, 1120]; // 25 fps: the last frame shows until 1160

  it.each([
    [0, 0],
    [39, 0],
    [40, 1],
    [119.9, 2],
    [120, 3],
    [159, 3],
  ])('offset %d ms → frame %i', (offset, index) => expect(frameIndexAt(frames, offset)).toBe(index));

  it('is undefined before the first frame and after the last one ends', () => {
    expect(frameIndexAt(frames, -1)).toBeUndefined();
    expect(frameIndexAt(frames, 160)).toBeUndefined();
  });

  it('gives a lone frame the maximum frame gap', () => {
    expect(frameIndexAt([5], 999)).toBe(0);
    expect(frameIndexAt([5], 1000)).toBeUndefined();
  });
});
