/**
 * The app's settings: command-line flags over environment variables over defaults, validated once at start by zod
 * schemas (`parseConfig` from @tributary/schemas) whose errors name each bad setting by its flag and variable.
 *
 * Cameras come from a JSON file (`--config`, several cameras, each with its own stream, spool and metrics) and/or
 * one camera from flags (`--stream` + `--source`). Camera fields missing in the file take the flag values
 * (`--fragment-ms`, `--fps`, …) as defaults.
 *
 * AWS settings are not here on purpose: region, credentials and endpoint are AWS's own (`AWS_REGION`, the
 * credential chain, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KINESIS_VIDEO`), read by the SDK itself, so the same
 * build runs against the emulator and against AWS by environment alone (architecture.md).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { RUNTIME_DEFAULTS } from '@tributary/runtime';
import {
  booleanSetting,
  byteSizeSetting,
  ConfigError,
  integerSetting as integer,
  kvsStreamNameSetting,
  logLevelSetting,
  parseConfig,
  portSetting,
  readSettings,
  tableNameSetting,
  throwConfigProblems,
} from '@tributary/schemas';
import type { CameraSource } from './ffmpeg/ffmpeg-adapter';
import { secretMasker, withRtspCredentials } from './rtsp/rtsp-credentials';
import type { CopyMode } from './ffmpeg/copy-decision';
import {
  fileRecordingSchema,
  pickRecordingSettings,
  RECORDING_FLAGS,
  RECORDING_HELP,
  RECORDING_SETTING_NAMES,
  recordingSettingsSchema,
  resolveCameraRecording,
  type CameraRecordingConfig,
} from './recording/recording-config';

export { ConfigError };

export const HELP = `video-producer — cameras (v4l2, RTSP, file, test pattern) into Kinesis Video Streams, with an on-disk spool

Usage: nx serve video-producer -- [options]     (or: node dist/video-producer/main.js [options])

Cameras (a config file, and/or one camera from the flags):
  --config <file>            JSON: {"cameras":[{"stream":"cam-1","source":"rtsp://…"}, …]}  [VIDEO_CONFIG]
  --stream <name>            KVS stream of the flag camera              [VIDEO_STREAM]
  --source <src>             testsrc | file:PATH | rtsp://… | v4l2:/dev/video0 [VIDEO_SOURCE]  default testsrc
  --loop <on|off>            loop a file source                         [VIDEO_LOOP]          default on
  --copy <auto|on|off>       stream copy of an H.264/H.265 source (+AAC); auto: when usable [VIDEO_COPY] default auto
  --fragment-ms <ms>         fragment length = keyframe interval        [VIDEO_FRAGMENT_MS]   default 2000
  --width <px> --height <px> output size (test pattern default 640x360) [VIDEO_WIDTH, VIDEO_HEIGHT]
  --fps <n>                  frame rate (test pattern default 25)       [VIDEO_FPS]
  --bitrate <kbit/s>         H.264 bit rate                             [VIDEO_BITRATE_KBPS]  default 1000
  --preset <name>            x264 preset                                [VIDEO_PRESET]        default veryfast

 RTSP cameras:
  --rtsp-transport <t>       tcp | udp (RTP over UDP)                   [VIDEO_RTSP_TRANSPORT] default tcp
  --rtsp-timeout <ms>        no data for this long: reconnect (0: never) [VIDEO_RTSP_TIMEOUT_MS] default 10000
  --rtsp-user <name>         user when the URL has none                 [VIDEO_RTSP_USER]
  --rtsp-password <pw>       password when the URL has none (prefer the variable) [VIDEO_RTSP_PASSWORD]

 Spool and streams:
  --spool-dir <dir>          one sub-directory per camera              [VIDEO_SPOOL_DIR]     default ./.data/video-spool
  --spool-max-bytes <size>   per camera (bytes, kb, mb, gb)            [VIDEO_SPOOL_MAX_BYTES] default 512mb
  --spool-policy <p>         drop-oldest | stop-capture when full      [VIDEO_SPOOL_POLICY]  default drop-oldest
  --spool-fsync <on|off>     fsync each fragment file                  [VIDEO_SPOOL_FSYNC]   default on
  --create-stream <on|off>   CreateStream when missing (local use)     [VIDEO_CREATE_STREAM] default off
  --retention-hours <h>      retention of created streams (>= 1: PERSISTED acks need it) [VIDEO_RETENTION_HOURS] default 24
  --send-mode <m>            frames: each frame sent as it comes | fragments: each fragment once whole [VIDEO_SEND_MODE] default frames

 Health (for the dashboard):
  --health-table <name>      DynamoDB table: each camera's health every 5 s (created if missing) [VIDEO_HEALTH_TABLE] default none
  --producer-id <id>         this producer's name in the health items   [VIDEO_PRODUCER_ID]   default the host name
${RECORDING_HELP}
 Process:
  --host <addr>              /healthz and /metrics listen address      [VIDEO_HOST]          default 0.0.0.0
  --port <n>                 TCP port (0: any free port)               [VIDEO_PORT]          default 8090
  --ffmpeg <path>            ffmpeg binary (default: PATH, else @ffmpeg-installer/ffmpeg) [FFMPEG_PATH]
  --shutdown-timeout <ms>    longest drain on SIGTERM                  [VIDEO_SHUTDOWN_TIMEOUT_MS] default 30000
  --log-level <level>        trace | debug | info | warn | error | silent [LOG_LEVEL]         default info
  --print-command            print each camera's ffmpeg command and exit
  -h, --help                 this text

AWS: region, credentials and endpoint come from AWS's own environment (AWS_REGION, AWS_PROFILE or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL). Against the local emulator:
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
SIGTERM or SIGINT stops ffmpeg, sends what is spooled until PERSISTED (or the timeout) and exits 0.
`;

/** `testsrc`, `file:PATH`, `rtsp://…` (or rtsps), `v4l2:/dev/videoN` → CameraSource (loop filled in later). */
export function parseSource(text: string, loop: boolean): CameraSource | undefined {
  const s = text.trim();
  if (s === 'testsrc') return { kind: 'testsrc' };
  if (s.startsWith('file:') && s.length > 5) return { kind: 'file', path: s.slice(5), loop };
  if (/^rtsps?:\/\/\S+$/.test(s)) return { kind: 'rtsp', url: s };
  const v4l2 = /^v4l2:(\/dev\/video\d+)$/.exec(s);
  if (v4l2) return { kind: 'v4l2', device: v4l2[1] };
  return undefined;
}

