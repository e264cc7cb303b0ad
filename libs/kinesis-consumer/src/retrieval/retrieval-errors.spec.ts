import { classifyRetrievalError } from './retrieval-errors';

const awsError = (name: string, status: number): Error =>
  Object.assign(new Error(`${name} happened`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

describe('classifyRetrievalError', () => {
  it.each([
    ['ExpiredIteratorException', 400, 'expired-iterator'],
    ['ResourceNotFoundException', 400, 'not-found'],
    ['ResourceInUseException', 400, 'in-use'],
    ['ProvisionedThroughputExceededException', 400, 'throttled'],
    ['InternalFailure', 500, 'transient'],
    ['AccessDeniedException', 400, 'permanent'],
    // Names of Object.prototype from the wire are unknown names, not rows of the special table (issue 12, item 6).
    ['constructor', 400, 'permanent'],
    ['__proto__', 503, 'transient'],
  ])('%s (%i) is %s', (name, status, kind) => {
    expect(classifyRetrievalError(awsError(name, status))).toEqual(expect.objectContaining({ kind, code: name }));
  });
});
