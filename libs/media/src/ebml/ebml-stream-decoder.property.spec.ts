// Property-based tests of EbmlStreamDecoder (issue 12, "Fuzzing"): the inputs are those of the soak bench
// (ebml-stream-decoder.arbitraries.ts); the counts here are bounded so the file runs in about a second.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { ebmlRoundTripFuzzTarget, ebmlStreamDecoderFuzzTarget } from './ebml-stream-decoder.arbitraries';

describe('EbmlStreamDecoder properties', () => {
  it('gives events or a MediaError for any bytes, the same in any chunking, and never loops', async () => {
    await checkFuzzTarget(ebmlStreamDecoderFuzzTarget, { numRuns: 400 });
  });

  it('reads back the element tree ebml-writer wrote (known and unknown sizes, long size fields)', async () => {
    await checkFuzzTarget(ebmlRoundTripFuzzTarget, { numRuns: 200 });
  });
});
