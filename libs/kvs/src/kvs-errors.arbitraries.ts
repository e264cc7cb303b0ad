/**
 * Fuzz inputs for how a PutMedia client reads an HTTP error answer (issue 12): any `x-amzn-ErrorType` header,
 * any body (AWS JSON error bodies, Coral envelopes, arbitrary JSON and text) and any status go through
 * parseAwsErrorResponse and classifyHttpError. The answer must be the table's row for a known AWS error name and
 * the status's rule otherwise, with boolean flags: never something else because the name came from outside.
 */
import fc from 'fast-check';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { classifyHttpError, parseAwsErrorResponse } from './kvs-errors';

/** Names from outside, including the ones an object literal answers to without holding them. */
const errorName = fc.oneof(
  fc.constantFrom('ResourceNotFoundException', 'NotAuthorizedException', 'ClientLimitExceededException', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.string({ maxLength: 30 }),
);

export interface HttpErrorInput {
  status: number;
  header: string | undefined;
  body: string;
}

export const httpErrorInputArbitrary: fc.Arbitrary<HttpErrorInput> = fc.record({
  status: fc.integer({ min: 100, max: 599 }),
  header: fc.option(fc.oneof(errorName, errorName.map((n) => `${n}:http://internal.amazon.com/coral/com.amazon.kinesis.video.v20170930/`)), { nil: undefined }),
  body: fc.oneof(
    errorName.map((n) => JSON.stringify({ __type: `com.amazon.coral.service#${n}`, message: 'm' })),
    errorName.map((n) => JSON.stringify({ Output: { __type: n }, Version: '1.0' })),
    errorName.map((n) => JSON.stringify({ code: n, Message: 'm' })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 80 }),
  ),
});

export const putMediaHttpErrorFuzzTarget: FuzzTarget<HttpErrorInput> = {
  name: 'putmedia-http-error',
  arbitrary: httpErrorInputArbitrary,
  run({ status, header, body }) {
    const { name, message } = parseAwsErrorResponse(header, body);
    if (name !== undefined && typeof name !== 'string') throw new Error(`error name is not a string: ${String(name)}`);
    if (message !== undefined && typeof message !== 'string') throw new Error(`error message is not a string: ${String(message)}`);
    const info = classifyHttpError(status, name);
    if (typeof info.retriable !== 'boolean' || typeof info.refreshEndpoint !== 'boolean') {
      throw new Error(`classifyHttpError(${status}, ${JSON.stringify(name)}) gave ${JSON.stringify(info)} (flags must be booleans)`);
    }
    const byStatus = classifyHttpError(status, undefined);
    const known = classifyHttpError(status, 'ResourceNotFoundException');
    // An unknown name must not change the status's rule (the table holds AWS names only).
    if (name !== undefined && /^(constructor|__proto__|toString|hasOwnProperty|valueOf|)$/.test(name) && (info.retriable !== byStatus.retriable || info.refreshEndpoint !== byStatus.refreshEndpoint)) {
      throw new Error(`classifyHttpError(${status}, ${JSON.stringify(name)}) differs from the status's rule`);
    }
    if (known.retriable !== false || known.refreshEndpoint !== true) throw new Error('the table row of ResourceNotFoundException changed');
  },
  isTypedRejection: () => false,
};
