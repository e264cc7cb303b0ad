/**
 * `tributary replay`: dead letters (or any stream's records) sent back into a stream, at a limited rate,
 * idempotently: each record's original position is its identity (replay/replay-item.ts), written to a progress
 * file once the target acknowledged it (replay/replay-progress-store.ts), so a re-run, after Ctrl-C or a failure,
 * sends only what is left. Sources: a dead-letter file (the NDJSON of the consumer's FileDeadLetterSink) or a
 * stream between two times (`--from-stream`; a dead-letter stream's envelopes are unwrapped).
 */
import * as path from 'node:path';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { withAwsOptions, awsClientConfig, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { CliError, notFoundError, toCliError, usageError } from '../cli/cli-error';
import type { Progress } from '../cli/output';
import { parseTimeExpression, TIME_GRAMMAR_HELP } from '../video/time-expression';
import { isLine, splitLines } from './put/line-splitter';
import { listAtMost, MAX_LISTED_FAILURES } from './put/put-summary';
import { openStreamProducer } from './put/stream-producer';
import { readDeadLetterFile } from './replay/dead-letter-file-source';
import { RateLimiter } from './replay/rate-limiter';
import { formatReplaySummary, RecordReplayer, type ReplayFailure } from './replay/record-replayer';
import type { ReplayEntry } from './replay/replay-item';
import { ReplayProgressStore } from './replay/replay-progress-store';
import { listShards, readStreamWindow, type StreamWindow } from './replay/stream-source';

interface ReplayOptions extends AwsOptions {
  to: string;
  fromStream?: string;
  from?: string;
  until?: string;
  rate: string;
  progressFile?: string;
  aggregate: boolean;
  unwrap: boolean;
}

const EXAMPLES = `
Examples:
  $ tributary replay /var/lib/telemetry/dead-letters.jsonl --to telemetry --rate 50
  $ tributary replay --from-stream telemetry-dlq --to telemetry --from -2h --until -1h
  $ tributary replay --from-stream telemetry --from 2026-12-07T06:00:00Z --to telemetry-replay --rate 1000

Idempotent: every record is identified by its original position (stream/shard/sequence/sub-sequence, as the
dead-letter envelope records it). Identities are written to the progress file once the target stream
acknowledged them, and skipped by later runs with the same file: after Ctrl-C, run the same command again
and it resumes without resending. Only a crash (kill -9) can resend the last ~250 ms of records.
The same dead letter present twice in the source is sent once. A dead-letter stream's envelopes are
unwrapped (the original data and partition key are sent) unless --no-unwrap.
Exit code 1 if a record could not be sent or an entry could not be read (they are listed), 3 if the
source or target does not exist, 130 after Ctrl-C.`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('replay')
      .description('send a dead-letter file or a stream\'s records back into a stream, rate-limited and resumable')
      .argument('[file]', 'a dead-letter file (NDJSON envelopes, as the consumer\'s file dead-letter sink writes)')
      .requiredOption('--to <stream>', 'the stream to send the records to')
      .option('--from-stream <stream>', 'read this stream instead of a file (e.g. a dead-letter stream)')
      .option('--from <time>', 'with --from-stream: records that arrived at or after this time (default: the oldest)')
      .option('--until <time>', 'with --from-stream: records that arrived up to this time (default: now)')
      .option('--rate <records/s>', 'at most this many records per second', '100')
      .option('--progress-file <path>', 'where acknowledged records are remembered (default: beside the file, or ./tributary-replay-<from>-to-<to>.progress)')
      .option('--no-aggregate', 'send each record as its own Kinesis record (no KPL aggregation)')
      .option('--no-unwrap', 'send dead-letter envelopes read from a stream as they are'),
  )
    .addHelpText('after', EXAMPLES)
    .action((file: string | undefined, options: ReplayOptions) => runReplay(ctx, file, options));
}

