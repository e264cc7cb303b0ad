/**
 * The emulator's DynamoDB (embedded dynalite) for the sinks' int specs: an emulator on port 0 started in the calling
 * spec file's `beforeAll`, a client of the official @aws-sdk/client-dynamodb v3 on it, both closed in `afterAll`.
 * The returned object's fields are valid inside tests and hooks.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createDynamoDbClient } from '@tributary/emulator/testing';

export interface EmulatorDynamoDb {
  readonly emu: RunningEmulator;
  readonly client: DynamoDBClient;
}

export function useEmulatorDynamoDb(): EmulatorDynamoDb {
  let emu: RunningEmulator | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = createDynamoDbClient(emu.url);
  });
  afterAll(async () => {
    client?.destroy();
    await emu?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the emulator runs only inside tests and hooks of the spec file');
    return value;
  };
  return {
    get emu() {
      return started(emu);
    },
    get client() {
      return started(client);
    },
  };
}
