// Property-based tests of parseHlsProxyRequest (issue 12, "Fuzzing"): inputs shared with the soak bench
// (hls-proxy-request.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { hlsProxyRequestFuzzTarget, hlsProxyRoundTripFuzzTarget } from './hls-proxy-request.arbitraries';

describe('parseHlsProxyRequest properties', () => {
  it('answers any target with a resource or a 400/404 refusal, and accepts only canonical targets', async () => {
    await checkFuzzTarget(hlsProxyRequestFuzzTarget, { numRuns: 1000 });
  });

  it('parses back every target the gateway writes', async () => {
    await checkFuzzTarget(hlsProxyRoundTripFuzzTarget, { numRuns: 500 });
  });
});
