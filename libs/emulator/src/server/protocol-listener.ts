/**
 * One TCP port, three protocols. The first bytes of a connection decide:
 * - `PRI * HTTP/2.0` (the HTTP/2 connection preface): cleartext HTTP/2 with prior knowledge, which is what the
 *   SDK v3 Kinesis client speaks to an `http://` endpoint (kds-reference.md §0.1);
 * - 0x16 (a TLS handshake record), when TLS is configured: TLS, then ALPN picks `h2` or `http/1.1`;
 * - anything else: HTTP/1.1 (the AWS CLI, curl, SDKs given an HTTP/1.1 handler).
 * The socket is handed to the matching Node server with `emit('connection')`; all three call one handler.
 */
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { Logger } from '../logger';

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  logger: Logger;
}

const H2_SETTINGS: http2.Settings = {
  maxConcurrentStreams: 1000,
  // Bigger windows than the 64 KiB default: PutRecords bodies are up to ~7 MiB.
  initialWindowSize: 8 * 1024 * 1024,
};

export class ProtocolListener {
  private readonly tcp: net.Server;
  private readonly h1: http.Server;
  private readonly h2c: http2.Http2Server;
  private readonly tls?: http2.Http2SecureServer;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(
    private readonly options: ListenerOptions,
    handler: RequestHandler,
  ) {
    const log = options.logger;
    this.h1 = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handler);
    this.h1.on('clientError', (err, socket) => {
      log.debug({ err: err.message }, 'HTTP/1.1 client error');
      if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      } else socket.destroy();
    });
    this.h2c = http2.createServer({ settings: H2_SETTINGS, maxSessionMemory: 64 }, handler);
    this.watchSessions(this.h2c);
    if (options.tls) {
      this.tls = http2.createSecureServer(
        { ...options.tls, allowHTTP1: true, settings: H2_SETTINGS, maxSessionMemory: 64 },
        handler,
      );
      this.watchSessions(this.tls);
      this.tls.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS client error'));
    }
    this.tcp = net.createServer((socket) => this.dispatch(socket));
    this.tcp.on('error', (err) => log.error({ err: err.message }, 'listener error'));
  }

  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.options.port, this.options.host, () => {
        this.tcp.off('error', reject);
        resolve(this.tcp.address() as net.AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    this.h1.closeAllConnections();
    await closed;
  }

  private watchSessions(server: http2.Http2Server | http2.Http2SecureServer): void {
    server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', (err) => this.options.logger.debug({ err: err.message }, 'HTTP/2 session error'));
    });
    server.on('sessionError', (err) => this.options.logger.debug({ err: err.message }, 'HTTP/2 session error'));
  }

  private dispatch(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first[0] === 0x16 && this.tls) this.tls.emit('connection', new ReplaySocket(socket, first));
      else if (first.length >= 3 && first.toString('latin1', 0, 3) === 'PRI') {
        // The HTTP/2 session consumes the native handle and, on its first tick, feeds it what the socket already
        // buffered (nodejs/node#35475, Node ≥ 15), so the preface given back with unshift() is not lost and the
        // session reads natively. (Through a ReplaySocket every byte crossed JavaScript: a PutRecords record cost
        // the server about a quarter more CPU in tools/bench.)
        socket.unshift(first);
        this.h2c.emit('connection', socket);
      } else {
        // The HTTP/1.1 server reads buffered data through 'data' events before it consumes the handle natively.
        socket.unshift(first);
        this.h1.emit('connection', socket);
        socket.resume();
      }
    });
  }
}

/**
 * A socket whose first bytes were already read by the sniffer, for the TLS server: it reads a net.Socket through
 * its native handle, where bytes given back with unshift() are lost (unlike the cleartext HTTP/2 session, which
 * replays a socket's buffered bytes itself); handed this plain Duplex instead it reads through JavaScript (Node
 * wraps it in its JSStreamSocket), and the first chunk is replayed.
 */
class ReplaySocket extends Duplex {
  constructor(
    private readonly socket: net.Socket,
    first: Buffer,
  ) {
    super({ allowHalfOpen: false });
    this.push(first);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  setTimeout(ms: number, cb?: () => void): this {
    this.socket.setTimeout(ms, cb);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }
  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
