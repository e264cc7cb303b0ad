/**
 * `tributary clip <camera> --from --to -o clip.mp4`: GetClip on the GET_CLIP data endpoint, the MP4 streamed to
 * the file (written beside it and renamed into place, so an interrupted download leaves no half clip under the
 * name) or to stdout with `-o -`, with a byte progress bar on a terminal.
 *
 * GetClip answers at most 200 fragments or 100 MB of a range of at most 24 h and says nothing when it cuts, so
 * the fragments are listed first (video/clip-plan.ts): a range that needs more than one clip is refused with the
 * figures, or with --split written as clip-1.mp4, clip-2.mp4, …
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { GetClipCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import type { Command } from 'commander';
import { withAwsOptions, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { CliError, notFoundError, toCliError, usageError } from '../cli/cli-error';
import { CameraArchive, SELECTOR_TYPE, type TimestampKind } from '../video/camera-clients';
import { formatBytes, formatLocalTime } from '../video/camera-format';
import { rangeOf, timestampsOption } from '../video/camera-options';
import { GET_CLIP_LIMITS, partFileName, planClipParts, type ClipPart } from '../video/clip-plan';
import { buildTimeline, fragmentInfoOf } from '../video/fragment-timeline';
import { TIME_GRAMMAR_HELP } from '../video/time-expression';

interface ClipOptions extends AwsOptions {
  from?: string;
  to?: string;
  output: string;
  timestamps: TimestampKind;
  split?: boolean;
}

const HELP = `
Times: ${TIME_GRAMMAR_HELP}.
GetClip returns at most ${GET_CLIP_LIMITS.maxFragments} fragments or 100 MB per clip (of a range up to 24 h). A longer
range is refused with its size; --split writes it as several files (clip-1.mp4, clip-2.mp4, ...).
A file is written as <file>.part and renamed when complete; Ctrl-C removes the partial file.

Examples:
  $ tributary clip front-door --from -10m --to -5m -o door.mp4
  $ tributary clip front-door --from 2026-12-07T06:00:00Z --to 2026-12-07T09:00:00Z --split -o night.mp4
  $ tributary clip front-door --from -1m -o - | ffplay -
`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('clip')
      .description('download an MP4 clip of a camera (GetClip)')
      .argument('<camera>', 'Kinesis video stream name')
      .requiredOption('--from <time>', 'start of the clip')
      .option('--to <time>', 'end of the clip (default: now)')
      .requiredOption('-o, --output <file>', 'the MP4 file to write, or - for stdout')
      .option('--split', 'write a range beyond one GetClip as several numbered files')
      .addOption(timestampsOption()),
  )
    .addHelpText('after', HELP)
    .action((camera: string, options: ClipOptions) => runClip(ctx, camera, options));
}

async function runClip(ctx: CliContext, camera: string, options: ClipOptions): Promise<void> {
  const { from, to } = rangeOf(options);
  const toStdout = options.output === '-';
  if (toStdout && ctx.out.isTty) throw usageError('refusing to write MP4 bytes to a terminal: give a file with -o, or pipe stdout (-o - | ffplay -)');
  const archive = CameraArchive.open(ctx, options, camera);
  try {
    const timeline = buildTimeline((await archive.listFragments(from, to, options.timestamps)).map(fragmentInfoOf));
    // Parts are ranged in the selector's own timestamps: by server time, plan on server times in their order.
    const byKind = options.timestamps === 'server' ? timeline.map((f) => ({ ...f, producerMs: f.serverMs })).sort((a, b) => a.producerMs - b.producerMs) : timeline;
    const parts = planClipParts(byKind);
    if (parts.length === 0) {
      throw notFoundError(`no fragments of ${camera} between ${from.toISOString()} and ${to.toISOString()} (\`tributary fragments ${camera} --from … --to …\` shows what is stored)`);
    }
    if (parts.length > 1 && (!options.split || toStdout)) throw tooLong(timeline.length, parts, options);
    for (let i = 0; i < parts.length; i++) {
      const file = toStdout ? '-' : parts.length === 1 ? options.output : partFileName(options.output, i + 1);
      const bytes = await downloadPart(ctx, archive, parts[i], options.timestamps, file);
      if (ctx.signal.aborted) return;
      report(ctx, { file, bytes, part: parts[i], index: i, of: parts.length });
    }
  } finally {
    archive.destroy();
  }
}

function tooLong(fragments: number, parts: readonly ClipPart[], options: ClipOptions): CliError {
  const bytes = parts.reduce((n, p) => n + p.bytes, 0);
  const advice = options.output === '-' ? 'narrow --from/--to (--split cannot write several files to stdout)' : `narrow --from/--to, or add --split to write ${partFileName(options.output, 1)} … ${partFileName(options.output, parts.length)}`;
  return usageError(
    `the range holds ${fragments} fragments (${formatBytes(bytes)}): more than one GetClip returns (${GET_CLIP_LIMITS.maxFragments} fragments or 100 MB); ${advice}`,
  );
}

/** One GetClip call streamed to `file` ('-': stdout); the bytes written. */
async function downloadPart(ctx: CliContext, archive: CameraArchive, part: ClipPart, kind: TimestampKind, file: string): Promise<number> {
  const client = await archive.client('GET_CLIP');
  let body: Readable;
  let length: number | undefined;
  try {
    const out = await client.send(
      new GetClipCommand({
        StreamName: archive.camera,
        ClipFragmentSelector: { FragmentSelectorType: SELECTOR_TYPE[kind], TimestampRange: { StartTimestamp: part.from, EndTimestamp: part.to } },
      }),
      { abortSignal: ctx.signal },
    );
    body = out.Payload as Readable;
    // GetClip's output has no length field; over Node's handler the payload is the HTTP response itself.
    const header = (body as Readable & { headers?: Record<string, string | string[] | undefined> }).headers?.['content-length'];
    length = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  } catch (err) {
    if (ctx.signal.aborted) return 0;
    throw toCliError(err, `GetClip of ${archive.camera}`);
  }
  // Without a length the stored fragments' size stands in (the MP4 is a little smaller than the Matroska).
  const progress = ctx.out.progress(file === '-' ? 'clip' : file, length ?? part.bytes, 'bytes');
  let written = 0;
  try {
    written = file === '-' ? await copyToStdout(ctx, body, progress.increment) : await copyToFile(ctx, body, file, progress.increment);
    if (!ctx.signal.aborted) progress.update(written, written);
    return written;
  } finally {
    progress.stop();
  }
}

