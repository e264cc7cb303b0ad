import { AckParser, interpretAck, type AckStreamItem, type FragmentAck } from './ack-parser';

const enc = new TextEncoder();

// §3.7's sample lines: the first three from the AWS troubleshooting guide, the ERROR one from producer-sdk-java #41.
const BUFFERING = '{"EventType":"BUFFERING","FragmentTimecode":252467,"FragmentNumber":"12345678901234567890123456781729223736853277017"}';
const RECEIVED = '{"EventType":"RECEIVED","FragmentTimecode":252467,"FragmentNumber":"12345678901234567890123456781729223736853277017"}';
const PERSISTED = '{"EventType":"PERSISTED","FragmentTimecode":252467,"FragmentNumber":"12345678901234567890123456781729223736853277017"}';
const ERROR =
  '{"EventType":"ERROR","FragmentTimecode":160,"FragmentNumber":"91343852333181481954849475441990835530935416709","ErrorCode":"INVALID_MKV_DATA","ErrorId":4006}';
const IDLE = '{"EventType":"IDLE"}';

const EXPECTED: FragmentAck[] = [
  { eventType: 'BUFFERING', fragmentTimecode: 252467, fragmentNumber: '12345678901234567890123456781729223736853277017' },
  { eventType: 'RECEIVED', fragmentTimecode: 252467, fragmentNumber: '12345678901234567890123456781729223736853277017' },
  { eventType: 'PERSISTED', fragmentTimecode: 252467, fragmentNumber: '12345678901234567890123456781729223736853277017' },
  {
    eventType: 'ERROR',
    fragmentTimecode: 160,
    fragmentNumber: '91343852333181481954849475441990835530935416709',
    errorCode: 'INVALID_MKV_DATA',
    errorId: 4006,
  },
  { eventType: 'IDLE' },
];

const acksOf = (items: AckStreamItem[]): FragmentAck[] => items.flatMap((i) => (i.kind === 'ack' ? [i.ack] : []));

