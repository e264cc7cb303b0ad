/**
 * One TCP port, three protocols. The first bytes of a connection decide:
 * - `PRI * HTTP/2.0` (the HTTP/2 connection preface): cleartext HTTP/2 with prior knowledge, which is what the
 *   SDK v3 Kinesis client speaks to an `http://` endpoint (kds-reference.md §0.1);
 * - 0x16 (a TLS handshake record), when TLS is configured: TLS, then ALPN picks `h2` or `http/1.1`;
 * - anything else: HTTP/1.1 (the AWS CLI, curl, SDKs given an HTTP/1.1 handler).
 * The socket is handed to the matching Node server with `emit('connection')`; all three call one handler.
 *
 * Every path has timeouts (CONNECTION_DEFAULTS in defaults.ts): the first bytes, HTTP/1.1 headers (Node's own
 * check, which runs only once the server has emitted 'listening': this one never listens, so it is told to), the
 * TLS handshake, keep-alive, and inactivity (no byte either way, never total duration: a PutMedia upload lasts as
 * long as its camera runs). HTTP/2 sessions without streams are probed with a PING: nghttp2 ends a session that
 * broke the protocol with a GOAWAY and then ignores it without telling Node, so that is how such a session gets
 * closed. And a cap on connections (connection-limiter.ts) that closes idle ones first.
 */
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { Logger } from '../logger';
import { ConnectionLimiter } from './connection-limiter';

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

/** See CONNECTION_DEFAULTS in defaults.ts for what each one bounds. */
export interface ConnectionSettings {
  maxConnections: number;
  firstBytesTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  pingTimeoutMs: number;
}

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  logger: Logger;
  connections: ConnectionSettings;
  /** Milliseconds, for the connection cap's idle order. */
  now: () => number;
}

const H2_SETTINGS: http2.Settings = {
  maxConcurrentStreams: 1000,
  // Bigger windows than the 64 KiB default: PutRecords bodies are up to ~7 MiB.
  initialWindowSize: 8 * 1024 * 1024,
};

