/**
 * TLS on the same port as cleartext: the first byte of a connection (0x16, a TLS handshake) selects TLS, and
 * ALPN then picks HTTP/2 (`h2`) or HTTP/1.1. The certificate is made by openssl at test time.
 */
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type RunningEmulator } from '../emulator';
import { TEST_CREDENTIALS, TEST_REGION, createKinesisClient, HTTP2_DEFAULT, uniqueStreamName } from '../testing/kds-test-clients';
import { createSelfSignedCert } from '../testing/self-signed-cert';

const AUTH = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00';

describe('TLS with ALPN on the emulator port', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kds-tls-'));
  let emu: RunningEmulator;
  let cert: Buffer;
  let httpsUrl: string;

  beforeAll(async () => {
    const pair = createSelfSignedCert(dir);
    cert = pair.cert;
    emu = await startEmulator({ port: 0, tls: { cert, key: pair.key } });
    httpsUrl = `https://127.0.0.1:${emu.port}`;
  });
  afterAll(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates h2 by ALPN and serves the Kinesis JSON protocol', async () => {
    const session = http2.connect(httpsUrl, { ca: cert });
    try {
      const result = await new Promise<{ status: number; body: string; alpn: string | false | undefined }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
          'x-amz-date': '20240101T000000Z',
          authorization: AUTH,
        });
        let body = '';
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => resolve({ status, body, alpn: session.alpnProtocol }));
        req.on('error', reject);
        req.end('{}');
      });
      expect(result.alpn).toBe('h2');
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toMatchObject({ StreamNames: expect.any(Array), HasMoreStreams: false });
    } finally {
      session.close();
    }
  });

  it('serves the SDK over HTTP/1.1 + TLS (ALPN http/1.1)', async () => {
    const agent = new https.Agent({ ca: cert, keepAlive: true, ALPNProtocols: ['http/1.1'] });
    const client = new KinesisClient({
      endpoint: httpsUrl,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    });
    try {
      const name = uniqueStreamName('tls');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('over tls') }));
      expect(put.ShardId).toBe('shardId-000000000000');
      const sockets = Object.values(agent.freeSockets).flat();
      expect((sockets[0] as tls.TLSSocket | undefined)?.alpnProtocol).toBe('http/1.1');
      expect((await client.send(new ListStreamsCommand({}))).StreamNames).toContain(name);
    } finally {
      client.destroy();
      agent.destroy();
    }
  });

  it('serves DynamoDB over TLS, HTTP/2 (ALPN h2) and HTTP/1.1', async () => {
    const agent = new https.Agent({ ca: cert, keepAlive: true });
    const h1 = new DynamoDBClient({
      endpoint: httpsUrl,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    });
    const h2 = new DynamoDBClient({
      endpoint: httpsUrl,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: cert } }),
    });
    try {
      const TableName = `tls-${process.pid}-${Date.now().toString(36)}`;
      await h2.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
        }),
      );
      expect((await h1.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus).toBe('ACTIVE');
    } finally {
      h1.destroy();
      h2.destroy();
      agent.destroy();
    }
  });

  it('still serves cleartext HTTP/2 on the same port', async () => {
    const client = createKinesisClient(emu.url, HTTP2_DEFAULT);
    try {
      expect((await client.send(new ListStreamsCommand({}))).HasMoreStreams).toBe(false);
    } finally {
      client.destroy();
    }
  });
});
