// Property-based tests of GetMediaChunkDecoder (issue 12, "Fuzzing"): inputs shared with the soak bench
// (get-media-chunk-decoder.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { getMediaChunkDecoderFuzzTarget, getMediaRoundTripFuzzTarget } from './get-media-chunk-decoder.arbitraries';

describe('GetMediaChunkDecoder properties', () => {
  it('gives fragments or a MediaError for mutated payloads, consistently across chunkings', async () => {
    await checkFuzzTarget(getMediaChunkDecoderFuzzTarget, { numRuns: 250 });
  });

  it('reads back fragments, KVS tags and error chunks as GetMedia writes them', async () => {
    await checkFuzzTarget(getMediaRoundTripFuzzTarget, { numRuns: 150 });
  });
});
