/**
 * An HTTP/2 request handler for @aws-sdk/client-kinesis that multiplexes requests — SubscribeToShard event
 * streams included — over a few shared sessions, instead of one TCP (+TLS) connection per call.
 *
 * Why not the SDK's NodeHttp2Handler (@smithy/node-http-handler 4.14.2, read in node_modules):
 * - the Kinesis client installs it with `disableConcurrentStreams: true`: an isolated session per call
 *   (kds-reference.md §0.3, aws-sdk-js-v3#8279);
 * - and even with `disableConcurrentStreams: false` it takes the isolated path for every event-stream
 *   operation: `useIsolatedSession = disableConcurrentStreams || isEventStream`, and the connection manager's
 *   `lease()` skips its pool when `isEventStream` (smithy-typescript PR #1952 "enforce single-use connections
 *   for event-streams in http2"). So N subscriptions = N connections whatever the options. Its pooled path also
 *   cannot set the connection-level receive window, which sharing needs (below).
 *
 * What this handler does:
 * - per authority, a list of sessions; a request takes the first session with fewer than
 *   min(maxConcurrentStreams, the server's SETTINGS_MAX_CONCURRENT_STREAMS) active streams, else a new session
 *   is opened. The emulator advertises 1,000 (libs/emulator/src/server/protocol-listener.ts); our default of 100
 *   is RFC 9113's recommended floor, which AWS endpoints meet (their exact figure is unconfirmed).
 * - flow control: a subscription whose reader is paused (its handler is busy — this is how the consumer applies
 *   backpressure) holds at most its stream window of unread data (1 MiB by default: above the 2 MiB/s of a
 *   shard even at 200 ms round trips) and does not stall the others: Node returns connection-level credit as
 *   data arrives and stream-level credit only as it is read (node_http2.cc), which the "paused subscription"
 *   test checks. The session window is raised from HTTP/2's 64 KiB to maxConcurrentStreams × the stream
 *   window: 64 KiB per round trip for all subscriptions of a connection would cap them at ~1.3 MiB/s together
 *   at 50 ms.
 * - a session that receives GOAWAY takes no new streams (its running streams finish); one that closes or fails
 *   is dropped (its streams fail, and the record sources resubscribe); one without streams is unref'd and
 *   closed after `idleSessionTimeoutMs`.
 * - abort: closes the stream with CANCEL (before or after the response), which ends a subscription.
 *
 * It implements what the SDK calls on a request handler (`handle`, `destroy`, `updateHttpClientConfig`,
 * `httpHandlerConfigs`, `metadata`), like NodeHttp2Handler.
 */
import * as http2 from 'node:http2';
import { Readable } from 'node:stream';
import type { HeaderBag, HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandlerOutput } from '@smithy/types';
import { RETRIEVAL_DEFAULTS } from '../defaults';

export interface MultiplexedHttp2HandlerOptions {
  /** Streams per session before another session is opened (default 100). */
  maxConcurrentStreams?: number;
  /** Receive window per stream in bytes (default 1 MiB). */
  streamWindowBytes?: number;
  /** Connection establishment limit (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** A session without streams for this long is closed (default 60,000 ms). */
  idleSessionTimeoutMs?: number;
  /** Inactivity limit per request, 0 for none (default 0; a subscription source runs its own watchdog). */
  requestTimeoutMs?: number;
  /** Extra options for `http2.connect` (TLS CA, …). */
  connectOptions?: http2.SecureClientSessionOptions;
}

export interface MultiplexedHttp2Stats {
  /** Sessions (TCP connections) opened since the handler was made. */
  sessionsOpened: number;
  openSessions: number;
  activeStreams: number;
  requests: number;
}

interface SessionEntry {
  authority: string;
  session: http2.ClientHttp2Session;
  active: number;
  closing: boolean;
  idleTimer?: ReturnType<typeof setTimeout>;
}

const MAX_WINDOW = 2 ** 31 - 1;

