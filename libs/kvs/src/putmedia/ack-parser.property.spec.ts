// Property-based tests of AckParser (issue 12, "Fuzzing"): inputs shared with the soak bench
// (ack-parser.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { ackParserFuzzTarget, ackRoundTripFuzzTarget } from './ack-parser.arbitraries';

describe('AckParser properties', () => {
  it('never throws on any bytes and gives the same items in any chunking', async () => {
    await checkFuzzTarget(ackParserFuzzTarget, { numRuns: 500 });
  });

  it('reads back the acks KVS writes, whatever the separators and the reads', async () => {
    await checkFuzzTarget(ackRoundTripFuzzTarget, { numRuns: 300 });
  });
});
