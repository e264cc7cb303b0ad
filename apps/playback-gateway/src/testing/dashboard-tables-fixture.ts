/**
 * The dashboard's four tables for integration suites, created with the SDK in the key layout of @tributary/schemas'
 * dashboard contract (as telemetry-consumer, kinesis-consumer and video-producer create them), with unique names,
 * and a PutItem of plain objects (marshalled as the writers marshal them).
 */
import { CreateTableCommand, PutItemCommand, type AttributeDefinition, type DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { uniqueTableName } from '@tributary/emulator/testing';
import { CAMERA_HEALTH_TABLE_KEYS, ROLLUP_TABLE_KEYS } from '@tributary/schemas';

export interface DashboardTableNames {
  deviceState: string;
  rollups: string;
  leases: string;
  cameraHealth: string;
}

const KEYS: Readonly<Record<keyof DashboardTableNames, Array<[string, 'HASH' | 'RANGE']>>> = {
  deviceState: [['deviceId', 'HASH']],
  rollups: [
    [ROLLUP_TABLE_KEYS.hash, 'HASH'],
    [ROLLUP_TABLE_KEYS.range, 'RANGE'],
  ],
  leases: [['leaseKey', 'HASH']],
  cameraHealth: [[CAMERA_HEALTH_TABLE_KEYS.hash, 'HASH']],
};

/** Creates the four tables under unique names and returns the names. */
export async function createDashboardTables(ddb: DynamoDBClient): Promise<DashboardTableNames> {
  const names: DashboardTableNames = {
    deviceState: uniqueTableName('devices'),
    rollups: uniqueTableName('rollups'),
    leases: uniqueTableName('leases'),
    cameraHealth: uniqueTableName('camera-health'),
  };
  for (const table of Object.keys(KEYS) as Array<keyof DashboardTableNames>) {
    await ddb.send(
      new CreateTableCommand({
        TableName: names[table],
        KeySchema: KEYS[table].map(([AttributeName, KeyType]): KeySchemaElement => ({ AttributeName, KeyType })),
        AttributeDefinitions: KEYS[table].map(([AttributeName]): AttributeDefinition => ({ AttributeName, AttributeType: 'S' })),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  return names;
}

export async function putItem(ddb: DynamoDBClient, table: string, item: object): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));
}
