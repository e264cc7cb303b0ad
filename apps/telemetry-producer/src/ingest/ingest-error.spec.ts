import { STATUS_CODES } from 'node:http';
import { INGEST_ERROR_CLASSES, IngestError, type IngestErrorCode } from './ingest-error';
import { problemOf } from './problem-response';

describe('IngestError', () => {
  it.each([
    ['MALFORMED_BODY', 400, false],
    ['NO_VALID_RECORDS', 400, false],
    ['BODY_TOO_LARGE', 413, false],
    ['UNSUPPORTED_MEDIA_TYPE', 415, false],
    ['UNSUPPORTED_ENCODING', 415, false],
    ['RATE_LIMITED', 429, true],
    ['OVERLOADED', 503, true],
    ['SHUTTING_DOWN', 503, true],
    ['NOT_DELIVERED', 503, true],
    ['NOT_FOUND', 404, false],
    ['METHOD_NOT_ALLOWED', 405, false],
    ['INTERNAL', 500, false],
  ] as const)('%s is %i, retriable %s', (code, status, retriable) => {
    const err = new IngestError(code, 'why');
    expect({ status: err.status, retriable: err.retriable, code: err.code }).toEqual({ status, retriable, code });
  });

  it('covers every code in the table', () => {
    expect(Object.keys(INGEST_ERROR_CLASSES).sort()).toEqual(
      ([
        'MALFORMED_BODY',
        'NO_VALID_RECORDS',
        'BODY_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'UNSUPPORTED_ENCODING',
        'RATE_LIMITED',
        'OVERLOADED',
        'SHUTTING_DOWN',
        'NOT_DELIVERED',
        'NOT_FOUND',
        'METHOD_NOT_ALLOWED',
        'INTERNAL',
      ] satisfies IngestErrorCode[]).sort(),
    );
  });

  it('becomes an RFC 9457 problem with the code and extension members', () => {
    const err = new IngestError('BODY_TOO_LARGE', 'The request body exceeds the limit of 1024 bytes.', { extensions: { limitBytes: 1024 } });
    expect(problemOf(err, '/v1/telemetry')).toEqual({
      type: 'about:blank',
      title: STATUS_CODES[413],
      status: 413,
      detail: 'The request body exceeds the limit of 1024 bytes.',
      instance: '/v1/telemetry',
      code: 'BODY_TOO_LARGE',
      limitBytes: 1024,
    });
  });
});