/** `--copy`: auto, or a boolean word (on/off, true/false, …) as before. */
const copyModeSetting = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['auto', 'true', 'false', '1', '0', 'on', 'off', 'yes', 'no'], { error: 'expected auto, on or off' }))
  .transform((v): CopyMode => (v === 'auto' ? 'auto' : booleanSetting.parse(v) ? 'on' : 'off'));

const SOURCE_HINT = 'expected testsrc, file:PATH, rtsp://… or v4l2:/dev/videoN';

/** One camera as resolved: what the app runs. */
export interface CameraConfig {
  stream: string;
  source: CameraSource;
  /** The source as written, its password masked (logs, /healthz). */
  sourceText: string;
  /** auto: copy when the probed source is usable as is (ffmpeg/copy-decision.ts); on: always; off: never. */
  copy: CopyMode;
  fragmentMs: number;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps: number;
  preset: string;
  /** Local recording and scheduled upload (recording/recording-config.ts); absent when the camera does not record. */
  recording?: CameraRecordingConfig;
}

/** A camera in the config file: numbers as JSON numbers; missing fields take the flag values. */
const fileCameraSchema = z
  .object({
    stream: kvsStreamNameSetting,
    source: z.string().refine((s) => parseSource(s, false) !== undefined, { error: SOURCE_HINT }),
    loop: z.boolean().optional(),
    copy: z.union([z.boolean(), z.enum(['on', 'off', 'auto'])]).optional(),
    fragmentMs: z.number().int().min(500).max(10_000).optional(),
    width: z.number().int().min(16).max(7680).optional(),
    height: z.number().int().min(16).max(4320).optional(),
    fps: z.number().min(1).max(120).optional(),
    bitrateKbps: z.number().int().min(50).max(100_000).optional(),
    preset: z.string().regex(/^[a-z]+$/).optional(),
    rtspTransport: z.enum(['tcp', 'udp']).optional(),
    rtspTimeoutMs: z.number().int().min(0).max(600_000).optional(),
    recording: fileRecordingSchema.optional(),
  })
  .strict();

