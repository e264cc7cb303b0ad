import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MatroskaStreamReader } from '@tributary/media';
import type { FfmpegProcess } from '../ffmpeg/ffmpeg-adapter';
import { VideoProducerError } from '../video-producer-error';
import { CameraPipeline, type PipelineSession } from './camera-pipeline';

let dir: string;
let recorded: Uint8Array;
let recordedFrames: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-spec-'));
  const file = join(dir, 'live.mkv');
  // prettier-ignore
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '4',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-f', 'matroska', '-live', '1', file]);
  recorded = new Uint8Array(readFileSync(file));
  recordedFrames = new MatroskaStreamReader().push(recorded).reduce((n, ev) => n + (ev.type === 'cluster' ? ev.cluster.frames.length : 0), 0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A source that hands out `bytes` in 4-KiB chunks, counting what was pulled. */
function recordedSource(bytes: Uint8Array): FfmpegProcess & { pulled: () => number } {
  let offset = 0;
  const stdout = new Readable({
    highWaterMark: 4096,
    read() {
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      this.push(bytes.subarray(offset, offset + 4096));
      offset += 4096;
    },
  });
  const exited = new Promise<{ requested: boolean }>((resolve) => stdout.on('end', () => resolve({ requested: false })));
  return { stdout, commandLine: 'recorded', exited, stop: () => exited, pulled: () => Math.min(offset, bytes.length) };
}

class FakeSession implements PipelineSession {
  state: PipelineSession['state'] = 'open';
  headers = 0;
  written: { timecode: number; bytes: number }[] = [];
  gate?: Promise<void>;
  refuse?: Error;
  writeHeader(): void {
    this.headers++;
  }
  async writeFragment(bytes: Uint8Array, timecode: number): Promise<void> {
    if (this.gate) await this.gate;
    if (this.refuse) throw this.refuse;
    this.written.push({ timecode, bytes: bytes.length });
  }
}

describe('CameraPipeline', () => {
  it('cuts ffmpeg output into 1-s fragments with absolute, increasing timecodes from the wall clock', async () => {
    const session = new FakeSession();
    const now = 1_700_000_000_000;
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0, stream: 's', session, startSource: () => recordedSource(recorded), fragmentMs: 1000, restartOnExit: false, now: () => now });
    pipeline.start();
    await pipeline.done;
    const stats = pipeline.stats();
    expect(stats.framesIn).toBe(recordedFrames);
    expect(session.headers).toBe(1);
    expect(session.written).toHaveLength(4);
    expect(stats.fragmentsWritten).toBe(4);
    const t = session.written.map((w) => w.timecode);
    // The origin is "now" minus the last frame of the first cluster: the first fragment starts just before now.
    expect(t[0]).toBeLessThanOrEqual(now);
    expect(t[0]).toBeGreaterThan(now - 2000);
    expect(t.slice(1).map((x, i) => x - t[i])).toEqual([1000, 1000, 1000]);
    expect(stats.running).toBe(false);
  });

  it('backpressure: reads no further from ffmpeg while the session has not taken the fragment', async () => {
    const session = new FakeSession();
    let open: () => void = () => undefined;
    session.gate = new Promise((resolve) => (open = resolve));
    const source = recordedSource(recorded);
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0, stream: 's', session, startSource: () => source, fragmentMs: 1000, restartOnExit: false });
    pipeline.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pulledWhileBlocked = source.pulled();
    expect(pulledWhileBlocked).toBeLessThan(recorded.length / 2);
    open();
    await pipeline.done;
    expect(source.pulled()).toBe(recorded.length);
    expect(session.written).toHaveLength(4);
  });

  it('counts fragments the spool refuses (stop-capture) as dropped and keeps going', async () => {
    const session = new FakeSession();
    session.refuse = new VideoProducerError('SPOOL_FULL', 'full', true);
    const drops: string[] = [];
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0, stream: 's', session, startSource: () => recordedSource(recorded), fragmentMs: 1000, restartOnExit: false, onDrop: (r) => drops.push(r) });
    pipeline.start();
    await pipeline.done;
    expect(drops).toEqual(['spool_full', 'spool_full', 'spool_full', 'spool_full']);
    expect(pipeline.error).toBeUndefined();
  });

  it('restarts a source that ends by itself, with timecodes still increasing', async () => {
    const session = new FakeSession();
    let starts = 0;
    let clock = 1_700_000_000_000;
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0,
      stream: 's',
      session,
      startSource: () => {
        starts++;
        clock += 10_000;
        return recordedSource(recorded);
      },
      fragmentMs: 1000,
      restartOnExit: true,
      restartDelayMs: 1,
      now: () => clock,
    });
    pipeline.start();
    while (starts < 2 || session.written.length < 8) await new Promise((resolve) => setTimeout(resolve, 10));
    await pipeline.stop();
    const t = session.written.map((w) => w.timecode);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]);
    expect(pipeline.stats().sourceRestarts).toBeGreaterThanOrEqual(1);
  });
});

