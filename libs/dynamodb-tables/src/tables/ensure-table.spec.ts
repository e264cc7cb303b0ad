/**
 * ensureTable against a scripted DynamoDB: the calls it makes, the wait on injected timers, and each way it gives
 * up. The real service's answers (racing creators, dynalite without TTL) are exercised by the lease table's and the
 * sinks' integration suites on the emulator.
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { serviceError } from '@tributary/errors/testing';
import { FakeTimers } from '@tributary/runtime/testing';
import { TableError } from '../errors';
import { ensureTable, type TableDefinition } from './ensure-table';

const LEASES: TableDefinition = { tableName: 'leases', keys: [{ name: 'leaseKey', type: 'S', role: 'HASH' }] };
const ROLLUPS: TableDefinition = {
  tableName: 'rollups',
  keys: [
    { name: 'deviceId', type: 'S', role: 'HASH' },
    { name: 'window', type: 'S', role: 'RANGE' },
  ],
  ttlAttribute: 'expiresAt',
};

const described = (definition: TableDefinition, status: string): TableDescription => ({
  TableName: definition.tableName,
  TableStatus: status as TableDescription['TableStatus'],
  KeySchema: definition.keys.map((k) => ({ AttributeName: k.name, KeyType: k.role })),
  AttributeDefinitions: definition.keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
});

/** DescribeTable answers a script of statuses (undefined: not found; the last one repeats). */
class ScriptedDynamo {
  calls: string[] = [];
  createError: Error | undefined;
  ttlError: Error | undefined;
  describeError: Error | undefined;
  private readonly table: (status: string) => TableDescription;
  constructor(definition: TableDefinition, public statuses: (string | undefined)[], table?: (status: string) => TableDescription) {
    this.table = table ?? ((s) => described(definition, s));
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof DescribeTableCommand) {
      this.calls.push('DescribeTable');
      if (this.describeError) throw this.describeError;
      const status = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
      if (status === undefined) throw serviceError('ResourceNotFoundException', 400);
      return { Table: this.table(status) };
    }
    if (command instanceof CreateTableCommand) {
      this.calls.push(`CreateTable ${command.input.BillingMode} ${command.input.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(',')}`);
      if (this.createError) throw this.createError;
      return {};
    }
    if (command instanceof UpdateTimeToLiveCommand) {
      this.calls.push(`UpdateTimeToLive ${command.input.TimeToLiveSpecification?.AttributeName}`);
      if (this.ttlError) throw this.ttlError;
      return {};
    }
    throw new Error('unexpected command');
  }
}

