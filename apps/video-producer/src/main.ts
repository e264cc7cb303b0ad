/**
 * apps/video-producer: cameras (v4l2, RTSP, file, test pattern) into Kinesis Video Streams through an on-disk
 * spool. Reads its settings (flags, environment, --config file; AWS's own variables for region, credentials and
 * endpoint), starts, and on SIGTERM/SIGINT stops ffmpeg, sends what is spooled until PERSISTED (or the shutdown
 * timeout) and exits 0. A second signal exits at once; the spool keeps what was not persisted for the next start.
 */
import { announceNodeSupport, createServiceLogger } from '@tributary/runtime';
import { buildFfmpegPlan, ffmpegArgs, findFont } from './ffmpeg/ffmpeg-adapter';
import { ConfigError, HELP, loadConfig } from './video-producer-config';
import { startVideoProducer } from './video-producer-app';
import { VideoProducerError } from './video-producer-error';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<void> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.help) {
    process.stdout.write(HELP);
    return;
  }
  const { config } = loaded;
  if (config.printCommand) {
    const fontFile = findFont();
    for (const c of config.cameras) {
      const plan = buildFfmpegPlan(c.source, { fragmentMs: c.fragmentMs, width: c.width, height: c.height, fps: c.fps, bitrateKbps: c.bitrateKbps, copy: c.copy, preset: c.preset }, { fontFile });
      process.stdout.write(`# ${c.stream}\nffmpeg ${ffmpegArgs(plan).map((a) => (/[\s'"%(),]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ')}\n`);
    }
    return;
  }
  const logger = createServiceLogger({ name: 'video-producer', level: config.logLevel });
  // On Node 20: one warn line of our own instead of the AWS SDK's multi-line warning (before any client exists).
  announceNodeSupport(logger, process.env, process.version);
  const running = await startVideoProducer({ config, logger });
  logger.info({ url: running.url, cameras: config.cameras.map((c) => ({ stream: c.stream, source: c.sourceText })), spoolDir: config.spoolDir }, 'ready');

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now; unpersisted fragments stay in the spool');
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: ffmpeg stops, spooled fragments are sent until PERSISTED');
    // The sessions' end() is bounded by the same timeout; this one is the backstop.
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; fragments stay in the spool');
      process.exit(0);
    }, config.shutdownTimeoutMs + 5000);
    timer.unref();
    running.close().then(
      (report) => {
        logger.info(report, report.timedOut ? 'stopped (drain incomplete; the spool keeps the rest)' : 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof VideoProducerError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`video-producer failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
