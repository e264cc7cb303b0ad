/**
 * One PutMedia HTTP exchange over node:http / node:https, full duplex (kvs-reference.md §3.2): the request body
 * is written with `Transfer-Encoding: chunked` while the response, answered 200 at once by the service, streams
 * acknowledgements back. `fetch`/undici are avoided on purpose: their streaming uploads are half duplex.
 *
 * This layer only moves bytes: it parses acks with AckParser and turns a non-200 answer, a socket error or an
 * early end into one `onClose` call. What to resend and when to reconnect is the session's business. The
 * request uses no keep-alive agent (`agent: false`): the exchange lasts up to 45 minutes and its socket must not
 * be reused. TCP keep-alive probes and no-delay are turned on, so that a dead peer is noticed and small ack
 * lines are not held back.
 *
 * The session talks to the `PutMediaConnector` type, so its unit tests drive a fake connection without sockets.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AckParser, type AckStreamItem } from './ack-parser';
import type { Timers } from '@tributary/runtime';
import { PutMediaConnectionError, PutMediaHttpError, parseAwsErrorResponse, type KvsError } from '../kvs-errors';

export interface PutMediaConnectionTarget {
  endpoint: URL;
  path: string;
  /** Signed headers (lower-case names); transfer-encoding is added here. */
  headers: Record<string, string>;
  streamName: string;
}

export interface PutMediaConnectionHandlers {
  /** The response status arrived (200: acks follow). */
  onResponse?(statusCode: number): void;
  onAck(item: AckStreamItem): void;
  /**
   * Exactly once, unless destroy() was called first: `undefined` when the response ended normally (the service
   * finished after our body ended, or closed on its own), else the failure.
   */
  onClose(error: KvsError | undefined): void;
}

export interface PutMediaConnection {
  /** Writes one chunk; false when the socket is full (wait for drained() before writing more). */
  write(chunk: Uint8Array): boolean;
  /** Resolves on 'drain', or at once when the connection is closed. */
  drained(): Promise<void>;
  /** Ends the body (the zero-length chunk): the service then sends the last acks and ends the response. */
  end(): void;
  /** Tears the exchange down; no callback follows. */
  destroy(): void;
  readonly closed: boolean;
}

export type PutMediaConnector = (target: PutMediaConnectionTarget, handlers: PutMediaConnectionHandlers) => PutMediaConnection;

export interface NodeConnectorOptions {
  timers: Timers;
  connectTimeoutMs: number;
  maxAckBytes: number;
  maxErrorBodyBytes: number;
  /** The socket's high-water mark (PUT_MEDIA_DEFAULTS.socketHighWaterMarkBytes): not left to Node's default, which differs by version. */
  socketHighWaterMarkBytes: number;
}

export function createNodeConnector(options: NodeConnectorOptions): PutMediaConnector {
  return (target, handlers) => new NodePutMediaConnection(target, handlers, options);
}

class NodePutMediaConnection implements PutMediaConnection {
  private readonly req: http.ClientRequest;
  private readonly parser: AckParser;
  private finished = false;
  private connectTimer: unknown;

  constructor(
    private readonly target: PutMediaConnectionTarget,
    private readonly handlers: PutMediaConnectionHandlers,
    private readonly options: NodeConnectorOptions,
  ) {
    this.parser = new AckParser({ maxAckBytes: options.maxAckBytes });
    const { endpoint } = target;
    const secure = endpoint.protocol === 'https:';
    const request = secure ? https.request : http.request;
    // `highWaterMark` is handed on, through the agent's options, to the socket it creates (readable and
    // writable high-water marks): it decides when write() answers false. @types/node 20 does not list it for
    // requests (it does for servers), hence the intersection type.
    const requestOptions: http.RequestOptions & { highWaterMark: number } = {
      protocol: endpoint.protocol,
      hostname: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      method: 'POST',
      path: target.path,
      headers: { ...target.headers, 'transfer-encoding': 'chunked' },
      agent: false,
      highWaterMark: options.socketHighWaterMarkBytes,
    };
    this.req = request(requestOptions);
    this.connectTimer = options.timers.setTimeout(() => {
      this.fail(new PutMediaConnectionError(target.streamName, `no connection within ${options.connectTimeoutMs} ms`, 'ETIMEDOUT'));
    }, options.connectTimeoutMs);
    this.req.on('socket', (socket) => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      const connected = (): void => this.clearConnectTimer();
      if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', connected);
      else connected();
    });
    this.req.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new PutMediaConnectionError(target.streamName, `request failed: ${err.message}`, err.code, err));
    });
    this.req.on('response', (res) => this.onResponse(res));
    // Send the request head now: the service validates it and answers 200 before any body byte (§3.2).
    this.req.flushHeaders();
  }

  get closed(): boolean {
    return this.finished;
  }

  write(chunk: Uint8Array): boolean {
    if (this.finished || chunk.length === 0) return !this.finished;
    return this.req.write(chunk);
  }

  drained(): Promise<void> {
    if (this.finished || !this.req.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.req.off('drain', done);
        this.req.off('close', done);
        resolve();
      };
      this.req.on('drain', done);
      this.req.on('close', done);
    });
  }

  end(): void {
    if (!this.finished && !this.req.writableEnded) this.req.end();
  }

  destroy(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearConnectTimer();
    this.req.destroy();
  }

  private onResponse(res: http.IncomingMessage): void {
    const status = res.statusCode ?? 0;
    this.handlers.onResponse?.(status);
    if (status !== 200) {
      this.readErrorBody(res, status);
      return;
    }
    res.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      for (const item of this.parser.push(chunk)) {
        if (this.finished) return;
        this.handlers.onAck(item);
      }
    });
    res.on('end', () => {
      if (this.finished) return;
      for (const item of this.parser.end()) this.handlers.onAck(item);
      this.close(undefined);
    });
    res.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new PutMediaConnectionError(this.target.streamName, `acknowledgement stream failed: ${err.message}`, err.code, err));
    });
    res.on('close', () => {
      if (!res.complete) this.fail(new PutMediaConnectionError(this.target.streamName, 'acknowledgement stream closed before its end', 'ECONNRESET'));
    });
  }

  private readErrorBody(res: http.IncomingMessage, status: number): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      const body = Buffer.concat(chunks).toString('utf8');
      const errorTypeHeader = res.headers['x-amzn-errortype'];
      const { name, message } = parseAwsErrorResponse(Array.isArray(errorTypeHeader) ? errorTypeHeader[0] : errorTypeHeader, body);
      this.fail(new PutMediaHttpError(this.target.streamName, status, name, message));
    };
    res.on('data', (chunk: Buffer) => {
      if (size < this.options.maxErrorBodyBytes) chunks.push(chunk.subarray(0, this.options.maxErrorBodyBytes - size));
      size += chunk.length;
    });
    res.on('end', finish);
    res.on('error', finish);
    res.on('close', finish);
  }

  private fail(error: KvsError): void {
    if (this.finished) return;
    this.close(error);
    this.req.destroy();
  }

  private close(error: KvsError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.clearConnectTimer();
    if (error === undefined) this.req.destroy(); // the exchange is over; nothing more is written
    this.handlers.onClose(error);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      this.options.timers.clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }
}
