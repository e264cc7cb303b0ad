/**
 * The KVS control plane of the emulator through the official @aws-sdk/client-kinesis-video v3 client, over
 * HTTP/1.1 (its default handler) and cleartext HTTP/2: stream lifecycle, versions, retention, data endpoints,
 * tags in both forms, storage tier, status delays, persistence, and AWS's error shapes (kvs-reference.md §1–§2).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamStorageConfigurationCommand,
  GetDataEndpointCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  TagResourceCommand,
  TagStreamCommand,
  UntagResourceCommand,
  UntagStreamCommand,
  UpdateDataRetentionCommand,
  UpdateStreamCommand,
  UpdateStreamStorageConfigurationCommand,
  CreateSignalingChannelCommand,
  type APIName,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '../emulator';
import { errorOf, jsonOf, rawRequest, uniqueStreamName, TEST_ACCOUNT, TEST_REGION } from '../testing/kds-test-clients';
import { createKinesisVideoClient, KVS_HANDLERS, waitForVideoStreamStatus, type KvsHandlerName } from '../testing/kvs-test-clients';

const API_NAMES: APIName[] = [
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
];

describe.each(KVS_HANDLERS)('KVS control plane over %s', (handler: KvsHandlerName) => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url, handler, { maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('creates a stream and describes it with every StreamInfo member', async () => {
    const name = uniqueStreamName('kvs-create');
    const before = Date.now();
    const created = await client.send(
      new CreateStreamCommand({ StreamName: name, DeviceName: 'camera-1', MediaType: 'video/h264', DataRetentionInHours: 2 }),
    );
    expect(created.StreamARN).toMatch(new RegExp(`^arn:aws:kinesisvideo:${TEST_REGION}:${TEST_ACCOUNT}:stream/${name}/\\d{13}$`));
    const { StreamInfo: info } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    expect(info).toEqual({
      DeviceName: 'camera-1',
      StreamName: name,
      StreamARN: created.StreamARN,
      MediaType: 'video/h264',
      KmsKeyId: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:alias/aws/kinesisvideo`,
      Version: expect.stringMatching(/^[a-zA-Z0-9]{20}$/),
      Status: 'ACTIVE',
      CreationTime: expect.any(Date),
      DataRetentionInHours: 2,
    });
    expect(info?.CreationTime?.getTime()).toBeGreaterThanOrEqual(before - 1);
    // The ARN's number is the creation time in epoch ms.
    expect(Number(created.StreamARN?.split('/')[2])).toBe(info?.CreationTime?.getTime());
    const byArn = await client.send(new DescribeStreamCommand({ StreamARN: created.StreamARN }));
    expect(byArn.StreamInfo?.StreamName).toBe(name);
  });

  it('defaults retention to 0 and omits absent optional members', async () => {
    const name = uniqueStreamName('kvs-defaults');
    await client.send(new CreateStreamCommand({ StreamName: name }));
    const { StreamInfo: info } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    expect(info?.DataRetentionInHours).toBe(0);
    expect(info).not.toHaveProperty('DeviceName');
    expect(info).not.toHaveProperty('MediaType');
  });

  it('answers AWS errors: ResourceInUse, ResourceNotFound (404), InvalidArgument, validation wording', async () => {
    const name = uniqueStreamName('kvs-errors');
    await client.send(new CreateStreamCommand({ StreamName: name }));
    const dup = await errorOf(client.send(new CreateStreamCommand({ StreamName: name })));
    expect(dup.name).toBe('ResourceInUseException');
    expect(dup.$metadata.httpStatusCode).toBe(400);
    const missing = await errorOf(client.send(new DescribeStreamCommand({ StreamName: `${name}-nope` })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.message).toBe('The requested stream is not found or not active.');
    const neither = await errorOf(client.send(new DescribeStreamCommand({})));
    expect(neither.name).toBe('InvalidArgumentException');
    const badName = await errorOf(client.send(new CreateStreamCommand({ StreamName: 'bad name' })));
    expect(badName.name).toBe('InvalidArgumentException');
    expect(badName.message).toBe(
      "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    const negative = await errorOf(client.send(new CreateStreamCommand({ StreamName: `${name}-neg`, DataRetentionInHours: -1 })));
    expect(negative.message).toContain("at 'dataRetentionInHours' failed to satisfy constraint: Member must have value greater than or equal to 0");
    const tooLong = await errorOf(client.send(new CreateStreamCommand({ StreamName: `${name}-long`, DataRetentionInHours: 87601 })));
    expect(tooLong.name).toBe('InvalidArgumentException');
    const mismatch = await errorOf(
      client.send(new DescribeStreamCommand({ StreamName: `${name}-other`, StreamARN: `arn:aws:kinesisvideo:${TEST_REGION}:${TEST_ACCOUNT}:stream/${name}/1` })),
    );
    expect(mismatch.name).toBe('ResourceNotFoundException');
  });

  it('lists streams in pages and by name prefix', async () => {
    const prefix = uniqueStreamName('kvs-list');
    const names = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
    for (const n of names) await client.send(new CreateStreamCommand({ StreamName: n }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListStreamsCommand({
          MaxResults: 2,
          NextToken: token,
          StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: prefix },
        }),
      );
      seen.push(...(page.StreamInfoList ?? []).map((s) => s.StreamName ?? ''));
      expect(page.StreamInfoList?.[0]).toHaveProperty('Version');
      token = page.NextToken;
      pages++;
    } while (token);
    expect(seen).toEqual(names);
    expect(pages).toBe(3);
    const all = await client.send(new ListStreamsCommand({}));
    expect(all.NextToken).toBeUndefined();
    expect(all.StreamInfoList?.map((s) => s.StreamName)).toEqual(expect.arrayContaining(names));
    const bad = await errorOf(client.send(new ListStreamsCommand({ NextToken: 'bm90LWpzb24=' })));
    expect(bad.name).toBe('InvalidArgumentException');
  });

  it('updates metadata and retention with CurrentVersion checks, issuing a new version each time', async () => {
    const name = uniqueStreamName('kvs-update');
    await client.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 24 }));
    const v1 = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.Version ?? '';
    const stale = await errorOf(client.send(new UpdateStreamCommand({ StreamName: name, CurrentVersion: 'stale', MediaType: 'video/h265' })));
    expect(stale.name).toBe('VersionMismatchException');
    expect(stale.$metadata.httpStatusCode).toBe(400);
    await client.send(new UpdateStreamCommand({ StreamName: name, CurrentVersion: v1, MediaType: 'video/h265', DeviceName: 'cam-2' }));
    const after = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo;
    expect(after?.MediaType).toBe('video/h265');
    expect(after?.DeviceName).toBe('cam-2');
    expect(after?.Version).not.toBe(v1);
    const v2 = after?.Version ?? '';
    await client.send(
      new UpdateDataRetentionCommand({ StreamName: name, CurrentVersion: v2, Operation: 'INCREASE_DATA_RETENTION', DataRetentionChangeInHours: 24 }),
    );
    const v3 = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo;
    expect(v3?.DataRetentionInHours).toBe(48);
    const below = await errorOf(
      client.send(
        new UpdateDataRetentionCommand({ StreamName: name, CurrentVersion: v3?.Version, Operation: 'DECREASE_DATA_RETENTION', DataRetentionChangeInHours: 49 }),
      ),
    );
    expect(below.name).toBe('InvalidArgumentException');
    await client.send(
      new UpdateDataRetentionCommand({ StreamName: name, CurrentVersion: v3?.Version, Operation: 'DECREASE_DATA_RETENTION', DataRetentionChangeInHours: 48 }),
    );
    expect((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.DataRetentionInHours).toBe(0);
    const zero = await errorOf(
      client.send(new UpdateDataRetentionCommand({ StreamName: name, CurrentVersion: v1, Operation: 'INCREASE_DATA_RETENTION', DataRetentionChangeInHours: 0 })),
    );
    expect(zero.name).toBe('InvalidArgumentException');
  });

  it('returns the emulator itself as the data endpoint of every API', async () => {
    const name = uniqueStreamName('kvs-endpoint');
    await client.send(new CreateStreamCommand({ StreamName: name }));
    for (const APIName of API_NAMES) {
      const out = await client.send(new GetDataEndpointCommand({ StreamName: name, APIName }));
      expect(out.DataEndpoint).toBe(emu.url);
    }
    const missing = await errorOf(client.send(new GetDataEndpointCommand({ StreamName: `${name}-x`, APIName: 'PUT_MEDIA' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    const badApi = await errorOf(client.send(new GetDataEndpointCommand({ StreamName: name, APIName: 'PUT_STUFF' as APIName })));
    expect(badApi.name).toBe('InvalidArgumentException');
    expect(badApi.message).toContain('Member must satisfy enum value set');
  });

  it('tags streams by name (map form) and by ARN (list form), up to 50 tags', async () => {
    const name = uniqueStreamName('kvs-tags');
    const { StreamARN } = await client.send(new CreateStreamCommand({ StreamName: name, Tags: { team: 'video' } }));
    await client.send(new TagStreamCommand({ StreamName: name, Tags: { env: 'test', owner: 'me' } }));
    expect((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toEqual({ team: 'video', env: 'test', owner: 'me' });
    await client.send(new UntagStreamCommand({ StreamARN, TagKeyList: ['owner'] }));
    await client.send(new TagResourceCommand({ ResourceARN: StreamARN, Tags: [{ Key: 'site', Value: 'lab' }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceARN: StreamARN }))).Tags).toEqual({ team: 'video', env: 'test', site: 'lab' });
    await client.send(new UntagResourceCommand({ ResourceARN: StreamARN, TagKeyList: ['site', 'team'] }));
    expect((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toEqual({ env: 'test' });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const over = await errorOf(client.send(new TagStreamCommand({ StreamName: name, Tags: many })));
    expect(over.name).toBe('TagsPerResourceExceededLimitException');
    const unknown = await errorOf(
      client.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:kinesisvideo:${TEST_REGION}:${TEST_ACCOUNT}:stream/${name}/1` })),
    );
    expect(unknown.name).toBe('ResourceNotFoundException');
  });

  it('describes and updates the storage tier', async () => {
    const name = uniqueStreamName('kvs-tier');
    await client.send(new CreateStreamCommand({ StreamName: name, StreamStorageConfiguration: { DefaultStorageTier: 'WARM' } }));
    const out = await client.send(new DescribeStreamStorageConfigurationCommand({ StreamName: name }));
    expect(out.StreamStorageConfiguration).toEqual({ DefaultStorageTier: 'WARM' });
    const version = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.Version;
    await client.send(
      new UpdateStreamStorageConfigurationCommand({ StreamName: name, CurrentVersion: version, StreamStorageConfiguration: { DefaultStorageTier: 'HOT' } }),
    );
    expect((await client.send(new DescribeStreamStorageConfigurationCommand({ StreamName: name }))).StreamStorageConfiguration?.DefaultStorageTier).toBe('HOT');
  });

  it('deletes with the version check; a re-created stream gets a new ARN', async () => {
    const name = uniqueStreamName('kvs-delete');
    const { StreamARN } = await client.send(new CreateStreamCommand({ StreamName: name }));
    const stale = await errorOf(client.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: 'abc' })));
    expect(stale.name).toBe('VersionMismatchException');
    await client.send(new DeleteStreamCommand({ StreamARN }));
    const gone = await errorOf(client.send(new DescribeStreamCommand({ StreamName: name })));
    expect(gone.name).toBe('ResourceNotFoundException');
    await new Promise((r) => setTimeout(r, 2));
    const again = await client.send(new CreateStreamCommand({ StreamName: name }));
    expect(again.StreamARN).not.toBe(StreamARN);
    const old = await errorOf(client.send(new DeleteStreamCommand({ StreamARN })));
    expect(old.name).toBe('ResourceNotFoundException');
  });

  it('answers unsupported operations of the model with UnknownOperationException naming what to use instead', async () => {
    const err = await errorOf(client.send(new CreateSignalingChannelCommand({ ChannelName: 'c' })));
    expect(err.name).toBe('UnknownOperationException');
    expect(err.message).toBe(
      'CreateSignalingChannel is not supported by the emulator: WebRTC signaling channels are not emulated; use a real AWS account for KVS WebRTC.',
    );
  });

  it('throttles with ClientLimitExceededException when a fault rule says so', async () => {
    const name = uniqueStreamName('kvs-fault');
    await client.send(new CreateStreamCommand({ StreamName: name }));
    const rule = emu.faults.add({ service: 'kinesisvideo', operations: ['DescribeStream'], streamName: name, throttleRate: 1, count: 1 });
    const err = await errorOf(client.send(new DescribeStreamCommand({ StreamName: name })));
    expect(err.name).toBe('ClientLimitExceededException');
    expect(emu.faults.list().find((r) => r.id === rule.id)).toBeUndefined();
    await client.send(new DescribeStreamCommand({ StreamName: name }));
  });
});

describe('KVS wire format', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false });
  });
  afterAll(() => emu.close());

  it('sends errors as KVS does: x-amzn-ErrorType with the namespace, __type and Message, CORS headers (loopback origin)', async () => {
    const res = await rawRequest(emu.url, 'http/1.1', {
      path: '/describeStream',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
      body: JSON.stringify({ StreamName: 'no-such-stream' }),
    });
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException:https://kinesisvideo.amazonaws.com/doc/2017-09-30/');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(res.headers['vary']).toBe('Origin');
    expect(jsonOf(res)).toEqual({ __type: 'ResourceNotFoundException', Message: 'The requested stream is not found or not active.' });
  });

  it('answers CORS preflights on KVS paths (loopback origin)', async () => {
    const res = await rawRequest(emu.url, 'http/1.1', {
      method: 'OPTIONS',
      path: '/getDataEndpoint',
      headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
  });

  it('refuses a body that is not JSON with SerializationException and accepts an unsigned request', async () => {
    const bad = await rawRequest(emu.url, 'http/1.1', { path: '/listStreams', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(jsonOf(bad)['__type']).toBe('SerializationException');
    const ok = await rawRequest(emu.url, 'h2c', { path: '/listStreams', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ok.status).toBe(200);
    expect(jsonOf(ok)).toHaveProperty('StreamInfoList');
  });

  it('answers epoch-second numbers for timestamps, not ISO strings', async () => {
    const name = uniqueStreamName('kvs-wire');
    await rawRequest(emu.url, 'http/1.1', { path: '/createStream', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ StreamName: name }) });
    const res = await rawRequest(emu.url, 'http/1.1', { path: '/describeStream', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ StreamName: name }) });
    const info = jsonOf<{ StreamInfo: { CreationTime: unknown } }>(res).StreamInfo;
    expect(typeof info.CreationTime).toBe('number');
  });
});

describe('KVS switched off', () => {
  it('leaves the KVS paths unrouted and out of health', async () => {
    const emu = await startEmulator({ port: 0, dynamodb: false, kvs: false });
    try {
      // The Kinesis endpoint's answer, as AWS's Kinesis endpoint gives it for any path: application/json in Coral's old envelope.
      const res = await rawRequest(emu.url, 'http/1.1', { path: '/createStream', headers: { 'content-type': 'application/json' }, body: '{"StreamName":"s"}' });
      expect(res.status).toBe(404);
      expect(jsonOf(res)).toEqual({ Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' });
      const health = await rawRequest(emu.url, 'http/1.1', { method: 'GET', path: '/_tributary/health' });
      expect(jsonOf(health)).toEqual({ status: 'ok', services: ['kinesis'] });
    } finally {
      await emu.close();
    }
  });
});

describe('KVS status machine and persistence', () => {
  it('goes CREATING → ACTIVE and DELETING → gone after the configured delays', async () => {
    const emu = await startEmulator({ port: 0, dynamodb: false, kvs: { delays: { create: 150, delete: 150 } } });
    const client = createKinesisVideoClient(emu.url);
    try {
      const name = uniqueStreamName('kvs-delays');
      const { StreamARN } = await client.send(new CreateStreamCommand({ StreamName: name }));
      expect((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.Status).toBe('CREATING');
      const busy = await errorOf(client.send(new DeleteStreamCommand({ StreamARN })));
      expect(busy.name).toBe('ResourceInUseException');
      await waitForVideoStreamStatus(client, name, 'ACTIVE');
      await client.send(new DeleteStreamCommand({ StreamARN }));
      expect((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.Status).toBe('DELETING');
      const endpoint = await errorOf(client.send(new GetDataEndpointCommand({ StreamName: name, APIName: 'PUT_MEDIA' })));
      expect(endpoint.name).toBe('ResourceNotFoundException');
      for (let i = 0; i < 100; i++) {
        const err = await client.send(new DescribeStreamCommand({ StreamName: name })).then(
          () => undefined,
          (e: Error) => e,
        );
        if (err) {
          expect(err.name).toBe('ResourceNotFoundException');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the stream was not deleted');
    } finally {
      client.destroy();
      await emu.close();
    }
  });

  it('keeps streams, tags and versions across a restart on the same data dir', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-meta-'));
    try {
      let emu = await startEmulator({ port: 0, dynamodb: false, dataDir });
      let client = createKinesisVideoClient(emu.url);
      const name = uniqueStreamName('kvs-persist');
      await client.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 5, Tags: { a: 'b' } }));
      const before = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo;
      client.destroy();
      await emu.close();
      expect(fs.existsSync(path.join(dataDir, 'kvs', 'streams.json'))).toBe(true);
      emu = await startEmulator({ port: 0, dynamodb: false, dataDir });
      client = createKinesisVideoClient(emu.url);
      const after = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo;
      expect(after).toEqual(before);
      expect((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toEqual({ a: 'b' });
      client.destroy();
      await emu.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
