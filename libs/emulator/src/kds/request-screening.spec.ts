import { AMZ_CBOR_1_1, AMZ_JSON_1_1, cborTextMap, screenKdsRequest, type ScreenedRequest, type ScreeningRules } from './request-screening';

const RULES: ScreeningRules = {
  isOperation: (name) => name === 'ListStreams',
  decode: (contentType, body) => {
    if (contentType === AMZ_CBOR_1_1) throw new Error('not in this spec');
    return JSON.parse(body.toString('utf8'));
  },
};

const SIGNED: Partial<ScreenedRequest> = {
  authorization: 'AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
  hasDateHeader: true,
};

const request = (over: Partial<ScreenedRequest>): ScreenedRequest => ({
  method: 'POST',
  contentType: AMZ_JSON_1_1,
  target: 'Kinesis_20131202.ListStreams',
  body: Buffer.from('{}'),
  authorization: undefined,
  hasDateHeader: false,
  query: '',
  ...over,
});

/** The answer as text, or the operation it lets through. */
function outcome(over: Partial<ScreenedRequest>): { status: number; contentType: string | undefined; errorType: string | undefined; body: string } | string {
  const screening = screenKdsRequest(request(over), RULES);
  if (!screening.answer) return `${screening.operation} ${JSON.stringify(screening.input)} ${screening.contentType}`;
  const { status, contentType, errorType, body } = screening.answer;
  return { status, contentType, errorType, body: contentType === AMZ_CBOR_1_1 ? body.toString('hex') : body.toString('utf8') };
}

describe('cborTextMap', () => {
  it('encodes as AWS does: an indefinite-length map of text strings, with 1-, 2- and 3-byte length heads', () => {
    expect(cborTextMap({ __type: 'UnknownOperationException' }).toString('hex')).toBe(
      `bf66${Buffer.from('__type').toString('hex')}7819${Buffer.from('UnknownOperationException').toString('hex')}ff`,
    );
    expect(cborTextMap({ m: 'x'.repeat(300) }).subarray(0, 6).toString('hex')).toBe('bf616d79012c');
  });
});

describe('screenKdsRequest', () => {
  it('lets a signed JSON 1.1 request through with its operation and input', () => {
    expect(outcome({ ...SIGNED, body: Buffer.from('{"Limit":1}') })).toBe(`ListStreams {"Limit":1} ${AMZ_JSON_1_1}`);
  });

  it('answers every method but POST with the XML AccessDeniedException, before anything else', () => {
    expect(outcome({ method: 'GET', target: undefined, contentType: undefined })).toEqual({
      status: 403,
      contentType: undefined,
      errorType: undefined,
      body: '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n',
    });
  });

  it('answers an empty body with __type alone, in JSON 1.1 only when asked in it, else CBOR', () => {
    expect(outcome({ body: Buffer.alloc(0) })).toEqual({ status: 400, contentType: AMZ_JSON_1_1, errorType: 'SerializationException', body: '{"__type":"SerializationException"}' });
    expect(outcome({ body: Buffer.alloc(0), target: 'Kinesis_20131202.Nope' })).toMatchObject({ body: '{"__type":"UnknownOperationException"}' });
    expect(outcome({ body: Buffer.alloc(0), contentType: 'application/json' })).toMatchObject({
      contentType: AMZ_CBOR_1_1,
      body: cborTextMap({ __type: 'SerializationException' }).toString('hex'),
    });
  });

  it('answers other content types in XML: AccessDenied without service or operation, else a bare 404 UnknownOperation', () => {
    expect(outcome({ contentType: 'text/plain', target: undefined })).toMatchObject({ status: 403, body: expect.stringContaining('<AccessDeniedException>') });
    expect(outcome({ contentType: 'text/plain', target: 'Kinesis_20131202.' })).toMatchObject({ status: 403 });
    expect(outcome({ contentType: 'application/x-amz-json-1.0', target: 'Whatever.Else' })).toEqual({
      status: 404,
      contentType: undefined,
      errorType: undefined,
      body: '<UnknownOperationException/>\n',
    });
  });

  it('checks the body before the target, the target before the signature', () => {
    expect(outcome({ body: Buffer.from('nope'), target: 'Nope' })).toMatchObject({ body: '{"__type":"SerializationException"}' });
    expect(outcome({ body: Buffer.from('7') })).toMatchObject({ body: '{"__type":"SerializationException"}' });
    expect(outcome({ target: 'Kinesis_20131202.__proto__' })).toMatchObject({ body: '{"__type":"UnknownOperationException"}' });
    expect(outcome({})).toMatchObject({
      errorType: 'MissingAuthenticationTokenException',
      body: '{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}',
    });
  });

  it('answers application/json in Coral\'s old envelope, whatever the target', () => {
    expect(outcome({ contentType: 'application/json; charset=utf-8', body: Buffer.from('{') })).toEqual({
      status: 400,
      contentType: 'application/json',
      errorType: undefined,
      body: '{"Output":{"__type":"com.amazon.coral.service#SerializationException"},"Version":"1.0"}',
    });
    expect(outcome({ contentType: 'application/json', target: undefined })).toMatchObject({
      status: 404,
      body: '{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}',
    });
  });
});
