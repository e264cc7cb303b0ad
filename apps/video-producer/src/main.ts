/**
 * apps/video-producer: cameras (v4l2, RTSP, file, test pattern) into Kinesis Video Streams through an on-disk
 * spool. Started through the runtime's service runner (exit codes and the stop: libs/runtime README, "Service
 * runner"): on SIGTERM/SIGINT it stops ffmpeg, sends what is spooled until PERSISTED (or --shutdown-timeout) and
 * exits 0. A second signal exits at once (130/143); the spool keeps what was not persisted for the next start.
 */
import { runService } from '@tributary/runtime';
import { buildFfmpegPlan, ffmpegArgs, findFont } from './ffmpeg/ffmpeg-adapter';
import { HELP, loadConfig, type VideoProducerConfig } from './video-producer-config';
import { FFMPEG_STOP_GRACE_MS, startVideoProducer } from './video-producer-app';
import { VideoProducerError } from './video-producer-error';
import { secretMasker } from './rtsp/rtsp-credentials';

/** `--print-command`: each camera's ffmpeg command line, shell-quoted, an RTSP password masked (`***`); `--copy auto` shown as the re-encode (the copy is decided at start). */
function printCommands(config: VideoProducerConfig, stdout: { write(text: string): unknown }): void {
  const fontFile = findFont();
  for (const c of config.cameras) {
    const plan = buildFfmpegPlan(c.source, { fragmentMs: c.fragmentMs, width: c.width, height: c.height, fps: c.fps, bitrateKbps: c.bitrateKbps, copy: c.copy === 'on', preset: c.preset, frameClusters: config.sendMode === 'frames' }, { fontFile });
    const mask = secretMasker(c.source.kind === 'rtsp' ? c.source.url : '');
    stdout.write(mask(`# ${c.stream}\nffmpeg ${ffmpegArgs(plan).map((a) => (/[\s'"%(),]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ')}\n`));
  }
}

void runService({
  name: 'video-producer',
  help: HELP,
  loadConfig: (argv, env) => loadConfig(argv, env),
  instead: (config, stdout) => {
    if (config.printCommand) printCommands(config, stdout);
    return config.printCommand;
  },
  logger: (config) => ({ level: config.logLevel }),
  start: (config, logger) => startVideoProducer({ config, logger }),
  // node and arch: what really runs (an arm64 device, or the arm64 test under qemu), in the line a support ticket quotes.
  ready: (running, config) => ({ url: running.url, cameras: config.cameras.map((c) => ({ stream: c.stream, source: c.sourceText })), spoolDir: config.spoolDir, node: process.version, arch: process.arch }),
  // The drain is bounded by --shutdown-timeout itself, after ffmpeg's SIGINT grace: the deadline covers both (as the
  // systemd unit's TimeoutStopSec does), so it only fires when something hangs.
  stopTimeoutMs: (config) => config.shutdownTimeoutMs + FFMPEG_STOP_GRACE_MS,
  stopping: () => ({ msg: 'stopping: ffmpeg stops, spooled fragments are sent until PERSISTED' }),
  stopped: (_running, report) => ({ fields: { ...report }, msg: report.timedOut ? 'stopped (drain incomplete; the spool keeps the rest)' : 'stopped' }),
  timedOut: () => ({ msg: 'shutdown timed out; fragments stay in the spool' }),
  secondSignal: 'second signal: exiting now; unpersisted fragments stay in the spool',
  isExpectedStartError: (err) => err instanceof VideoProducerError,
});