async function runReplay(ctx: CliContext, file: string | undefined, options: ReplayOptions): Promise<void> {
  const rate = Number(options.rate);
  if (!(rate > 0) || !Number.isFinite(rate)) throw usageError(`--rate must be a number of records per second > 0, not "${options.rate}"`);
  const plan = planSource(file, options);
  // The source and the target are checked before the progress file is created: a typo leaves no file behind.
  const source = await plan.open(ctx, options);
  const { producer, close } = await openStreamProducer(awsClientConfig(options, ctx.env), options.to, {
    aggregation: options.aggregate,
    // Per key, records go out in the order they were read (the order they failed in).
    ordered: true,
  });
  const started = Date.now();
  let replayer: RecordReplayer;
  let progress: Progress | undefined;
  try {
    const store = await ReplayProgressStore.open(plan.progressFile, options.to);
    try {
      progress = ctx.out.progress('replay', source.total, plan.unit);
      const limiter = new RateLimiter(rate, { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) });
      replayer = new RecordReplayer(producer, store, limiter, plan.unit === 'records' ? () => progress?.increment() : undefined);
      await replayer.replayAll(source.entries(() => progress?.increment()), ctx.signal);
      await replayer.settled();
    } finally {
      await store.close();
    }
  } finally {
    await close();
    progress?.stop();
  }
  report(ctx, replayer, options.to, plan.progressFile, started);
}

function report(ctx: CliContext, replayer: RecordReplayer, target: string, progressFile: string, started: number): void {
  replayer.totals.elapsedMs = Date.now() - started;
  const describe = (p: ReplayFailure): string => `${p.code === 'UNREPLAYABLE' ? 'not replayable' : 'failed'}: ${p.where}: ${p.code}: ${p.message}`;
  for (const line of listAtMost(replayer.problems, MAX_LISTED_FAILURES, describe)) ctx.out.info(ctx.out.errColors.red(line));
  for (const line of formatReplaySummary(target, replayer.totals, progressFile, ctx.signal.aborted)) ctx.out.info(line);
  const { failed, unreadable } = replayer.totals;
  if (failed + unreadable > 0) throw new CliError('FAILED', `${failed + unreadable} record(s) were not replayed (listed above)`);
}

interface SourcePlan {
  progressFile: string;
  /** What the progress bar counts: the file's entries, or the stream's shards. */
  unit: 'shards' | 'records';
  /** Checks the source and counts what the progress bar shows; `entries` reads it (`onShardDone` for streams). */
  open(ctx: CliContext, options: ReplayOptions): Promise<{ total: number; entries(onShardDone: () => void): AsyncIterable<ReplayEntry> }>;
}

function planSource(file: string | undefined, options: ReplayOptions): SourcePlan {
  if ((file === undefined) === (options.fromStream === undefined)) throw usageError('give a dead-letter file or --from-stream <stream> (one of the two)');
  if (file !== undefined) {
    if (options.from !== undefined || options.until !== undefined) throw usageError('--from and --until go with --from-stream');
    return {
      progressFile: options.progressFile ?? `${file}.replay-${options.to}.progress`,
      // Records, not bytes: the file is read far ahead of the rate-limited sends, so bytes read would say 100% at once.
      unit: 'records',
      open: async () => ({ total: await countLines(file), entries: () => readDeadLetterFile(file) }),
    };
  }
  const source = options.fromStream as string;
  return {
    progressFile: options.progressFile ?? path.join(process.cwd(), `tributary-replay-${source}-to-${options.to}.progress`),
    unit: 'shards',
    open: (ctx, o) => openStreamSource(ctx, o, source),
  };
}

async function openStreamSource(ctx: CliContext, options: ReplayOptions, source: string) {
  const now = new Date();
  const time = (flag: string, text: string | undefined): Date | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseTimeExpression(text, now);
    if (!parsed.ok) throw usageError(`${flag}: ${parsed.message}`);
    return parsed.value;
  };
  const window: StreamWindow = { stream: source, to: time('--until', options.until) ?? now, unwrap: options.unwrap };
  const from = time('--from', options.from);
  if (from) window.from = from;
  if (from && from > window.to) throw usageError(`--from (${from.toISOString()}) is after --until (${window.to.toISOString()}); ${TIME_GRAMMAR_HELP}`);
  const client = ctx.aws(options).kinesis;
  const shards = await listShards(client, source).catch((error: unknown) => {
    throw toCliError(error, `ListShards of ${source}`);
  });
  return { total: shards.length, entries: (onShardDone: () => void) => readStreamWindow(client, window, shards, ctx.signal, onShardDone) };
}

/** Non-empty lines of the file (the progress bar's total); a missing file is refused here, before anything is sent. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  try {
    for await (const item of splitLines(createReadStream(file))) if (isLine(item)) lines++;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFoundError(`no file ${file}`, error);
    throw new CliError('IO_FAILURE', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return lines;
}
