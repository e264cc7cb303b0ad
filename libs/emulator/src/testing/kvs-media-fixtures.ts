/**
 * Media fixtures of the KVS integration suites, built at test time (conventions.md §18): Matroska made by the real
 * ffmpeg (`/usr/bin/ffmpeg`, else `@ffmpeg-installer/ffmpeg`), a raw PutMedia exchange over HTTP/1.1 chunked
 * transfer or cleartext HTTP/2 that records every acknowledgement as it arrives (and whether the upload was still
 * going on), a GetMedia payload reader that stops after N fragments, and ffprobe's frame count of a file.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { MatroskaStreamReader, readKvsFragmentTags, type KvsFragmentTags, type MkvCluster } from '@tributary/media';

function ffmpegPath(): string {
  if (fs.existsSync('/usr/bin/ffmpeg')) return '/usr/bin/ffmpeg';
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

function run(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} exited with ${code}: ${err}`))));
  });
}

export interface TestPatternOptions {
  seconds?: number;
  fps?: number;
  /** Keyframe interval in frames (one Cluster per keyframe in ffmpeg's Matroska output). Default: fps (1 s). */
  gop?: number;
  size?: string;
  /** Write to a (seekable) file instead of a pipe: known-size Segment, SeekHead, Cues — ffmpeg's file mode. */
  fileMode?: string;
}

