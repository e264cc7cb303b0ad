/**
 * Regression: no connection ever timed out. Sockets handed over by the protocol sniffer never started Node's
 * header timer and requestTimeout was 0, so idle, trickling and idle-HTTP/2 connections stayed open for good; a
 * frame claiming 16 MiB got a GOAWAY but the socket stayed open; and with a low `ulimit -n`, a few hundred idle
 * connections starved every real client. Each test injects short timeouts and checks that the connection is
 * closed within a bound, and that long-lived legitimate streams (a PutMedia upload, SubscribeToShard) are not cut.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { startEmulator, type ConnectionOptions, type RunningEmulator } from '../emulator';
import { createKinesisClient, HTTP1_NODE, HTTP2_DEFAULT, kdsHeaders } from '../testing/kds-test-clients';
import { createSelfSignedCert } from '../testing/self-signed-cert';
import { createActiveVideoStream, createKinesisVideoClient } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../testing/kvs-media-fixtures';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** An empty SETTINGS frame (RFC 9113 §6.5): length 0, type 0x4, flags 0, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]);

interface Opened {
  socket: net.Socket;
  received: Buffer[];
  /** Resolves with the ms from connect to close. */
  closed: Promise<number>;
}

/** `allowHalfOpen`: the client keeps its side open after the server's FIN (as a client that ignores it would). */
function open(port: number, allowHalfOpen = false): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
    const received: Buffer[] = [];
    let connectedAt = 0;
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - connectedAt)));
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined); // a reset is a close too
    socket.once('connect', () => {
      connectedAt = performance.now();
      resolve({ socket, received, closed });
    });
    socket.once('error', reject);
  });
}

