/**
 * `tributary watch <camera>`: an HLS session URL (GetHLSStreamingSessionURL on its data endpoint) — LIVE, or
 * LIVE_REPLAY / ON_DEMAND with --from/--to (video/playback-mode.ts) — printed on stdout; in a pipe nothing else
 * (`mpv "$(tributary watch door)"`). `--open` hands the URL to the platform's opener (xdg-open, open, start),
 * or to `--player <command>` (mpv, vlc, ffplay): the URL plays in whatever handles it there; Safari and recent
 * Chrome play HLS natively.
 */
import { spawn } from 'node:child_process';
import { GetHLSStreamingSessionURLCommand, type HLSFragmentSelector } from '@aws-sdk/client-kinesis-video-archived-media';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { awsErrorName } from '@tributary/errors';
import { CliError, notFoundError, toCliError, usageError } from '../cli/cli-error';
import { CameraArchive, SELECTOR_TYPE, type TimestampKind } from '../video/camera-clients';
import { formatDuration, formatLocalTime } from '../video/camera-format';
import { durationOption, rangeOf, timestampsOption } from '../video/camera-options';
import { choosePlaybackMode, defaultOpener, HLS_EXPIRES_LIMITS, PLAYBACK_MODES, type PlaybackMode } from '../video/playback-mode';
import { TIME_GRAMMAR_HELP } from '../video/time-expression';

interface WatchOptions extends AwsOptions {
  from?: string;
  to?: string;
  mode?: PlaybackMode;
  expires: number;
  container: 'fmp4' | 'ts';
  timestamps: TimestampKind;
  open?: boolean;
  player?: string;
}

const HELP = `
Modes: no range is LIVE; --from alone is LIVE_REPLAY (from then on, catching up to live);
--from and --to is ON_DEMAND (a fixed, seekable range). Times: ${TIME_GRAMMAR_HELP}.
--open hands the URL to xdg-open (open on macOS, start on Windows), or to --player.

Examples:
  $ tributary watch front-door
  $ tributary watch front-door --from -10m --open --player mpv
  $ mpv "$(tributary watch front-door --from -1h --to -50m)"
  $ tributary watch front-door --container ts --expires 12h
`;

function expiresOption(text: string): number {
  const ms = durationOption(text);
  if (ms < HLS_EXPIRES_LIMITS.minSeconds * 1000 || ms > HLS_EXPIRES_LIMITS.maxSeconds * 1000) throw new InvalidArgumentError('expected 5m to 12h (GetHLSStreamingSessionURL accepts 300 to 43200 s)');
  return ms;
}

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('watch')
      .description("print a camera's HLS playback URL (GetHLSStreamingSessionURL), or open it")
      .argument('<camera>', 'Kinesis video stream name')
      .option('--from <time>', 'replay from this time (LIVE_REPLAY, or ON_DEMAND with --to)')
      .option('--to <time>', 'end of an ON_DEMAND range')
      .addOption(new Option('--mode <mode>', 'playback mode (default: from the range)').choices([...PLAYBACK_MODES]))
      .addOption(new Option('--expires <duration>', 'how long the URL works (5m to 12h)').argParser(expiresOption).default(3_600_000, '1h'))
      .addOption(new Option('--container <format>', 'HLS segments: fragmented MP4 or MPEG-TS').choices(['fmp4', 'ts']).default('fmp4'))
      .addOption(timestampsOption())
      .option('--open', 'open the URL (xdg-open / open / start, or --player)')
      .option('--player <command>', 'program to open the URL with, e.g. mpv, vlc, ffplay (implies --open)'),
  )
    .addHelpText('after', HELP)
    .action((camera: string, options: WatchOptions) => runWatch(ctx, camera, options));
}

