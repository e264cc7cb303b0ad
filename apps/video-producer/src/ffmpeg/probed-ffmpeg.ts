/**
 * A camera's source with the copy decision in front: probe (source-probe.ts), decide (copy-decision.ts), log the
 * decision in one line, then start ffmpeg (ffmpeg-adapter.ts) with the plan it calls for. Returned at once as an
 * FfmpegProcess whose stdout carries ffmpeg's bytes once it runs, so the camera pipeline (which starts its sources
 * synchronously) needs no change; every source restart probes again (a camera reconfigured, or unreachable at
 * the first start, is judged on what it sends now). Under `--copy auto` a probe that fails is a failed start (the
 * pipeline retries with its backoff), not a re-encode: a hiccup must not cost a core until ffmpeg next exits.
 * Without any ffprobe, auto re-encodes (said once per start).
 */
import { PassThrough } from 'node:stream';
import type { CameraConfig } from '../video-producer-config';
import { decideCopy, type CopyDecision } from './copy-decision';
import { buildFfmpegPlan, startFfmpeg, type FfmpegExit, type FfmpegLogger, type FfmpegProcess } from './ffmpeg-adapter';
import { VideoProducerError } from '../video-producer-error';
import { classifyRtspFailure } from '../rtsp/rtsp-failure';
import { runSourceProbe, type SourceProbe } from './source-probe';

const NO_FFPROBE = 'no ffprobe next to ffmpeg or on PATH';

export interface ProbedFfmpegOptions {
  camera: CameraConfig;
  ffmpegPath: string;
  /** undefined: no ffprobe found (auto then re-encodes, saying so). */
  ffprobePath: string | undefined;
  fontFile?: string;
  /** The longest fragment the pipeline cuts: the longest GOP that can be copied. */
  maxKeyframeIntervalMs: number;
  logger: FfmpegLogger & { info: FfmpegLogger['warn'] };
  /** Replaces runSourceProbe (tests). */
  probe?: (camera: CameraConfig) => Promise<SourceProbe>;
  /** Replaces startFfmpeg (tests). */
  start?: typeof startFfmpeg;
  /** Told the decision of each start (metrics, tests). */
  onDecision?: (decision: CopyDecision) => void;
  /** Frame streaming: ffmpeg writes one Cluster per frame (ffmpeg-adapter.ts EncodingSettings.frameClusters). */
  frameClusters?: boolean;
  /** Hides the camera's password in whatever is logged or kept (rtsp/rtsp-credentials.ts secretMasker). */
  mask?: (text: string) => string;
}

/** Probes (unless the decision needs none), decides, starts ffmpeg. */
export function startProbedFfmpeg(o: ProbedFfmpegOptions): FfmpegProcess {
  const mask = o.mask ?? ((text: string) => text);
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  let child: FfmpegProcess | undefined;
  let requested = false;
  let resolveExit: (exit: FfmpegExit) => void = () => undefined;
  const exited = new Promise<FfmpegExit>((resolve) => (resolveExit = resolve));
  let commandLine = '(probing)';

  const run = async (): Promise<void> => {
    const needsProbe = o.camera.source.kind !== 'testsrc' && o.camera.copy !== 'off';
    let probe: SourceProbe | { error: string } | undefined;
    if (needsProbe) {
      try {
        if (o.probe) probe = await o.probe(o.camera);
        else if (o.ffprobePath === undefined) probe = { error: NO_FFPROBE };
        else {
          const capture = { width: o.camera.width, height: o.camera.height, fps: o.camera.fps };
          probe = await runSourceProbe(o.camera.source, { ffprobePath: o.ffprobePath, maxKeyframeIntervalMs: o.maxKeyframeIntervalMs, capture });
        }
      } catch (err) {
        // ffprobe's stderr names the camera URL, password included: masked before it is kept or logged.
        const message = mask(err instanceof Error ? err.message : String(err));
        if (o.camera.copy === 'auto' && !requested) {
          // Unreachable now (ffmpeg would fail too), or a hiccup: either way a failed start, retried with the
          // pipeline's backoff and probed again — never a re-encode for as long as ffmpeg then runs.
          out.end();
          resolveExit({ requested, error: probeFailure(o.camera, message) });
          return;
        }
        probe = { error: message };
      }
    }
    const output = { width: o.camera.width, height: o.camera.height, fps: o.camera.fps };
    const decision = decideCopy({ mode: o.camera.copy, source: o.camera.source, probe, maxKeyframeIntervalMs: o.maxKeyframeIntervalMs, output });
    o.onDecision?.(decision);
    if (o.camera.source.kind !== 'testsrc') {
      // The logger is the camera's child logger: the stream is bound already.
      const fields = { copy: decision.copy, copyAudio: decision.copyAudio, ...(probe && !('error' in probe) ? { probe: probeFields(probe) } : {}) };
      o.logger.info(fields, decision.reason);
    }
    if (requested) {
      out.end();
      resolveExit({ requested: true });
      return;
    }
    const c = o.camera;
    const plan = buildFfmpegPlan(
      c.source,
      { fragmentMs: c.fragmentMs, width: c.width, height: c.height, fps: c.fps, bitrateKbps: c.bitrateKbps, copy: decision.copy, copyAudio: decision.copyAudio, preset: c.preset, frameClusters: o.frameClusters },
      { fontFile: o.fontFile },
    );
    // ffmpeg writes into the stream already handed out: no second hop for every byte of video.
    const proc = (o.start ?? startFfmpeg)(plan, { ffmpegPath: o.ffmpegPath, logger: o.logger, mask, output: out });
    child = proc;
    commandLine = proc.commandLine;
    if (proc.stdout !== out) proc.stdout.pipe(out);
    void proc.exited.then(resolveExit);
  };
  void run().catch((err: unknown) => {
    // A bug in the plan (a thrown error) must not hang the pipeline: end the run as a failed source.
    const message = mask(err instanceof Error ? err.message : String(err));
    out.end();
    resolveExit({ requested, error: new VideoProducerError('FFMPEG_FAILED', `video source not started: ${message}`, true) });
  });

  return {
    stdout: out,
    get commandLine() {
      return commandLine;
    },
    exited,
    stop(graceMs?: number): Promise<FfmpegExit> {
      requested = true;
      if (child) return child.stop(graceMs);
      return exited;
    },
  };
}

/** A failed probe as the error of a failed start; an RTSP failure gets the code ffmpeg's own would (rtsp-failure.ts: a refused password is retried slowly). */
function probeFailure(camera: CameraConfig, message: string): VideoProducerError {
  const rtsp = camera.source.kind === 'rtsp' ? classifyRtspFailure([message]) : undefined;
  if (rtsp) return new VideoProducerError(rtsp.code, `${rtsp.code}: ${rtsp.message} (ffprobe: ${message})`, true);
  return new VideoProducerError('FFMPEG_FAILED', `ffmpeg failed to probe the source (${message})`, true);
}

function probeFields(p: SourceProbe): Record<string, unknown> {
  return {
    video: p.video ? `${p.video.codec}${p.video.profile ? ` ${p.video.profile}` : ''}${p.video.width ? ` ${p.video.width}x${p.video.height}` : ''}` : null,
    audio: p.audio ? `${p.audio.codec}${p.audio.sampleRate ? ` ${p.audio.sampleRate} Hz` : ''}` : null,
    fps: p.video?.fps ?? null,
    keyframeIntervalMs: p.keyframeIntervalMs ?? null,
    bFrames: p.bFrames,
  };
}