/** A session that takes frames as they come (startFragment/appendFragment) and records the order of calls. */
class StreamingSession extends FakeSession {
  calls: string[] = [];
  streamed = new Map<number, Uint8Array[]>();
  whole = new Map<number, Uint8Array>();
  header: Uint8Array = new Uint8Array(0);
  /** startFragment answers false for these fragments (not streaming yet: the session keeps their frames). */
  notYet = new Set<number>();
  private open?: number;
  override writeHeader(header?: Uint8Array): void {
    super.writeHeader();
    if (header) this.header = header;
  }
  startFragment(timecode: number, bytes: Uint8Array): boolean {
    if (this.open !== undefined) throw new Error(`fragment ${this.open} still open`);
    this.open = timecode;
    this.calls.push(`start ${timecode}`);
    this.streamed.set(timecode, [bytes]);
    return !this.notYet.has(this.streamed.size);
  }
  async appendFragment(bytes: Uint8Array): Promise<void> {
    if (this.open === undefined) throw new Error('no open fragment');
    this.streamed.get(this.open)?.push(bytes);
  }
  override async writeFragment(bytes: Uint8Array, timecode: number): Promise<void> {
    if (this.open !== timecode) throw new Error(`close ${timecode} while ${this.open} is open`);
    this.open = undefined;
    this.calls.push(`close ${timecode}`);
    this.whole.set(timecode, bytes);
    await super.writeFragment(bytes, timecode);
    this.calls.push(`stored ${timecode}`);
  }
}

describe('CameraPipeline frame streaming', () => {
  it('streams each fragment as it grows; the next one opens before the previous is stored; the whole bytes still go to the session', async () => {
    const session = new StreamingSession();
    session.notYet.add(3); // the third fragment starts while the connection is not caught up
    let open: () => void = () => undefined;
    session.gate = new Promise((resolve) => (open = resolve));
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0, stream: 's', session, startSource: () => recordedSource(recorded), fragmentMs: 1000, restartOnExit: false, frameStreaming: true });
    pipeline.start();
    // The first fragment's store is held: the second one opens anyway (its Cluster is what ends the first one).
    const deadline = Date.now() + 10_000;
    while (session.calls.filter((c) => c.startsWith('start')).length < 2) {
      if (Date.now() > deadline) throw new Error(`no second fragment: ${session.calls.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(session.calls.slice(0, 3)).toEqual([expect.stringMatching(/^start /), expect.stringMatching(/^close /), expect.stringMatching(/^start /)]);
    open();
    await pipeline.done;
    expect(pipeline.stats()).toMatchObject({ framesIn: recordedFrames, fragmentsWritten: 4, fragmentsDropped: 0 });
    const read = (bytes: Uint8Array[]) => {
      const reader = new MatroskaStreamReader();
      return reader.push(Buffer.concat([session.header, ...bytes])).concat(reader.end());
    };
    for (const [timecode, pieces] of session.streamed) {
      // What went out frame by frame is the whole fragment's Cluster, of unknown size, with the same frames.
      const streamed = read(pieces);
      const whole = read([session.whole.get(timecode) ?? new Uint8Array(0)]);
      const a = streamed.flatMap((e) => (e.type === 'cluster' ? [e.cluster] : []));
      const b = whole.flatMap((e) => (e.type === 'cluster' ? [e.cluster] : []));
      expect(a).toHaveLength(1);
      expect(a[0].unknownSize).toBe(true);
      expect(a[0].timecode).toBe(timecode);
      expect(a[0].frames.map((f) => [f.timestampMs, f.keyframe, Buffer.from(f.data).toString('base64')])).toEqual(b[0].frames.map((f) => [f.timestampMs, f.keyframe, Buffer.from(f.data).toString('base64')]));
    }
    expect(session.streamed.size).toBe(4);
  });

  it('with a camera AAC track: audio goes with the next video frame, one write per video frame, and every frame reaches the wire in order', async () => {
    const file = join(dir, 'av.mkv');
    // prettier-ignore
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
      '-f', 'matroska', '-live', '1', '-cluster_size_limit', '1', '-cluster_time_limit', '0', file]);
    const av = new Uint8Array(readFileSync(file));
    const session = new StreamingSession();
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0, stream: 's', session, startSource: () => recordedSource(av), fragmentMs: 1000, restartOnExit: false, frameStreaming: true });
    pipeline.start();
    await pipeline.done;
    const stats = pipeline.stats();
    expect(stats.fragmentsWritten).toBe(3);
    expect(stats.framesIn - stats.videoFramesIn).toBeGreaterThan(100); // ~47 AAC frames a second
    const read = (bytes: Uint8Array[]) => {
      const reader = new MatroskaStreamReader();
      return reader.push(Buffer.concat([session.header, ...bytes])).concat(reader.end()).flatMap((e) => (e.type === 'cluster' ? e.cluster.frames : []));
    };
    let writes = 0;
    let videoFrames = 0;
    for (const [timecode, pieces] of session.streamed) {
      const frames = (list: ReturnType<typeof read>) => list.map((f) => [f.track, f.timestampMs, Buffer.from(f.data).toString('base64')]);
      expect(frames(read(pieces))).toEqual(frames(read([session.whole.get(timecode) ?? new Uint8Array(0)])));
      writes += pieces.length - 1;
      videoFrames += read(pieces).filter((f) => f.track === 1).length;
    }
    // One write per video frame, plus at most one per fragment for the audio after its last video frame.
    expect(writes).toBeLessThanOrEqual(videoFrames + session.streamed.size);
    expect(writes).toBeGreaterThanOrEqual(videoFrames - session.streamed.size);
  });
});
