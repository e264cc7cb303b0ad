/**
 * Regression (issue 12, item 15): with the default budget of 3 retries, a record whose sink write failed because
 * DynamoDB was unreachable went to the dead-letter destination 1.5 s into the outage, a false alarm. Failures of
 * the platform must not spend a record's retry budget; only the handler's own failures do.
 *
 * A real worker against the emulator: the handler writes every record to a DynamoDB table (official SDK client),
 * and the emulator's fault injector drops every connection to that table for a while (far longer than the budget
 * lasts at this backoff), then stops. Every record must reach the table, none the dead-letter file, except the
 * one poison record the handler itself rejects, which must still be dead-lettered after 1 + maximumRetryAttempts
 * attempts.
 */
import { promises as fs } from 'node:fs';
import { CreateTableCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createActiveStream, uniqueStreamName, uniqueTableName } from '@tributary/emulator/testing';
import { KinesisConsumer } from './kinesis-consumer';
import { FileDeadLetterSink } from '../processing/dead-letter-sinks';
import { parseDeadLetterEnvelope } from '../processing/dead-letter-envelope';
import type { ProcessingRetryEvent } from '../processing/processing-types';
import { NumberedProducer, poisonHandler, sleep, startConsumerTestEnv, tempDeadLetterFile, waitFor, type ConsumerTestEnv } from '../testing/consumer-int-kit';

let env: ConsumerTestEnv;
const running: KinesisConsumer[] = [];
// Closed after the consumers stopped: the consumer does not own its onFailure sink, and a FileDeadLetterSink left
// open to the garbage collector is DEP0137 on Node 24 (closing a FileHandle on garbage collection).
const sinks: FileDeadLetterSink[] = [];

beforeAll(async () => {
  env = await startConsumerTestEnv();
});
afterEach(async () => {
  env.emu.faults.clear();
  await Promise.all(running.splice(0).map((c) => c.stop()));
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});
afterAll(async () => {
  await env.close();
});

it('waits out an unreachable sink without dead-lettering valid records, and still dead-letters the handler’s own poison record', async () => {
  const stream = uniqueStreamName('outage');
  await createActiveStream(env.kinesis, stream, 1);
  const table = uniqueTableName('sink');
  await env.dynamo.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // The sink's own client: one attempt per call, so the outage reaches the handler at once.
  const sinkClient = env.makeDynamoDbClient({ maxAttempts: 1 });
  const { dir, path: dlqPath, sink } = await tempDeadLetterFile('consumer-outage-');
  sinks.push(sink);
  const producer = new NumberedProducer(env, stream);
  await producer.put(5, 10);

  // The table is unreachable from the start: connections to it are dropped (socket hang up).
  env.emu.faults.add({ service: 'dynamodb', tableName: table, dropRate: 1 });
  let poisonAttempts = 0;
  const retries: ProcessingRetryEvent[] = [];
  const consumer = new KinesisConsumer({
    streamName: stream,
    applicationName: uniqueTableName('app'),
    clientOptions: env.clientOptions,
    maximumRetryAttempts: 3,
    // With these delays the old code spent the whole budget (4 attempts) in well under 100 ms.
    retryBackoff: { baseMs: 10, maxMs: 50 },
    onFailure: sink,
    handler: poisonHandler({ k: 'device-3', n: 6 }, () => poisonAttempts++, async (decoded) => {
      for (const r of decoded) {
        await sinkClient.send(new PutItemCommand({ TableName: table, Item: { id: { S: `${r.k}#${r.n}` } } }));
      }
    }),
  });
  consumer.on('retry', (e) => retries.push(e));
  running.push(consumer);
  await consumer.start();

  // Two seconds of outage: far past the budget of 3 retries at ≤ 50 ms each.
  await waitFor('retries during the outage', () => retries.length >= 10, 10_000);
  await sleep(2_000);
  expect(consumer.stats().deadLettered).toBe(0);
  expect(retries.filter((e) => e.kind === 'platform').length).toBeGreaterThan(10);
  env.emu.faults.clear();

  const stored = async (): Promise<number> => (await env.dynamo.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;
  let count = 0;
  const deadline = Date.now() + 15_000;
  while ((count = await stored()) < producer.total() - 1 && Date.now() < deadline) await sleep(100);
  await producer.close();
  expect(count).toBe(producer.total() - 1);
  await waitFor('the poison record dead-lettered', () => consumer.stats().deadLettered === 1, 10_000);

  const lines = (await fs.readFile(dlqPath, 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(1);
  const entry = parseDeadLetterEnvelope(lines[0]);
  expect(entry.condition).toBe('RetryAttemptsExhausted');
  expect(JSON.parse(Buffer.from(entry.data, 'base64').toString('utf8'))).toEqual({ k: 'device-3', n: 6 });
  // 1 + maximumRetryAttempts calls of the poison alone (outage failures before it do not count).
  expect(poisonAttempts).toBe(4);
  expect(entry.attempts).toBe(4);
  await fs.rm(dir, { recursive: true, force: true });
}, 45_000);
