/**
 * LeaseTable against the emulator's DynamoDB (dynalite) with the official client: the conditional-write protocol
 * two workers rely on (exactly one wins a race, a non-owner cannot checkpoint, a stale counter is rejected), KCL's
 * item layout, paging, a write whose answer was lost (the SDK's retry must not turn into a lost lease), and the
 * classification of failures. Then two coordinators sharing a real table.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { uniqueTableName } from '@tributary/emulator/testing';
import { DependencyError, LeaseLostError } from '../consumer-error';
import type { Checkpoint, Lease } from '../consumer-types';
import { startConsumerTestEnv, waitFor, type ConsumerTestEnv } from '../testing/consumer-int-kit';
import { SHARD_END, makeLease, shardIdOf } from '../testing/lease-test-kit';
import { LeaseCoordinator } from './lease-coordinator';
import { LeaseTable } from './lease-table';

const seq = (n: number, sub = 0): Checkpoint => ({ kind: 'sequence', sequenceNumber: String(49_000_000_000 + n), subSequenceNumber: sub });

let kit: ConsumerTestEnv;
let client: DynamoDBClient;

beforeAll(async () => {
  kit = await startConsumerTestEnv();
  client = kit.dynamo;
});

afterAll(async () => {
  await kit.close();
});

async function freshTable(prefix = 'leases', options: { client?: DynamoDBClient; scanPageLimit?: number } = {}): Promise<LeaseTable> {
  const table = new LeaseTable({ client: options.client ?? client, tableName: uniqueTableName(prefix), scanPageLimit: options.scanPageLimit });
  await table.ensureTable();
  return table;
}

async function rawItem(table: LeaseTable, key: string) {
  const out = await client.send(new GetItemCommand({ TableName: table.tableName, Key: { leaseKey: { S: key } }, ConsistentRead: true }));
  return out.Item;
}

describe('LeaseTable on the emulator', () => {
  it('ensureTable creates the table once, and tolerates workers racing to create it', async () => {
    const name = uniqueTableName('race');
    const tables = [0, 1, 2].map(() => new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: name }));
    const results = await Promise.all(tables.map((t) => t.ensureTable()));
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    expect(await tables[0].ensureTable()).toEqual({ created: false });
    expect(await tables[1].listLeases()).toEqual([]);
  });

  it('creates a lease only if absent, and lists it back with KCL attributes', async () => {
    const table = await freshTable();
    const lease = makeLease(shardIdOf(0), { parentShardIds: [shardIdOf(7)] });
    expect(await table.createLeaseIfAbsent(lease)).toBe(true);
    expect(await table.createLeaseIfAbsent({ ...lease, checkpoint: seq(1) })).toBe(false);
    expect(await table.listLeases()).toEqual([lease]);
    expect(await table.getLease(lease.leaseKey)).toEqual(lease);
    expect(await table.getLease('nope')).toBeUndefined();
    expect(await rawItem(table, lease.leaseKey)).toEqual({
      leaseKey: { S: lease.leaseKey },
      leaseCounter: { N: '0' },
      checkpoint: { S: 'TRIM_HORIZON' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: [shardIdOf(7)] },
      startingHashKey: { S: lease.startingHashKey },
      endingHashKey: { S: lease.endingHashKey },
    });
  });

  it('lists every page of a consistent scan', async () => {
    const table = await freshTable('paged', { scanPageLimit: 3 });
    const keys = Array.from({ length: 10 }, (_, i) => shardIdOf(i));
    for (const key of keys) await table.createLeaseIfAbsent(makeLease(key));
    expect((await table.listLeases()).map((l) => l.leaseKey).sort()).toEqual(keys);
  });

  it('two workers racing to take the same lease: exactly one wins', async () => {
    const name = uniqueTableName('take-race');
    const a = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: name });
    const b = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: name });
    await a.ensureTable();
    for (let i = 0; i < 10; i++) {
      const listed = makeLease(shardIdOf(i));
      await a.createLeaseIfAbsent(listed);
      const results = await Promise.allSettled([a.takeLease(listed, 'A'), b.takeLease(listed, 'B')]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(LeaseLostError);
      const winner = (won[0] as PromiseFulfilledResult<Lease>).value;
      expect(await a.getLease(listed.leaseKey)).toEqual(winner);
      expect(winner).toMatchObject({ leaseCounter: 1, ownerSwitchesSinceCheckpoint: 0 }); // unowned → not a switch
    }
  });

  it('renews with the held counter; a renewal after a steal is rejected', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const listed = (await table.getLease(shardIdOf(0))) as Lease;
    let mine = await table.takeLease(listed, 'A');
    mine = await table.renewLease(mine);
    mine = await table.renewLease(mine);
    expect(mine).toMatchObject({ leaseOwner: 'A', leaseCounter: 3 });

    const stolen = await table.takeLease(mine, 'B'); // B listed it with counter 3
    expect(stolen).toMatchObject({ leaseOwner: 'B', leaseCounter: 4, ownerSwitchesSinceCheckpoint: 1 });
    await expect(table.renewLease(mine)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(table.takeLease(mine, 'A')).rejects.toBeInstanceOf(LeaseLostError); // stale listing
  });

  it('checkpoints only as the owner with the current counter; resets owner switches, bumps the counter', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    mine = await table.takeLease(mine, 'B'); // owner switch → 1
    expect(mine.ownerSwitchesSinceCheckpoint).toBe(1);

    // A non-owner with the right counter, and the owner with a stale counter, are both rejected.
    await expect(table.updateCheckpoint({ ...mine, leaseOwner: 'A' }, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(table.updateCheckpoint({ ...mine, leaseCounter: mine.leaseCounter - 1 }, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    expect((await table.getLease(shardIdOf(0)))?.checkpoint).toEqual({ kind: 'sentinel', value: 'TRIM_HORIZON' });

    const checkpointed = await table.updateCheckpoint(mine, seq(5, 7));
    expect(checkpointed).toMatchObject({ leaseOwner: 'B', leaseCounter: mine.leaseCounter + 1, checkpoint: seq(5, 7), ownerSwitchesSinceCheckpoint: 0 });
    expect(await rawItem(table, shardIdOf(0))).toMatchObject({
      checkpoint: { S: String(49_000_000_005) },
      checkpointSubSequenceNumber: { N: '7' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
    });

    const ended = await table.updateCheckpoint(checkpointed, SHARD_END, { childShardIds: [shardIdOf(2), shardIdOf(1)] });
    expect(ended).toMatchObject({ checkpoint: SHARD_END, childShardIds: [shardIdOf(1), shardIdOf(2)] });
    expect((await rawItem(table, shardIdOf(0)))?.childShardIds).toEqual({ SS: expect.arrayContaining([shardIdOf(1), shardIdOf(2)]) });
  });

  it('stores an AT_TIMESTAMP checkpoint with its instant', async () => {
    const table = await freshTable();
    const at: Checkpoint = { kind: 'sentinel', value: 'AT_TIMESTAMP', timestamp: 1_700_000_000_123 };
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0), { checkpoint: at }));
    expect((await table.getLease(shardIdOf(0)))?.checkpoint).toEqual(at);
    const mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    await table.updateCheckpoint(mine, seq(1));
    expect(await rawItem(table, shardIdOf(0))).not.toHaveProperty('checkpointTimestampMillis');
  });

  it('release clears the owner (with an optional final checkpoint); only the holder can release', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    await expect(table.releaseLease({ ...mine, leaseOwner: 'B' })).rejects.toBeInstanceOf(LeaseLostError);
    const released = await table.releaseLease(mine, { checkpoint: seq(9) });
    expect(released).toMatchObject({ leaseCounter: mine.leaseCounter + 1, checkpoint: seq(9) });
    expect(released.leaseOwner).toBeUndefined();
    expect(await rawItem(table, shardIdOf(0))).not.toHaveProperty('leaseOwner');
    // Anyone may take it now, with the counter as listed.
    expect(await table.takeLease(released, 'B')).toMatchObject({ leaseOwner: 'B', ownerSwitchesSinceCheckpoint: 0 });
  });

  it('writes the owner’s progress in the renewal itself, and renews a KCL item that has none', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    // Before any progress: the item is KCL's layout alone, and renewing it without progress keeps it so.
    mine = await table.renewLease(mine);
    expect(await rawItem(table, shardIdOf(0))).not.toHaveProperty('recordsProcessed');
    mine = await table.renewLease(mine, { millisBehindLatest: 1500, recordsProcessed: 42, statsUpdatedAt: 1_764_979_200_000 });
    expect(await rawItem(table, shardIdOf(0))).toMatchObject({
      leaseOwner: { S: 'A' },
      leaseCounter: { N: String(mine.leaseCounter) },
      millisBehindLatest: { N: '1500' },
      recordsProcessed: { N: '42' },
      statsUpdatedAt: { N: '1764979200000' },
    });
    expect(mine.progress).toEqual({ millisBehindLatest: 1500, recordsProcessed: 42, statsUpdatedAt: 1_764_979_200_000 });
    // A new owner that has not read yet: its lag is unknown, not its predecessor's.
    const taken = await table.takeLease(mine, 'B');
    await table.renewLease(taken, { recordsProcessed: 0, statsUpdatedAt: 1_764_979_201_000 });
    const item = await rawItem(table, shardIdOf(0));
    expect(item).not.toHaveProperty('millisBehindLatest');
    expect(item).toMatchObject({ leaseOwner: { S: 'B' }, recordsProcessed: { N: '0' }, statsUpdatedAt: { N: '1764979201000' } });
    // The lease protocol's attributes are untouched by the progress.
    expect(await table.getLease(shardIdOf(0))).toMatchObject({ leaseOwner: 'B', checkpoint: { kind: 'sentinel', value: 'TRIM_HORIZON' } });
  });

  it('evicts a lease held by someone else, conditional on its owner and counter', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const held = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    const renewed = await table.renewLease(held);
    await expect(table.evictLease(held)).rejects.toBeInstanceOf(LeaseLostError); // stale counter
    const evicted = await table.evictLease(renewed);
    expect(evicted.leaseOwner).toBeUndefined();
  });

  it('deletes a lease, optionally only at SHARD_END', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    expect(await table.deleteLease(shardIdOf(0), { onlyIfShardEnd: true })).toBe(false);
    expect(await table.getLease(shardIdOf(0))).toBeDefined();
    const mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    await table.updateCheckpoint(mine, SHARD_END);
    expect(await table.deleteLease(shardIdOf(0), { onlyIfShardEnd: true })).toBe(true);
    expect(await table.getLease(shardIdOf(0))).toBeUndefined();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(1)));
    expect(await table.deleteLease(shardIdOf(1))).toBe(true);
  });

  it('a write whose answer was lost and retried by the SDK is not mistaken for a lost lease', async () => {
    // The answer of the first UpdateItem attempt is replaced by a connection reset: the SDK retries, the retry fails
    // its condition (the first attempt already advanced the counter), and the table recognises its own write.
    const flaky = kit.makeDynamoDbClient();
    let dropNext = 0;
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'UpdateItemCommand' && dropNext > 0) {
          dropNext--;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return result;
      },
      { step: 'deserialize', name: 'dropFirstAnswer' },
    );
    const table = await freshTable('spurious', { client: flaky });
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');

    dropNext = 1;
    mine = await table.renewLease(mine);
    expect(mine.leaseCounter).toBe(2);
    dropNext = 1;
    mine = await table.updateCheckpoint(mine, seq(3));
    expect(mine).toMatchObject({ leaseCounter: 3, checkpoint: seq(3) });
    expect(await table.getLease(shardIdOf(0))).toMatchObject({ leaseOwner: 'A', leaseCounter: 3 });
    expect(dropNext).toBe(0);
  });

  it('classifies failures: missing table → not retriable; unreachable endpoint → retriable', async () => {
    const missing = new LeaseTable({ client, tableName: uniqueTableName('missing') });
    const err = await missing.listLeases().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ code: 'DEPENDENCY', awsCode: 'ResourceNotFoundException', retriable: false });

    const nowhere = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    try {
      const down = new LeaseTable({ client: nowhere, tableName: 'whatever' });
      const netErr = await down.renewLease(makeLease(shardIdOf(0), { leaseOwner: 'A' })).catch((e: unknown) => e);
      expect(netErr).toBeInstanceOf(DependencyError);
      expect(netErr).toMatchObject({ retriable: true, awsCode: 'ECONNREFUSED' });
    } finally {
      nowhere.destroy();
    }
  });
});

describe('LeaseCoordinator on the emulator', () => {
  it('two workers share the leases, and a graceful stop hands them to the other at once', async () => {
    const table = await freshTable('coord');
    const keys = Array.from({ length: 6 }, (_, i) => shardIdOf(i));
    for (const key of keys) await table.createLeaseIfAbsent(makeLease(key));
    const options = { store: table, failoverTimeMs: 1_500, takerIntervalMs: 200, takerFollowUpMs: 100, maxLeasesToStealAtOneTime: 3 };
    const a = new LeaseCoordinator({ ...options, workerId: 'A' });
    const b = new LeaseCoordinator({ ...options, workerId: 'B' });
    try {
      await a.start();
      expect(a.heldLeaseKeys()).toHaveLength(6);
      const lost: string[] = [];
      a.on('leaseLost', (key) => lost.push(key));
      await b.start(); // steals 3 at once
      expect(b.heldLeaseKeys()).toHaveLength(3);
      await waitFor('A to lose 3 leases', () => lost.length === 3, 3_000);
      expect(a.heldLeaseKeys()).toHaveLength(3);

      const handedOff = a.heldLeaseKeys();
      for (const key of handedOff) await a.checkpoint(key, seq(1));
      const stoppedAt = Date.now();
      await a.stop({ release: true });
      await waitFor('B to hold all 6 leases', () => b.heldLeaseKeys().length === 6, 3_000);
      const handoffMs = Date.now() - stoppedAt;
      expect(handoffMs).toBeLessThan(options.failoverTimeMs); // no expiry wait
      for (const key of handedOff) expect(await table.getLease(key)).toMatchObject({ leaseOwner: 'B', checkpoint: seq(1) });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('heartbeat protocol: heartbeats in the companion table, handoff marks acknowledged by the next heartbeat', async () => {
    const table = await freshTable('hb');
    await table.ensureHeartbeatTable();
    await table.ensureHeartbeatTable(); // idempotent
    const first = await table.writeHeartbeat('A', { leaseCount: 3, heartbeatAt: 1_000 });
    expect(first).toEqual({ workerId: 'A', counter: 1, leaseCount: 3, handoffRequests: [], heartbeatAt: 1_000 });
    await table.writeHeartbeat('B', { leaseCount: 0, heartbeatAt: 1_000 });
    expect(await table.markHandoff('A', shardIdOf(1))).toBe(true);
    expect(await table.markHandoff('A', shardIdOf(2))).toBe(true);
    expect(await table.markHandoff('nobody', shardIdOf(1))).toBe(false);
    const second = await table.writeHeartbeat('A', { leaseCount: 3, heartbeatAt: 2_000 });
    expect(second).toMatchObject({ counter: 2, handoffRequests: [shardIdOf(1), shardIdOf(2)] });
    // Acknowledged keys leave the set; a mark added meanwhile stays.
    expect(await table.markHandoff('A', shardIdOf(3))).toBe(true);
    const third = await table.writeHeartbeat('A', { leaseCount: 1, heartbeatAt: 3_000, acknowledged: [shardIdOf(1), shardIdOf(2)] });
    expect(third).toMatchObject({ counter: 3, leaseCount: 1, handoffRequests: [shardIdOf(3)] });
    expect((await table.listHeartbeats()).map((b) => [b.workerId, b.counter]).sort()).toEqual([
      ['A', 3],
      ['B', 1],
    ]);
    await table.deleteHeartbeat('B');
    expect((await table.listHeartbeats()).map((b) => b.workerId)).toEqual(['A']);
    // The lease table itself holds leases only: a scan of it never meets a heartbeat.
    expect(await table.listLeases()).toEqual([]);
  });

  it("heartbeat protocol: a graceful handoff on the lease item, with KCL 3's encoding and its conditions", async () => {
    const table = await freshTable('handoff');
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const mine = await table.takeLease(makeLease(shardIdOf(0)), 'A');
    // Only from the owner as listed, and only once.
    await expect(table.requestHandoff({ ...mine, leaseCounter: mine.leaseCounter - 1 }, 'B')).rejects.toBeInstanceOf(LeaseLostError);
    const asked = await table.requestHandoff(mine, 'B');
    expect(asked).toMatchObject({ leaseOwner: 'B', checkpointOwner: 'A', leaseCounter: mine.leaseCounter + 1 });
    await expect(table.requestHandoff(mine, 'C')).rejects.toBeInstanceOf(LeaseLostError);
    // The old owner may no longer checkpoint alone; it finishes the handoff with its final checkpoint.
    await expect(table.updateCheckpoint(mine, seq(4))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await table.completeHandoff(shardIdOf(0), 'C', { checkpoint: seq(4) })).toBe(false);
    expect(await table.completeHandoff(shardIdOf(0), 'A', { checkpoint: seq(4) })).toBe(true);
    const done = await table.getLease(shardIdOf(0));
    expect(done).toMatchObject({ leaseOwner: 'B', checkpoint: seq(4), leaseCounter: mine.leaseCounter + 2 });
    expect(done?.checkpointOwner).toBeUndefined();
    expect(await rawItem(table, shardIdOf(0))).not.toHaveProperty('checkpointOwner');
    // Forced: the new owner clears the marker itself (the old one did not finish in time).
    const again = await table.requestHandoff(done as Lease, 'C');
    const forced = await table.forceHandoff(again);
    expect(forced).toMatchObject({ leaseOwner: 'C', leaseCounter: again.leaseCounter + 1 });
    expect(forced.checkpointOwner).toBeUndefined();
    expect(await table.completeHandoff(shardIdOf(0), 'B', { checkpoint: seq(9) })).toBe(false);
    expect((await table.getLease(shardIdOf(0)))?.checkpoint).toEqual(seq(4));
  });

  it('a checkpoint carries the owner progress in the same write', async () => {
    const table = await freshTable('progress');
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const mine = await table.takeLease(makeLease(shardIdOf(0)), 'A');
    await table.updateCheckpoint(mine, seq(2), { progress: { recordsProcessed: 12, statsUpdatedAt: 5_000, millisBehindLatest: 40 } });
    expect((await table.getLease(shardIdOf(0)))?.progress).toEqual({ recordsProcessed: 12, statsUpdatedAt: 5_000, millisBehindLatest: 40 });
  });
});
