/**
 * The dashboard page in Debian's chromium against known data: the emulator in process, the four tables created
 * and filled with the SDK in the contract's layout, KVS streams without video, the gateway in process. Where the
 * whole-stack test (tools/dev-stack/src/dashboard.e2e.int.spec.ts) shows that live data moves, this one checks that
 * what the page shows is what the tables hold: figures, rows, chart points, the derived ingest rate, the selected
 * device, the data-streams panel (a `logs` stream written with a KPL aggregate of access lines: its row, its flow
 * and its newest records deaggregated, shown as text and not as markup), and the panels a principal without
 * telemetry:read does not get — under the page's CSP.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { generateApiKey, type GeneratedApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import {
  chromiumAvailable,
  createActiveStream,
  createActiveVideoStream,
  createDynamoDbClient,
  createKinesisClient,
  createKinesisVideoClient,
  CSP_VIOLATION_RECORDER,
  HTTP1_NODE,
  launchChromium,
  pagePoller,
  TEST_CREDENTIALS,
  TEST_REGION,
  uniqueStreamName,
} from '@tributary/emulator/testing';
import { AggregateBuilder } from '@tributary/kpl';
import { toRollupItem } from '@tributary/schemas';
import { loadConfig } from '../playback-gateway-config';
import { createDashboardTables, putItem, type DashboardTableNames } from '../testing/dashboard-tables-fixture';
import { startPlaybackGateway, type RunningPlaybackGateway } from '../playback-gateway-app';

const keyLine = (k: GeneratedApiKey, scopes: string): string => `${k.record.id}:${k.record.hash}:${scopes}`;

/** Polls `expression` from the test (page.waitForFunction would eval in the page, which its CSP refuses). */
const pollPage = pagePoller({ describe: (page) => page.evaluate<string>(`document.getElementById('dashboard-status').textContent`) });

