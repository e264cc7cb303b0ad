/**
 * The heartbeat lease protocol with whole workers in processes of their own, against the emulator's DynamoDB:
 * - a worker joining takes its share from a heartbeat worker by graceful handoffs: no shard handled by two workers
 *   at once, nothing lost;
 * - a rolling migration: per-lease workers restarted one by one as heartbeat workers while records flow: nothing
 *   lost, no shard handled by two workers at once beyond the handoff window, and afterwards the lease items are
 *   no longer renewed (heartbeats only).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createActiveStream, uniqueStreamName, uniqueTableName } from '@tributary/emulator/testing';
import { CONSUMER_DEFAULTS, defaultRenewIntervalMs } from '../defaults';
import { heartbeatTableName } from '../leases/heartbeat-table';
import { NumberedProducer, sleep, startConsumerTestEnv, waitFor, type ConsumerTestEnv } from '../testing/consumer-int-kit';
import { WorkerFleet } from '../testing/worker-fleet';

/**
 * A per-lease worker learns that its lease was stolen at its next renewal (one renewal interval); the bound adds a
 * second for a batch in flight on a loaded machine. Heartbeat-to-heartbeat handoffs must not overlap at all.
 */
const HANDOFF_WINDOW_MS = defaultRenewIntervalMs(CONSUMER_DEFAULTS.failoverTimeMs) + 1_000;

let env: ConsumerTestEnv;
let fleet: WorkerFleet;

beforeAll(async () => {
  env = await startConsumerTestEnv();
});
beforeEach(() => {
  fleet = new WorkerFleet();
});
afterEach(() => fleet.killAll());
afterAll(async () => {
  await env.close();
});

async function flowing(stream: string): Promise<{ producer: NumberedProducer; stop: () => Promise<void> }> {
  const producer = new NumberedProducer(env, stream);
  let producing = true;
  const load = (async () => {
    while (producing) {
      await producer.put(40, 2);
      await sleep(50);
    }
  })();
  return {
    producer,
    stop: async () => {
      producing = false;
      await load;
      await producer.close();
    },
  };
}

async function leaseCounters(table: string): Promise<Map<string, string>> {
  const out = await env.dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return new Map((out.Items ?? []).map((i) => [i.leaseKey?.S ?? '', i.leaseCounter?.N ?? '']));
}

it('a worker joining a heartbeat worker gets its share by graceful handoffs: no shard handled twice at once', async () => {
  const stream = uniqueStreamName('handoff');
  await createActiveStream(env.kinesis, stream, 4);
  const app = uniqueTableName('app');
  const args = { clientOptions: env.clientOptions, streamName: stream, applicationName: app, leaseProtocol: 'heartbeat' };
  const load = await flowing(stream);
  const first = fleet.start('h1', args);
  await first.ready;
  await waitFor('h1 holding every shard', () => first.held.size === 4, 20_000, 50);
  await sleep(1_000);
  const h2Start = Date.now();
  const second = fleet.start('h2', args);
  await second.ready;
  await waitFor('h2 handling two shards', () => new Set(fleet.batches.filter((b) => b.worker === 'h2').map((b) => b.shardId)).size === 2, 30_000, 50);
  const h2Acquired = fleet.acquisitions.filter((a) => a.worker === 'h2').map((a) => a.t);
  const readyAt = Math.min(...h2Acquired) - h2Start;
  const balancedMs = Math.max(...h2Acquired) - Math.min(...h2Acquired);
  await sleep(1_000);
  await load.stop();
  await waitFor('every record', () => fleet.distinctRecords() === load.producer.total(), 20_000, 50);

  expect(fleet.losses.filter((l) => l.reason !== 'handed-off')).toEqual([]);
  const overlap = fleet.worstOverlap();
  expect(overlap).toEqual({ ms: 0, where: 'none' });
  console.log(
    `handoff: h2's first lease ${readyAt} ms after its process was spawned, its second ${balancedMs} ms after that; ${fleet.deliveries() - fleet.distinctRecords()} duplicate deliveries of ${load.producer.total()}`,
  );
}, 90_000);

it('rolling migration from per-lease to heartbeat workers while records flow: nothing lost, no double handling beyond the handoff window', async () => {
  const stream = uniqueStreamName('migrate');
  await createActiveStream(env.kinesis, stream, 4);
  const app = uniqueTableName('app');
  const base = { clientOptions: env.clientOptions, streamName: stream, applicationName: app };
  const load = await flowing(stream);
  const old = [fleet.start('old1', { ...base, leaseProtocol: 'per-lease' }), fleet.start('old2', { ...base, leaseProtocol: 'per-lease' })];
  await Promise.all(old.map((w) => w.ready));
  // Balanced: in the last two seconds each old worker handled two shards (the held sets miss graceful releases).
  const shares = (ids: string[]) => (): boolean => {
    const handled = fleet.handledSince(Date.now() - 2_000);
    return ids.every((id) => handled.get(id)?.size === 2);
  };
  await waitFor('the old workers sharing the shards', shares(['old1', 'old2']), 30_000, 100);

  for (const [i, w] of old.entries()) {
    await fleet.stop(w);
    const fresh = fleet.start(`new${i + 1}`, { ...base, leaseProtocol: 'heartbeat' });
    await fresh.ready;
    const since = Date.now();
    // The fleet handles every shard again before the next restart.
    await waitFor(
      'every shard handled after the restart',
      () => new Set(fleet.batches.filter((b) => b.t > since).map((b) => b.shardId)).size === 4,
      30_000,
      50,
    );
  }
  await waitFor('the new workers sharing the shards', shares(['new1', 'new2']), 30_000, 100);
  await load.stop();
  await waitFor('every record', () => fleet.distinctRecords() === load.producer.total(), 20_000, 50);

  const overlap = fleet.worstOverlap();
  expect(overlap.ms <= HANDOFF_WINDOW_MS ? 'within the handoff window' : `${overlap.ms} ms: ${overlap.where}`).toBe('within the handoff window');

  // Heartbeats only now: once the coalesced checkpoints are written, no lease item changes.
  await sleep(CONSUMER_DEFAULTS.checkpointIntervalMs + 1_000);
  const before = await leaseCounters(app);
  await sleep(3 * defaultRenewIntervalMs(CONSUMER_DEFAULTS.failoverTimeMs));
  expect(await leaseCounters(app)).toEqual(before);
  const beats = await env.dynamo.send(new ScanCommand({ TableName: heartbeatTableName(app), ConsistentRead: true }));
  expect((beats.Items ?? []).map((i) => i.workerId?.S).sort()).toEqual(['new1', 'new2']);
  console.log(
    `migration: ${load.producer.total()} records, ${fleet.deliveries() - fleet.distinctRecords()} duplicate deliveries, worst overlap ${overlap.ms} ms (${overlap.where})`,
  );
}, 150_000);
