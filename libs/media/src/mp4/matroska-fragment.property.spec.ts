// Property-based tests of parseMatroskaFragment (issue 12, "Fuzzing"): stored header + cluster bytes, whole or
// mutated, parse or fail with a MediaError. Inputs shared with the soak bench (matroska-stream-reader.arbitraries.ts).
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { matroskaFragmentFuzzTarget } from '../matroska/matroska-stream-reader.arbitraries';

describe('parseMatroskaFragment properties', () => {
  it('parses a fragment or throws a MediaError, whatever the header and cluster bytes', async () => {
    await checkFuzzTarget(matroskaFragmentFuzzTarget, { numRuns: 300 });
  });
});
