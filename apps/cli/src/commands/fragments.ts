/**
 * `tributary fragments <camera> --from --to`: ListFragments (every page) as a timeline in producer-time order,
 * gaps marked (video/fragment-timeline.ts). A table in local time on a terminal, one JSON object per fragment
 * (ISO UTC times, `gapBeforeMs` on the fragment after a gap) in a pipe.
 */
import { Option, type Command } from 'commander';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { CameraArchive, type TimestampKind } from '../video/camera-clients';
import { formatBytes, formatDuration, formatLocalTime, renderTable } from '../video/camera-format';
import { buildTimeline, DEFAULT_GAP_TOLERANCE_MS, fragmentInfoOf, summarizeTimeline, type TimelineEntry } from '../video/fragment-timeline';
import { durationOption, rangeOf, timestampsOption } from '../video/camera-options';
import { TIME_GRAMMAR_HELP } from '../video/time-expression';

interface FragmentsOptions extends AwsOptions {
  from?: string;
  to?: string;
  timestamps: TimestampKind;
  gap: number;
  json?: boolean;
}

/** --from's default when absent: the last 5 minutes. */
const DEFAULT_SPAN_MS = 5 * 60_000;

const HELP = `
Times: ${TIME_GRAMMAR_HELP}.
A gap is marked where a fragment starts more than --gap after the previous one ended.

Examples:
  $ tributary fragments front-door                         # the last 5 minutes
  $ tributary fragments front-door --from -1h --to -30m
  $ tributary fragments front-door --from 2026-12-07T06:00:00Z --to 2026-12-07T06:10:00Z --gap 2s
  $ tributary fragments front-door --from -1h | jq 'select(.gapBeforeMs)'
`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('fragments')
      .description("list a camera's stored fragments (ListFragments) with timestamps, duration, size, number; gaps marked")
      .argument('<camera>', 'Kinesis video stream name')
      .option('--from <time>', 'start of the range (default: 5 minutes before --to)')
      .option('--to <time>', 'end of the range (default: now)')
      .addOption(timestampsOption())
      .addOption(new Option('--gap <duration>', 'tolerance before a gap is marked').argParser(durationOption).default(DEFAULT_GAP_TOLERANCE_MS, '0.5s'))
      .option('--json', 'JSON lines on a terminal too (always in a pipe)'),
  )
    .addHelpText('after', HELP)
    .action((camera: string, options: FragmentsOptions) => runFragments(ctx, camera, options));
}

async function runFragments(ctx: CliContext, camera: string, options: FragmentsOptions): Promise<void> {
  const { from, to } = rangeOf(options, DEFAULT_SPAN_MS);
  const archive = CameraArchive.open(ctx, options, camera);
  try {
    const timeline = buildTimeline((await archive.listFragments(from, to, options.timestamps)).map(fragmentInfoOf), options.gap);
    if (ctx.out.isTty && !options.json) await printTimeline(ctx, camera, timeline, from, to);
    else for (const f of timeline) await ctx.out.line(JSON.stringify(fragmentJson(f)));
  } finally {
    archive.destroy();
  }
}

export function fragmentJson(f: TimelineEntry): Record<string, unknown> {
  return {
    fragmentNumber: f.fragmentNumber,
    producerTimestamp: new Date(f.producerMs).toISOString(),
    serverTimestamp: new Date(f.serverMs).toISOString(),
    durationMs: f.durationMs,
    sizeBytes: f.sizeBytes,
    ...(f.gapBeforeMs !== undefined ? { gapBeforeMs: f.gapBeforeMs } : {}),
  };
}

async function printTimeline(ctx: CliContext, camera: string, timeline: readonly TimelineEntry[], from: Date, to: Date): Promise<void> {
  const c = ctx.out.colors;
  if (timeline.length === 0) {
    ctx.out.info(`no fragments of ${camera} between ${formatLocalTime(from.getTime())} and ${formatLocalTime(to.getTime())}`);
    return;
  }
  const header = ['PRODUCER TIME', 'SERVER TIME', 'DURATION', 'SIZE', 'FRAGMENT NUMBER'];
  const rows = timeline.map((f) => [formatLocalTime(f.producerMs), formatLocalTime(f.serverMs), formatDuration(f.durationMs), formatBytes(f.sizeBytes), f.fragmentNumber]);
  const lines = renderTable(header, rows);
  await ctx.out.line(c.bold(lines[0]));
  for (let i = 0; i < timeline.length; i++) {
    const gap = timeline[i].gapBeforeMs;
    if (gap !== undefined) await ctx.out.line(c.yellow(`  ~~ gap of ${formatDuration(gap)} ~~`));
    await ctx.out.line(lines[i + 1]);
  }
  const s = summarizeTimeline(timeline);
  const gaps = s.gaps === 0 ? 'no gaps' : `${s.gaps} gap${s.gaps > 1 ? 's' : ''} (${formatDuration(s.gapMs)})`;
  await ctx.out.line(c.dim(`${s.fragments} fragments, ${formatDuration(s.durationMs)} of media, ${formatBytes(s.bytes)}, ${gaps}`));
}
