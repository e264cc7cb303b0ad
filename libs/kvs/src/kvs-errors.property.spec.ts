// Property-based tests of PutMedia's HTTP error reading (issue 12, "Fuzzing"): parseAwsErrorResponse +
// classifyHttpError over any header, body and status. Inputs shared with the soak bench.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { putMediaHttpErrorFuzzTarget } from './kvs-errors.arbitraries';
import { classifyHttpError, parseAwsErrorResponse } from './kvs-errors';

describe('PutMedia HTTP error properties', () => {
  it('classifies any error answer with the table or the status rule, flags always booleans', async () => {
    await checkFuzzTarget(putMediaHttpErrorFuzzTarget, { numRuns: 1000 });
  });

  // Regression (found by the property above): the error name comes from the peer, and the table was looked up as
  // an object literal, so `x-amzn-ErrorType: __proto__` (or `constructor`, `toString`) returned Object.prototype
  // or a function instead of a row: a 503 then read as not retriable, with no endpoint refresh.
  it.each(['__proto__', 'constructor', 'toString'])('a 503 answered with error type %s stays retriable', (name) => {
    const { name: parsed } = parseAwsErrorResponse(name, '');
    expect(parsed).toBe(name);
    expect(classifyHttpError(503, parsed)).toEqual({ retriable: true, refreshEndpoint: true });
  });
});
