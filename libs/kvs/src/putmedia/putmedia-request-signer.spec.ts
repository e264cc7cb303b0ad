import { createHash, createHmac } from 'node:crypto';
import { buildPutMediaHeaders, formatProducerTimestamp, signPutMediaRequest, type PutMediaRequestHead } from './putmedia-request-signer';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2024-05-06T07:08:09.000Z');
const head: PutMediaRequestHead = {
  endpoint: new URL('https://s-1234abcd.kinesisvideo.eu-west-1.amazonaws.com'),
  streamName: 'cam-1',
  timecodeType: 'ABSOLUTE',
  producerStartTimestampMs: 1_700_000_000_123,
};

/**
 * SigV4 written out from the spec (AWS General Reference, "Create a signed AWS API request"), independently of
 * @smithy/signature-v4, for the request head PutMedia sends.
 */
function referenceSignature(headers: Record<string, string>, payloadHash: string, secret: string, region: string, service: string, amzDate: string): string {
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .filter((n) => !['authorization', 'user-agent', 'transfer-encoding', 'connection', 'expect'].includes(n))
    .sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = ['POST', '/putMedia', '', canonicalHeaders, names.join(';'), payloadHash].join('\n');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('PutMedia request signing (kvs-reference §3.1, §3.3)', () => {
  it('sends the KVS headers, UNSIGNED-PAYLOAD and a SigV4 authorization for kinesisvideo', async () => {
    const { path, headers } = await signPutMediaRequest(head, { credentials, region: 'eu-west-1', signingDate });
    expect(path).toBe('/putMedia');
    expect(headers).toMatchObject({
      host: 's-1234abcd.kinesisvideo.eu-west-1.amazonaws.com',
      'x-amzn-stream-name': 'cam-1',
      'x-amzn-fragment-timecode-type': 'ABSOLUTE',
      'x-amzn-producer-start-timestamp': '1700000000.123',
      'x-amzn-fragment-acknowledgment-required': '1',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-date': '20240506T070809Z',
    });
    expect(headers['x-amz-security-token']).toBeUndefined();
    expect(headers['transfer-encoding']).toBeUndefined(); // added by the transport, never signed
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240506\/eu-west-1\/kinesisvideo\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amzn-fragment-acknowledgment-required;x-amzn-fragment-timecode-type;x-amzn-producer-start-timestamp;x-amzn-stream-name, Signature=[0-9a-f]{64}$/,
    );
  });

  it('is deterministic with a fixed clock and static credentials, and matches a SigV4 computed from the spec', async () => {
    const a = await signPutMediaRequest(head, { credentials, region: 'eu-west-1', signingDate });
    const b = await signPutMediaRequest(head, { credentials: async () => credentials, region: 'eu-west-1', signingDate });
    expect(a).toEqual(b);
    const { authorization, ...signedHeaders } = a.headers;
    const expected = referenceSignature(signedHeaders, 'UNSIGNED-PAYLOAD', credentials.secretAccessKey, 'eu-west-1', 'kinesisvideo', '20240506T070809Z');
    expect(authorization.endsWith(`Signature=${expected}`)).toBe(true);
    // A different second gives a different signature.
    const c = await signPutMediaRequest(head, { credentials, region: 'eu-west-1', signingDate: new Date(signingDate.getTime() + 1000) });
    expect(c.headers.authorization).not.toBe(a.headers.authorization);
  });

  it("'EMPTY' mode signs the empty-body hash and sends no x-amz-content-sha256 (C producer style)", async () => {
    const { headers } = await signPutMediaRequest(head, { credentials, region: 'eu-west-1', signingDate, payloadHash: 'EMPTY' });
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const { authorization, ...signedHeaders } = headers;
    const emptyHash = createHash('sha256').update('').digest('hex');
    const expected = referenceSignature(signedHeaders, emptyHash, credentials.secretAccessKey, 'eu-west-1', 'kinesisvideo', '20240506T070809Z');
    expect(authorization.endsWith(`Signature=${expected}`)).toBe(true);
  });

  it('sends the session token (signed, as @smithy/signature-v4 does), the ARN form, a port and a base path', async () => {
    const { path, headers } = await signPutMediaRequest(
      {
        endpoint: new URL('http://127.0.0.1:4566/base/'),
        streamArn: 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/cam-1/1700000000000',
        timecodeType: 'RELATIVE',
        producerStartTimestampMs: 1_511_852_108_513,
        acknowledgmentRequired: false,
        extraHeaders: { 'User-Agent': 'tributary-test' },
      },
      { credentials: { ...credentials, sessionToken: 'TOKEN' }, region: 'us-east-1', signingDate },
    );
    expect(path).toBe('/base/putMedia');
    expect(headers).toMatchObject({
      host: '127.0.0.1:4566',
      'x-amzn-stream-arn': 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/cam-1/1700000000000',
      'x-amzn-fragment-timecode-type': 'RELATIVE',
      'x-amzn-producer-start-timestamp': '1511852108.513',
      'x-amz-security-token': 'TOKEN',
      'user-agent': 'tributary-test',
    });
    expect(headers['x-amzn-stream-name']).toBeUndefined();
    expect(headers['x-amzn-fragment-acknowledgment-required']).toBeUndefined();
    expect(headers.authorization).toContain('x-amz-security-token');
    expect(headers.authorization).not.toContain('user-agent');
  });

  it('refuses both or neither of streamName and streamArn', () => {
    expect(() => buildPutMediaHeaders({ ...head, streamArn: 'arn:x' })).toThrow(TypeError);
    expect(() => buildPutMediaHeaders({ ...head, streamName: undefined })).toThrow(TypeError);
  });

  it.each([
    [1_700_000_000_000, '1700000000.000'],
    [1_700_000_000_005, '1700000000.005'],
    [1_511_852_108_513, '1511852108.513'],
    [0, '0.000'],
  ])('formats the producer start timestamp %i as %s', (ms, text) => {
    expect(formatProducerTimestamp(ms)).toBe(text);
  });
});
