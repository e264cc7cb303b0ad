/**
 * What the dashboard's integration and browser suites start from: the emulator in process (DynamoDB + KVS + KDS), SDK
 * clients on it, the four dashboard tables under unique names (dashboard-tables-fixture), and gateways started from
 * their settings like in production (loadConfig), with the API keys a suite gives. close() stops every gateway it
 * started, the clients and the emulator.
 */
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import pino from 'pino';
import type { GeneratedApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createDynamoDbClient, createKinesisVideoClient, TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import { loadConfig } from '../playback-gateway-config';
import { startPlaybackGateway, type RunningPlaybackGateway } from '../playback-gateway-app';
import { createDashboardTables, putItem, type DashboardTableNames } from './dashboard-tables-fixture';

export interface DashboardGatewayOptions {
  /** API keys and the scopes each is configured with (GATEWAY_API_KEYS). */
  keys: ReadonlyArray<readonly [GeneratedApiKey, string]>;
  playbackKey: string;
  /** Configure the four tables (default) or none of them. */
  withTables?: boolean;
  dashboardCacheMs?: number;
  /** The gateway's DynamoDB requests go through it (to count them). */
  dynamoDbRequestHandler?: DynamoDBClientConfig['requestHandler'];
  /** The same for its Kinesis Data Streams requests (the data-streams panel). */
  kinesisRequestHandler?: KinesisClientConfig['requestHandler'];
}

export interface DashboardWorld {
  emulator: RunningEmulator;
  ddb: DynamoDBClient;
  kvs: KinesisVideoClient;
  tables: DashboardTableNames;
  /** PutItem of a plain object, marshalled as the writers marshal it. */
  put(table: string, item: object): Promise<void>;
  startGateway(options: DashboardGatewayOptions): Promise<RunningPlaybackGateway>;
  close(): Promise<void>;
}

/** `<id>:<hash>:<scopes>`, one entry of GATEWAY_API_KEYS. */
export const apiKeyLine = (k: GeneratedApiKey, scopes: string): string => `${k.record.id}:${k.record.hash}:${scopes}`;

export async function startDashboardWorld(): Promise<DashboardWorld> {
  const emulator = await startEmulator({ port: 0 });
  const ddb = createDynamoDbClient(emulator.url);
  const kvs = createKinesisVideoClient(emulator.url);
  const gateways: RunningPlaybackGateway[] = [];
  const close = async (): Promise<void> => {
    for (const g of gateways.splice(0)) await g.close();
    ddb.destroy();
    kvs.destroy();
    await emulator.close();
  };
  let tables: DashboardTableNames;
  try {
    tables = await createDashboardTables(ddb);
  } catch (err) {
    await close();
    throw err;
  }
  const aws = { endpoint: emulator.url, region: TEST_REGION, credentials: TEST_CREDENTIALS };
  const startGateway = async (options: DashboardGatewayOptions): Promise<RunningPlaybackGateway> => {
    const tableFlags = options.withTables === false ? [] : [
      '--device-state-table', tables.deviceState,
      '--rollup-table', tables.rollups,
      '--lease-table', tables.leases,
      '--camera-health-table', tables.cameraHealth,
    ];
    const loaded = loadConfig(['--host', '127.0.0.1', '--port', '0', '--log-level', 'silent', ...tableFlags], {
      GATEWAY_API_KEYS: options.keys.map(([key, scopes]) => apiKeyLine(key, scopes)).join(';'),
      GATEWAY_PLAYBACK_KEY: options.playbackKey,
    });
    if (loaded.help) throw new Error('unexpected --help');
    const gateway = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      kvsClientConfig: aws,
      dynamoDbClientConfig: { ...aws, ...(options.dynamoDbRequestHandler ? { requestHandler: options.dynamoDbRequestHandler } : {}) },
      kinesisClientConfig: { ...aws, ...(options.kinesisRequestHandler ? { requestHandler: options.kinesisRequestHandler } : {}) },
      ...(options.dashboardCacheMs !== undefined ? { dashboardCacheMs: options.dashboardCacheMs } : {}),
    });
    gateways.push(gateway);
    return gateway;
  };
  return { emulator, ddb, kvs, tables, put: (table, item) => putItem(ddb, table, item), startGateway, close };
}