const fileSchema = z.object({ cameras: z.array(fileCameraSchema).min(1, { error: 'needs at least one camera' }) }).strict();

const schema = z.object({
  configFile: z.string().min(1).optional(),
  stream: kvsStreamNameSetting.optional(),
  source: z.string().refine((s) => parseSource(s, false) !== undefined, { error: SOURCE_HINT }),
  loop: booleanSetting,
  copy: copyModeSetting,
  fragmentMs: integer(500, 10_000),
  width: integer(16, 7680).optional(),
  height: integer(16, 4320).optional(),
  fps: integer(1, 120).optional(),
  bitrateKbps: integer(50, 100_000),
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'], { error: 'expected ultrafast, superfast, veryfast, faster, fast or medium' }),
  rtspTransport: z.enum(['tcp', 'udp'], { error: 'expected tcp or udp' }),
  rtspTimeoutMs: integer(0, 600_000),
  rtspUser: z.string().min(1).optional(),
  rtspPassword: z.string().min(1).optional(),
  spoolDir: z.string().min(1),
  spoolMaxBytes: byteSizeSetting(1024 * 1024, 1024 ** 4, '536870912, 512mb or 2gb'),
  spoolPolicy: z.enum(['drop-oldest', 'stop-capture'], { error: 'expected drop-oldest or stop-capture' }),
  spoolFsync: booleanSetting,
  createStream: booleanSetting,
  retentionHours: integer(1, 87_600),
  sendMode: z.enum(['frames', 'fragments'], { error: 'expected frames or fragments' }),
  healthTable: tableNameSetting().optional(),
  producerId: z.string().trim().min(1).max(256),
  host: z.string().trim().min(1),
  port: portSetting,
  ffmpegPath: z.string().min(1).optional(),
  shutdownTimeoutMs: integer(0, 3_600_000),
  logLevel: logLevelSetting,
  ...recordingSettingsSchema,
});

type Settings = z.output<typeof schema>;

export interface VideoProducerConfig extends Omit<Settings, 'stream' | 'source' | 'loop' | 'copy' | 'fragmentMs' | 'width' | 'height' | 'fps' | 'bitrateKbps' | 'preset' | 'rtspTransport' | 'rtspTimeoutMs' | 'rtspUser' | 'rtspPassword'> {
  cameras: CameraConfig[];
  printCommand: boolean;
}

