// Property-based tests of KDS request validation as data (issue 12, "Fuzzing"): bodies generated from
// KDS_SHAPES (shape-validator.arbitraries.ts, shared with the soak bench), bounded count.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { kdsRequestValidationFuzzTarget } from './shape-validator.arbitraries';

describe('KDS request validation properties', () => {
  it('accepts a body or refuses it with SerializationException / ValidationException (400); conforms() agrees with findViolation()', async () => {
    await checkFuzzTarget(kdsRequestValidationFuzzTarget, { numRuns: 1000 });
  });
});