/** How long a socket that was answered and ended may wait for its client to close its side before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class ProtocolListener {
  private readonly tcp: net.Server;
  private readonly h1: http.Server;
  private readonly h2c: http2.Http2Server;
  private readonly tls?: http2.Http2SecureServer;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly limiter: ConnectionLimiter<net.Socket>;
  /** Set while a socket is handed to the HTTP/2 server, which creates its session synchronously. */
  private handingOver: net.Socket | undefined;

  constructor(
    private readonly options: ListenerOptions,
    handler: RequestHandler,
  ) {
    const log = options.logger;
    const c = options.connections;
    this.limiter = new ConnectionLimiter(c.maxConnections, options.now);
    // How often Node checks header deadlines (30 s by default, longer than the timeout itself).
    const checkingIntervalMs = Math.max(10, Math.min(1000, Math.floor(c.headersTimeoutMs / 4)));
    this.h1 = http.createServer(
      {
        keepAliveTimeout: c.keepAliveTimeoutMs,
        headersTimeout: c.headersTimeoutMs,
        // 0: Node's requestTimeout counts total duration and would cut a live PutMedia upload; bounded bodies get
        // theirs in the router (requestTimeoutMs), and a stalled one the inactivity timeout below.
        requestTimeout: 0,
        connectionsCheckingInterval: checkingIntervalMs,
      },
      handler,
    );
    // Inactivity with a request in flight: Node destroys the socket (between requests keepAliveTimeout applies).
    this.h1.timeout = c.idleTimeoutMs;
    // Starts Node's header-timeout checks, which a server begins on 'listening' (it never listens: see the header).
    this.h1.emit('listening');
    this.h1.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket;
      this.limiter.requestStarted(socket);
      res.once('close', () => this.limiter.requestEnded(socket));
    });
    this.h1.on('clientError', (err, socket) => {
      log.debug({ err: err.message }, 'HTTP/1.1 client error');
      const code = (err as NodeJS.ErrnoException).code;
      if (!socket.writable || code?.startsWith('ECONN')) {
        socket.destroy();
        return;
      }
      // Headers that did not arrive within headersTimeoutMs (Node's check) get a 408, anything else a 400; then the
      // socket goes, whether or not the client reads the answer and closes its side.
      const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
    this.h2c = http2.createServer({ settings: H2_SETTINGS, maxSessionMemory: 64 }, handler);
    this.h2c.setTimeout(c.idleTimeoutMs);
    this.watchSessions(this.h2c);
    if (options.tls) {
      this.tls = http2.createSecureServer(
        { ...options.tls, allowHTTP1: true, settings: H2_SETTINGS, maxSessionMemory: 64, handshakeTimeout: c.headersTimeoutMs },
        handler,
      );
      this.tls.setTimeout(c.idleTimeoutMs);
      // HTTP/1.1 over TLS (allowHTTP1): the same header and keep-alive timeouts as cleartext; Node's 300 s
      // requestTimeout (total duration) off, as above; and its checks started by hand, as above.
      const h1OverTls = this.tls as unknown as Pick<http.Server, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> & {
        connectionsCheckingInterval: number;
      };
      h1OverTls.headersTimeout = c.headersTimeoutMs;
      h1OverTls.requestTimeout = 0;
      h1OverTls.keepAliveTimeout = c.keepAliveTimeoutMs;
      h1OverTls.connectionsCheckingInterval = checkingIntervalMs;
      this.tls.emit('listening');
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
    // Stops Node's header-timeout checks (and closes its idle connections; the sockets are gone already).
    this.h1.close();
    this.tls?.close();
    await closed;
  }

  private watchSessions(server: http2.Http2Server | http2.Http2SecureServer): void {
    const c = this.options.connections;
    server.on('session', (session) => {
      this.sessions.add(session);
      // The TCP socket of a cleartext session, for the connection cap (a TLS session's is not known here).
      const socket = this.handingOver;
      let streams = 0;
      let keepAlive: NodeJS.Timeout | undefined;
      let probe: NodeJS.Timeout | undefined;
      const disarm = (): void => {
        clearTimeout(keepAlive);
        clearTimeout(probe);
      };
      const arm = (): void => {
        // Without streams: closed after keepAliveTimeoutMs, and sent a PING after pingTimeoutMs that must be answered
        // within pingTimeoutMs (see the header: a session nghttp2 ended answers nothing).
        // destroy(), not close(): close() ends our side and then waits for the client to end its own, which one that
        // ignores the GOAWAY never does. destroy() still sends the GOAWAY, then closes the socket.
        keepAlive = setTimeout(() => session.destroy(), c.keepAliveTimeoutMs).unref();
        probe = setTimeout(() => {
          probe = setTimeout(() => session.destroy(), c.pingTimeoutMs).unref();
          try {
            session.ping((err) => {
              if (!err) clearTimeout(probe);
            });
          } catch {
            session.destroy();
          }
        }, c.pingTimeoutMs).unref();
      };
      arm();
      session.on('stream', (stream: http2.ServerHttp2Stream) => {
        if (streams++ === 0) disarm();
        if (socket) this.limiter.requestStarted(socket);
        stream.once('close', () => {
          if (socket) this.limiter.requestEnded(socket);
          if (--streams === 0 && !session.closed && !session.destroyed) arm();
        });
      });
      session.on('close', () => {
        disarm();
        this.sessions.delete(session);
      });
      session.on('error', (err) => this.options.logger.debug({ err: err.message }, 'HTTP/2 session error'));
    });
    server.on('sessionError', (err) => this.options.logger.debug({ err: err.message }, 'HTTP/2 session error'));
  }

  private dispatch(socket: net.Socket): void {
    const admission = this.limiter.admit(socket);
    if (!admission.admitted) {
      // Every connection has a request in flight (or is TLS): nothing idle to close.
      this.options.logger.warn({ maxConnections: this.options.connections.maxConnections }, 'connection refused: at the connection cap');
      socket.destroy();
      return;
    }
    if (admission.evict) {
      this.options.logger.debug({ maxConnections: this.options.connections.maxConnections }, 'idle connection closed: at the connection cap');
      admission.evict.destroy();
    }
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.limiter.remove(socket);
    });
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.setTimeout(this.options.connections.firstBytesTimeoutMs, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      // The protocol's own timers take over from here.
      socket.setTimeout(0);
      if (first[0] === 0x16 && this.tls) {
        this.limiter.identified(socket, 'opaque');
        this.tls.emit('connection', new ReplaySocket(socket, first));
      } else if (first.length >= 3 && first.toString('latin1', 0, 3) === 'PRI') {
        this.limiter.identified(socket, 'open');
        // The HTTP/2 session consumes the native handle and, on its first tick, feeds it what the socket already
        // buffered (nodejs/node#35475, Node ≥ 15), so the preface given back with unshift() is not lost and the
        // session reads natively. (Through a ReplaySocket every byte crossed JavaScript: a PutRecords record cost
        // the server about a quarter more CPU in tools/bench.)
        socket.unshift(first);
        this.handingOver = socket;
        try {
          this.h2c.emit('connection', socket);
        } finally {
          this.handingOver = undefined;
        }
      } else {
        this.limiter.identified(socket, 'open');
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