async function runWatch(ctx: CliContext, camera: string, options: WatchOptions): Promise<void> {
  const choice = choosePlaybackMode(options.from !== undefined, options.to !== undefined, options.mode);
  if (!choice.ok) throw usageError(choice.message);
  const range: { from: Date; to?: Date } | undefined = choice.mode === 'LIVE' ? undefined : options.to === undefined ? { from: rangeOf({ from: options.from, to: 'now' }).from } : rangeOf(options);
  const archive = CameraArchive.open(ctx, options, camera);
  let url: string;
  try {
    url = await sessionUrl(ctx, archive, choice.mode, range, options);
  } finally {
    archive.destroy();
  }
  if (ctx.out.isTty) {
    const what = range === undefined ? 'live' : `from ${formatLocalTime(range.from.getTime())}${range.to ? ` to ${formatLocalTime(range.to.getTime())}` : ''}`;
    ctx.out.info(`${choice.mode} HLS of ${camera} (${what}), valid ${formatDuration(options.expires)} until ${formatLocalTime(Date.now() + options.expires)}:`);
  }
  await ctx.out.line(url);
  if (options.open || options.player !== undefined) await openUrl(ctx, url, options.player);
}

async function sessionUrl(ctx: CliContext, archive: CameraArchive, mode: PlaybackMode, range: { from: Date; to?: Date } | undefined, options: WatchOptions): Promise<string> {
  const selector: HLSFragmentSelector = { FragmentSelectorType: SELECTOR_TYPE[options.timestamps] };
  if (range) selector.TimestampRange = { StartTimestamp: range.from, ...(range.to ? { EndTimestamp: range.to } : {}) };
  const client = await archive.client('GET_HLS_STREAMING_SESSION_URL');
  try {
    const out = await client.send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: archive.camera,
        PlaybackMode: mode,
        HLSFragmentSelector: selector,
        ContainerFormat: options.container === 'ts' ? 'MPEG_TS' : 'FRAGMENTED_MP4',
        DisplayFragmentTimestamp: 'ALWAYS',
        Expires: Math.round(options.expires / 1000),
      }),
      { abortSignal: ctx.signal },
    );
    if (!out.HLSStreamingSessionURL) throw new CliError('AWS_FAILURE', 'GetHLSStreamingSessionURL answered without a URL; try again');
    return out.HLSStreamingSessionURL;
  } catch (err) {
    throw hlsSessionError(err, archive.camera, mode);
  }
}

/** KVS' refusals of a stream that exists, said in terms of what to do next. */
function hlsSessionError(err: unknown, camera: string, mode: PlaybackMode): CliError {
  const name = awsErrorName(err);
  if (name === 'ResourceNotFoundException' && mode === 'LIVE') {
    return notFoundError(`no live media from ${camera}: no fragment ended in the last 30 s (\`tributary cameras\` shows its health); to play what is stored: tributary watch ${camera} --from -5m`, err);
  }
  if (name === 'ResourceNotFoundException') {
    return notFoundError(`no fragments of ${camera} in that range (\`tributary fragments ${camera} --from … --to …\` shows what is stored)`, err);
  }
  if (name === 'NoDataRetentionException') {
    return new CliError('FAILED', `${camera} keeps no data (retention 0), so KVS serves no HLS of it; give it a retention (aws kinesisvideo update-data-retention)`, { cause: err });
  }
  return toCliError(err, `GetHLSStreamingSessionURL of ${camera}`);
}

/** Starts the opener detached (the CLI returns at once); a missing program is a failure that names it. */
function openUrl(ctx: CliContext, url: string, player: string | undefined): Promise<void> {
  const opener = player !== undefined ? { command: player, args: [] } : defaultOpener(process.platform);
  return new Promise((resolve, reject) => {
    const child = spawn(opener.command, [...opener.args, url], { detached: true, stdio: 'ignore' });
    child.once('error', (err) => {
      const hint = player !== undefined ? 'check --player names an installed program' : `install ${opener.command}, or give --player mpv (or vlc, ffplay)`;
      reject(new CliError('FAILED', `cannot open the URL with ${opener.command}: ${err.message} (${hint}; the URL is printed above)`, { cause: err }));
    });
    child.once('spawn', () => {
      child.unref();
      ctx.out.info(`opened with ${opener.command}`);
      resolve();
    });
  });
}
