/** GetClip's cut: the first 200 fragments or 100 MB, whichever comes first, never an empty clip. */
import type { FragmentEntry } from '../storage/fragment-log';
import { GET_CLIP_LIMITS, truncateClip } from './get-clip';

const MB = 1024 * 1024;
const entries = (sizes: number[]): FragmentEntry[] =>
  sizes.map((sizeBytes, ordinal) => ({
    ordinal,
    fragmentNumber: BigInt(ordinal),
    fragmentNumberText: String(ordinal),
    serverTimestampMs: ordinal * 1000,
    producerTimestampMs: ordinal * 1000,
    durationMs: 1000,
    sizeBytes,
  }));

describe('truncateClip', () => {
  it.each<[string, number[], number]>([
    ['keeps a short list whole', [1, 2, 3], 3],
    ['stops after 200 fragments', new Array<number>(250).fill(1000), GET_CLIP_LIMITS.maxFragments],
    ['stops before the fragment that would pass 100 MB', [40 * MB, 40 * MB, 20 * MB, 1], 3],
    ['stops at the first fragment over the limit even if a later one would fit', [60 * MB, 50 * MB, 1], 1],
    ['keeps a first fragment however large', [120 * MB, 1], 1],
    ['answers nothing for nothing', [], 0],
  ])('%s', (_what, sizes, kept) => {
    const list = entries(sizes);
    expect(truncateClip(list)).toEqual(list.slice(0, kept));
  });
});
