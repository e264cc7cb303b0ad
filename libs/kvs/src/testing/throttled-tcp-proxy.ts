/**
 * A TCP proxy whose client→server direction drains through a slow Writable (a Transform that holds each chunk
 * for `chunk.length / bytesPerSecond`), so the producer meets a slow uplink with real sockets and real kernel
 * buffers in between. pipe() respects the throttle's backpressure, so the proxy stops reading the client socket
 * while the throttle is full: what the producer may still write lands in its own buffers, where a backpressure
 * test can see it. The server→client direction is not slowed (acks come back at once). Test-only.
 */
import * as net from 'node:net';
import { Transform } from 'node:stream';

export interface ThrottledTcpProxy {
  url: string;
  /** Client→server bytes read from client sockets so far (all connections). */
  readonly bytesIn: number;
  /** Client→server bytes that came out of the throttle towards the server so far. */
  readonly bytesForwarded: number;
  close(): Promise<void>;
}

/** A Transform passing bytes on at about `bytesPerSecond`, holding at most `highWaterMark` bytes itself. */
export function slowTransform(bytesPerSecond: number, onForward: (n: number) => void, highWaterMark = 16 * 1024): Transform {
  return new Transform({
    highWaterMark,
    transform(chunk: Buffer, _enc, callback) {
      // Pass large chunks on in slices, so the far side sees a steady trickle rather than bursts.
      const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
      let at = 0;
      const next = (): void => {
        if (at >= chunk.length) {
          callback();
          return;
        }
        const part = chunk.subarray(at, at + slice);
        at += part.length;
        setTimeout(
          () => {
            onForward(part.length);
            this.push(part);
            next();
          },
          (part.length / bytesPerSecond) * 1000,
        );
      };
      next();
    },
  });
}

export async function startThrottledTcpProxy(targetPort: number, bytesPerSecond: number, targetHost = '127.0.0.1'): Promise<ThrottledTcpProxy> {
  const sockets = new Set<net.Socket>();
  let bytesIn = 0;
  let bytesForwarded = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const throttle = slowTransform(bytesPerSecond, (n) => (bytesForwarded += n));
    sockets.add(client).add(upstream);
    const done = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
      throttle.destroy();
    };
    client.on('data', (b: Buffer) => (bytesIn += b.length));
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(throttle).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytesIn() {
      return bytesIn;
    },
    get bytesForwarded() {
      return bytesForwarded;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
