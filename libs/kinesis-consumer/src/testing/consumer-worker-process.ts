/**
 * A KinesisConsumer worker in a process of its own, for tests that kill one with SIGKILL.
 *
 * Run: `node --require tsx/cjs consumer-worker-process.ts '<WorkerArgs as JSON>'` (cwd = the repository root, so
 * that tsx resolves the @tributary/* paths). Prints JSON lines on stdout: `{"ready":…}` once started, then
 * `{"acquired":shardId,"t":ms}` per lease taken, `{"batch":shardId,"t":ms,"recs":[[key,n],…],"last":seq}` per handler
 * call (written before the handler resolves, so before its checkpoint; `last` the sequence number of its last
 * record), `{"checkpointed":shardId,"t":ms,"seq":seq}` per checkpoint written and `{"lost":shardId,"reason":…,"t":ms}`
 * per lease lost. SIGTERM stops gracefully.
 */
import { KinesisConsumer } from '../consumer/kinesis-consumer';
import type { Logger } from '../consumer-types';
import type { ConsumerClientOptions } from '../retrieval/kinesis-clients';

interface WorkerArgs {
  /** The parent's `ConsumerTestEnv.clientOptions` (endpoint, region, credentials of the emulator). */
  clientOptions: ConsumerClientOptions;
  streamName: string;
  applicationName: string;
  workerId: string;
  retrieval?: 'polling' | 'fan-out';
  failoverTimeMs?: number;
  leaseProtocol?: 'per-lease' | 'heartbeat';
  /** Log lines (info and up) on stderr, for a failing spec's investigation. */
  log?: boolean;
}

function stderrLogger(context: object = {}): Logger {
  const line = (level: string) => (fields: object, message: string) => process.stderr.write(`${Date.now()} ${level} ${message} ${JSON.stringify({ ...context, ...fields })}\n`);
  const noop = (): void => undefined;
  return { debug: noop, info: line('info'), warn: line('warn'), error: line('error'), child: (more: object) => stderrLogger({ ...context, ...more }) } as Logger;
}

const write = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
  const consumer = new KinesisConsumer({
    streamName: args.streamName,
    applicationName: args.applicationName,
    workerId: args.workerId,
    retrieval: args.retrieval,
    failoverTimeMs: args.failoverTimeMs,
    leaseProtocol: args.leaseProtocol,
    ...(args.log ? { logger: stderrLogger() } : {}),
    clientOptions: args.clientOptions,
    handler: async (records, context) => {
      const recs = records.map((r) => {
        const { k, n } = JSON.parse(Buffer.from(r.data).toString('utf8')) as { k: string; n: number };
        return [k, n];
      });
      write({ batch: context.shardId, t: Date.now(), recs, last: records[records.length - 1]?.sequenceNumber });
    },
  });
  consumer.on('leaseAcquired', (e) => write({ acquired: e.shardId, t: Date.now() }));
  consumer.on('leaseLost', (e) => write({ lost: e.shardId, reason: e.reason, t: Date.now() }));
  consumer.on('checkpointed', (e) => {
    if (e.checkpoint.kind === 'sequence') write({ checkpointed: e.shardId, t: Date.now(), seq: e.checkpoint.sequenceNumber });
  });
  process.once('SIGTERM', () => {
    consumer.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  await consumer.start();
  write({ ready: args.workerId, t: Date.now() });
}

main().catch((err: unknown) => {
  process.stderr.write(`consumer-worker-process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
