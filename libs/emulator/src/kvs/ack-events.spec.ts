import { ACK_ERRORS, ackLine } from './ack-events';

describe('PutMedia acknowledgement lines', () => {
  it('writes the captured lines of kvs-reference.md §3.7 byte for byte', () => {
    const n = '12345678901234567890123456781729223736853277017';
    expect(ackLine({ eventType: 'BUFFERING', fragmentTimecode: 252467, fragmentNumber: n })).toBe(
      `{"EventType":"BUFFERING","FragmentTimecode":252467,"FragmentNumber":"${n}"}\n`,
    );
    expect(ackLine({ eventType: 'ERROR', fragmentTimecode: 160, fragmentNumber: '91343852333181481954849475441990835530935416709', errorCode: 'INVALID_MKV_DATA' })).toBe(
      '{"EventType":"ERROR","FragmentTimecode":160,"FragmentNumber":"91343852333181481954849475441990835530935416709","ErrorCode":"INVALID_MKV_DATA","ErrorId":4006}\n',
    );
  });

  it('writes IDLE and fragment-less errors with only what is known', () => {
    expect(ackLine({ eventType: 'IDLE' })).toBe('{"EventType":"IDLE"}\n');
    expect(ackLine({ eventType: 'ERROR', errorCode: 'MAX_CONNECTION_DURATION_REACHED' })).toBe(
      '{"EventType":"ERROR","ErrorCode":"MAX_CONNECTION_DURATION_REACHED","ErrorId":4003}\n',
    );
  });

  it.each(Object.entries({ 4000: 'STREAM_READ_ERROR', 4001: 'MAX_FRAGMENT_SIZE_REACHED', 4002: 'MAX_FRAGMENT_DURATION_REACHED', 4004: 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS', 4006: 'INVALID_MKV_DATA', 4009: 'FRAGMENT_METADATA_LIMIT_REACHED', 4010: 'TRACK_NUMBER_MISMATCH', 4011: 'FRAMES_MISSING_FOR_TRACK', 4507: 'STREAM_DELETED', 5000: 'INTERNAL_ERROR' }))(
    'maps ErrorId %s to %s',
    (id, code) => {
      expect(ACK_ERRORS[code as keyof typeof ACK_ERRORS]).toBe(Number(id));
    },
  );
});
