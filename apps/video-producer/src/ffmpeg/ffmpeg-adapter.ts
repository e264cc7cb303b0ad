/**
 * The one module that drives ffmpeg (through fluent-ffmpeg): everything else sees a Readable of live Matroska
 * bytes and a stop(). Keeping ffmpeg behind this seam lets the rest of the app be tested on recorded bytes, and
 * lets the bundle treat fluent-ffmpeg as an external.
 *
 * The command per source (kvs-reference.md §3.9 step 6): H.264 without B-frames, a keyframe every fragment
 * length (-g and -force_key_frames, scene cuts off, so fragments are the length asked for), low-latency x264
 * settings, or a stream copy when the source already is H.264/H.265 (copy-decision.ts); video only (KVS track 1), or
 * with a copy the source's AAC too (track 2);
 * Matroska on stdout in live mode (`-f matroska -live 1`, as libs/media's README reads it).
 *
 * The binary: the system's ffmpeg when one is on PATH (an edge device's own build, with its v4l2 and hardware
 * support), else the static build `@ffmpeg-installer/ffmpeg` installed, so `npm ci` alone is enough.
 */
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { Logger } from '@tributary/runtime';
import { VideoProducerError } from '../video-producer-error';
import { classifyRtspFailure } from '../rtsp/rtsp-failure';

/** RTSP's media transport: interleaved in the RTSP TCP connection, or RTP over UDP. */
export type RtspTransport = 'tcp' | 'udp';

/** Where the video comes from. */
export type CameraSource =
  | { kind: 'testsrc' }
  | { kind: 'file'; path: string; loop: boolean }
  /** `url` with the credentials merged in (rtsp/rtsp-credentials.ts); `timeoutMs` → ffmpeg's socket I/O `-timeout`. */
  | { kind: 'rtsp'; url: string; transport?: RtspTransport; timeoutMs?: number }
  | { kind: 'v4l2'; device: string };

export interface EncodingSettings {
  /** Fragment length: the keyframe interval. */
  fragmentMs: number;
  /** Output size; for file, RTSP and v4l2 sources only applied when given (scaled). */
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps: number;
  /** Stream copy (the source is H.264 already): no decode, no re-encode; size, fps and keyframes are the source's. */
  copy: boolean;
  /** With copy: the source's first audio stream is copied too (AAC, KVS track 2; copy-decision.ts decides). */
  copyAudio?: boolean;
  /** x264 preset (default veryfast). */
  preset?: string;
  /**
   * One Matroska Cluster per frame, so each frame leaves ffmpeg as soon as it is encoded (for frame streaming;
   * ffmpeg's own clusters hold a GOP or more until the next keyframe, which is latency).
   */
  frameClusters?: boolean;
}

/** What ffmpeg is told, in fluent-ffmpeg's terms (input, its options, output options). Pure: tests read it. */
export interface FfmpegPlan {
  input: string;
  inputOptions: string[];
  outputOptions: string[];
}

/** Fonts tried for the test pattern's burnt-in clock (Debian/Ubuntu, Alpine, Fedora, macOS). */
export const FONT_CANDIDATES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/Library/Fonts/Arial.ttf',
];

export const TEST_PATTERN_DEFAULTS = { width: 640, height: 360, fps: 25 } as const;

/** Where testsrc2 draws its stream-time counter and frame number: top left, a fixed size whatever the picture's. */
export const TESTSRC2_COUNTER = { width: 112, height: 44 } as const;

/** The first font that exists, or undefined (the test pattern then goes without its clock). */
export function findFont(candidates: readonly string[] = FONT_CANDIDATES, exists: (path: string) => boolean = existsSync): string | undefined {
  return candidates.find((p) => exists(p));
}

