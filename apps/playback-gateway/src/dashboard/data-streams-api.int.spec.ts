/**
 * The dashboard's data-streams panel against the emulator in process: KDS streams created and written with the SDK
 * (plain JSON, text and binary records and one KPL aggregate built by @tributary/kpl, as the log agent's producer
 * writes them), the gateway started from its settings, the answers read over HTTP with API keys of different
 * scopes, and the gateway's Kinesis requests counted to see that viewers share one sample.
 */
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateApiKey } from '@tributary/auth';
import { createActiveStream, createKinesisClient, HTTP1_NODE, uniqueStreamName } from '@tributary/emulator/testing';
import { AggregateBuilder } from '@tributary/kpl';
import { TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import { KdsDashboardClient } from '../kds/kds-dashboard-client';
import type { RunningPlaybackGateway } from '../playback-gateway-app';
import { startDashboardWorld, type DashboardWorld } from '../testing/dashboard-world';
import type { DataStreamRecordsView, DataStreamsView } from './dashboard-views';

/** Counts the Kinesis requests the gateway sends. */
class CountingHandler extends NodeHttpHandler {
  requests = 0;
  override handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    this.requests++;
    return super.handle(...args);
  }
}

describe('dashboard data streams (emulator: KDS)', () => {
  let world: DashboardWorld;
  let gateway: RunningPlaybackGateway;
  let kinesis: KinesisClient;
  let counting: CountingHandler;
  const logs = uniqueStreamName('logs');
  const quiet = uniqueStreamName('quiet');
  const full = generateApiKey({ scopes: ['video:read', 'telemetry:read'] });
  const videoOnly = generateApiKey({ scopes: ['video:read'] });
  const accessLines = ['GET /a 200', 'GET /b 404', 'POST /c 201'].map((l, i) => `127.0.0.1 - - [07/Dec/2026:06:00:0${i} +0000] "${l}"`);
  const json = { level: 'info', msg: '<script>alert(1)</script>' };
  const binary = Uint8Array.of(0xff, 0xfe, 0x00, 0x01);
  let bytesWritten = 0;

  const get = (path: string, key?: string) => fetch(`${gateway.url}${path}`, { headers: key ? { 'X-Api-Key': key } : {} });
  const put = async (data: Uint8Array, partitionKey: string): Promise<void> => {
    await kinesis.send(new PutRecordCommand({ StreamName: logs, Data: data, PartitionKey: partitionKey }));
    bytesWritten += data.length;
  };

  beforeAll(async () => {
    world = await startDashboardWorld();
    kinesis = createKinesisClient(world.emulator.url, HTTP1_NODE);
    await createActiveStream(kinesis, logs, 2);
    await createActiveStream(kinesis, quiet, 1);
    await put(new TextEncoder().encode(JSON.stringify(json)), 'json');
    await put(binary, 'bin');
    const aggregate = new AggregateBuilder();
    for (const line of accessLines) aggregate.add({ partitionKey: 'web-1', partitionKeyBytes: 5, data: Buffer.from(line) });
    await put(aggregate.encode(), 'web-1');
    await put(new TextEncoder().encode('last plain line'), 'plain');
    counting = new CountingHandler();
    gateway = await world.startGateway({
      keys: [
        [full, 'video:read,telemetry:read'],
        [videoOnly, 'video:read'],
      ],
      playbackKey: 'data-streams-int-test-playback-key-0123456789',
      withTables: false,
      kinesisRequestHandler: counting,
    });
  }, 60_000);

  afterAll(async () => {
    kinesis?.destroy();
    await world?.close();
  });

  it('is authenticated and needs telemetry:read', async () => {
    for (const path of ['/api/dashboard/data-streams', `/api/dashboard/data-streams/${logs}/records`]) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, videoOnly.key)).status).toBe(403);
    }
    expect(((await (await get('/api/dashboard', videoOnly.key)).json()) as { panels: { dataStreams: boolean } }).panels.dataStreams).toBe(false);
    expect(((await (await get('/api/dashboard', full.key)).json()) as { panels: { dataStreams: boolean } }).panels.dataStreams).toBe(true);
    expect(counting.requests).toBe(0);
  });

  it('lists every stream with its summary and what arrived over the last minute, one sample for concurrent viewers', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => get('/api/dashboard/data-streams', full.key)));
    const requests = counting.requests;
    const views = (await Promise.all(answers.map((r) => r.json()))) as DataStreamsView[];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const view = views[0] as DataStreamsView;
    expect(views[1]).toEqual(view);
    const byName = new Map(view.streams.map((s) => [s.name, s]));
    expect(byName.get(logs)).toMatchObject({ status: 'ACTIVE', mode: 'PROVISIONED', openShards: 2, retentionHours: 24, flowError: null });
    const flow = byName.get(logs)?.flow;
    // Four Kinesis records (one an aggregate of three), six user records, over a 60-s window.
    expect(flow).toMatchObject({ windowMs: 60_000, records: 4, userRecords: 6, bytes: bytesWritten, complete: true, shardsOpen: 2, shardsSampled: 2 });
    expect(flow?.recordsPerSecond).toBeCloseTo(4 / 60, 2);
    expect(flow?.userRecordsPerSecond).toBeCloseTo(6 / 60, 2);
    expect(flow?.lastRecordAgeMs).toBeGreaterThanOrEqual(0);
    expect(flow?.lastRecordAgeMs).toBeLessThan(30_000);
    expect(byName.get(quiet)?.flow).toMatchObject({ records: 0, bytes: 0, lastRecordAt: null, lastRecordAgeMs: null, complete: true });
    // One ListStreams, a DescribeStreamSummary and a ListShards per stream, an iterator and one GetRecords page per
    // shard (3): 1 + 2 + 2 + 3 × 2, for the three concurrent viewers together; and nothing more within the cache period.
    expect(requests).toBe(11);
    const again = await get('/api/dashboard/data-streams', full.key);
    expect(again.status).toBe(200);
    await again.json();
    expect(counting.requests).toBe(requests);
  });

  it('previews the newest records, KPL aggregates deaggregated, text, JSON and binary told apart', async () => {
    const res = await get(`/api/dashboard/data-streams/${logs}/records`, full.key);
    expect(res.status).toBe(200);
    const view = (await res.json()) as DataStreamRecordsView;
    expect(view.stream).toBe(logs);
    const texts = view.records.map((r) => r.text);
    expect(texts).toEqual(expect.arrayContaining([...accessLines, 'last plain line', JSON.stringify(json)]));
    expect(view.records).toHaveLength(6);
    const aggregated = view.records.filter((r) => r.partitionKey === 'web-1');
    expect(aggregated.map((r) => r.subSequence).sort()).toEqual([0, 1, 2]);
    expect(new Set(aggregated.map((r) => r.sequenceNumber)).size).toBe(1);
    expect(aggregated.every((r) => r.encoding === 'text')).toBe(true);
    expect(view.records.find((r) => r.partitionKey === 'json')).toMatchObject({ encoding: 'json', subSequence: null });
    expect(view.records.find((r) => r.partitionKey === 'bin')).toMatchObject({ encoding: 'base64', text: Buffer.from(binary).toString('base64'), bytes: 4 });
    // Newest first.
    const arrivals = view.records.map((r) => r.arrivedAt);
    expect([...arrivals].sort((a, b) => b - a)).toEqual(arrivals);
  });

  it('refuses a name it does not list, and a malformed one', async () => {
    expect((await get(`/api/dashboard/data-streams/${uniqueStreamName('nope')}/records`, full.key)).status).toBe(404);
    expect((await get('/api/dashboard/data-streams/bad%20name/records', full.key)).status).toBe(400);
    expect((await get('/api/dashboard/data-streams?x=1', full.key)).status).toBe(400);
    expect((await fetch(`${gateway.url}/api/dashboard/data-streams`, { method: 'POST', headers: { 'X-Api-Key': full.key } })).status).toBe(405);
  });

  it('bounds a busy shard\'s read: the rate is estimated over the part read, the preview comes from the tip', async () => {
    const busy = uniqueStreamName('busy');
    await createActiveStream(kinesis, busy, 1);
    for (let i = 0; i < 7; i++) await kinesis.send(new PutRecordCommand({ StreamName: busy, Data: Buffer.from(`line ${i}`), PartitionKey: 'k' }));
    const kds = new KdsDashboardClient({
      clientConfig: { endpoint: world.emulator.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() },
      timeoutMs: 5_000,
      // A tip window as long as the test may take to get here on a loaded machine.
      settings: { recordsPerPage: 2, maxPagesPerShard: 2, previewRecords: 3, tipMs: 30_000 },
    });
    try {
      const { flow, preview } = await kds.sample(busy);
      // Two pages of two: four of the seven records counted, and the answer says it is not the whole minute.
      expect(flow).toMatchObject({ records: 4, userRecords: 4, complete: false, shardsSampled: 1 });
      expect(flow.recordsPerSecond).toBeGreaterThan(0);
      // The tip read (one page from AT_TIMESTAMP now − tipMs) found the newest records all the same.
      expect(preview.map((r) => r.text)).toEqual(['line 6', 'line 5', 'line 4']);
    } finally {
      kds.close();
    }
  });
});
