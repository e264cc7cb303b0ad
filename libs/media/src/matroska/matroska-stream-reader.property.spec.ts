// Property-based tests of MatroskaStreamReader (issue 12, "Fuzzing"): the inputs are those of the soak bench
// (matroska-stream-reader.arbitraries.ts), counts bounded to keep the file near a second.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { matroskaRoundTripFuzzTarget, matroskaStreamReaderFuzzTarget } from './matroska-stream-reader.arbitraries';

describe('MatroskaStreamReader properties', () => {
  it('gives events or a MediaError for any bytes (mutated streams, EBML trees, noise), the same in any chunking', async () => {
    await checkFuzzTarget(matroskaStreamReaderFuzzTarget, { numRuns: 300 });
  });

  it('reads back the tracks and frames matroska-writer wrote (known and unknown cluster sizes, several segments)', async () => {
    await checkFuzzTarget(matroskaRoundTripFuzzTarget, { numRuns: 150 });
  });
});