/** Rejects when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

describe('connection timeouts and cap', () => {
  let emu: RunningEmulator | undefined;
  const sockets: net.Socket[] = [];
  async function start(connections: ConnectionOptions): Promise<RunningEmulator> {
    emu = await startEmulator({ port: 0, dynamodb: false, connections });
    return emu;
  }
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await emu?.close();
    emu = undefined;
  });

  it('closes a connection that never sends its first bytes', async () => {
    const { port } = await start({ firstBytesTimeoutMs: 300 });
    const c = await open(port);
    sockets.push(c.socket);
    const ms = await within(c.closed, 3000, 'silent connection');
    expect(ms).toBeGreaterThanOrEqual(250);
  });

  it('answers 408 and closes an HTTP/1.1 connection whose headers trickle in', async () => {
    const { port } = await start({ headersTimeoutMs: 500 });
    const c = await open(port);
    sockets.push(c.socket);
    // One header byte every 100 ms: never idle, never done.
    const head = 'POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-amz-target: Kinesis_20131202.ListStreams\r\nx-padding: ' + 'a'.repeat(200);
    let i = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(head[i++ % head.length]);
    }, 100);
    try {
      await within(c.closed, 5000, 'trickled headers');
    } finally {
      clearInterval(trickle);
    }
    expect(Buffer.concat(c.received).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an HTTP/1.1 keep-alive connection idle between requests', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 300 });
    const c = await open(port);
    sockets.push(c.socket);
    const h = kdsHeaders('ListStreams');
    const headers = Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    c.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}content-length: 2\r\n\r\n{}`);
    await within(c.closed, 5000, 'idle keep-alive connection');
    expect(Buffer.concat(c.received).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('closes an HTTP/1.1 request that stops sending its body (inactivity)', async () => {
    const { port } = await start({ idleTimeoutMs: 400 });
    const c = await open(port);
    sockets.push(c.socket);
    const headers = Object.entries(kdsHeaders('ListStreams')).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    c.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}content-length: 100\r\n\r\n{"Lim`);
    await within(c.closed, 5000, 'stalled body');
  });

  it('answers 408 to a request body trickled past requestTimeoutMs', async () => {
    const { port } = await start({ requestTimeoutMs: 500 });
    const c = await open(port);
    sockets.push(c.socket);
    const headers = Object.entries(kdsHeaders('ListStreams')).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    c.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}content-length: 1000\r\n\r\n`);
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(' ');
    }, 100);
    try {
      await within(c.closed, 5000, 'trickled body');
    } finally {
      clearInterval(trickle);
    }
    const answer = Buffer.concat(c.received).toString('latin1');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('RequestTimeoutException');
  });

  it('closes an idle HTTP/2 session that answers PINGs (keep-alive), and one that does not (PING timeout)', async () => {
    const { url, port } = await start({ keepAliveTimeoutMs: 600, pingTimeoutMs: 5000 });
    // A real HTTP/2 client: it answers PINGs, so only the keep-alive timeout closes it.
    const session = http2.connect(url);
    session.on('error', () => undefined);
    const closed = new Promise<void>((r) => session.once('close', () => r()));
    await within(closed, 5000, 'idle HTTP/2 session');

    await emu?.close();
    const short = await startEmulator({ port: 0, dynamodb: false, connections: { keepAliveTimeoutMs: 60_000, pingTimeoutMs: 300 } });
    emu = short;
    // A raw client that sent the preface and SETTINGS and then nothing: it never answers the PING.
    const c = await open(short.port);
    sockets.push(c.socket);
    c.socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    const ms = await within(c.closed, 5000, 'silent HTTP/2 session');
    expect(ms).toBeGreaterThanOrEqual(500); // a PING after 300 ms, unanswered for 300 ms
    void port;
  });

  it('closes an idle HTTP/2 session of a client that answers PINGs but ignores GOAWAY', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 500, pingTimeoutMs: 200 });
    const c = await open(port, true);
    sockets.push(c.socket);
    c.socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    // Answers every PING (RFC 9113 §6.7: same payload, ACK flag) and nothing else; never closes by itself.
    let pending = Buffer.alloc(0);
    c.socket.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        if (pending[3] === 0x6 && (pending[4] & 0x1) === 0) c.socket.write(Buffer.concat([Buffer.from([0, 0, 8, 0x6, 0x1, 0, 0, 0, 0]), pending.subarray(9, 17)]));
        pending = pending.subarray(9 + length);
      }
    });
    // After the server's FIN it keeps writing: a socket the server still holds open (half-closed) takes the bytes,
    // one it has closed answers with a reset, which is what closes this side.
    const ping = Buffer.from([0, 0, 8, 0x6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    let poke: NodeJS.Timeout | undefined;
    c.socket.once('end', () => (poke = setInterval(() => c.socket.writable && c.socket.write(ping), 100)));
    try {
      const ms = await within(c.closed, 5000, 'session past keep-alive');
      expect(ms).toBeGreaterThanOrEqual(450);
    } finally {
      clearInterval(poke);
    }
  });

  it('sends GOAWAY on a frame claiming 16 MiB, then closes the socket', async () => {
    const { port } = await start({ pingTimeoutMs: 200 });
    const c = await open(port);
    sockets.push(c.socket);
    // A DATA frame header (RFC 9113 §4.1): length 0xffffff (over the 16 KiB SETTINGS_MAX_FRAME_SIZE), type 0x0,
    // flags 0, stream 1.
    const huge = Buffer.from([0xff, 0xff, 0xff, 0x0, 0, 0, 0, 0, 1]);
    c.socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS, huge, Buffer.alloc(64)]));
    await within(c.closed, 5000, 'session after GOAWAY');
    const bytes = Buffer.concat(c.received);
    // Somewhere in what came back: a GOAWAY frame (type 0x7) with FRAME_SIZE_ERROR (0x6).
    let goaway: number | undefined;
    for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
      if (bytes[at + 3] === 0x7) goaway = bytes.readUInt32BE(at + 9 + 4);
    }
    expect(goaway).toBe(0x6);
  });

  it('closes idle connections at the cap so that a real SDK client is still served, over both protocols', async () => {
    const maxConnections = 20;
    const { url, port } = await start({ maxConnections });
    // The cap filled with connections that say nothing, keep-alive connections between requests and idle
    // HTTP/2 sessions.
    for (let i = 0; i < maxConnections * 3; i++) {
      const c = await open(port);
      sockets.push(c.socket);
      if (i % 3 === 1) c.socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
      if (i % 3 === 2) {
        const headers = Object.entries(kdsHeaders('ListStreams')).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        c.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}content-length: 2\r\n\r\n{}`);
      }
    }
    await sleep(100);
    const open_ = sockets.filter((s) => !s.destroyed).length;
    expect(open_).toBeLessThanOrEqual(maxConnections);
    for (const handler of [HTTP2_DEFAULT, HTTP1_NODE] as const) {
      const client = createKinesisClient(url, handler, { maxAttempts: 1 });
      try {
        const out = await client.send(new ListStreamsCommand({}));
        expect(out.$metadata.httpStatusCode).toBe(200);
      } finally {
        client.destroy();
      }
    }
  });

  it('refuses a new connection at the cap when every open one has a request in flight, and keeps those', async () => {
    const { port } = await start({ maxConnections: 2, pingTimeoutMs: 60_000 });
    // Two connections with a request in flight (bodies not finished).
    const busy: Opened[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await open(port);
      sockets.push(c.socket);
      const headers = Object.entries(kdsHeaders('ListStreams')).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      c.socket.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}content-length: 10\r\n\r\n{`);
      busy.push(c);
    }
    await sleep(100);
    const third = await open(port);
    sockets.push(third.socket);
    await within(third.closed, 3000, 'connection over the cap');
    expect(busy.every((c) => !c.socket.destroyed)).toBe(true);
    // The requests in flight complete.
    for (const c of busy) c.socket.write('}        ');
    await sleep(200);
    for (const c of busy) expect(Buffer.concat(c.received).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('TLS connection timeouts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-limits-tls-'));
  let emu: RunningEmulator;
  let cert: Buffer;
  beforeAll(async () => {
    const pair = createSelfSignedCert(dir);
    cert = pair.cert;
    emu = await startEmulator({
      port: 0,
      dynamodb: false,
      kvs: false,
      tls: { cert, key: pair.key },
      connections: { headersTimeoutMs: 400, keepAliveTimeoutMs: 500 },
    });
  });
  afterAll(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('closes a TLS connection whose handshake stops after its first bytes', async () => {
    const c = await open(emu.port);
    // The first bytes of a TLS record header (handshake, TLS 1.0 record version): TLS is picked, then nothing.
    c.socket.write(Buffer.from([0x16, 0x03, 0x01]));
    try {
      await within(c.closed, 5000, 'stalled TLS handshake');
    } finally {
      c.socket.destroy();
    }
  });

  it('answers 408 and closes HTTP/1.1 over TLS whose headers trickle in', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: emu.port, ca: cert, ALPNProtocols: ['http/1.1'] });
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    await new Promise((r) => socket.once('secureConnect', r));
    expect(socket.alpnProtocol).toBe('http/1.1');
    const head = 'POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ' + 'a'.repeat(200);
    let i = 0;
    const trickle = setInterval(() => socket.writable && socket.write(head[i++ % head.length]), 100);
    try {
      await within(closed, 5000, 'trickled headers over TLS');
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle HTTP/2 session over TLS', async () => {
    const session = http2.connect(`https://127.0.0.1:${emu.port}`, { ca: cert });
    session.on('error', () => undefined);
    const closed = new Promise<void>((r) => session.once('close', () => r()));
    try {
      await within(closed, 5000, 'idle TLS HTTP/2 session');
    } finally {
      session.destroy();
    }
  });
});

describe('long-lived streams under short timeouts', () => {
  let emu: RunningEmulator;
  afterEach(async () => {
    await emu.close();
  });

  const t = { firstBytesTimeoutMs: 500, headersTimeoutMs: 500, requestTimeoutMs: 500, keepAliveTimeoutMs: 500, idleTimeoutMs: 1000, pingTimeoutMs: 500 };

  it('keeps a SubscribeToShard stream (HTTP/2) to its end, longer than every timeout, with heartbeats flowing', async () => {
    emu = await startEmulator({ port: 0, dynamodb: false, connections: t, subscriptionHeartbeatMs: 200, subscriptionLifetimeMs: 2500 });
    const client = createKinesisClient(emu.url, HTTP2_DEFAULT, { maxAttempts: 1 });
    try {
      const name = `limits-efo-${process.pid}-${Date.now().toString(36)}`;
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN;
      const consumer = await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'limits' }));
      const started = performance.now();
      const { EventStream } = await client.send(
        new SubscribeToShardCommand({ ConsumerARN: consumer.Consumer?.ConsumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
      );
      let events = 0;
      for await (const ev of EventStream ?? []) if (ev.SubscribeToShardEvent) events++;
      // Ended by its lifetime (2.5 s), not by a timeout of 0.5 or 1 s; a heartbeat every 200 ms on the way.
      expect(performance.now() - started).toBeGreaterThan(2300);
      expect(events).toBeGreaterThanOrEqual(8);
    } finally {
      client.destroy();
    }
  }, 30_000);

  it('keeps a PutMedia upload that lasts longer than every timeout, as long as bytes flow', async () => {
    emu = await startEmulator({ port: 0, dynamodb: false, connections: t });
    const client = createKinesisVideoClient(emu.url);
    try {
      const name = `limits-putmedia-${process.pid}-${Date.now().toString(36)}`;
      await createActiveVideoStream(client, name);
      const body = await ffmpegTestPattern({ seconds: 3, fps: 10 });
      const started = performance.now();
      // ~2.5 s of upload in pieces 100 ms apart: five times requestTimeoutMs, never idle for idleTimeoutMs.
      const out = await sendPutMedia(emu.url, { streamName: name, body, chunkBytes: Math.ceil(body.length / 25), chunkDelayMs: 100 });
      expect(performance.now() - started).toBeGreaterThan(2000);
      expect(out.status).toBe(200);
      expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(3);
      expect(out.acks.filter((a) => a.EventType === 'ERROR')).toEqual([]);
    } finally {
      client.destroy();
    }
  }, 30_000);
});
