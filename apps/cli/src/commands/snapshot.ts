/**
 * `tributary snapshot <camera> [--at <time>] -o frame.jpg`: one still image by GetImages on the GET_IMAGES data
 * endpoint — the frame on screen at `--at`, or without it the first frame (a keyframe) of the newest fragment —
 * written to the file or, with `-o -`, to stdout.
 *
 * One sample is asked for as the playback gateway does: a one-second range sampled every second, one result.
 * GetImages reports a time with no media as an image with `Error: NO_MEDIA` (not an exception): that is a
 * not-found here (exit 3) with what to do.
 */
import * as fs from 'node:fs';
import { GetImagesCommand, type Format } from '@aws-sdk/client-kinesis-video-archived-media';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { CliError, notFoundError, toCliError, usageError } from '../cli/cli-error';
import { CameraArchive, SELECTOR_TYPE, type TimestampKind } from '../video/camera-clients';
import { formatBytes, formatLocalTime } from '../video/camera-format';
import { timeOf, timestampsOption } from '../video/camera-options';
import { TIME_GRAMMAR_HELP } from '../video/time-expression';

interface SnapshotOptions extends AwsOptions {
  at?: string;
  output: string;
  format: 'jpeg' | 'png';
  width?: number;
  height?: number;
  timestamps: TimestampKind;
}

const HELP = `
Times: ${TIME_GRAMMAR_HELP}.
Without --at: the first frame of the newest fragment stored in the last hour.

Examples:
  $ tributary snapshot front-door -o door.jpg
  $ tributary snapshot front-door --at -10m --width 640 -o door-10min-ago.jpg
  $ tributary snapshot front-door --at 2026-12-07T06:00:00Z --format png -o - > frame.png
`;

function pixels(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 3840) throw new InvalidArgumentError('expected a whole number of pixels, 1 to 3840');
  return n;
}

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('snapshot')
      .description('save one still image of a camera (GetImages)')
      .argument('<camera>', 'Kinesis video stream name')
      .option('--at <time>', 'the moment to show (default: the newest fragment)')
      .requiredOption('-o, --output <file>', 'the image file to write, or - for stdout')
      .addOption(new Option('--format <format>', 'image format').choices(['jpeg', 'png']).default('jpeg'))
      .option('--width <pixels>', 'scale to this width (the height keeps the aspect ratio unless given)', pixels)
      .option('--height <pixels>', 'scale to this height', pixels)
      .addOption(timestampsOption()),
  )
    .addHelpText('after', HELP)
    .action((camera: string, options: SnapshotOptions) => runSnapshot(ctx, camera, options));
}

async function runSnapshot(ctx: CliContext, camera: string, options: SnapshotOptions): Promise<void> {
  const toStdout = options.output === '-';
  if (toStdout && ctx.out.isTty) throw usageError('refusing to write image bytes to a terminal: give a file with -o, or redirect stdout');
  let at = options.at !== undefined ? timeOf('--at', options.at) : undefined;
  const archive = CameraArchive.open(ctx, options, camera);
  try {
    if (at === undefined) at = await newestFragmentStart(archive, options.timestamps);
    const image = await imageAt(ctx, archive, at, options);
    if (toStdout) await ctx.out.write(image);
    else writeImage(options.output, image);
    ctx.out.info(`${toStdout ? 'wrote the image to stdout' : `wrote ${options.output}`}: ${options.format.toUpperCase()}, ${formatBytes(image.length)}, at ${formatLocalTime(at.getTime())}`);
  } finally {
    archive.destroy();
  }
}

async function newestFragmentStart(archive: CameraArchive, kind: TimestampKind): Promise<Date> {
  const newest = await archive.newestFragment(Date.now());
  if (!newest) throw notFoundError(`${archive.camera} has no fragment in the last hour: nothing to show (give --at for an older moment; \`tributary fragments ${archive.camera} --from -1d\` shows what is stored)`);
  return (kind === 'server' ? newest.ServerTimestamp : newest.ProducerTimestamp) ?? new Date(0);
}

async function imageAt(ctx: CliContext, archive: CameraArchive, at: Date, options: SnapshotOptions): Promise<Buffer> {
  const client = await archive.client('GET_IMAGES');
  const format: Format = options.format === 'png' ? 'PNG' : 'JPEG';
  let images;
  try {
    const out = await client.send(
      new GetImagesCommand({
        StreamName: archive.camera,
        ImageSelectorType: SELECTOR_TYPE[options.timestamps],
        StartTimestamp: at,
        EndTimestamp: new Date(at.getTime() + 1000),
        SamplingInterval: 1000,
        Format: format,
        ...(format === 'JPEG' ? { FormatConfig: { JPEGQuality: '90' } } : {}),
        ...(options.width !== undefined ? { WidthPixels: options.width } : {}),
        ...(options.height !== undefined ? { HeightPixels: options.height } : {}),
        MaxResults: 1,
      }),
      { abortSignal: ctx.signal },
    );
    images = out.Images ?? [];
  } catch (err) {
    throw toCliError(err, `GetImages of ${archive.camera}`);
  }
  const image = images.find((i) => i.ImageContent) ?? images[0];
  if (image?.ImageContent) return Buffer.from(image.ImageContent, 'base64');
  const when = `${at.toISOString()} (${formatLocalTime(at.getTime())} local)`;
  if (image?.Error === 'MEDIA_ERROR') throw new CliError('FAILED', `KVS could not decode the fragment at ${when} (MEDIA_ERROR); try a moment a few seconds later with --at`);
  throw notFoundError(`no image of ${archive.camera} at ${when}: no stored fragment covers that moment (\`tributary fragments ${archive.camera}\` shows what is stored)`);
}

function writeImage(file: string, image: Buffer): void {
  try {
    fs.writeFileSync(file, image);
  } catch (err) {
    throw new CliError('IO_FAILURE', `cannot write ${file}: ${(err as Error).message} (check the directory exists and is writable)`, { cause: err });
  }
}