/** An H.264 test pattern as ffmpeg's Matroska muxer writes it to a pipe (live style), no B-frames. */
export async function ffmpegTestPattern(options: TestPatternOptions = {}): Promise<Buffer> {
  const fps = options.fps ?? 25;
  const gop = options.gop ?? fps;
  const args = [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc=size=${options.size ?? '320x240'}:rate=${fps}`,
    '-t', String(options.seconds ?? 4),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
    '-pix_fmt', 'yuv420p', '-f', 'matroska',
  ];
  if (options.fileMode) {
    await run(ffmpegPath(), [...args, '-y', options.fileMode]);
    return fs.readFileSync(options.fileMode);
  }
  return run(ffmpegPath(), [...args, 'pipe:1']);
}

/** ffprobe's count of decoded video frames in `file`. */
export async function ffprobeFrameCount(file: string): Promise<number> {
  const probe = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';
  const out = await run(probe, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(out.toString().trim());
}

export interface Ack {
  EventType: string;
  FragmentTimecode?: number;
  FragmentNumber?: string;
  ErrorCode?: string;
  ErrorId?: number;
  /** Test bookkeeping: body bytes sent when the ack arrived, and whether the upload had ended. */
  sentBytes: number;
  uploadDone: boolean;
}

export interface PutMediaExchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  acks: Ack[];
  /** The raw answer (the error body before a 200). */
  text: string;
}

export interface PutMediaOptions {
  streamName?: string;
  streamArn?: string;
  timecodeType?: string;
  /** x-amzn-producer-start-timestamp as sent (seconds); default now, `%.3f`. Null: not sent. */
  startTimestamp?: string | null;
  headers?: Record<string, string>;
  body: Uint8Array | readonly Uint8Array[];
  /** Body pieces of this size (default 8 KiB), `chunkDelayMs` apart (default 0). */
  chunkBytes?: number;
  chunkDelayMs?: number;
  /** Leave the body open after the last piece (the test ends it through `control`). */
  keepOpen?: boolean;
  protocol?: 'http/1.1' | 'h2c';
  /** Called with every ack as it arrives, and once with a handle to end or abort the upload. */
  onAck?: (ack: Ack) => void;
  control?: (handle: { end(): void; abort(): void; write(bytes: Uint8Array): void }) => void;
}

/**
 * One PutMedia call without any SDK (none has PutMedia): the body streamed in pieces, the acknowledgements parsed
 * line by line as they come. Resolves when the answer ends.
 */
export function sendPutMedia(url: string, options: PutMediaOptions): Promise<PutMediaExchange> {
  const headers = putMediaHeaders(options);
  const exchange = new PutMediaAckReader(options);
  const upload = (w: BodyWriter): Promise<void> => uploadPutMediaBody(w, options, exchange);
  const call: PutMediaCall = { url, headers, exchange, upload };
  return options.protocol === 'h2c' ? putMediaOverH2c(call) : putMediaOverHttp1(call);
}

function putMediaHeaders(options: PutMediaOptions): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-amzn-fragment-timecode-type': options.timecodeType ?? 'RELATIVE',
    'x-amzn-fragment-acknowledgment-required': '1',
    ...(options.streamName !== undefined ? { 'x-amzn-stream-name': options.streamName } : {}),
    ...(options.streamArn !== undefined ? { 'x-amzn-stream-arn': options.streamArn } : {}),
    ...(options.startTimestamp === null ? {} : { 'x-amzn-producer-start-timestamp': options.startTimestamp ?? (Date.now() / 1000).toFixed(3) }),
    ...(options.headers ?? {}),
  };
}

type BodyWriter = { write(b: Uint8Array): unknown; end(): unknown; destroy(): unknown };

/** What a transport needs for one call: where, the request headers, the answer's reader, the body's writer. */
interface PutMediaCall {
  url: string;
  headers: Record<string, string>;
  exchange: PutMediaAckReader;
  upload: (w: BodyWriter) => Promise<void>;
}

/** The answer of one call: its raw text and the acknowledgement lines, each stamped with the upload's progress. */
class PutMediaAckReader {
  readonly acks: Ack[] = [];
  text = '';
  /** Body bytes sent so far, and whether the body was ended. */
  sent = 0;
  uploadDone = false;
  private pending = '';

  constructor(private readonly options: PutMediaOptions) {}

  readonly onData = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    this.text += s;
    this.pending += s;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (!line) continue;
      const ack = { ...(JSON.parse(line) as Omit<Ack, 'sentBytes' | 'uploadDone'>), sentBytes: this.sent, uploadDone: this.uploadDone };
      this.acks.push(ack);
      this.options.onAck?.(ack);
    }
  };

  result(status: number, headers: Record<string, string | string[] | undefined>): PutMediaExchange {
    return { status, headers, acks: this.acks, text: this.text };
  }
}

async function uploadPutMediaBody(w: BodyWriter, options: PutMediaOptions, exchange: PutMediaAckReader): Promise<void> {
  const pieces = Array.isArray(options.body) ? (options.body as readonly Uint8Array[]) : [options.body as Uint8Array];
  const chunkBytes = options.chunkBytes ?? 8192;
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; at += chunkBytes) {
      const part = piece.subarray(at, at + chunkBytes);
      w.write(part);
      exchange.sent += part.length;
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    }
  }
  options.control?.({
    end: () => {
      exchange.uploadDone = true;
      w.end();
    },
    abort: () => w.destroy(),
    write: (b) => {
      exchange.sent += b.length;
      w.write(b);
    },
  });
  if (!options.keepOpen) {
    exchange.uploadDone = true;
    w.end();
  }
}

function putMediaOverH2c({ url, headers, exchange, upload }: PutMediaCall): Promise<PutMediaExchange> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': '/putMedia', ...headers });
    stream.on('error', () => undefined);
    let status = 0;
    let resHeaders: Record<string, string | string[] | undefined> = {};
    stream.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h as Record<string, string | string[] | undefined>;
    });
    stream.on('data', exchange.onData);
    stream.on('close', () => {
      session.close();
      resolve(exchange.result(status, resHeaders));
    });
    void upload(stream);
  });
}

function putMediaOverHttp1({ url, headers, exchange, upload }: PutMediaCall): Promise<PutMediaExchange> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/putMedia', url), { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' }, agent: false });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.on('data', exchange.onData);
      const done = (): void => resolve(exchange.result(res.statusCode ?? 0, res.headers));
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    void upload(req);
  });
}

export interface MediaChunk {
  tags: Partial<KvsFragmentTags>;
  clusters: MkvCluster[];
  headers: number;
}

/**
 * Reads a GetMedia / GetMediaForFragmentList payload (an async iterable of bytes) chunk by chunk — one Matroska
 * document per fragment — until `count` documents are in (then stops reading) or the payload ends. A document is
 * complete at its Segment's end, or as soon as its closing KVS tags (continuation token, error) are in: a live
 * GetMedia's last Segment only ends when the next one starts.
 */
export async function readMediaChunks(payload: AsyncIterable<Uint8Array>, count = Infinity, collect?: Buffer[]): Promise<MediaChunk[]> {
  const reader = new MatroskaStreamReader();
  const chunks: MediaChunk[] = [];
  let current: MediaChunk = { tags: {}, clusters: [], headers: 0 };
  let done = false;
  const close = (): boolean => {
    if (!done) chunks.push(current);
    done = true;
    return chunks.length >= count;
  };
  const apply = (events: ReturnType<MatroskaStreamReader['push']>): boolean => {
    for (const e of events) {
      if (e.type === 'header') {
        current = { tags: {}, clusters: [], headers: 1 };
        done = false;
      } else if (e.type === 'tags') {
        if (done) {
          // Error chunks carry no Tracks, so the reader reports no header for them: a new chunk starts here.
          current = { tags: {}, clusters: [], headers: 0 };
          done = false;
        }
        const tags = readKvsFragmentTags(e.tags);
        Object.assign(current.tags, tags);
        if ((tags.continuationToken !== undefined || tags.errorId !== undefined) && close()) return true;
      } else if (e.type === 'cluster') current.clusters.push(e.cluster);
      else if (e.type === 'segment-end' && close()) return true;
    }
    return false;
  };
  for await (const bytes of payload) {
    collect?.push(Buffer.from(bytes));
    if (apply(reader.push(bytes))) return chunks;
  }
  apply(reader.end());
  return chunks;
}
