/**
 * Session sharing, seen from the network: a TCP proxy in front of the emulator counts the connections the SDK
 * opens for N SubscribeToShard subscriptions. With MultiplexedHttp2Handler they fit in ceil(N / limit)
 * connections; with the SDK's default handler — and with NodeHttp2Handler even when told to share
 * (`disableConcurrentStreams: false`), because it isolates every event stream — each subscription costs a
 * connection. Also: a paused subscription does not stall the others on its connection, subscriptions survive
 * their connection being cut (they resubscribe on a new session), and the handler speaks TLS with ALPN h2.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { createActiveStream, streamArnOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import type { Checkpoint } from '../consumer-types';
import { startConsumerTestEnv, type ConsumerTestEnv } from '../testing/consumer-int-kit';
import { putTexts, readUntil, recordsOf, shardIdsOf, startCountingProxy, textOf, type CountingProxy } from '../testing/retrieval-int-kit';
import { FanOutRecordSourceFactory, type FanOutKinesisClient, type FanOutShardRecordSource } from './fan-out-record-source';
import { createFanOutKinesisClient } from './kinesis-clients';

const TRIM: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
const SHARDS = 6;

describe('Subscriptions over shared HTTP/2 sessions (emulator behind a connection-counting proxy)', () => {
  let kds: ConsumerTestEnv;
  let proxy: CountingProxy;
  let name: string;
  let shardIds: string[];

  beforeAll(async () => {
    kds = await startConsumerTestEnv();
    name = uniqueStreamName('efo-sessions');
    await createActiveStream(kds.kinesis, name, SHARDS);
    shardIds = await shardIdsOf(kds.kinesis, name);
    // One record per shard, by explicit hash key (shard i owns [i·2^128/6, …)).
    const width = (1n << 128n) / BigInt(SHARDS);
    await putTexts(kds.kinesis, name, shardIds.map((id) => `hello-${id}`), (_t, i) => ({ PartitionKey: 'k', ExplicitHashKey: (BigInt(i) * width + 1n).toString() }));
  });
  beforeEach(async () => {
    proxy = await startCountingProxy(kds.emu.port);
  });
  afterEach(async () => {
    await proxy.close();
  });
  afterAll(async () => {
    await kds.close();
  });

  /** Opens a subscription per shard under a fresh consumer name and reads each shard's first record. */
  async function subscribeAll(client: FanOutKinesisClient, consumerName: string): Promise<{ factory: FanOutRecordSourceFactory; sources: FanOutShardRecordSource[] }> {
    const factory = new FanOutRecordSourceFactory({ client, consumerName, registrationPollMs: 20 });
    const sources = await Promise.all(shardIds.map((shardId) => factory.open({ streamArn: streamArnOf(name), streamName: name, shardId, start: TRIM })));
    for (const [i, source] of sources.entries()) {
      expect(recordsOf(await readUntil(source, (b) => recordsOf(b).length >= 1)).map(textOf)).toEqual([`hello-${shardIds[i]}`]);
    }
    return { factory, sources };
  }

  it(`MultiplexedHttp2Handler: ${SHARDS} subscriptions with 4 streams per session use ceil(${SHARDS}/4) = 2 connections`, async () => {
    const { client, handler } = createFanOutKinesisClient({ endpoint: proxy.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, http2: { maxConcurrentStreams: 4 } });
    const { factory } = await subscribeAll(client, 'shared-4');
    expect(proxy.connections).toBe(2);
    expect(handler.stats()).toMatchObject({ sessionsOpened: 2, openSessions: 2, activeStreams: SHARDS });
    await factory.close();
    client.destroy();
  });

  it(`MultiplexedHttp2Handler with the default limit (100): one connection for everything`, async () => {
    const { client, handler } = createFanOutKinesisClient({ endpoint: proxy.url, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const { factory } = await subscribeAll(client, 'shared-100');
    expect(proxy.connections).toBe(1);
    expect(handler.stats().requests).toBeGreaterThan(SHARDS);
    await factory.close();
    client.destroy();
  });

  it.each([
    ['the SDK default handler', undefined],
    ['NodeHttp2Handler({ disableConcurrentStreams: false })', () => new NodeHttp2Handler({ disableConcurrentStreams: false, maxConcurrentStreams: 100 })],
  ])('baseline, %s: one connection per subscription', async (_name, makeHandler) => {
    const client = new KinesisClient({
      endpoint: proxy.url,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      ...(makeHandler ? { requestHandler: makeHandler() } : {}),
    });
    const { factory } = await subscribeAll(client, `baseline-${makeHandler ? 'pooled' : 'default'}`);
    expect(proxy.connections).toBeGreaterThanOrEqual(SHARDS);
    await factory.close();
    client.destroy();
  });

  it('a paused subscription does not stall the others on the same connection', async () => {
    const streamName = uniqueStreamName('efo-hol');
    await createActiveStream(kds.kinesis, streamName, 2);
    const [first, second] = await shardIdsOf(kds.kinesis, streamName);
    const { client, handler } = createFanOutKinesisClient({ endpoint: proxy.url, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const factory = new FanOutRecordSourceFactory({ client, consumerName: 'hol', registrationPollMs: 20 });
    const open = (shardId: string): Promise<FanOutShardRecordSource> => factory.open({ streamArn: streamArnOf(streamName), streamName, shardId, start: TRIM });
    const paused = await open(first);
    const live = await open(second);
    // ~900 KiB for the shard nobody reads: far beyond HTTP/2's default 64-KiB connection window, within the
    // paused stream's own 1-MiB window (where it waits).
    const big = 'x'.repeat(100 * 1024);
    await putTexts(kds.kinesis, streamName, Array.from({ length: 9 }, () => big), () => ({ PartitionKey: 'p', ExplicitHashKey: '1' }));
    await new Promise((r) => setTimeout(r, 300)); // let the service push it into the paused stream
    await putTexts(kds.kinesis, streamName, ['still flowing'], () => ({ PartitionKey: 'p', ExplicitHashKey: ((1n << 127n) + 1n).toString() }));
    expect(recordsOf(await readUntil(live, (b) => recordsOf(b).length >= 1, 3_000)).map(textOf)).toEqual(['still flowing']);
    expect(handler.stats().sessionsOpened).toBe(1);
    // And the paused one still has all of its data.
    expect(recordsOf(await readUntil(paused, (b) => recordsOf(b).length >= 9, 5_000))).toHaveLength(9);
    await factory.close();
    client.destroy();
  });

  it('subscriptions survive their connection being cut: they resubscribe on a new session, from where they were', async () => {
    const streamName = uniqueStreamName('efo-cut');
    await createActiveStream(kds.kinesis, streamName, 1);
    const { client, handler } = createFanOutKinesisClient({ endpoint: proxy.url, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const factory = new FanOutRecordSourceFactory({ client, consumerName: 'cut', registrationPollMs: 20, retryBaseDelayMs: 100 });
    const source = await factory.open({ streamArn: streamArnOf(streamName), streamName, shardId: 'shardId-000000000000', start: TRIM });
    await putTexts(kds.kinesis, streamName, ['one', 'two']);
    const got = recordsOf(await readUntil(source, (b) => recordsOf(b).length >= 2)).map(textOf);
    proxy.dropAll();
    await putTexts(kds.kinesis, streamName, ['three']);
    got.push(...recordsOf(await readUntil(source, (b) => recordsOf(b).length >= 1, 8_000)).map(textOf));
    expect(got).toEqual(['one', 'two', 'three']);
    expect(handler.stats().sessionsOpened).toBe(2);
    expect(source.stats.subscriptions).toBeGreaterThanOrEqual(2);
    await factory.close();
    client.destroy();
  });
});

describe('MultiplexedHttp2Handler over TLS (ALPN h2), as against AWS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efo-tls-'));
  let kds: ConsumerTestEnv;
  let cert: Buffer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    kds = await startConsumerTestEnv({ tls: { cert, key: fs.readFileSync(path.join(dir, 'key.pem')) } });
  });
  afterAll(async () => {
    await kds.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes over https with the server CA given in connectOptions, on one session', async () => {
    const name = uniqueStreamName('efo-tls');
    await createActiveStream(kds.kinesis, name, 2);
    const shardIds = await shardIdsOf(kds.kinesis, name);
    const { client, handler } = createFanOutKinesisClient({
      endpoint: `https://127.0.0.1:${kds.emu.port}`,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      http2: { connectOptions: { ca: cert } },
    });
    const factory = new FanOutRecordSourceFactory({ client, consumerName: 'tls', registrationPollMs: 20 });
    const sources = await Promise.all(shardIds.map((shardId) => factory.open({ streamArn: streamArnOf(name), streamName: name, shardId, start: TRIM })));
    await putTexts(kds.kinesis, name, ['a', 'b'], (_t, i) => ({ PartitionKey: 'k', ExplicitHashKey: i === 0 ? '1' : ((1n << 127n) + 1n).toString() }));
    for (const [i, source] of sources.entries()) {
      expect(recordsOf(await readUntil(source, (b) => recordsOf(b).length >= 1)).map(textOf)).toEqual([i === 0 ? 'a' : 'b']);
    }
    expect(handler.stats()).toMatchObject({ sessionsOpened: 1, activeStreams: 2 });
    await factory.close();
    client.destroy();
  });
});