export class MultiplexedHttp2Handler {
  readonly metadata = { handlerProtocol: 'h2' };
  private readonly config: Required<Omit<MultiplexedHttp2HandlerOptions, 'connectOptions'>> & { connectOptions?: http2.SecureClientSessionOptions };
  private readonly pools = new Map<string, SessionEntry[]>();
  private readonly extraConfig: Record<string, unknown> = {};
  private sessionsOpened = 0;
  private requests = 0;
  private destroyed = false;

  constructor(options: MultiplexedHttp2HandlerOptions = {}) {
    const d = RETRIEVAL_DEFAULTS.http2;
    this.config = {
      maxConcurrentStreams: options.maxConcurrentStreams ?? d.maxConcurrentStreams,
      streamWindowBytes: options.streamWindowBytes ?? d.streamWindowBytes,
      connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
      idleSessionTimeoutMs: options.idleSessionTimeoutMs ?? d.idleSessionTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? 0,
      ...(options.connectOptions ? { connectOptions: options.connectOptions } : {}),
    };
    if (!Number.isInteger(this.config.maxConcurrentStreams) || this.config.maxConcurrentStreams < 1) {
      throw new RangeError('maxConcurrentStreams must be a positive integer.');
    }
  }

  stats(): MultiplexedHttp2Stats {
    let openSessions = 0;
    let activeStreams = 0;
    for (const pool of this.pools.values()) {
      openSessions += pool.length;
      for (const e of pool) activeStreams += e.active;
    }
    return { sessionsOpened: this.sessionsOpened, openSessions, activeStreams, requests: this.requests };
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<RequestHandlerOutput<HttpResponse>> {
    return new Promise((resolve, reject) => {
      const signal = options.abortSignal as AbortSignal | undefined;
      if (this.destroyed) return reject(new Error('The HTTP/2 handler was destroyed.'));
      if (signal?.aborted) return reject(abortError());
      const authority = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
      let entry: SessionEntry;
      let stream: http2.ClientHttp2Stream;
      try {
        entry = this.lease(authority);
        stream = entry.session.request({ ...request.headers, ':method': request.method, ':path': pathOf(request) });
      } catch (err) {
        // A session that went away between lease and request (GOAWAY, closed): retry once on a fresh one.
        try {
          entry = this.connect(authority);
          stream = entry.session.request({ ...request.headers, ':method': request.method, ':path': pathOf(request) });
        } catch {
          return reject(err);
        }
      }
      this.requests++;
      this.retain(entry);
      let responded = false;
      let released = false;
      const fail = (err: Error): void => {
        if (!responded) {
          responded = true;
          reject(err);
        }
      };
      const onAbort = (): void => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        fail(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timeoutMs = options.requestTimeout ?? this.config.requestTimeoutMs;
      if (timeoutMs > 0) {
        stream.setTimeout(timeoutMs, () => {
          const err = new Error(`HTTP/2 stream idle for ${timeoutMs} ms`);
          err.name = 'TimeoutError';
          stream.close(http2.constants.NGHTTP2_CANCEL);
          fail(err);
        });
      }
      stream.once('response', (headers) => {
        if (responded) return;
        responded = true;
        resolve({ response: { statusCode: Number(headers[':status'] ?? -1), headers: headerBag(headers), body: stream } });
      });
      // Kept for the stream's whole life: after the response the body's reader sees the error itself, and an
      // 'error' without a listener would crash the process.
      stream.on('error', fail);
      stream.once('close', () => {
        signal?.removeEventListener('abort', onAbort);
        if (!released) {
          released = true;
          this.release(entry);
        }
        fail(new Error(`HTTP/2 stream closed before a response (RST code ${stream.rstCode ?? 'none'}).`));
      });
      writeBody(stream, request.body);
    });
  }

  destroy(): void {
    this.destroyed = true;
    for (const pool of this.pools.values()) {
      for (const e of pool) {
        if (e.idleTimer) clearTimeout(e.idleTimer);
        e.session.destroy();
      }
    }
    this.pools.clear();
  }

  /** The SDK pushes settings such as its default socket timeout here; we keep them for httpHandlerConfigs(). */
  updateHttpClientConfig(key: string | symbol, value: unknown): void {
    this.extraConfig[String(key)] = value;
  }

  httpHandlerConfigs(): Record<string, unknown> {
    return { ...this.config, ...this.extraConfig };
  }

  private lease(authority: string): SessionEntry {
    for (const e of this.pools.get(authority) ?? []) {
      if (!e.closing && !e.session.closed && !e.session.destroyed && e.active < this.limitOf(e)) return e;
    }
    return this.connect(authority);
  }

  private limitOf(e: SessionEntry): number {
    const remote = e.session.remoteSettings?.maxConcurrentStreams;
    return Math.min(this.config.maxConcurrentStreams, typeof remote === 'number' && remote > 0 ? remote : Infinity);
  }

  private connect(authority: string): SessionEntry {
    const { streamWindowBytes, maxConcurrentStreams, connectTimeoutMs } = this.config;
    const session = http2.connect(authority, {
      maxSessionMemory: 64,
      ...this.config.connectOptions,
      settings: { enablePush: false, initialWindowSize: streamWindowBytes, ...this.config.connectOptions?.settings },
    });
    this.sessionsOpened++;
    const entry: SessionEntry = { authority, session, active: 0, closing: false };
    const pool = this.pools.get(authority) ?? [];
    pool.push(entry);
    this.pools.set(authority, pool);
    const connectTimer = setTimeout(() => session.destroy(new Error(`HTTP/2 connect to ${authority} timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    connectTimer.unref();
    session.once('connect', () => {
      clearTimeout(connectTimer);
      // The session-level window: room for every stream's window (bandwidth × delay for all of them).
      session.setLocalWindowSize(Math.min(MAX_WINDOW, streamWindowBytes * maxConcurrentStreams));
    });
    session.on('error', () => this.remove(entry));
    session.on('goaway', () => {
      entry.closing = true;
    });
    session.once('close', () => {
      clearTimeout(connectTimer);
      this.remove(entry);
    });
    session.unref();
    return entry;
  }

  private retain(entry: SessionEntry): void {
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    if (entry.active++ === 0) entry.session.ref();
  }

  private release(entry: SessionEntry): void {
    if (--entry.active > 0) return;
    entry.active = 0;
    if (entry.session.destroyed) return;
    entry.session.unref();
    entry.idleTimer = setTimeout(() => {
      entry.closing = true;
      this.remove(entry);
      entry.session.close();
    }, this.config.idleSessionTimeoutMs);
    entry.idleTimer.unref();
  }

  private remove(entry: SessionEntry): void {
    entry.closing = true;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    const pool = this.pools.get(entry.authority);
    if (!pool) return;
    const i = pool.indexOf(entry);
    if (i >= 0) pool.splice(i, 1);
    if (pool.length === 0) this.pools.delete(entry.authority);
  }
}

function pathOf(request: HttpRequest): string {
  let path = request.path || '/';
  const query = request.query ?? {};
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value === null || value === undefined) parts.push(encodeURIComponent(key));
    else for (const v of Array.isArray(value) ? value : [value]) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  if (parts.length > 0) path += `?${parts.join('&')}`;
  if (request.fragment) path += `#${request.fragment}`;
  return path;
}

function headerBag(headers: http2.IncomingHttpHeaders): HeaderBag {
  const out: HeaderBag = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

function writeBody(stream: http2.ClientHttp2Stream, body: unknown): void {
  if (body instanceof Readable) {
    body.pipe(stream);
    return;
  }
  if (body === undefined || body === null) stream.end();
  else if (typeof body === 'string' || Buffer.isBuffer(body)) stream.end(body);
  else if (body instanceof Uint8Array) stream.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  else stream.end(Buffer.from(String(body)));
}

function abortError(): Error {
  const err = new Error('Request aborted');
  err.name = 'AbortError';
  return err;
}
