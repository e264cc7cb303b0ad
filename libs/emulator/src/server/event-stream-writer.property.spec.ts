// Property-based tests of the SubscribeToShard event stream (issue 12, "Fuzzing"): the frames eventStreamSink
// writes read back through the SDK's own reassembly and codec, in any chunking (event-stream-writer.arbitraries.ts,
// shared with the soak bench). The SDK decoder's behaviour on corrupt frames is soaked by the bench (opt-in target
// sdk-event-stream-decoder): it is the SDK's code, and its RangeErrors are reported, not asserted here.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { eventStreamRoundTripFuzzTarget } from './event-stream-writer.arbitraries';

describe('event stream writer properties', () => {
  it('events and exceptions the emulator writes decode to the same headers and payloads in any chunking', async () => {
    await checkFuzzTarget(eventStreamRoundTripFuzzTarget, { numRuns: 300 });
  });
});