const text = (page: Page, selector: string): Promise<string> => page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);
const data = (page: Page, selector: string, name: string): Promise<string> =>
  page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)}).dataset[${JSON.stringify(name)}] || ''`);
const hidden = (page: Page, id: string): Promise<boolean> => page.evaluate<boolean>(`document.getElementById(${JSON.stringify(id)}).hidden`);

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

describeBrowser('dashboard page in chromium (emulator tables + gateway)', () => {
  let emulator: RunningEmulator;
  let ddb: DynamoDBClient;
  let kvs: KinesisVideoClient;
  let kinesis: KinesisClient;
  let gateway: RunningPlaybackGateway;
  let browser: Browser;
  let tables: DashboardTableNames;
  const camera = uniqueStreamName('page-cam');
  const full = generateApiKey({ scopes: ['video:read', 'telemetry:read'] });
  const videoOnly = generateApiKey({ scopes: ['video:read'] });
  const now = Date.now();
  const minute = Math.floor(now / 60_000) * 60_000;
  // The dev stack's stream name, which the panel previews without a click; markup in a line stays text.
  const logStream = 'logs';
  const accessLines = ['"GET /index.html HTTP/1.1" 200 512', '"GET /<img src=x id=injected> HTTP/1.1" 404 0'].map((l) => `10.0.0.7 - - [07/Dec/2026:06:00:00 +0000] ${l}`);

  const put = (table: string, item: object) => putItem(ddb, table, item);
  const putLease = (recordsProcessed: number, statsUpdatedAt: number, millisBehindLatest: number) =>
    put(tables.leases, { leaseKey: 'shardId-000000000000', leaseOwner: 'worker-a', leaseCounter: 1, checkpoint: 'TRIM_HORIZON', millisBehindLatest, recordsProcessed, statsUpdatedAt });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    ddb = createDynamoDbClient(emulator.url);
    kvs = createKinesisVideoClient(emulator.url);
    tables = await createDashboardTables(ddb);
    await createActiveVideoStream(kvs, camera);
    await put(tables.deviceState, { deviceId: 'dev-1', seq: 4, ts: now - 1_500, metrics: { temp: 21.25, rpm: 900 }, shardId: 'shardId-000000000000', updatedAt: now });
    await put(tables.deviceState, { deviceId: 'dev-2', seq: 9, ts: now - 500, metrics: { temp: 18.5 }, shardId: 'shardId-000000000000', updatedAt: now });
    for (let i = 3; i >= 1; i--) {
      for (const metric of ['temp', 'rpm']) {
        const windowStart = minute - i * 60_000;
        await put(tables.rollups, toRollupItem({ deviceId: 'dev-1', metric, windowStart, windowEnd: windowStart + 60_000, count: 6, sum: 60, min: 8, max: 12, mean: 10 + i, closedBy: 'watermark' }));
      }
    }
    await put(tables.cameraHealth, {
      streamName: camera,
      producerId: 'edge-1',
      state: 'streaming',
      fragmentsAcked: 50,
      fragmentsPerSecond: 2,
      bitrateKbps: 812.4,
      ackLatencyP50Ms: 35,
      ackLatencyP99Ms: 91,
      lastFragmentAt: now - 700,
      lastAckAt: now - 600,
      spooledFragments: 3,
      intervalMs: 60_000,
      updatedAt: now,
    });
    await putLease(1_000, now - 10_000, 250);
    kinesis = createKinesisClient(emulator.url, HTTP1_NODE);
    await createActiveStream(kinesis, logStream, 1);
    await createActiveStream(kinesis, uniqueStreamName('page-other'), 1);
    const aggregate = new AggregateBuilder();
    for (const line of accessLines) aggregate.add({ partitionKey: 'web-1', partitionKeyBytes: 5, data: Buffer.from(line) });
    await kinesis.send(new PutRecordCommand({ StreamName: logStream, Data: aggregate.encode(), PartitionKey: 'web-1' }));

    const loaded = loadConfig(
      [
        '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent',
        '--device-state-table', tables.deviceState, '--rollup-table', tables.rollups, '--lease-table', tables.leases, '--camera-health-table', tables.cameraHealth,
      ],
      { GATEWAY_API_KEYS: [keyLine(full, 'video:read,telemetry:read'), keyLine(videoOnly, 'video:read')].join(';'), GATEWAY_PLAYBACK_KEY: 'dashboard-page-test-playback-key-0123456789' },
    );
    if (loaded.help) throw new Error('unexpected --help');
    const aws = { endpoint: emulator.url, region: TEST_REGION, credentials: TEST_CREDENTIALS };
    gateway = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      kvsClientConfig: aws,
      dynamoDbClientConfig: aws,
      kinesisClientConfig: aws,
      dashboardCacheMs: 200,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    ddb?.destroy();
    kvs?.destroy();
    kinesis?.destroy();
    await emulator?.close();
  });

  it('shows what the tables hold, follows the selected device, and derives the ingest rate', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.addInitScript(CSP_VIOLATION_RECORDER);
    // From the player page to the dashboard, by its link.
    await page.goto(gateway.url);
    await page.click('#nav-dashboard');
    await pollPage(page, `location.pathname === '/dashboard' && !!document.getElementById('sign-in-form')`);
    await page.fill('#api-key', full.key);
    await page.click('#sign-in');
    await pollPage(page, `document.getElementById('auth-status').dataset.state === 'signed-in'`);

    // Camera tile: the producer's figures.
    const tile = `[data-camera="${camera}"]`;
    await pollPage(page, `!!document.querySelector('${tile} video')`);
    expect(await data(page, tile, 'state')).toBe('streaming');
    expect(await text(page, `${tile} [data-figure="fps"]`)).toBe('2.00');
    expect(await text(page, `${tile} [data-figure="ack50"]`)).toBe('35 ms');
    expect(await text(page, `${tile} [data-figure="ack99"]`)).toBe('91 ms');
    expect(await text(page, `${tile} [data-figure="bitrate"]`)).toBe('812 kbit/s');
    expect(await text(page, `${tile} [data-figure="spool"]`)).toBe('3');

    // Devices, and the first one's rollups without a click: 3 minutes, both metrics.
    await pollPage(page, `document.getElementById('device-table').dataset.count === '2'`);
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('#device-table tbody tr')].map((tr) => tr.dataset.device)`)).toEqual(['dev-1', 'dev-2']);
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('#device-table thead th')].map((th) => th.textContent)`)).toEqual(['Device', 'Age', 'seq', 'rpm', 'temp']);
    expect(await text(page, '#device-table tr[data-device="dev-1"] td:last-child')).toBe('21.25');
    await pollPage(page, `document.getElementById('rollup-chart').dataset.points === '3'`);
    expect(await data(page, '#rollup-chart', 'device')).toBe('dev-1');
    expect(await page.evaluate<string[]>(`[...document.getElementById('rollup-metric').options].map((o) => o.value)`)).toEqual(['rpm', 'temp']);
    await page.selectOption('#rollup-metric', 'temp');
    await pollPage(page, `document.getElementById('rollup-chart').dataset.metric === 'temp'`);
    expect(await page.evaluate<number>(`document.querySelectorAll('#rollup-chart canvas').length`)).toBe(1);

    // Another device: its (empty) rollups.
    await page.click('#device-table tr[data-device="dev-2"]');
    await pollPage(page, `document.getElementById('rollup-chart').dataset.device === 'dev-2'`);
    expect(await data(page, '#rollup-chart', 'points')).toBe('0');
    expect(await hidden(page, 'rollup-empty')).toBe(false);

    // Consumers: lag per shard over time, and records/s once the lease was renewed with more records.
    await pollPage(page, `document.getElementById('max-lag').dataset.value === '250'`);
    const lagPoints = Number(await data(page, '#lag-chart', 'points'));
    await putLease(1_400, now - 8_000, 40);
    await pollPage(page, `document.getElementById('ingest-rate').dataset.value === '200'`);
    expect(await data(page, '#max-lag', 'value')).toBe('40');
    expect(Number(await data(page, '#lag-chart', 'points'))).toBeGreaterThan(lagPoints);

    expect(await page.evaluate<string[]>('window.__csp')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the data streams with their flow and previews the logs stream, deaggregated, as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.addInitScript(CSP_VIOLATION_RECORDER);
    await page.goto(`${gateway.url}/dashboard`);
    await page.fill('#api-key', full.key);
    await page.click('#sign-in');
    await pollPage(page, `document.getElementById('data-stream-table').dataset.count === '2'`);
    expect(await hidden(page, 'data-streams-panel')).toBe(false);
    const row = `#data-stream-table tr[data-stream="${logStream}"]`;
    expect(await text(page, `${row} [data-field="status"]`)).toBe('ACTIVE');
    expect(await text(page, `${row} [data-field="mode"]`)).toBe('PROVISIONED');
    expect(await text(page, `${row} [data-field="shards"]`)).toBe('1');
    expect(await text(page, `${row} [data-field="retention"]`)).toBe('24 h');
    // One Kinesis record, two user records, over the last minute.
    expect(await text(page, `${row} [data-field="records"]`)).toBe((1 / 60).toFixed(2));
    expect(await text(page, `${row} [data-field="userRecords"]`)).toBe((2 / 60).toFixed(2));
    expect(await text(page, `${row} [data-field="last"]`)).toMatch(/^\d+\.\d s ago$/);
    // The newest records of `logs` without a click: newest first, the markup shown as text.
    await pollPage(page, `document.getElementById('stream-preview').dataset.count === '2'`);
    expect(await data(page, '#stream-preview', 'stream')).toBe(logStream);
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('#stream-preview pre')].map((p) => p.textContent)`)).toEqual([...accessLines].reverse());
    expect(await page.evaluate<boolean>(`document.getElementById('injected') === null && document.querySelectorAll('#stream-preview img').length === 0`)).toBe(true);
    expect(await data(page, '#stream-preview li', 'encoding')).toBe('text');
    // Another stream by a click: nothing arrived there.
    await page.click('#data-stream-table tbody tr:not([data-stream="logs"])');
    await pollPage(page, `document.getElementById('stream-preview').dataset.stream !== 'logs'`);
    await pollPage(page, `!document.getElementById('stream-preview-empty').hidden`);
    expect(await data(page, '#stream-preview', 'count')).toBe('0');
    expect(await page.evaluate<string[]>('window.__csp')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives a principal without telemetry:read the cameras only', async () => {
    const page = await browser.newPage();
    await page.goto(`${gateway.url}/dashboard`);
    await page.fill('#api-key', videoOnly.key);
    await page.click('#sign-in');
    await pollPage(page, `document.getElementById('auth-status').dataset.state === 'signed-in'`);
    await pollPage(page, `!!document.querySelector('[data-camera="${camera}"]')`);
    for (const id of ['devices-panel', 'rollups-panel', 'consumers-panel', 'data-streams-panel']) expect(await hidden(page, id)).toBe(true);
    expect(await hidden(page, 'cameras-panel')).toBe(false);
    await page.close();
  });

  it('forgets a refused credential and says so', async () => {
    const page = await browser.newPage();
    await page.goto(`${gateway.url}/dashboard`);
    await page.fill('#api-key', 'trb_0123456789abcdef_notavalidsecretatall');
    await page.click('#sign-in');
    await pollPage(page, `document.getElementById('auth-status').dataset.state === 'rejected'`);
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('tributary.credential')`)).toBeNull();
    expect(await data(page, '#dashboard', 'state')).toBe('signed-out');
    await page.close();
  });
});
