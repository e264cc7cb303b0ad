// Property-based tests of the telemetry envelope at its trust boundary (issue 12, "Fuzzing"): inputs shared with
// the soak bench (telemetry-codec.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { telemetryCodecFuzzTarget, telemetryRoundTripFuzzTarget } from './telemetry-codec.arbitraries';

describe('telemetry envelope properties', () => {
  it('decodeTelemetry never throws: any bytes give a value or worded issues, and accepted values re-encode stably', async () => {
    await checkFuzzTarget(telemetryCodecFuzzTarget, { numRuns: 500 });
  });

  it('valid envelopes parse, and encode → decode gives the parsed value back', async () => {
    await checkFuzzTarget(telemetryRoundTripFuzzTarget, { numRuns: 300 });
  });
});