async function copyToStdout(ctx: CliContext, body: Readable, onBytes: (n: number) => void): Promise<number> {
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    if (ctx.signal.aborted || ctx.out.stdoutClosed) break;
    total += chunk.length;
    onBytes(chunk.length);
    await ctx.out.write(chunk);
  }
  body.destroy();
  return total;
}

/** Writes beside `file` and renames into place once complete; removes the partial file on failure or Ctrl-C. */
async function copyToFile(ctx: CliContext, body: Readable, file: string, onBytes: (n: number) => void): Promise<number> {
  const partial = `${file}.part`;
  let sink: fs.WriteStream;
  try {
    sink = fs.createWriteStream(partial);
    await once(sink, 'open');
  } catch (err) {
    body.destroy();
    throw new CliError('IO_FAILURE', `cannot write ${file}: ${(err as Error).message} (check the directory exists and is writable)`, { cause: err });
  }
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      if (ctx.signal.aborted) break;
      total += chunk.length;
      onBytes(chunk.length);
      // events.once rejects on 'error' and removes both listeners either way (no listener piles up per chunk).
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (ctx.signal.aborted) throw ctx.signal.reason;
    fs.renameSync(partial, file);
    return total;
  } catch (err) {
    body.destroy();
    sink.destroy();
    fs.rmSync(partial, { force: true });
    if (ctx.signal.aborted) return total;
    throw new CliError('IO_FAILURE', `the download of ${file} failed after ${formatBytes(total)}: ${(err as Error).message} (run the command again)`, { cause: err });
  }
}

function report(ctx: CliContext, r: { file: string; bytes: number; part: ClipPart; index: number; of: number }): void {
  const what = `${r.part.fragments} fragments, ${formatLocalTime(r.part.from.getTime())} to ${formatLocalTime(r.part.to.getTime())}`;
  ctx.out.info(`${r.file === '-' ? 'wrote the clip to stdout' : `wrote ${r.file}`}: ${formatBytes(r.bytes)}, ${what}${r.of > 1 ? ` (part ${r.index + 1} of ${r.of})` : ''}`);
  // In a pipe the files written are results a script reads; on stdout only when stdout is not the clip itself.
  if (r.file !== '-' && !ctx.out.isTty) {
    void ctx.out.line(JSON.stringify({ file: r.file, bytes: r.bytes, fragments: r.part.fragments, from: r.part.from.toISOString(), to: r.part.to.toISOString() }));
  }
}
