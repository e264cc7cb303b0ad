import { Readable } from 'node:stream';
import * as crypto from 'node:crypto';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { encodePutRecordsBody, fastPutRecordsInput, installFastPutRecordsBody } from './put-records-body-codec';

interface Captured {
  body: Buffer;
  headers: Record<string, string>;
}

/** A KinesisClient whose HTTP handler captures the request instead of sending it (no sockets). */
function capturingClient(): { client: KinesisClient; captured: Captured[] } {
  const captured: Captured[] = [];
  const client = new KinesisClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: unknown; headers: Record<string, string> }) => {
        const raw = request.body as string | Uint8Array;
        const body = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        captured.push({ body, headers: { ...request.headers } });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: Readable.from([Buffer.from('{"FailedRecordCount":0,"Records":[]}')]),
          },
        };
      },
    } as never,
  });
  return { client, captured };
}

const entries = (): PutRecordsRequestEntry[] => [
  { Data: crypto.randomBytes(0), PartitionKey: 'empty' },
  { Data: crypto.randomBytes(1), PartitionKey: 'one' },
  { Data: crypto.randomBytes(2), PartitionKey: 'two' },
  { Data: crypto.randomBytes(51_200), PartitionKey: 'a', ExplicitHashKey: '340282366920938463463374607431768211455' },
  { Data: new Uint8Array(crypto.randomBytes(300)).subarray(7, 107), PartitionKey: 'clé "quoted" \\ 😀\n' },
];

describe('PutRecords body codec', () => {
  it('produces the same JSON document as the SDK serializer', async () => {
    const { client, captured } = capturingClient();
    const records = entries();
    await client.send(new PutRecordsCommand({ StreamName: 'my-stream', Records: records }));
    const sdk = JSON.parse(captured[0].body.toString('utf8'));
    const ours = JSON.parse(encodePutRecordsBody({ StreamName: 'my-stream' }, records).toString('utf8'));
    expect(ours).toEqual(sdk);
    expect(ours.Records[4].PartitionKey).toBe('clé "quoted" \\ 😀\n');
    expect(Buffer.from(ours.Records[4].Data, 'base64')).toEqual(Buffer.from(records[4].Data as Uint8Array));
  });

  it('replaces the body of a fast input once installed, with the right content-length, and signs that body', async () => {
    const { client, captured } = capturingClient();
    installFastPutRecordsBody(client);
    installFastPutRecordsBody(client); // idempotent
    const records = entries();
    await client.send(new PutRecordsCommand(fastPutRecordsInput({ StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' }, records)));
    const { body, headers } = captured[0];
    expect(JSON.parse(body.toString('utf8'))).toEqual(JSON.parse(encodePutRecordsBody({ StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' }, records).toString('utf8')));
    expect(Number(headers['content-length'])).toBe(body.length);
    expect(headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 /);
    // The replacement runs in the build step, signing (which hashes the body) in finalizeRequest, always after.
    const stack = client.middlewareStack.identify();
    expect(stack).toContain('tributaryPutRecordsBody - build');
    expect(stack.findIndex((m) => m.startsWith('tributaryPutRecordsBody'))).toBeLessThan(stack.findIndex((m) => m.startsWith('httpSigningMiddleware')));
  });

  it('without the middleware, a fast input sends no records (the service refuses it: a loud failure, never empty data)', async () => {
    const { client, captured } = capturingClient();
    await client.send(new PutRecordsCommand(fastPutRecordsInput({ StreamName: 's' }, entries())));
    expect(JSON.parse(captured[0].body.toString('utf8'))).toEqual({ StreamName: 's', Records: [] });
  });
});
