/**
 * The Kinesis endpoint's front door, raw over HTTP/1.1 and HTTP/2: what AWS answers before an operation runs
 * (the method, content type, target, body and SigV4 shape, in AWS's order, with AWS's bodies and content types),
 * the headers every answer carries (`x-amzn-RequestId`, `x-amz-id-2`), the empty body of operations without output,
 * and Kinesis's CORS answers for an allowed origin. The answers are those kinesalite recorded against AWS.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '../emulator';
import {
  FAKE_AUTHORIZATION,
  createKinesisClient,
  HTTP1_NODE,
  jsonOf,
  kdsHeaders,
  rawRequest,
  uniqueStreamName,
  waitForStreamStatus,
  type RawRequest,
  type RawResponse,
  type WireProtocol,
} from '../testing/kds-test-clients';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_1_1 = 'application/x-amz-json-1.1';
const CBOR_1_1 = 'application/x-amz-cbor-1.1';
const ACCESS_DENIED_XML =
  '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n';
/** `{"__type": name}` as AWS encodes it in CBOR: an indefinite-length map of two text strings. */
const cborType = (name: string): Buffer =>
  Buffer.concat([Buffer.from('bf66', 'hex'), Buffer.from('__type'), Buffer.from([name.length < 24 ? 0x60 + name.length : 0x78]), ...(name.length < 24 ? [] : [Buffer.from([name.length])]), Buffer.from(name), Buffer.from('ff', 'hex')]);

/** What every answer of the Kinesis endpoint carries, as AWS's do. */
function expectAwsIds(res: RawResponse): void {
  expect(res.headers['x-amzn-requestid']).toMatch(UUID);
  expect(Buffer.from(String(res.headers['x-amz-id-2']), 'base64')).toHaveLength(72);
}

/** Status, content type (undefined: none sent), exact body bytes, and a content-length that matches them. */
function expectAnswer(res: RawResponse, status: number, contentType: string | undefined, body: string | Buffer): void {
  expect({ status: res.status, contentType: res.headers['content-type'], body: res.body.toString('latin1') }).toEqual({
    status,
    contentType,
    body: (Buffer.isBuffer(body) ? body : Buffer.from(body)).toString('latin1'),
  });
  expect(res.headers['content-length']).toBe(String(res.body.length));
  expectAwsIds(res);
}

const PROTOCOLS: WireProtocol[] = ['http/1.1', 'h2c'];

