// Property-based tests of codec configuration from CodecPrivate (issue 12, "Fuzzing"): mp4TrackFromMatroska over
// avcC / hvcC / AudioSpecificConfig whole, mutated and random (mp4-track.arbitraries.ts, shared with the soak bench).
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { avcRoundTripFuzzTarget, mp4TrackFuzzTarget } from './mp4-track.arbitraries';

describe('mp4TrackFromMatroska properties', () => {
  it('gives an MP4 track with a positive size or rate, or a MediaError, for any CodecPrivate', async () => {
    await checkFuzzTarget(mp4TrackFuzzTarget, { numRuns: 1000 });
  });

  it('reads an SPS at the size it describes', async () => {
    await checkFuzzTarget(avcRoundTripFuzzTarget, { numRuns: 300 });
  });
});