export const SETTING_NAMES: Readonly<Record<keyof Settings, string>> = {
  configFile: '--config / VIDEO_CONFIG',
  stream: '--stream / VIDEO_STREAM',
  source: '--source / VIDEO_SOURCE',
  loop: '--loop / VIDEO_LOOP',
  copy: '--copy / VIDEO_COPY',
  fragmentMs: '--fragment-ms / VIDEO_FRAGMENT_MS',
  width: '--width / VIDEO_WIDTH',
  height: '--height / VIDEO_HEIGHT',
  fps: '--fps / VIDEO_FPS',
  bitrateKbps: '--bitrate / VIDEO_BITRATE_KBPS',
  preset: '--preset / VIDEO_PRESET',
  rtspTransport: '--rtsp-transport / VIDEO_RTSP_TRANSPORT',
  rtspTimeoutMs: '--rtsp-timeout / VIDEO_RTSP_TIMEOUT_MS',
  rtspUser: '--rtsp-user / VIDEO_RTSP_USER',
  rtspPassword: '--rtsp-password / VIDEO_RTSP_PASSWORD',
  spoolDir: '--spool-dir / VIDEO_SPOOL_DIR',
  spoolMaxBytes: '--spool-max-bytes / VIDEO_SPOOL_MAX_BYTES',
  spoolPolicy: '--spool-policy / VIDEO_SPOOL_POLICY',
  spoolFsync: '--spool-fsync / VIDEO_SPOOL_FSYNC',
  createStream: '--create-stream / VIDEO_CREATE_STREAM',
  retentionHours: '--retention-hours / VIDEO_RETENTION_HOURS',
  sendMode: '--send-mode / VIDEO_SEND_MODE',
  healthTable: '--health-table / VIDEO_HEALTH_TABLE',
  producerId: '--producer-id / VIDEO_PRODUCER_ID',
  host: '--host / VIDEO_HOST',
  port: '--port / VIDEO_PORT',
  ffmpegPath: '--ffmpeg / FFMPEG_PATH',
  shutdownTimeoutMs: '--shutdown-timeout / VIDEO_SHUTDOWN_TIMEOUT_MS',
  logLevel: '--log-level / LOG_LEVEL',
  ...RECORDING_SETTING_NAMES,
};

export const DEFAULTS = {
  source: 'testsrc',
  loop: 'on',
  copy: 'auto',
  fragmentMs: '2000',
  bitrateKbps: '1000',
  preset: 'veryfast',
  rtspTransport: 'tcp',
  rtspTimeoutMs: '10000',
  spoolDir: './.data/video-spool',
  spoolMaxBytes: '512mb',
  spoolPolicy: 'drop-oldest',
  spoolFsync: 'on',
  createStream: 'off',
  retentionHours: '24',
  sendMode: 'frames',
  host: '0.0.0.0',
  port: '8090',
  shutdownTimeoutMs: String(RUNTIME_DEFAULTS.service.stopTimeoutMs),
  logLevel: 'info',
} as const;

export type LoadedConfig = { help: true } | { help: false; config: VideoProducerConfig };

export interface LoadConfigOptions {
  /** Reads the --config file (tests inject one). */
  readFile?: (path: string) => string;
}