function parseInPieces(bytes: Uint8Array, cuts: number[]): AckStreamItem[] {
  const parser = new AckParser();
  const items: AckStreamItem[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    items.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  items.push(...parser.end());
  return items;
}

describe('AckParser', () => {
  const stream = enc.encode([BUFFERING, RECEIVED, PERSISTED, ERROR, IDLE].join('\n') + '\n');

  it('parses the sample acknowledgement lines of kvs-reference §3.7', () => {
    expect(parseInPieces(stream, [])).toEqual(EXPECTED.map((ack) => ({ kind: 'ack', ack })));
  });

  it('gives the same acks whichever byte the stream is split at (one cut at every position)', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(acksOf(parseInPieces(stream, [cut]))).toEqual(EXPECTED);
    }
  });

  it('gives the same acks when fed one byte at a time, and when the reader reuses its buffer', () => {
    const parser = new AckParser();
    const scratch = new Uint8Array(1);
    const items: AckStreamItem[] = [];
    for (const byte of stream) {
      scratch[0] = byte;
      items.push(...parser.push(scratch)); // same buffer every time: the parser must copy what it keeps
    }
    expect(acksOf(items)).toEqual(EXPECTED);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('accepts other separators: none, CRLF, commas, spaces, and batched reads', () => {
    for (const sep of ['', '\r\n', ',', '  ', '\n\n']) {
      const bytes = enc.encode([BUFFERING, RECEIVED, PERSISTED, ERROR, IDLE].join(sep));
      expect(acksOf(parseInPieces(bytes, []))).toEqual(EXPECTED);
      expect(acksOf(parseInPieces(bytes, [7, 150, 151, 300]))).toEqual(EXPECTED);
    }
  });

  it('skips braces and quotes inside JSON strings, and escapes', () => {
    const tricky = '{"EventType":"ERROR","FragmentTimecode":1,"ErrorCode":"X}{\\"\\\\","ErrorId":5000}';
    const items = parseInPieces(enc.encode(tricky + PERSISTED), [20, 40]);
    expect(acksOf(items)).toEqual([
      { eventType: 'ERROR', fragmentTimecode: 1, errorCode: 'X}{"\\', errorId: 5000 },
      EXPECTED[2],
    ]);
  });

  it('reports garbage as malformed items and keeps parsing after it', () => {
    const garbage = 'HTTP/1.1 garbage\u0000\u00ff';
    const items = parseInPieces(
      enc.encode(`${garbage}\n${BUFFERING}\n{not json}\n{"EventType":"HELLO"}\n{"foo":1}\n[1,2]\n${PERSISTED}\n`),
      [],
    );
    expect(acksOf(items)).toEqual([EXPECTED[0], EXPECTED[2]]);
    expect(items.filter((i) => i.kind === 'malformed').map((i) => (i.kind === 'malformed' ? i.reason : ''))).toEqual([
      'not JSON',
      'unknown EventType "HELLO"',
      'no EventType',
    ]);
  });

  it('recovers at the next line from an unterminated string', () => {
    const items = parseInPieces(enc.encode(`{"EventType":"BUFF\n${PERSISTED}\n`), [5]);
    expect(items[0]).toMatchObject({ kind: 'malformed', reason: 'line break inside a JSON string' });
    expect(acksOf(items)).toEqual([EXPECTED[2]]);
  });

  it('bounds memory: an overlong object is reported once and skipped up to the next line', () => {
    const parser = new AckParser({ maxAckBytes: 64 });
    const long = `{"EventType":"PERSISTED","Padding":"${'x'.repeat(500)}","FragmentTimecode":1}`;
    const items = [...parser.push(enc.encode(long.slice(0, 200))), ...parser.push(enc.encode(long.slice(200) + '\n' + IDLE))];
    expect(items.map((i) => i.kind)).toEqual(['malformed', 'ack']);
    expect(parser.bufferedBytes).toBe(0);
    // Without a line break the overlong object is skipped up to its closing brace.
    const again = new AckParser({ maxAckBytes: 64 });
    expect(acksOf(again.push(enc.encode(long + IDLE)))).toEqual([{ eventType: 'IDLE' }]);
  });

  it('reports an ack cut short by the end of the stream', () => {
    const parser = new AckParser();
    expect(parser.push(enc.encode(PERSISTED.slice(0, 30)))).toEqual([]);
    expect(parser.end()).toEqual([expect.objectContaining({ kind: 'malformed', reason: 'stream ended inside an acknowledgement' })]);
    expect(parser.end()).toEqual([]);
  });

  it('turns an AWS error body (Coral envelope or restJson) into a service-error item', () => {
    const coral = '{"Output":{"__type":"com.amazon.coral.service#SerializationException","Message":null},"Version":"1.0"}';
    expect(parseInPieces(enc.encode(coral), [10])).toEqual([
      { kind: 'service-error', errorType: 'SerializationException', raw: coral },
    ]);
    expect(interpretAck('{"__type":"ResourceNotFoundException","Message":"gone"}')).toMatchObject({
      kind: 'service-error',
      errorType: 'ResourceNotFoundException',
      message: 'gone',
    });
  });
});

describe('interpretAck leniency', () => {
  it.each<[string, string, FragmentAck]>([
    ['lower-case EventType', '{"EventType":"persisted","FragmentTimecode":5}', { eventType: 'PERSISTED', fragmentTimecode: 5 }],
    ['numeric-string ErrorId, code from the table', '{"EventType":"ERROR","ErrorId":"4003"}', { eventType: 'ERROR', errorId: 4003, errorCode: 'MAX_CONNECTION_DURATION_REACHED' }],
    ['ErrorCode only, id from the table', '{"EventType":"ERROR","ErrorCode":"STREAM_NOT_ACTIVE"}', { eventType: 'ERROR', errorId: 4008, errorCode: 'STREAM_NOT_ACTIVE' }],
    [
      'FragmentNumber as a bare 47-digit number keeps its digits',
      '{"EventType":"RECEIVED","FragmentTimecode":7,"FragmentNumber":91343852333181481954849475441990835530935416709}',
      { eventType: 'RECEIVED', fragmentTimecode: 7, fragmentNumber: '91343852333181481954849475441990835530935416709' },
    ],
    ['IDLE with extra keys', '{"EventType":"IDLE","FragmentTimecode":null,"Whatever":true}', { eventType: 'IDLE' }],
  ])('%s', (_name, raw, expected) => {
    expect(interpretAck(raw)).toEqual({ kind: 'ack', ack: expected });
  });
});
