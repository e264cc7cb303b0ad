// Property-based tests of the KPL aggregation codec (issue 12, "Fuzzing"): inputs shared with the soak bench
// (aggregation-codec.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { kplDeaggregateFuzzTarget, kplRoundTripFuzzTarget } from './aggregation-codec.arbitraries';

describe('KPL aggregation codec properties', () => {
  it('deaggregate gives records, undefined or MALFORMED_AGGREGATE for any bytes (MD5 kept or recomputed)', async () => {
    await checkFuzzTarget(kplDeaggregateFuzzTarget, { numRuns: 1000 });
  });

  it('AggregateBuilder → deaggregate gives the records back, as aws-kinesis-agg reads them', async () => {
    await checkFuzzTarget(kplRoundTripFuzzTarget, { numRuns: 300 });
  });
});
