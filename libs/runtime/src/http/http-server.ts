/**
 * The HTTP listener every app starts through, with bounded timeouts (RUNTIME_DEFAULTS.http): Node's defaults keep
 * a trickled request body for 300 s and an idle mid-request socket forever. `connectionsCheckingInterval` can only
 * be given to the constructor, so the server is created here rather than by `app.listen()`.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RUNTIME_DEFAULTS } from '../defaults';

export interface HttpServerTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  checkIntervalMs: number;
}

/** A server (not yet listening) with the timeouts applied; `handler` is an Express app or a plain listener. */
export function createHttpServer(handler: RequestListener, timeouts: Partial<HttpServerTimeouts> = {}): Server {
  const t = { ...RUNTIME_DEFAULTS.http, ...timeouts };
  const server = createServer({ connectionsCheckingInterval: t.checkIntervalMs }, handler);
  applyServerTimeouts(server, t);
  return server;
}

/** The same timeouts on a server created elsewhere (its check interval stays whatever it was created with). */
export function applyServerTimeouts(server: Server, timeouts: Partial<HttpServerTimeouts> = {}): void {
  const t = { ...RUNTIME_DEFAULTS.http, ...timeouts };
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = t.requestTimeoutMs;
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  // Without a 'timeout' listener Node destroys the socket when it fires.
  server.timeout = t.idleTimeoutMs;
}

/** Listens and resolves with the URL to reach the server (127.0.0.1 when bound to every interface). */
export async function listenHttp(server: Server, port: number, host: string): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}`, port: bound };
}
