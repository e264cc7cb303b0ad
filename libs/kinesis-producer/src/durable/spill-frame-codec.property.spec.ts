// Property-based tests of the durable buffer's frame codec (issue 12, "Fuzzing"): inputs shared with the soak bench
// (spill-frame-codec.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { spillRoundTripFuzzTarget, spillSegmentFuzzTarget } from './spill-frame-codec.arbitraries';

describe('durable buffer frame codec properties', () => {
  it('decodeSpillSegment keeps whole frames from the start and never throws, for torn, damaged or random bytes', async () => {
    await checkFuzzTarget(spillSegmentFuzzTarget, { numRuns: 1000 });
  });

  it('records → segment → records, and a segment missing its last byte keeps every earlier record', async () => {
    await checkFuzzTarget(spillRoundTripFuzzTarget, { numRuns: 500 });
  });
});
