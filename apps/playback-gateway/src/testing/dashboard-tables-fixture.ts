/**
 * The dashboard's four tables for integration suites, created with the SDK in the key layout of @tributary/schemas'
 * dashboard contract (as telemetry-consumer, kinesis-consumer and video-producer create them), with unique names,
 * and a PutItem of plain objects (marshalled as the writers marshal them).
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ensureTable, type TableKey } from '@tributary/dynamodb-tables';
import { uniqueTableName } from '@tributary/emulator/testing';
import { CAMERA_HEALTH_TABLE_KEYS, ROLLUP_TABLE_KEYS } from '@tributary/schemas';

export interface DashboardTableNames {
  deviceState: string;
  rollups: string;
  leases: string;
  cameraHealth: string;
}

const hash = (name: string): TableKey => ({ name, type: 'S', role: 'HASH' });

const KEYS: Readonly<Record<keyof DashboardTableNames, TableKey[]>> = {
  deviceState: [hash('deviceId')],
  rollups: [hash(ROLLUP_TABLE_KEYS.hash), { name: ROLLUP_TABLE_KEYS.range, type: 'S', role: 'RANGE' }],
  leases: [hash('leaseKey')],
  cameraHealth: [hash(CAMERA_HEALTH_TABLE_KEYS.hash)],
};

/** Creates the four tables under unique names, waits until they are ACTIVE, and returns the names. */
export async function createDashboardTables(ddb: DynamoDBClient): Promise<DashboardTableNames> {
  const names: DashboardTableNames = {
    deviceState: uniqueTableName('devices'),
    rollups: uniqueTableName('rollups'),
    leases: uniqueTableName('leases'),
    cameraHealth: uniqueTableName('camera-health'),
  };
  // The one create-if-missing the writers use too (@tributary/dynamodb-tables): created and ACTIVE on return.
  await Promise.all((Object.keys(KEYS) as Array<keyof DashboardTableNames>).map((table) => ensureTable(ddb, { tableName: names[table], keys: KEYS[table] })));
  return names;
}

export async function putItem(ddb: DynamoDBClient, table: string, item: object): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));
}
