import type { FragmentAck } from './putmedia/ack-parser';
import { KvsError } from './kvs-errors';
import {
  PUT_MEDIA_ACK_ERRORS,
  PutMediaAckError,
  PutMediaFatalAckError,
  PutMediaFragmentRejectedError,
  PutMediaHttpError,
  PutMediaRetriableAckError,
  ackErrorFromAck,
  classifyHttpError,
  lookupAckError,
  parseAwsErrorResponse,
  type AckErrorDisposition,
} from './kvs-errors';

describe('PutMedia ERROR ack table (kvs-reference §3.7)', () => {
  it.each<[number, string, AckErrorDisposition]>([
    [4000, 'STREAM_READ_ERROR', 'reconnect'],
    [4001, 'MAX_FRAGMENT_SIZE_REACHED', 'drop-fragment'],
    [4002, 'MAX_FRAGMENT_DURATION_REACHED', 'drop-fragment'],
    [4003, 'MAX_CONNECTION_DURATION_REACHED', 'reconnect'],
    [4004, 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS', 'drop-fragment'],
    [4005, 'MORE_THAN_ONE_TRACK_FOUND', 'stop'],
    [4006, 'INVALID_MKV_DATA', 'drop-fragment'],
    [4007, 'INVALID_PRODUCER_TIMESTAMP', 'drop-fragment'],
    [4008, 'STREAM_NOT_ACTIVE', 'stop'],
    [4009, 'FRAGMENT_METADATA_LIMIT_REACHED', 'drop-fragment'],
    [4010, 'TRACK_NUMBER_MISMATCH', 'drop-fragment'],
    [4011, 'FRAMES_MISSING_FOR_TRACK', 'drop-fragment'],
    [4012, 'MORE_THAN_ALLOWED_TRACKS_FOUND', 'stop'],
    [4500, 'KMS_KEY_ACCESS_DENIED', 'stop'],
    [4501, 'KMS_KEY_DISABLED', 'stop'],
    [4502, 'KMS_KEY_VALIDATION_ERROR', 'stop'],
    [4503, 'KMS_KEY_UNAVAILABLE', 'reconnect'],
    [4504, 'KMS_KEY_INVALID_USAGE', 'stop'],
    [4505, 'KMS_KEY_INVALID_STATE', 'stop'],
    [4506, 'KMS_KEY_NOT_FOUND', 'stop'],
    [4507, 'STREAM_DELETED', 'stop'],
    [5000, 'INTERNAL_ERROR', 'reconnect'],
    [5001, 'ARCHIVAL_ERROR', 'reconnect'],
  ])('%i %s → %s', (errorId, errorCode, disposition) => {
    expect(lookupAckError(errorId, undefined)).toMatchObject({ errorId, errorCode, disposition });
    expect(lookupAckError(undefined, errorCode)).toMatchObject({ errorId, errorCode, disposition });
    const error = ackErrorFromAck({ eventType: 'ERROR', errorId, errorCode, fragmentTimecode: 42, fragmentNumber: '7' }, 'cam-1');
    expect(error).toBeInstanceOf(PutMediaAckError);
    expect(error).toBeInstanceOf(KvsError);
    expect(error).toMatchObject({ code: 'ACK_ERROR', errorId, ackErrorCode: errorCode, disposition, retriable: disposition === 'reconnect' });
    expect(error).toMatchObject({ streamName: 'cam-1', fragmentTimecode: 42, fragmentNumber: '7' });
    const expectedClass = { reconnect: PutMediaRetriableAckError, 'drop-fragment': PutMediaFragmentRejectedError, stop: PutMediaFatalAckError }[disposition];
    expect(error).toBeInstanceOf(expectedClass);
    expect(error.message).toContain(errorCode);
  });

  it('covers every row of the table above', () => {
    expect(PUT_MEDIA_ACK_ERRORS).toHaveLength(23);
  });

  it.each<[string, FragmentAck, AckErrorDisposition, string]>([
    ['unknown 5xxx → reconnect', { eventType: 'ERROR', errorId: 5099 }, 'reconnect', 'UNKNOWN_ERROR'],
    ['unknown 4xxx → drop-fragment', { eventType: 'ERROR', errorId: 4099, errorCode: 'NEW_THING' }, 'drop-fragment', 'NEW_THING'],
    ['named without id (quota page)', { eventType: 'ERROR', errorCode: 'MIN_FRAGMENT_DURATION_REACHED' }, 'drop-fragment', 'MIN_FRAGMENT_DURATION_REACHED'],
    ['neither id nor code', { eventType: 'ERROR' }, 'drop-fragment', 'UNKNOWN_ERROR'],
  ])('%s', (_name, ack, disposition, ackErrorCode) => {
    expect(ackErrorFromAck(ack, 's')).toMatchObject({ disposition, ackErrorCode });
  });
});

describe('PutMedia HTTP errors (before the ack stream)', () => {
  it.each<[number, string | undefined, boolean, boolean]>([
    [404, 'ResourceNotFoundException', false, true],
    [401, 'NotAuthorizedException', false, false],
    [400, 'InvalidArgumentException', false, false],
    [400, 'ClientLimitExceededException', true, false],
    [400, 'ConnectionLimitExceededException', true, false],
    [400, 'InvalidEndpointException', true, true],
    [403, undefined, true, false],
    [500, undefined, true, false],
    [503, undefined, true, true],
    [429, undefined, true, false],
    [400, undefined, false, false],
  ])('%i %s → retriable %s, refresh endpoint %s', (status, name, retriable, refreshEndpoint) => {
    expect(classifyHttpError(status, name)).toEqual({ retriable, refreshEndpoint });
    expect(new PutMediaHttpError('s', status, name, 'msg')).toMatchObject({ code: 'HTTP_ERROR', retriable, refreshEndpoint, statusCode: status });
  });

  it.each<[string | undefined, string, { name?: string; message?: string }]>([
    ['ResourceNotFoundException:https://kinesisvideo.amazonaws.com/doc/2017-09-30/', '{"Message":"The requested stream is not found or not active."}', { name: 'ResourceNotFoundException', message: 'The requested stream is not found or not active.' }],
    [undefined, '{"__type":"ConnectionLimitExceededException","Message":"busy"}', { name: 'ConnectionLimitExceededException', message: 'busy' }],
    [undefined, '{"Output":{"__type":"com.amazon.coral.service#SerializationException","Message":null},"Version":"1.0"}', { name: 'SerializationException' }],
    [undefined, 'not json', {}],
    ['InvalidEndpointException', '', { name: 'InvalidEndpointException' }],
  ])('parses error header %s / body %s', (header, body, expected) => {
    expect(parseAwsErrorResponse(header, body)).toEqual(expected);
  });
});