describe('ensureTable', () => {
  it('leaves an existing table alone: one DescribeTable', async () => {
    const ddb = new ScriptedDynamo(ROLLUPS, ['ACTIVE']);
    await expect(ensureTable(ddb, ROLLUPS)).resolves.toEqual({ outcome: 'exists' });
    expect(ddb.calls).toEqual(['DescribeTable']);
  });

  it('creates a missing table PAY_PER_REQUEST, waits for ACTIVE with doubling waits, then enables TTL', async () => {
    const ddb = new ScriptedDynamo(ROLLUPS, [undefined, 'CREATING', 'CREATING', 'ACTIVE']);
    const time = new FakeTimers();
    const done = ensureTable(ddb, ROLLUPS, { clock: time, timers: time });
    await time.advance(50);
    expect(ddb.calls.filter((c) => c === 'DescribeTable')).toHaveLength(3);
    await time.advance(100);
    await expect(done).resolves.toEqual({ outcome: 'created', ttl: 'enabled' });
    expect(ddb.calls).toEqual([
      'DescribeTable',
      'CreateTable PAY_PER_REQUEST deviceId:HASH,window:RANGE',
      'DescribeTable',
      'DescribeTable',
      'DescribeTable',
      'UpdateTimeToLive expiresAt',
    ]);
  });

  it('waits for a table another caller is creating (ResourceInUseException), and sets no TTL on it', async () => {
    const ddb = new ScriptedDynamo(ROLLUPS, [undefined, 'CREATING', 'ACTIVE']);
    ddb.createError = serviceError('ResourceInUseException', 400);
    const time = new FakeTimers();
    const done = ensureTable(ddb, ROLLUPS, { clock: time, timers: time });
    await time.advance(50);
    await expect(done).resolves.toEqual({ outcome: 'exists' });
    expect(ddb.calls).not.toContain('UpdateTimeToLive expiresAt');
  });

  it('takes an UPDATING table as usable', async () => {
    await expect(ensureTable(new ScriptedDynamo(LEASES, ['UPDATING']), LEASES)).resolves.toEqual({ outcome: 'exists' });
  });

  it('reports TTL the store does not support, or could not enable, without failing', async () => {
    const unsupported = new ScriptedDynamo(ROLLUPS, [undefined, 'ACTIVE']);
    unsupported.ttlError = serviceError('UnknownOperationException', 400);
    await expect(ensureTable(unsupported, ROLLUPS)).resolves.toEqual({ outcome: 'created', ttl: 'unsupported' });
    const denied = new ScriptedDynamo(ROLLUPS, [undefined, 'ACTIVE']);
    denied.ttlError = serviceError('AccessDeniedException', 400);
    await expect(ensureTable(denied, ROLLUPS)).resolves.toEqual({ outcome: 'created', ttl: 'failed' });
  });

  it.each<[string, Partial<ScriptedDynamo>, object]>([
    ['a throttled DescribeTable is retriable', { describeError: serviceError('ProvisionedThroughputExceededException', 400) }, { code: 'TABLE_CALL_FAILED', operation: 'DescribeTable', retriable: true }],
    ['access denied on DescribeTable is not', { describeError: serviceError('AccessDeniedException', 400) }, { code: 'TABLE_CALL_FAILED', retriable: false }],
    ['a CreateTable over the account limit is retriable', { createError: serviceError('LimitExceededException', 400) }, { code: 'TABLE_CALL_FAILED', operation: 'CreateTable', retriable: true }],
  ])('%s', async (_label, script, expected) => {
    const ddb = Object.assign(new ScriptedDynamo(LEASES, [undefined]), script);
    const err = await ensureTable(ddb, LEASES, { label: 'lease table' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TableError);
    expect(err).toMatchObject({ ...expected, tableName: 'leases' });
    expect((err as Error).message).toMatch(/^could not (describe|create) the lease table leases: /);
  });

  it('gives up after activeTimeoutMs with a retriable TABLE_NOT_ACTIVE', async () => {
    const time = new FakeTimers();
    const done = ensureTable(new ScriptedDynamo(LEASES, ['CREATING']), LEASES, { clock: time, timers: time, activeTimeoutMs: 5_000, label: 'lease table' });
    const outcome = expect(done).rejects.toMatchObject({ code: 'TABLE_NOT_ACTIVE', retriable: true, message: 'lease table leases is not ACTIVE after 5000 ms (status CREATING)' });
    await time.advance(10_000);
    await outcome;
  });

  it('fails at once on a table that is being deleted', async () => {
    await expect(ensureTable(new ScriptedDynamo(LEASES, ['DELETING']), LEASES)).rejects.toMatchObject({ code: 'TABLE_UNUSABLE', retriable: false });
  });

  it('refuses a table with another key schema', async () => {
    const ddb = new ScriptedDynamo(LEASES, ['ACTIVE'], (s) => described({ tableName: 'leases', keys: [{ name: 'id', type: 'S', role: 'HASH' }] }, s));
    await expect(ensureTable(ddb, LEASES, { label: 'lease table' })).rejects.toMatchObject({
      code: 'TABLE_KEY_MISMATCH',
      retriable: false,
      message: expect.stringContaining('the lease table needs the hash key leaseKey (S) alone'),
    });
  });
});
