/**
 * `tributary put <stream> [files…]`: each line of the files (or of stdin) becomes one record, through
 * @tributary/kinesis-producer (KPL aggregation on by default). A summary goes to stderr at the end, after any
 * failed lines (source:line, error code, message); the exit code is 1 when a record failed for good (after the
 * producer's retries), 3 when the stream or a file does not exist, 130 after Ctrl-C (what was read so far is
 * still delivered before the exit).
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { withAwsOptions, awsClientConfig, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { CliError, notFoundError, usageError } from '../cli/cli-error';
import { parseKeyPath } from './put/key-path';
import { formatPutFailure, formatPutSummary, listAtMost, MAX_LISTED_FAILURES } from './put/put-summary';
import { RecordPutter, type KeyChoice, type PutSource } from './put/record-putter';
import { openStreamProducer } from './put/stream-producer';

/**
 * Aggregates are capped at one PUT payload unit (25 KB, put-summary.ts): a bigger aggregate costs the same units
 * as two, and a shard's 1 MiB/s write limit binds long before its 1,000 records/s at this size, so nothing is
 * lost, and the units in the summary are exact.
 */
export const AGGREGATE_MAX_BYTES = 25 * 1024;

interface PutOptions extends AwsOptions {
  keyPath?: string;
  key?: string;
  aggregate: boolean;
  linger: string;
  ttl: string;
}

const EXAMPLES = `
Examples:
  $ tributary put telemetry < events.jsonl
  $ tributary put telemetry --key-path device.id day1.jsonl day2.jsonl
  $ tail -f app.log | tributary put logs --key web-1 --no-aggregate
  $ tributary put telemetry --endpoint-url http://localhost:4567 --region us-east-1 - < events.jsonl

Each line is one record ("-" reads stdin; empty lines are skipped). The partition key is random unless
--key or --key-path says otherwise; a line whose --key-path is missing is reported and not sent.
The summary (records, bytes, PUT payload units saved by aggregation, failures, elapsed) goes to stderr.
Exit code 1 if any record failed after retries, 3 if the stream or a file does not exist.`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('put')
      .description('put lines from stdin or files into a stream, one record per line (KPL-aggregated by default)')
      .argument('<stream>', 'the Kinesis data stream')
      .argument('[files...]', 'files to read, in order ("-" for stdin); stdin when none')
      .option('--key-path <path>', 'partition key from this JSON path of each line (e.g. device.id, items[0].id)')
      .option('--key <key>', 'one partition key for every record')
      .option('--no-aggregate', 'send each line as its own Kinesis record (no KPL aggregation)')
      .option('--linger <ms>', 'longest a record waits to be batched', '100')
      .option('--ttl <seconds>', 'a record not stored after this long (retries included) fails', '30'),
  )
    .addHelpText('after', EXAMPLES)
    .action((stream: string, files: string[], options: PutOptions) => runPut(ctx, stream, files, options));
}

async function runPut(ctx: CliContext, stream: string, files: string[], options: PutOptions): Promise<void> {
  const keys = keyChoiceOf(options);
  const linger = nonNegativeNumber('--linger', options.linger);
  const ttlMs = nonNegativeNumber('--ttl', options.ttl) * 1000;
  const sources = files.length === 0 ? ['-'] : files;
  const totalBytes = await sizeOfFiles(sources);
  const { producer, close } = await openStreamProducer(awsClientConfig(options, ctx.env), stream, {
    aggregation: options.aggregate,
    aggregationMaxBytes: AGGREGATE_MAX_BYTES,
    maxBufferedTimeMs: linger,
    recordTtlMs: Math.max(1000, ttlMs),
  });
  const progress = totalBytes === undefined ? undefined : ctx.out.progress('put', totalBytes, 'bytes');
  const putter = new RecordPutter(producer, keys, (n) => progress?.increment(n));
  const started = Date.now();
  if (sources.includes('-') && process.stdin.isTTY) ctx.out.info(ctx.out.errColors.dim('reading lines from the terminal; Ctrl-D ends, Ctrl-C stops'));
  try {
    for (const name of sources) {
      if (ctx.signal.aborted) break;
      await putter.putAll(sourceOf(name), ctx.signal);
    }
    await putter.settled();
  } finally {
    await close();
    progress?.stop();
  }
  putter.totals.elapsedMs = Date.now() - started;
  if (ctx.signal.aborted) ctx.out.info('stopped: the lines read before Ctrl-C were sent (see the summary)');
  for (const line of listAtMost(putter.failures, MAX_LISTED_FAILURES, formatPutFailure)) ctx.out.info(ctx.out.errColors.red(line));
  for (const line of formatPutSummary(stream, putter.totals, options.aggregate)) ctx.out.info(line);
  if (putter.totals.failures > 0) {
    throw new CliError('FAILED', `${putter.totals.failures} record(s) were not stored (the lines are listed above: fix them, or send them again)`);
  }
}

function keyChoiceOf(options: PutOptions): KeyChoice {
  if (options.keyPath !== undefined && options.key !== undefined) throw usageError('give --key or --key-path, not both');
  if (options.key !== undefined) {
    const chars = [...options.key].length;
    if (chars < 1 || chars > 256) throw usageError('--key must be 1 to 256 characters (a Kinesis partition key)');
    return { kind: 'fixed', key: options.key };
  }
  if (options.keyPath !== undefined) {
    const path = parseKeyPath(options.keyPath);
    if (!path) throw usageError(`--key-path "${options.keyPath}" is not a path: use names separated by dots, e.g. device.id or items[0].id`);
    return { kind: 'path', path };
  }
  return { kind: 'random' };
}

function nonNegativeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw usageError(`${flag} must be a number >= 0, not "${text}"`);
  return n;
}

/** The files' total size for the progress bar (undefined when stdin is read), and a missing file refused early. */
async function sizeOfFiles(sources: string[]): Promise<number | undefined> {
  let total = 0;
  for (const name of sources) {
    if (name === '-') return undefined;
    try {
      total += (await fs.stat(name)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFoundError(`no file ${name}`, error);
      throw new CliError('IO_FAILURE', `cannot read ${name}: ${(error as Error).message}`, { cause: error });
    }
  }
  return total;
}

function sourceOf(name: string): PutSource {
  return name === '-' ? { name: 'stdin', chunks: process.stdin } : { name, chunks: createReadStream(name) };
}
