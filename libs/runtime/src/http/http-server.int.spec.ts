// Regression (issue 12, item 8): with Node's defaults a trickled request body stayed open 300 s and an idle socket
// was never closed. Real sockets against createHttpServer with short timeouts: each slow client is cut within its
// bound, while a slow response and a reused keep-alive connection are not.
import * as net from 'node:net';
import type { Server } from 'node:http';
import { createHttpServer, listenHttp } from './http-server';

const TIMEOUTS = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 1_500, idleTimeoutMs: 1_000, checkIntervalMs: 50 };

interface Outcome {
  ms: number;
  received: string;
}

/** Opens a raw connection, lets `drive` write to it, and reports when the server closed it and what it said. */
function probe(port: number, drive: (socket: net.Socket) => () => void, giveUpMs = 5_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let stop: () => void = () => undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${giveUpMs} ms; received ${JSON.stringify(received)}`));
    }, giveUpMs);
    socket.on('connect', () => (stop = drive(socket)));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      stop();
      resolve({ ms: Date.now() - started, received });
    });
  });
}

const every = (ms: number, fn: () => void): (() => void) => {
  const t = setInterval(fn, ms);
  return () => clearInterval(t);
};

describe('createHttpServer timeouts', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/stream') {
        // A response longer than the request timeout, sent in small steps (a clip download).
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const t = setInterval(() => {
          res.write('x');
          if (++n === 12) {
            clearInterval(t);
            res.end();
          }
        }, 100);
        return;
      }
      req.resume();
      req.on('end', () => res.end('ok'));
    }, TIMEOUTS);
    ({ port } = await listenHttp(server, 0, '127.0.0.1'));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closes a connection that sends nothing within the headers timeout (408)', async () => {
    const o = await probe(port, () => () => undefined);
    expect(o.received).toMatch(/^HTTP\/1\.1 408/);
    expect(o.ms).toBeLessThan(TIMEOUTS.headersTimeoutMs + 400);
  });

  it('closes a connection whose headers trickle in', async () => {
    const o = await probe(port, (s) => {
      s.write('GET / HTTP/1.1\r\nHost: x\r\n');
      return every(50, () => s.write('X-Slow: 1\r\n'));
    });
    expect(o.received).toMatch(/^HTTP\/1\.1 408/);
    expect(o.ms).toBeLessThan(TIMEOUTS.headersTimeoutMs + 400);
  });

  it('closes a connection whose body trickles in within the request timeout', async () => {
    const o = await probe(port, (s) => {
      s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n');
      return every(50, () => s.write('a'));
    });
    expect(o.received).toMatch(/^HTTP\/1\.1 408/);
    expect(o.ms).toBeGreaterThanOrEqual(TIMEOUTS.requestTimeoutMs - 50);
    expect(o.ms).toBeLessThan(TIMEOUTS.requestTimeoutMs + 400);
  });

  it('does not cut a response that takes longer than the request timeout', async () => {
    const o = await probe(port, (s) => {
      s.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      return () => undefined;
    });
    expect(o.received).toMatch(/^HTTP\/1\.1 200/);
    expect(o.received).toMatch(/x(\r\n1\r\nx){11}\r\n0\r\n\r\n$/);
    expect(o.ms).toBeGreaterThan(1_100);
  });

  it('reuses a keep-alive connection idle for longer than the headers timeout, and closes it after the keep-alive timeout', async () => {
    const o = await probe(port, (s) => {
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const t = setTimeout(() => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 700);
      return () => clearTimeout(t);
    });
    expect(o.received.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    // Node adds up to a second of grace to the keep-alive timeout.
    expect(o.ms).toBeGreaterThanOrEqual(700 + TIMEOUTS.keepAliveTimeoutMs - 50);
    expect(o.ms).toBeLessThan(700 + TIMEOUTS.keepAliveTimeoutMs + 1_500);
  });

  it('destroys a socket that goes silent mid-request after the idle timeout', async () => {
    // A generous request timeout, so that only the idle timeout can end this one.
    const quiet = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    }, { ...TIMEOUTS, requestTimeoutMs: 10_000 });
    const { port: quietPort } = await listenHttp(quiet, 0, '127.0.0.1');
    try {
      const o = await probe(quietPort, (s) => {
        s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
        return () => undefined;
      });
      expect(o.received).toBe('');
      expect(o.ms).toBeGreaterThanOrEqual(TIMEOUTS.idleTimeoutMs - 50);
      expect(o.ms).toBeLessThan(TIMEOUTS.idleTimeoutMs + 500);
    } finally {
      await new Promise<void>((resolve) => quiet.close(() => resolve()));
    }
  });
});
