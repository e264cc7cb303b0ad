/**
 * `tributary tail <stream>`: the records of every shard of a KDS stream as JSON lines (or raw payloads).
 * Parsing and checking the options lives here; reading in tail/tail-runner.ts, formatting in tail/record-format.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { awsClientConfig, withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { usageError } from '../cli/cli-error';
import { createReaderClients } from './tail/kinesis-readers';
import { RecordSink } from './tail/record-sink';
import { FROM_HELP, parseStartPosition } from './tail/start-position';
import { runTail } from './tail/tail-runner';
import { compileWhere } from './tail/where-expression';

interface TailOptions extends AwsOptions {
  from: string;
  follow?: boolean;
  count?: number;
  key?: string[];
  where?: string;
  format: 'json' | 'raw';
  efo?: boolean;
  consumerName?: string;
}

const EXAMPLES = `
Output (--format json, one line per record; KPL aggregates are opened, one line per user record):
  {"stream":"orders","shard":"shardId-000000000001","sequence":"4959...","subSequence":2,
   "partitionKey":"sensor-1","arrival":"2026-12-07T06:00:00.123Z","dataEncoding":"json","data":{"temp":31}}
  subSequence: only for records that came out of a KPL aggregate
  dataEncoding: json (data is the payload as JSON), text (valid UTF-8, not JSON, as a string),
                base64 (not UTF-8)

Order: per shard, in sequence order; a child shard (split, merge) only after its parents ended.
Shards are read at once, so lines of different shards interleave.

--where: data.<path>, key, shard, sequence; == != > >= < <= ~ (contains); && || ! (and, or, not);
  strings quoted, numbers, true, false, null; a missing path is never an error, just false.

--efo registers an enhanced fan-out consumer (tributary-tail-<host>-<pid>, or --consumer-name) and
deregisters it when tail ends, also on Ctrl-C (a second Ctrl-C exits at once and leaves it registered;
the warning prints the command that removes it).

Examples:
  $ tributary tail orders                          # everything in retention, then stop
  $ tributary tail orders --follow --from latest   # only new records, until Ctrl-C
  $ tributary tail orders --from 15m --where 'data.temp > 30 && key == "sensor-1"'
  $ tributary tail orders --from 2026-12-07T06:00:00Z --count 100 | jq .data
  $ tributary tail orders --format raw --key sensor-1 > sensor-1.ndjson
  $ tributary tail orders --efo --follow --endpoint-url http://localhost:4567
`;

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of records, 1 or more.');
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('tail')
    .description('print the records of a KDS stream, every shard at once, as JSON lines')
    .argument('<stream>', 'stream name or ARN')
    .option('--from <position>', FROM_HELP, 'trim-horizon')
    .option('-f, --follow', 'keep reading at the tip (default: stop once every shard reached its tip or end)')
    .option('-n, --count <n>', 'stop after n records (after filters)', positiveInteger)
    .option('-k, --key <partitionKey>', 'only records with this partition key (repeat for several)', collect)
    .option('-w, --where <expression>', "only records that match, e.g. 'data.temp > 30'")
    .addOption(new Option('--format <format>', 'json lines, or raw payloads one per line').choices(['json', 'raw']).default('json'))
    .option('--efo', 'read with enhanced fan-out (SubscribeToShard) instead of polling GetRecords')
    .option('--consumer-name <name>', 'name of the --efo consumer (default tributary-tail-<host>-<pid>)');
  withAwsOptions(command)
    .addHelpText('after', EXAMPLES)
    .action(async (stream: string, options: TailOptions) => tail(ctx, stream, options));
}

async function tail(ctx: CliContext, stream: string, options: TailOptions): Promise<void> {
  const from = parseStartPosition(options.from);
  const where = options.where !== undefined ? compileWhere(options.where) : undefined;
  if (options.consumerName !== undefined && !options.efo) throw usageError('--consumer-name is for --efo; add --efo or leave it out');
  const sink = new RecordSink(ctx.out, {
    stream,
    format: options.format,
    ...(options.key ? { keys: new Set(options.key) } : {}),
    ...(where ? { where } : {}),
    ...(options.count !== undefined ? { count: options.count } : {}),
  });
  const clients = createReaderClients(awsClientConfig(options, ctx.env));
  try {
    await runTail({
      stream,
      from,
      // Without --follow, --from latest would stop at once with nothing: latest means "wait for new records".
      follow: options.follow === true || from.kind === 'latest',
      efo: options.efo === true,
      ...(options.consumerName !== undefined ? { consumerName: options.consumerName } : {}),
      sink,
      clients,
      signal: ctx.signal,
      warn: (message) => ctx.out.warn(message),
    });
  } finally {
    clients.destroy();
  }
}
