// Property-based tests of the ingest API's body reading (issue 12, "Fuzzing"): inputs shared with the soak bench
// (telemetry-body-parser.arbitraries.ts), bounded count.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { IngestError } from './ingest-error';
import { ingestBodyFuzzTarget } from './telemetry-body-parser.arbitraries';
import { bodyFormatOf } from './telemetry-body-parser';

describe('ingest body properties', () => {
  it('reads any Content-Type and body into items or a 4xx IngestError (problem JSON)', async () => {
    await checkFuzzTarget(ingestBodyFuzzTarget, { numRuns: 400 });
  });

  // Regression (found by the property above): the media type was looked up on an object literal, so
  // `Content-Type: constructor` (or `__proto__`, `toString`) returned a function or Object.prototype instead of a
  // format, and the body was read as NDJSON instead of being refused with 415.
  it.each(['constructor', '__proto__', 'toString'])('Content-Type %s is a 415 UNSUPPORTED_MEDIA_TYPE', (contentType) => {
    expect(() => bodyFormatOf(contentType)).toThrow(IngestError);
    try {
      bodyFormatOf(contentType);
    } catch (err) {
      expect((err as IngestError).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((err as IngestError).status).toBe(415);
    }
  });
});