describe.each(PROTOCOLS)('the Kinesis endpoint front door over %s', (protocol) => {
  let emu: RunningEmulator;
  const raw = (req: RawRequest): Promise<RawResponse> => rawRequest(emu.url, protocol, req);
  /** AWS reads the media type before `;`, trimmed (HTTP/2 forbids the surrounding spaces in a header value). */
  const spaced = (type: string): string => (protocol === 'h2c' ? `${type}; charset=utf-8` : `  ${type}  ;charset=utf-8`);
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false, kvs: false });
  });
  afterAll(() => emu.close());

  describe('requests AWS cannot attribute to an operation', () => {
    it.each(['GET', 'PUT', 'DELETE', 'OPTIONS'])('answers %s / with the 403 XML AccessDeniedException, no content type', async (method) => {
      expectAnswer(await raw({ method, path: '/' }), 403, undefined, ACCESS_DENIED_XML);
      // Signed or not, on any path: AWS does not look further.
      expectAnswer(await raw({ method, path: '/anything?x=1', headers: { authorization: FAKE_AUTHORIZATION, 'x-amz-date': '20240101T000000Z' } }), 403, undefined, ACCESS_DENIED_XML);
    });

    it('answers a POST without X-Amz-Target with a body of only __type, whether signed or not', async () => {
      const { 'x-amz-target': _omitted, ...noTarget } = kdsHeaders('ListStreams');
      const res = await raw({ headers: noTarget, body: '{}' });
      expectAnswer(res, 400, JSON_1_1, '{"__type":"UnknownOperationException"}');
      expect(res.headers['x-amzn-errortype']).toBe('UnknownOperationException');
      const { authorization: _none, ...unsigned } = noTarget;
      expectAnswer(await raw({ headers: unsigned, body: '{}' }), 400, JSON_1_1, '{"__type":"UnknownOperationException"}');
    });

    it.each(['Kinesis_20131202.FlyToTheMoon', 'Kinesis_20131202.', 'NotAService_20990101.ListStreams', 'Whatever', 'Kinesis_20131202.__proto__'])(
      'answers the target %s with a body of only UnknownOperationException (unsigned too: the target is checked first)',
      async (target) => {
        expectAnswer(await raw({ headers: kdsHeaders('ListStreams', { 'x-amz-target': target }), body: '{}' }), 400, JSON_1_1, '{"__type":"UnknownOperationException"}');
        expectAnswer(await raw({ headers: { 'content-type': JSON_1_1, 'x-amz-target': target }, body: '{}' }), 400, JSON_1_1, '{"__type":"UnknownOperationException"}');
      },
    );

    it('answers an empty body in CBOR unless the request was JSON 1.1: Serialization for a known target, else UnknownOperation', async () => {
      expectAnswer(await raw({}), 400, CBOR_1_1, cborType('UnknownOperationException'));
      expectAnswer(await raw({ headers: { 'x-amz-target': 'Kinesis_20131202.ListStreams' } }), 400, CBOR_1_1, cborType('SerializationException'));
      expectAnswer(await raw({ headers: { 'content-type': 'application/json' } }), 400, CBOR_1_1, cborType('UnknownOperationException'));
      expectAnswer(await raw({ headers: { 'content-type': 'application/x-amz-json-1.0' } }), 400, CBOR_1_1, cborType('UnknownOperationException'));
      expectAnswer(await raw({ headers: kdsHeaders('ListStreams') }), 400, JSON_1_1, '{"__type":"SerializationException"}');
      expectAnswer(await raw({ headers: { 'content-type': JSON_1_1 } }), 400, JSON_1_1, '{"__type":"UnknownOperationException"}');
    });

    it('answers a body of another content type in XML: AccessDenied without a target, 404 UnknownOperation with one', async () => {
      expectAnswer(await raw({ body: '{}' }), 403, undefined, ACCESS_DENIED_XML);
      expectAnswer(await raw({ headers: { 'content-type': 'text/plain', 'x-amz-target': 'Whatever' }, body: '{}' }), 403, undefined, ACCESS_DENIED_XML);
      const unknown = await raw({ headers: kdsHeaders('ListStreams', { 'content-type': 'application/x-amz-json-1.0' }), body: '{}' });
      expectAnswer(unknown, 404, undefined, '<UnknownOperationException/>\n');
    });

    it('answers application/json (which no operation speaks) in Coral\'s old envelope', async () => {
      const headers = kdsHeaders('ListStreams', { 'content-type': spaced('application/json') });
      const bad = await raw({ headers, body: 'hello' });
      expectAnswer(bad, 400, 'application/json', '{"Output":{"__type":"com.amazon.coral.service#SerializationException"},"Version":"1.0"}');
      const good = await raw({ headers, body: '{}' });
      expectAnswer(good, 404, 'application/json', '{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}');
    });

    it('answers a body that is not a JSON object with SerializationException before looking at the signature', async () => {
      for (const body of ['hello', 'true', 'null', '{"Limit": ']) {
        expectAnswer(await raw({ headers: { 'content-type': JSON_1_1, 'x-amz-target': 'Kinesis_20131202.ListStreams' }, body }), 400, JSON_1_1, '{"__type":"SerializationException"}');
      }
    });
  });

  describe('the SigV4 shape (never the signature itself)', () => {
    const listStreams = { 'content-type': spaced(JSON_1_1), 'x-amz-target': 'Kinesis_20131202.ListStreams' };
    const signatureError = (res: RawResponse, status: number, type: string, message: string): void => {
      expectAnswer(res, status, JSON_1_1, JSON.stringify({ __type: type, message }));
      expect(res.headers['x-amzn-errortype']).toBe(type);
    };

    it('answers MissingAuthenticationTokenException without Authorization or X-Amz-Algorithm', async () => {
      signatureError(await raw({ headers: listStreams, body: '{}' }), 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      const allButAlgorithm = await raw({ path: '/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d', headers: listStreams, body: '{}' });
      signatureError(allButAlgorithm, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    });

    it('answers IncompleteSignatureException listing what the Authorization header lacks', async () => {
      const res = await raw({ headers: { ...listStreams, authorization: 'X' }, body: '{}' });
      signatureError(
        res,
        400,
        'IncompleteSignatureException',
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
          "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          'Authorization=X',
      );
      const noSignedHeaders = 'AWS4- Signature=b, Credential=a';
      signatureError(
        await raw({ headers: { ...listStreams, authorization: noSignedHeaders, date: 'a' }, body: '{}' }),
        400,
        'IncompleteSignatureException',
        `Authorization header requires 'SignedHeaders' parameter. Authorization=${noSignedHeaders}`,
      );
    });

    it('answers IncompleteSignatureException listing what a presigned query lacks', async () => {
      signatureError(
        await raw({ path: '/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d', headers: listStreams, body: '{}' }),
        400,
        'IncompleteSignatureException',
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
      );
    });

    it('answers InvalidSignatureException for a header and a presigned query at once', async () => {
      signatureError(
        await raw({ path: '/?X-Amz-Algorithm', headers: { ...listStreams, authorization: 'X' }, body: '{}' }),
        400,
        'InvalidSignatureException',
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
      );
    });

    it('serves a complete presigned query, in the region of its credential scope', async () => {
      const name = uniqueStreamName('presigned');
      const scope = encodeURIComponent('AKID/20240101/eu-west-1/kinesis/aws4_request');
      const query = `/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${scope}&X-Amz-Signature=00&X-Amz-SignedHeaders=host&X-Amz-Date=20240101T000000Z`;
      const headers = { 'content-type': JSON_1_1, 'x-amz-target': 'Kinesis_20131202.CreateStream' };
      expect((await raw({ path: query, headers, body: JSON.stringify({ StreamName: name, ShardCount: 1 }) })).status).toBe(200);
      const summary = await raw({ path: query, headers: { ...headers, 'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary' }, body: JSON.stringify({ StreamName: name }) });
      expect(summary.status).toBe(200);
      expect(jsonOf<{ StreamDescriptionSummary: { StreamARN: string } }>(summary).StreamDescriptionSummary.StreamARN).toMatch(/^arn:aws:kinesis:eu-west-1:/);
    });
  });

  describe('answers of operations', () => {
    it('answers an operation without output with an empty body (content-length 0), one with output with JSON', async () => {
      const name = uniqueStreamName('empty-output');
      const create = await raw({ headers: kdsHeaders('CreateStream'), body: JSON.stringify({ StreamName: name, ShardCount: 1 }) });
      expectAnswer(create, 200, JSON_1_1, '');
      const client = createKinesisClient(emu.url, HTTP1_NODE);
      try {
        await waitForStreamStatus(client, name, 'ACTIVE');
        for (const [operation, input] of [
          ['AddTagsToStream', { StreamName: name, Tags: { team: 'video' } }],
          ['RemoveTagsFromStream', { StreamName: name, TagKeys: ['team'] }],
          ['IncreaseStreamRetentionPeriod', { StreamName: name, RetentionPeriodHours: 48 }],
        ] as const) {
          expectAnswer(await raw({ headers: kdsHeaders(operation), body: JSON.stringify(input) }), 200, JSON_1_1, '');
        }
        const tags = await raw({ headers: kdsHeaders('ListTagsForStream'), body: JSON.stringify({ StreamName: name }) });
        expect(tags.status).toBe(200);
        expectAwsIds(tags);
        expect(jsonOf(tags)).toEqual({ Tags: [], HasMoreTags: false });
        // The SDK reads the empty answers as AWS's.
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        expect(summary.StreamDescriptionSummary?.RetentionPeriodHours).toBe(48);
        expect((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toEqual([]);
        const second = uniqueStreamName('empty-output-sdk');
        expect((await client.send(new CreateStreamCommand({ StreamName: second, ShardCount: 1 }))).$metadata.httpStatusCode).toBe(200);
      } finally {
        client.destroy();
      }
    });

    it('carries the request id and x-amz-id-2 on operation errors too', async () => {
      const res = await raw({ headers: kdsHeaders('DescribeStreamSummary'), body: JSON.stringify({ StreamName: uniqueStreamName('absent') }) });
      expect(res.status).toBe(400);
      expect(jsonOf(res)['__type']).toBe('ResourceNotFoundException');
      expectAwsIds(res);
    });
  });

  describe('CORS for an allowed origin (loopback by default), as the Kinesis endpoint answers it', () => {
    const origin = 'http://localhost:3000';

    it('answers a preflight 200 and empty, echoing the method and headers asked, cacheable 172800 s, without x-amz-id-2', async () => {
      const res = await raw({
        method: 'OPTIONS',
        path: '/',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-amz-date, x-amz-target' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(0);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'authorization, content-type, x-amz-date, x-amz-target',
        'access-control-max-age': '172800',
        'content-length': '0',
      });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.headers['x-amz-id-2']).toBeUndefined();
      // Without Access-Control-Request-*: the same answer without the echoes.
      const bare = await raw({ method: 'OPTIONS', path: '/', headers: { origin } });
      expect(bare.status).toBe(200);
      expect(bare.headers['access-control-allow-methods']).toBeUndefined();
      expect(bare.headers['access-control-allow-headers']).toBeUndefined();
    });

    it('lets the page read AWS\'s metadata headers on answers and errors', async () => {
      const exposed = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
      const ok = await raw({ headers: kdsHeaders('ListStreams', { origin }), body: '{}' });
      expect(ok.status).toBe(200);
      expect(ok.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-expose-headers': exposed });
      const denied = await raw({ method: 'GET', path: '/', headers: { origin } });
      expectAnswer(denied, 403, undefined, ACCESS_DENIED_XML);
      expect(denied.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-expose-headers': exposed });
    });
  });
});