/** Filter-graph escaping of a value inside '…' (drawtext's fontfile). */
function quoteFilterValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`;
}

/**
 * The test pattern's clock (wall time and frame number). testsrc2 draws its own stream-time counter in the top-left
 * corner; a see-through box over it let both clocks show. An opaque bar across the top covers it: one clock, the wall
 * time latency is read against.
 */
function testPatternClock(height: number, fontFile: string): string[] {
  const size = Math.max(12, Math.round(height / 16));
  const bar = Math.max(TESTSRC2_COUNTER.height, size + 16);
  return [
    `drawbox=x=0:y=0:w=iw:h=${bar}:color=black:t=fill`,
    `drawtext=fontfile=${quoteFilterValue(fontFile)}:fontsize=${size}:fontcolor=white:x=8:y=(${bar}-th)/2:text='%{localtime} #%{n}'`,
  ];
}

/** The ffmpeg input and options for one camera. `fontFile` enables the test pattern's clock (wall time and frame number). */
export function buildFfmpegPlan(source: CameraSource, enc: EncodingSettings, options: { fontFile?: string } = {}): FfmpegPlan {
  // Never empty (fluent-ffmpeg's inputOptions() takes one or more); harmless before any input.
  const inputOptions: string[] = ['-thread_queue_size', '512'];
  let input: string;
  const filters: string[] = [];
  switch (source.kind) {
    case 'testsrc': {
      const w = enc.width ?? TEST_PATTERN_DEFAULTS.width;
      const h = enc.height ?? TEST_PATTERN_DEFAULTS.height;
      const fps = enc.fps ?? TEST_PATTERN_DEFAULTS.fps;
      // -re: lavfi generates as fast as it can otherwise; a camera produces in real time.
      inputOptions.push('-re', '-f', 'lavfi');
      input = `testsrc2=size=${w}x${h}:rate=${fps}`;
      if (options.fontFile) filters.push(...testPatternClock(h, options.fontFile));
      break;
    }
    case 'file':
      if (source.loop) inputOptions.push('-stream_loop', '-1');
      inputOptions.push('-re');
      input = source.path;
      break;
    case 'rtsp':
      inputOptions.push('-rtsp_transport', source.transport ?? 'tcp');
      // Microseconds in Debian's ffmpeg 5.1 (older builds named it -stimeout). Without it a camera that goes silent
      // (UDP, or a hung TCP peer) keeps ffmpeg waiting forever; with it ffmpeg ends and the pipeline restarts it.
      if (source.timeoutMs !== undefined && source.timeoutMs > 0) inputOptions.push('-timeout', String(source.timeoutMs * 1000));
      input = source.url;
      break;
    case 'v4l2':
      inputOptions.push('-f', 'v4l2');
      if (enc.fps !== undefined) inputOptions.push('-framerate', String(enc.fps));
      if (enc.width !== undefined && enc.height !== undefined) inputOptions.push('-video_size', `${enc.width}x${enc.height}`);
      input = source.device;
      break;
  }

  const withAudio = enc.copy && enc.copyAudio === true;
  const outputOptions: string[] = withAudio ? ['-map', '0:v:0', '-map', '0:a:0', '-c:a', 'copy', '-sn', '-dn'] : ['-map', '0:v:0', '-an', '-sn', '-dn'];
  if (enc.copy) {
    outputOptions.push('-c:v', 'copy');
  } else {
    if (source.kind === 'file' || source.kind === 'rtsp') {
      if (enc.width !== undefined && enc.height !== undefined) filters.push(`scale=${enc.width}:${enc.height}`);
      if (enc.fps !== undefined) filters.push(`fps=${enc.fps}`);
    }
    if (filters.length > 0) outputOptions.push('-vf', filters.join(','));
    const fps = enc.fps ?? (source.kind === 'testsrc' ? TEST_PATTERN_DEFAULTS.fps : undefined);
    const seconds = enc.fragmentMs / 1000;
    outputOptions.push(
      '-c:v',
      'libx264',
      '-preset',
      enc.preset ?? 'veryfast',
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      `${enc.bitrateKbps}k`,
      '-maxrate',
      `${enc.bitrateKbps}k`,
      '-bufsize',
      `${enc.bitrateKbps * 2}k`,
      // No B-frames: no negative CTS, decode order = presentation order (§3.9 step 6).
      '-bf',
      '0',
      '-sc_threshold',
      '0',
      '-force_key_frames',
      `expr:gte(t,n_forced*${seconds})`,
    );
    if (fps !== undefined) {
      const gop = Math.max(1, Math.round(fps * seconds));
      outputOptions.push('-g', String(gop), '-keyint_min', String(gop));
    }
  }
  if (enc.frameClusters) outputOptions.push('-cluster_size_limit', '1', '-cluster_time_limit', '0');
  outputOptions.push('-f', 'matroska', '-live', '1', '-flush_packets', '1');
  return { input, inputOptions, outputOptions };
}

/** The whole command line, for logs, `--print-command` and tests (fluent-ffmpeg builds the same). */
export function ffmpegArgs(plan: FfmpegPlan): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', ...plan.inputOptions, '-i', plan.input, ...plan.outputOptions, 'pipe:1'];
}

export interface ResolvedFfmpeg {
  path: string;
  origin: 'configured' | 'system' | 'bundled';
}

/** `configured` wins; else `ffmpeg` on PATH; else @ffmpeg-installer/ffmpeg's binary. Throws FFMPEG_NOT_FOUND. */
export function resolveFfmpegPath(
  options: { configured?: string; pathEnv?: string; isExecutable?: (path: string) => boolean; bundled?: () => string | undefined } = {},
): ResolvedFfmpeg {
  const isExecutable = options.isExecutable ?? executable;
  if (options.configured) {
    if (!isExecutable(options.configured)) throw new VideoProducerError('FFMPEG_NOT_FOUND', `ffmpeg at ${options.configured} is not an executable file.`, false);
    return { path: options.configured, origin: 'configured' };
  }
  for (const dir of (options.pathEnv ?? process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
    if (isExecutable(candidate)) return { path: candidate, origin: 'system' };
  }
  const bundled = (options.bundled ?? bundledFfmpeg)();
  if (bundled && isExecutable(bundled)) return { path: bundled, origin: 'bundled' };
  throw new VideoProducerError(
    'FFMPEG_NOT_FOUND',
    'No ffmpeg: none on PATH and @ffmpeg-installer/ffmpeg has no binary for this platform. Install ffmpeg (apt install ffmpeg) or set --ffmpeg.',
    false,
  );
}

/** Whether `path` is a file this process may execute (PATH lookups of ffmpeg and ffprobe). */
export function executable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function bundledFfmpeg(): string | undefined {
  try {
    // Loaded lazily: the package throws on platforms it has no binary for.
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof installer.path === 'string' ? installer.path : undefined;
  } catch {
    return undefined;
  }
}

export interface FfmpegExit {
  /** True when stop() asked for it. */
  requested: boolean;
  error?: VideoProducerError;
}

export interface FfmpegProcess {
  /** Live Matroska bytes. Reading slowly slows ffmpeg down (pipe backpressure). */
  readonly stdout: Readable;
  readonly commandLine: string;
  /** Resolves when ffmpeg has exited (never rejects). */
  readonly exited: Promise<FfmpegExit>;
  /** Asks ffmpeg to finish (SIGINT: it writes what it has), SIGKILL after `graceMs`. Resolves on exit. */
  stop(graceMs?: number): Promise<FfmpegExit>;
}

/** The runtime's Logger, the two levels ffmpeg's stderr goes to. */
export type FfmpegLogger = Pick<Logger, 'debug' | 'warn'>;

/** ffmpeg stderr lines kept to say why it stopped. */
const STDERR_TAIL_LINES = 20;

/**
 * Starts ffmpeg for `plan`. Its stderr goes to the logger (warnings and errors only: -loglevel warning). `mask`
 * (rtsp/rtsp-credentials.ts secretMasker) is applied to every text that leaves here: the command line, each stderr
 * line, error messages. An RTSP input's failure is typed from stderr (rtsp/rtsp-failure.ts), also when ffmpeg exits
 * 0 after one (it treats a socket timeout as the end of the input).
 */
export function startFfmpeg(
  plan: FfmpegPlan,
  options: {
    ffmpegPath: string;
    logger?: FfmpegLogger;
    mask?: (text: string) => string;
    /** Where ffmpeg's bytes go (the caller's stream, handed out before ffmpeg started: probed-ffmpeg.ts); default a new one. */
    output?: PassThrough;
  },
): FfmpegProcess {
  const mask = options.mask ?? ((text: string) => text);
  const rtsp = /^rtsps?:\/\//i.test(plan.input);
  const tail: string[] = [];
  const out = options.output ?? new PassThrough({ highWaterMark: 256 * 1024 });
  const command = ffmpeg({ stdoutLines: 0 })
    .setFfmpegPath(options.ffmpegPath)
    .input(plan.input)
    // Spread, never one array: fluent-ffmpeg splits a lone array item at its space ("text='a b'" would break).
    .inputOptions(...plan.inputOptions)
    .outputOptions('-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', ...plan.outputOptions);
  const commandLine = mask([options.ffmpegPath, ...ffmpegArgs(plan)].join(' '));
  let requested = false;
  let exitedResolve: (exit: FfmpegExit) => void = () => undefined;
  const exited = new Promise<FfmpegExit>((resolve) => {
    exitedResolve = resolve;
  });
  command.on('start', (line: string) => options.logger?.debug({ command: mask(line) }, 'ffmpeg started'));
  command.on('stderr', (line: string) => {
    const masked = mask(line);
    tail.push(masked);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    options.logger?.warn({ ffmpeg: masked }, 'ffmpeg');
  });
  const rtspFailure = (): VideoProducerError | undefined => {
    const failure = rtsp ? classifyRtspFailure(tail) : undefined;
    return failure ? new VideoProducerError(failure.code, `${failure.code}: ${failure.message} (ffmpeg: ${tail.slice(-2).join(' | ')})`, true) : undefined;
  };
  command.on('end', () => {
    const error = requested ? undefined : rtspFailure();
    exitedResolve(error ? { requested, error } : { requested });
  });
  command.on('error', (err: Error, _stdout: unknown, stderr: unknown) => {
    if (requested) {
      exitedResolve({ requested });
    } else {
      const last = typeof stderr === 'string' ? stderr.trim().split('\n').slice(-3).join(' | ') : '';
      // The cause is not kept: its message holds ffmpeg's unmasked stderr (the camera URL with its password).
      const error = rtspFailure() ?? new VideoProducerError('FFMPEG_FAILED', mask(`ffmpeg failed: ${err.message}${last ? ` (${last})` : ''}`), true);
      exitedResolve({ requested, error });
    }
    // fluent-ffmpeg does not end the piped stream on error.
    if (!out.writableEnded) out.end();
  });
  command.pipe(out, { end: true });

  const stop = (graceMs = 5000): Promise<FfmpegExit> => {
    if (!requested) {
      requested = true;
      command.kill('SIGINT');
      const timer = setTimeout(() => command.kill('SIGKILL'), graceMs);
      timer.unref();
      void exited.then(() => clearTimeout(timer));
    }
    return exited;
  };
  return { stdout: out, commandLine, exited, stop };
}
