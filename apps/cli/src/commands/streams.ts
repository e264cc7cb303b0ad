/**
 * `tributary streams`: the KDS and KVS streams of the account and region, as tables on a terminal and as JSON
 * lines (one object per stream, `kind` kds or kvs) in a pipe or with --json. Rows and formatting are pure
 * (streams/stream-rows.ts); here the SDK calls: ListStreams, DescribeStreamSummary and ListShards per KDS stream
 * (closed shards are only in ListShards), ListStreams of Kinesis Video.
 */
import { DescribeStreamSummaryCommand, ListShardsCommand, ListStreamsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { ListStreamsCommand as ListVideoStreamsCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { awsErrorName } from '@tributary/errors';
import { mapWithConcurrency } from '@tributary/runtime';
import { Option, type Command } from 'commander';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { toCliError } from '../cli/cli-error';
import { formatTables, jsonLines, kdsRow, kvsRow, type KdsStreamRow, type StreamRow } from './streams/stream-rows';

interface StreamsOptions extends AwsOptions {
  json?: boolean;
  type: 'all' | 'kds' | 'kvs';
}

const HELP = `
Output: tables on a terminal; JSON lines (one object per stream, "kind": "kds" or "kvs") in a pipe or
with --json. KDS: status, mode (provisioned / on-demand), shards open and closed, retention, enhanced
fan-out consumers, and capacity: open shards x (1 MiB/s or 1,000 records/s in, 2 MiB/s out). Capacity is
what the shards allow, not measured traffic (that is in CloudWatch, which this command does not call).
KVS: status, media type, retention, creation time.

Examples:
  $ tributary streams
  $ tributary streams --type kds --json | jq -r 'select(.openShards > 4) | .name'
  $ tributary streams --endpoint-url http://localhost:4567 --region us-east-1
`;

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('streams')
    .description('list KDS streams (shards, mode, retention, capacity) and KVS streams (status, media type, retention)')
    .option('--json', 'JSON lines even on a terminal')
    .addOption(new Option('--type <type>', 'which streams').choices(['all', 'kds', 'kvs']).default('all'));
  withAwsOptions(command)
    .addHelpText('after', HELP)
    .action(async (options: StreamsOptions) => {
      const clients = ctx.aws(options);
      const rows: StreamRow[] = [];
      if (options.type !== 'kvs') rows.push(...(await kdsRows(clients.kinesis, ctx.signal)));
      if (options.type !== 'kds') rows.push(...(await kvsRows(clients.kinesisVideo, ctx, options.type === 'kvs')));
      const text = options.json || !ctx.out.isTty ? jsonLines(rows) : formatTables(rows, ctx.out.colors);
      await ctx.out.write(text);
    });
}

async function kdsRows(client: KinesisClient, signal: AbortSignal): Promise<KdsStreamRow[]> {
  try {
    const names: string[] = [];
    let token: string | undefined;
    for (;;) {
      // NextToken where the service gives one, else the older ExclusiveStartStreamName paging.
      const input = token ? { NextToken: token } : names.length > 0 ? { ExclusiveStartStreamName: names[names.length - 1] } : {};
      const out = await client.send(new ListStreamsCommand(input), { abortSignal: signal });
      const page = out.StreamNames ?? [];
      names.push(...page);
      if (out.HasMoreStreams !== true || page.length === 0) break;
      token = out.NextToken;
    }
    const rows = await mapWithConcurrency(names, 8, async (name) => {
      try {
        const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }), { abortSignal: signal })).StreamDescriptionSummary;
        return summary ? kdsRow(summary, await countShards(client, summary.StreamARN ?? '', signal)) : undefined;
      } catch (error) {
        // Deleted between ListStreams and now: leave it out.
        if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    });
    return rows.filter((r): r is KdsStreamRow => r !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    throw toCliError(error, 'Kinesis Data Streams');
  }
}

async function countShards(client: KinesisClient, streamArn: string, signal: AbortSignal): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const out = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamARN: streamArn }), { abortSignal: signal });
    total += out.Shards?.length ?? 0;
    token = out.NextToken;
  } while (token);
  return total;
}

/** KVS streams; when only listing all, a KVS failure (no permission, an endpoint without KVS) is a warning. */
async function kvsRows(client: KinesisVideoClient, ctx: CliContext, required: boolean): Promise<StreamRow[]> {
  try {
    const rows: StreamRow[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new ListVideoStreamsCommand(token ? { NextToken: token } : {}), { abortSignal: ctx.signal });
      rows.push(...(out.StreamInfoList ?? []).map(kvsRow));
      token = out.NextToken;
    } while (token);
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    const cliError = toCliError(error, 'Kinesis Video Streams');
    if (required || ctx.signal.aborted) throw cliError;
    ctx.out.warn(`Kinesis Video Streams not listed: ${cliError.message} (--type kds leaves them out)`);
    return [];
  }
}