/** Reads flags (`argv` without node and the script), `env` and the config file, and validates them; throws ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): LoadedConfig {
  const { flags, pick } = readSettings(argv, env, {
    strings: [
      'config', 'stream', 'source', 'loop', 'copy', 'fragment-ms', 'width', 'height', 'fps', 'bitrate', 'preset',
      'rtsp-transport', 'rtsp-timeout', 'rtsp-user', 'rtsp-password',
      'spool-dir', 'spool-max-bytes', 'spool-policy', 'spool-fsync', 'create-stream', 'retention-hours', 'health-table', 'producer-id', 'host', 'port',
      'ffmpeg', 'shutdown-timeout', 'log-level', 'send-mode',
      ...RECORDING_FLAGS,
    ],
    booleans: ['print-command'],
  });
  if (flags.help) return { help: true };
  const raw = {
    configFile: pick(flags.config, 'VIDEO_CONFIG'),
    stream: pick(flags.stream, 'VIDEO_STREAM'),
    source: pick(flags.source, 'VIDEO_SOURCE', DEFAULTS.source),
    loop: pick(flags.loop, 'VIDEO_LOOP', DEFAULTS.loop),
    copy: pick(flags.copy, 'VIDEO_COPY', DEFAULTS.copy),
    fragmentMs: pick(flags['fragment-ms'], 'VIDEO_FRAGMENT_MS', DEFAULTS.fragmentMs),
    width: pick(flags.width, 'VIDEO_WIDTH'),
    height: pick(flags.height, 'VIDEO_HEIGHT'),
    fps: pick(flags.fps, 'VIDEO_FPS'),
    bitrateKbps: pick(flags.bitrate, 'VIDEO_BITRATE_KBPS', DEFAULTS.bitrateKbps),
    preset: pick(flags.preset, 'VIDEO_PRESET', DEFAULTS.preset),
    rtspTransport: pick(flags['rtsp-transport'], 'VIDEO_RTSP_TRANSPORT', DEFAULTS.rtspTransport),
    rtspTimeoutMs: pick(flags['rtsp-timeout'], 'VIDEO_RTSP_TIMEOUT_MS', DEFAULTS.rtspTimeoutMs),
    rtspUser: pick(flags['rtsp-user'], 'VIDEO_RTSP_USER'),
    rtspPassword: pick(flags['rtsp-password'], 'VIDEO_RTSP_PASSWORD'),
    spoolDir: pick(flags['spool-dir'], 'VIDEO_SPOOL_DIR', DEFAULTS.spoolDir),
    spoolMaxBytes: pick(flags['spool-max-bytes'], 'VIDEO_SPOOL_MAX_BYTES', DEFAULTS.spoolMaxBytes),
    spoolPolicy: pick(flags['spool-policy'], 'VIDEO_SPOOL_POLICY', DEFAULTS.spoolPolicy),
    spoolFsync: pick(flags['spool-fsync'], 'VIDEO_SPOOL_FSYNC', DEFAULTS.spoolFsync),
    createStream: pick(flags['create-stream'], 'VIDEO_CREATE_STREAM', DEFAULTS.createStream),
    retentionHours: pick(flags['retention-hours'], 'VIDEO_RETENTION_HOURS', DEFAULTS.retentionHours),
    sendMode: pick(flags['send-mode'], 'VIDEO_SEND_MODE', DEFAULTS.sendMode),
    host: pick(flags.host, 'VIDEO_HOST', DEFAULTS.host),
    port: pick(flags.port, 'VIDEO_PORT', DEFAULTS.port),
    ffmpegPath: pick(flags.ffmpeg, 'FFMPEG_PATH'),
    shutdownTimeoutMs: pick(flags['shutdown-timeout'], 'VIDEO_SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMs),
    logLevel: pick(flags['log-level'], 'LOG_LEVEL', DEFAULTS.logLevel),
    healthTable: pick(flags['health-table'], 'VIDEO_HEALTH_TABLE'),
    producerId: pick(flags['producer-id'], 'VIDEO_PRODUCER_ID', hostname()),
    ...pickRecordingSettings(flags, pick),
  };
  const s = parseConfig(schema, raw, SETTING_NAMES);
  const cameras: CameraConfig[] = [];
  if (s.configFile !== undefined) cameras.push(...camerasFromFile(s.configFile, s, options.readFile ?? ((p) => readFileSync(p, 'utf8'))));
  if (s.stream !== undefined) cameras.push(flagCamera(s, s.stream));
  checkCameras(cameras);
  const { stream: _stream, source: _source, loop: _loop, copy: _copy, fragmentMs: _fragmentMs, width: _width, height: _height, fps: _fps, bitrateKbps: _bitrate, preset: _preset, ...rest } = s;
  const { rtspTransport: _rtspTransport, rtspTimeoutMs: _rtspTimeoutMs, rtspUser: _rtspUser, rtspPassword: _rtspPassword, ...process } = rest;
  return { help: false, config: { ...process, cameras, printCommand: flags['print-command'] === true } };
}

/** Rules across cameras, each named like a single-setting problem: at least one, one camera per stream, … */
function checkCameras(cameras: readonly CameraConfig[]): void {
  if (cameras.length === 0) {
    throwConfigProblems([{ key: 'stream', setting: `${SETTING_NAMES.stream} or ${SETTING_NAMES.configFile}`, message: 'no camera configured' }]);
  }
  const seen = new Set<string>();
  for (const c of cameras) {
    if (seen.has(c.stream)) {
      throw new ConfigError(`Invalid settings:\n  ${SETTING_NAMES.configFile}: stream ${c.stream} is used by two cameras (KVS takes one producer per stream)`, [
        { key: 'configFile', setting: SETTING_NAMES.configFile, message: `stream ${c.stream} is used by two cameras` },
      ]);
    }
    seen.add(c.stream);
    if ((c.width === undefined) !== (c.height === undefined)) {
      throw new ConfigError(`Invalid settings:\n  camera ${c.stream}: give width and height together`, [
        { key: 'width', setting: `${SETTING_NAMES.width}, ${SETTING_NAMES.height}`, message: 'give width and height together' },
      ]);
    }
    if (c.copy === 'on' && c.source.kind === 'testsrc') {
      throw new ConfigError(`Invalid settings:\n  camera ${c.stream}: copy needs an H.264 source, the test pattern is raw video`, [
        { key: 'copy', setting: SETTING_NAMES.copy, message: 'copy needs an H.264 source' },
      ]);
    }
  }
}

