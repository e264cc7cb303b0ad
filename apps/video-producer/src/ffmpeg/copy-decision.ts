/**
 * Copy or re-encode, per camera start (`--copy on|off|auto`), from what source-probe.ts found. Pure.
 *
 * `auto` copies the video (`-c:v copy`) when it is H.264 or H.265 and its keyframes come often enough for a KVS
 * fragment to start on each one: the longest keyframe interval seen must be within the fragment maximum the camera
 * pipeline cuts at (maxFragmentMs: 10 s for fragments up to 5 s; KVS itself allows 20 s, older docs 10 s,
 * kvs-reference.md §3.8). Fragments are then cut at the camera's keyframes: each is at least `--fragment-ms`
 * long, so a camera with a 1-s GOP and `--fragment-ms 2000` gives 2-s fragments, one with a 4-s GOP 4-s ones.
 * B-frames do not prevent copying: the Matroska blocks carry presentation times (signed offsets from the cluster),
 * which is what KVS stores and what the MP4/TS writers turn back into decode order.
 *
 * The audio is copied too (KVS track 2, A_AAC with its AudioSpecificConfig as CodecPrivate, written by ffmpeg's
 * Matroska muxer) when it is AAC and the video is copied; any other audio codec is left out (KVS playback takes AAC
 * only, kvs-reference.md §5). A re-encode is video only, as before.
 *
 * A copy keeps the source's size and rate, so `auto` re-encodes when a file or RTSP camera is given a `--width`/
 * `--height` or `--fps` other than the source's (a v4l2 device is probed at the size and rate asked for: those are
 * its own output).
 *
 * A probe that failed is a re-encode here ("could not be probed"), but probed-ffmpeg.ts only lets that happen when
 * there is no ffprobe at all: under `auto` a failed probe is a failed start, retried.
 *
 * `on` copies whatever the probe says (the user knows the camera; a probe that failed does not stop it) and `off`
 * always encodes. The test pattern is raw video: always encoded.
 */
import type { CameraSource } from './ffmpeg-adapter';
import type { SourceProbe } from './source-probe';

export type CopyMode = 'on' | 'off' | 'auto';

export const COPY_MODES: readonly CopyMode[] = ['on', 'off', 'auto'];

/** Video codecs KVS plays back (HLS/DASH/GetClip: H.264, H.265), by ffprobe's name → Matroska CodecID written by ffmpeg. */
export const COPYABLE_VIDEO: Readonly<Record<string, string>> = { h264: 'V_MPEG4/ISO/AVC', hevc: 'V_MPEGH/ISO/HEVC' };

export interface CopyDecision {
  copy: boolean;
  copyAudio: boolean;
  /** One line for the log: what was decided and, when re-encoding under auto, which property made the stream unusable. */
  reason: string;
}

export interface DecideOptions {
  mode: CopyMode;
  source: CameraSource;
  /** The probe's result, or why it failed; undefined when no probe ran (test pattern, `off`). */
  probe?: SourceProbe | { error: string };
  /** The longest fragment the pipeline cuts (a GOP longer than this cannot be copied). */
  maxKeyframeIntervalMs: number;
  /** The output size and rate asked for (`--width/--height`, `--fps`), if any. */
  output?: { width?: number; height?: number; fps?: number };
}

export function decideCopy(o: DecideOptions): CopyDecision {
  if (o.source.kind === 'testsrc') return { copy: false, copyAudio: false, reason: 'test pattern: encoded (raw video)' };
  if (o.mode === 'off') return { copy: false, copyAudio: false, reason: 're-encoding: --copy off' };
  const probe = o.probe !== undefined && !('error' in o.probe) ? o.probe : undefined;
  const audio = probe !== undefined ? audioPart(probe) : { copyAudio: false, text: 'audio unknown (no probe): not copied' };
  if (o.mode === 'on') {
    const failed = o.probe !== undefined && 'error' in o.probe ? ` (probe failed: ${o.probe.error})` : '';
    return { copy: true, copyAudio: audio.copyAudio, reason: `copying: --copy on${failed}; ${audio.text}` };
  }
  if (probe === undefined) {
    const why = o.probe !== undefined && 'error' in o.probe ? o.probe.error : 'no probe';
    return { copy: false, copyAudio: false, reason: `re-encoding: the source could not be probed (${why})` };
  }
  const unusable = unusableBecause(probe, o.maxKeyframeIntervalMs) ?? (o.source.kind === 'v4l2' ? undefined : transformAsked(probe, o.output ?? {}));
  if (unusable !== undefined) return { copy: false, copyAudio: false, reason: `re-encoding: ${unusable}` };
  const v = probe.video;
  const gop = `keyframe every ${probe.keyframeIntervalMs} ms`;
  return {
    copy: true,
    copyAudio: audio.copyAudio,
    reason: `copying: ${v?.codec}${v?.width ? ` ${v.width}x${v.height}` : ''}, ${gop}${probe.bFrames ? ', B-frames' : ''}; ${audio.text}`,
  };
}

/** Which property keeps the video from being copied, or undefined when it can be. */
function unusableBecause(p: SourceProbe, maxMs: number): string | undefined {
  if (p.video === undefined) return 'no video stream in the source';
  if (COPYABLE_VIDEO[p.video.codec] === undefined) return `video codec ${p.video.codec} is not H.264 or H.265`;
  if (p.keyframes === 0) return `no keyframe in the first ${p.sinceLastKeyframeMs || p.packets} ${p.sinceLastKeyframeMs ? 'ms' : 'packets'} read`;
  if (p.keyframeIntervalMs === undefined) {
    return p.sinceLastKeyframeMs > maxMs
      ? `keyframe interval over ${maxMs} ms (none for ${p.sinceLastKeyframeMs} ms), longer than a fragment may be`
      : `only one keyframe in the ${p.sinceLastKeyframeMs} ms read: the keyframe interval is unknown`;
  }
  if (p.keyframeIntervalMs > maxMs) return `keyframe interval ${p.keyframeIntervalMs} ms is longer than a fragment may be (${maxMs} ms)`;
  return undefined;
}

/** A size or rate asked for that the source does not have: a copy cannot give it. */
function transformAsked(p: SourceProbe, out: NonNullable<DecideOptions['output']>): string | undefined {
  const v = p.video;
  if (v === undefined) return undefined;
  if (out.width !== undefined && out.height !== undefined && (out.width !== v.width || out.height !== v.height)) {
    return `${out.width}x${out.height} asked (--width/--height), the source is ${v.width ?? '?'}x${v.height ?? '?'}`;
  }
  if (out.fps !== undefined && (v.fps === undefined || Math.abs(out.fps - v.fps) > 0.01 * out.fps)) return `${out.fps} fps asked (--fps), the source has ${v.fps ?? 'an unknown rate'}`;
  return undefined;
}

function audioPart(p: SourceProbe): { copyAudio: boolean; text: string } {
  if (p.audio === undefined) return { copyAudio: false, text: 'no audio' };
  if (p.audio.codec !== 'aac') return { copyAudio: false, text: `audio ${p.audio.codec} is not AAC: left out` };
  return { copyAudio: true, text: `audio AAC${p.audio.sampleRate ? ` ${p.audio.sampleRate} Hz` : ''} copied as track 2` };
}
