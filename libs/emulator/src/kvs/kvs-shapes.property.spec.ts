// Property-based tests of KVS request validation (issue 12, "Fuzzing"): bodies generated from KVS_SHAPES
// (kds/shape-validator.arbitraries.ts, shared with the soak bench), bounded count.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { kvsRequestValidationFuzzTarget } from '../kds/shape-validator.arbitraries';

describe('KVS request validation properties', () => {
  it('accepts a body or refuses it with SerializationException / InvalidArgumentException (400)', async () => {
    await checkFuzzTarget(kvsRequestValidationFuzzTarget, { numRuns: 1000 });
  });
});