function flagCamera(s: Settings, stream: string): CameraConfig {
  const source = parseSource(s.source, s.loop);
  if (!source) throw new ConfigError(`Invalid settings:\n  ${SETTING_NAMES.source}: ${SOURCE_HINT}`);
  return {
    stream,
    source: rtspOptions(source, s, {}),
    sourceText: secretMasker(s.source)(s.source),
    copy: s.copy,
    fragmentMs: s.fragmentMs,
    width: s.width,
    height: s.height,
    fps: s.fps,
    bitrateKbps: s.bitrateKbps,
    preset: s.preset,
    ...resolveCameraRecording(s),
  };
}

function camerasFromFile(path: string, s: Settings, readFile: (path: string) => string): CameraConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFile(path));
  } catch (err) {
    throw new ConfigError(`Invalid settings:\n  ${SETTING_NAMES.configFile}: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const names: Record<string, string> = { cameras: `${SETTING_NAMES.configFile} (${path}) cameras` };
  const file = parseConfig(fileSchema, json, names);
  return file.cameras.map((c) => {
    const sourceText = c.source;
    const source = parseSource(sourceText, c.loop ?? s.loop) ?? { kind: 'testsrc' };
    return {
      stream: c.stream,
      source: rtspOptions(source, s, c),
      sourceText: secretMasker(sourceText)(sourceText),
      copy: c.copy === undefined ? s.copy : typeof c.copy === 'boolean' ? (c.copy ? 'on' : 'off') : c.copy,
      fragmentMs: c.fragmentMs ?? s.fragmentMs,
      width: c.width ?? s.width,
      height: c.height ?? s.height,
      fps: c.fps ?? s.fps,
      bitrateKbps: c.bitrateKbps ?? s.bitrateKbps,
      preset: c.preset ?? s.preset,
      ...resolveCameraRecording(s, c.recording),
    };
  });
}

/** An RTSP source with its transport, socket timeout and credentials (the URL's own, else the settings'). */
function rtspOptions(source: CameraSource, s: Settings, camera: { rtspTransport?: 'tcp' | 'udp'; rtspTimeoutMs?: number }): CameraSource {
  if (source.kind !== 'rtsp') return source;
  return {
    kind: 'rtsp',
    url: withRtspCredentials(source.url, { user: s.rtspUser, password: s.rtspPassword }),
    transport: camera.rtspTransport ?? s.rtspTransport,
    timeoutMs: camera.rtspTimeoutMs ?? s.rtspTimeoutMs,
  };
}
