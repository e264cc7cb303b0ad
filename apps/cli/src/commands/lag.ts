/**
 * `tributary lag <application>`: per shard, who holds the lease and how far its checkpoint is behind the tip.
 * The lease table is the one @tributary/kinesis-consumer (and KCL) keeps: a DynamoDB table named after the
 * application, one item per shard (leases/lease-serializer.ts), read with the library's own LeaseTable. The lease
 * table does not name the stream, so the lag is measured only with --stream (lag/lag-probe.ts says how);
 * without it, the owners' own reports (millisBehindLatest written with every lease renewal) are shown.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Command } from 'commander';
import { LeaseTable, type Lease } from '@tributary/kinesis-consumer';
import { awsErrorName } from '@tributary/errors';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { notFoundError, toCliError, usageError } from '../cli/cli-error';
import { probeLag } from './lag/lag-probe';
import { formatLagTable, lagJson, lagRows, type LagMeasurement } from './lag/lag-report';
import { listShards } from './replay/stream-source';

interface LagOptions extends AwsOptions {
  stream?: string;
  records?: boolean;
  maxRecords: string;
  json?: boolean;
  watch?: string | true;
}

const EXAMPLES = `
Examples:
  $ tributary lag telemetry-consumer --stream telemetry
  $ tributary lag telemetry-consumer --stream telemetry --watch        # redraws every 5 s; Ctrl-C stops
  $ tributary lag telemetry-consumer --stream telemetry --records --json | jq '.shards[] | {shardId, owner, measured}'

The application name is the consumer's applicationName (KCL: the application name), which names its
DynamoDB lease table. BEHIND is now minus the arrival time of the oldest record after the checkpoint
(0 at the tip); RECORDS (with --records) counts the user records after it by reading them, which uses
the shard's read capacity (5 GetRecords/s shared with the consumers). OWNER REPORTED is what the
lease's owner last wrote (its own MillisBehindLatest) and how long ago.
States: open, closed (resharded; still to finish), finished (checkpoint SHARD_END), not-in-stream.
Exit code 3 if the lease table or stream does not exist.`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('lag')
      .description('per-shard lag and lease owner of a consumer application, from its lease table')
      .argument('<application>', 'the consumer application (its DynamoDB lease table has this name)')
      .option('--stream <stream>', 'the stream the application reads: measure each checkpoint\'s lag against it')
      .option('--records', 'also count the records behind each checkpoint (reads them; with --stream)')
      .option('--max-records <n>', 'stop counting a shard at this many records', '100000')
      .option('--json', 'one JSON document per refresh, for scripts')
      .option('--watch [seconds]', 'refresh every few seconds (default 5) until Ctrl-C'),
  )
    .addHelpText('after', EXAMPLES)
    .action((application: string, options: LagOptions) => runLag(ctx, application, options));
}

async function runLag(ctx: CliContext, application: string, options: LagOptions): Promise<void> {
  const maxRecords = Number(options.maxRecords);
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw usageError(`--max-records must be a whole number >= 1, not "${options.maxRecords}"`);
  if (options.records && !options.stream) throw usageError('--records needs --stream (the lease table does not name the stream)');
  const intervalMs = watchIntervalMs(options.watch);
  const clients = ctx.aws(options);
  const table = new LeaseTable({ client: clients.dynamoDb, tableName: application });
  for (let first = true; ; first = false) {
    const at = new Date();
    const leases = await readLeases(table, application);
    const shards = options.stream ? await shardStates(clients.kinesis, options.stream) : undefined;
    const measured = options.stream
      ? await measureAll(clients.kinesis, options.stream, leases, shards as Map<string, { closed: boolean }>, { countRecords: options.records === true, maxRecords, signal: ctx.signal })
      : new Map<string, LagMeasurement>();
    if (ctx.signal.aborted) return;
    const rows = lagRows(leases, shards, measured, at.getTime());
    if (options.json) {
      await ctx.out.line(JSON.stringify(lagJson(application, options.stream, rows, at)));
    } else {
      const c = ctx.out.colors;
      // On a terminal each refresh redraws the screen; in a pipe, tables follow one another.
      if (intervalMs !== undefined && ctx.out.isTty) await ctx.out.write('\x1b[H\x1b[2J');
      else if (!first) await ctx.out.line('');
      if (intervalMs !== undefined) await ctx.out.line(c.dim(`${at.toISOString()}  every ${intervalMs / 1000} s, Ctrl-C stops`));
      for (const line of formatLagTable(application, rows, { warn: c.yellow, dim: c.dim })) await ctx.out.line(line);
    }
    if (intervalMs === undefined) return;
    try {
      await sleep(intervalMs, undefined, { signal: ctx.signal });
    } catch {
      return; // Ctrl-C (main.ts exits 130) or stdout closed (0)
    }
  }
}

function watchIntervalMs(watch: string | true | undefined): number | undefined {
  if (watch === undefined) return undefined;
  if (watch === true) return 5000;
  const seconds = Number(watch);
  if (!(seconds >= 0.5) || !Number.isFinite(seconds)) throw usageError(`--watch takes seconds >= 0.5, not "${watch}"`);
  return seconds * 1000;
}

async function readLeases(table: LeaseTable, application: string): Promise<Lease[]> {
  try {
    return await table.listLeases();
  } catch (error) {
    if (causes(error).some((e) => awsErrorName(e) === 'ResourceNotFoundException')) {
      throw notFoundError(
        `no lease table named ${application} (the application name is the consumer's applicationName; check it, --region and --endpoint-url)`,
        error,
      );
    }
    throw toCliError(error, `the lease table ${application}`);
  }
}

async function shardStates(client: KinesisClient, stream: string): Promise<Map<string, { closed: boolean }>> {
  try {
    const shards = await listShards(client, stream);
    return new Map(shards.map((s) => [s.ShardId as string, { closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined }]));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') throw notFoundError(`stream ${stream} does not exist (check --stream, --region and --endpoint-url)`, error);
    throw toCliError(error, `ListShards of ${stream}`);
  }
}

/** Probes the leases whose shard is in the stream and not finished, a few at a time. */
async function measureAll(
  client: KinesisClient,
  stream: string,
  leases: readonly Lease[],
  shards: ReadonlyMap<string, { closed: boolean }>,
  options: { countRecords: boolean; maxRecords: number; signal: AbortSignal },
): Promise<Map<string, LagMeasurement>> {
  const todo = leases.filter((l) => shards.has(l.leaseKey) && !(l.checkpoint.kind === 'sentinel' && l.checkpoint.value === 'SHARD_END'));
  const out = new Map<string, LagMeasurement>();
  const worker = async (): Promise<void> => {
    for (let lease = todo.shift(); lease && !options.signal.aborted; lease = todo.shift()) {
      try {
        out.set(lease.leaseKey, await probeLag(client, stream, lease.leaseKey, lease.checkpoint, options));
      } catch (error) {
        if (options.signal.aborted) return;
        throw toCliError(error, `reading ${lease.leaseKey} of ${stream}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = error; e !== undefined && out.length < 5; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}
