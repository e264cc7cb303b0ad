// Property-based tests of deaggregateRecords (issue 12, "Fuzzing"): inputs shared with the soak bench
// (record-deaggregator.arbitraries.ts), bounded count.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { recordDeaggregatorFuzzTarget } from './record-deaggregator.arbitraries';

describe('deaggregateRecords properties', () => {
  it('never throws; opens what the KPL codec opens and passes through, counted, exactly what it refuses', async () => {
    await checkFuzzTarget(recordDeaggregatorFuzzTarget, { numRuns: 500 });
  });
});
