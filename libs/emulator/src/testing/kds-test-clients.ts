/**
 * Shared fixture of the KDS integration suites: an emulator on port 0 and the two ways the official
 * @aws-sdk/client-kinesis v3 client reaches it:
 *
 * - the client's default handler, NodeHttp2Handler with `disableConcurrentStreams` (cleartext HTTP/2 with prior
 *   knowledge, one session per call: kds-reference.md §0.1, §0.3);
 * - `new NodeHttpHandler()` from @smithy/node-http-handler (HTTP/1.1 keep-alive, what producers pick to avoid the
 *   per-call session, and what the AWS CLI speaks).
 *
 * Suites run once per handler with `describe.each(KDS_HANDLERS)` and `useKdsTestEmulator(handler)`. Raw requests
 * (for what the SDK will not send) go over the same protocol as the handler under test, via `rawRequest`.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type KinesisClientConfig,
  type StreamStatus,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator';

export const HTTP2_DEFAULT = 'default handler (HTTP/2)';
export const HTTP1_NODE = 'NodeHttpHandler (HTTP/1.1)';
export type KdsHandlerName = typeof HTTP2_DEFAULT | typeof HTTP1_NODE;
export const KDS_HANDLERS: KdsHandlerName[] = [HTTP2_DEFAULT, HTTP1_NODE];

export type WireProtocol = 'h2c' | 'http/1.1';
export const protocolOf = (handler: KdsHandlerName): WireProtocol => (handler === HTTP2_DEFAULT ? 'h2c' : 'http/1.1');

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT = '000000000000';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export const streamArnOf = (name: string): string => `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/${name}`;

/** A client of the emulator at `url` over `handler`; `config` adds settings such as `maxAttempts: 1`. */
export function createKinesisClient(url: string, handler: KdsHandlerName, config: Partial<KinesisClientConfig> = {}): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    ...(handler === HTTP1_NODE ? { requestHandler: new NodeHttpHandler() } : {}),
    ...config,
  });
}

export interface KdsTestEmulator {
  emu: RunningEmulator;
  clients: Record<KdsHandlerName, KinesisClient>;
  /** An extra client (e.g. with `maxAttempts: 1`), destroyed by `close()`. */
  makeClient(handler: KdsHandlerName, config: Partial<KinesisClientConfig>): KinesisClient;
  close(): Promise<void>;
}

/** Starts an emulator (in memory, port 0 unless told otherwise) and makes one client per handler. */
export async function startKdsTestEmulator(
  options: EmulatorOptions = {},
  clientConfig: Partial<KinesisClientConfig> = {},
): Promise<KdsTestEmulator> {
  const emu = await startEmulator({ port: 0, ...options });
  const made: KinesisClient[] = [];
  const makeClient = (handler: KdsHandlerName, config: Partial<KinesisClientConfig>): KinesisClient => {
    const client = createKinesisClient(emu.url, handler, { ...clientConfig, ...config });
    made.push(client);
    return client;
  };
  const clients = { [HTTP2_DEFAULT]: makeClient(HTTP2_DEFAULT, {}), [HTTP1_NODE]: makeClient(HTTP1_NODE, {}) };
  return {
    emu,
    clients,
    makeClient,
    close: async () => {
      for (const c of made) c.destroy();
      await emu.close();
    },
  };
}

export interface KdsTestContext {
  readonly emu: RunningEmulator;
  /** The client over the handler the enclosing `describe.each` block tests. */
  readonly client: KinesisClient;
  readonly handler: KdsHandlerName;
  readonly protocol: WireProtocol;
  makeClient(config: Partial<KinesisClientConfig>): KinesisClient;
}

/**
 * Starts an emulator in `beforeAll` of the calling `describe` block and closes it (and its clients) in
 * `afterAll`. The returned object's getters are valid inside tests and hooks.
 */
export function useKdsTestEmulator(
  handler: KdsHandlerName,
  options: EmulatorOptions = {},
  clientConfig: Partial<KinesisClientConfig> = {},
): KdsTestContext {
  let started: KdsTestEmulator | undefined;
  beforeAll(async () => {
    started = await startKdsTestEmulator(options, clientConfig);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  const get = (): KdsTestEmulator => {
    if (!started) throw new Error('The emulator runs only inside tests and hooks of the describe block.');
    return started;
  };
  return {
    get emu() {
      return get().emu;
    },
    get client() {
      return get().clients[handler];
    },
    handler,
    protocol: protocolOf(handler),
    makeClient: (config) => get().makeClient(handler, config),
  };
}

let streamCounter = 0;
/** A stream name no other test (or parallel jest worker) uses: `[a-zA-Z0-9_.-]`, well under 128 characters. */
export function uniqueStreamName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++streamCounter}`;
}

/** Polls DescribeStreamSummary until the stream reaches `status` (bounded, so a stuck stream fails the test). */
export async function waitForStreamStatus(client: KinesisClient, name: string, status: StreamStatus, maxPolls = 500): Promise<void> {
  let last: string | undefined;
  for (let i = 0; i < maxPolls; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    last = out.StreamDescriptionSummary?.StreamStatus;
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Stream ${name} did not reach ${status} (last seen: ${last}).`);
}

/** Creates a PROVISIONED stream of `shardCount` shards and waits until it is ACTIVE. */
export async function createActiveStream(client: KinesisClient, name: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitForStreamStatus(client, name, 'ACTIVE');
}

/** The error a service call failed with, as the SDK surfaces it; fails the test when the call succeeds. */
export interface SdkError extends Error {
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $fault?: 'client' | 'server';
}

export async function errorOf(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in 1 MiB pieces without a content-length (chunked on HTTP/1.1, DATA frames on HTTP/2). */
  streamed?: boolean;
}

/** A placeholder SigV4 header: the emulator reads the region from the credential scope and checks nothing else. */
export const FAKE_AUTHORIZATION =
  `AWS4-HMAC-SHA256 Credential=test/20240101/${TEST_REGION}/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000`;

/** Headers of a KDS JSON request for `operation`, as the SDK sends them (auth unsigned). */
export function kdsHeaders(operation: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${operation}`,
    'x-amz-date': '20240101T000000Z',
    authorization: FAKE_AUTHORIZATION,
    ...extra,
  };
}

/**
 * One request over a fresh connection, HTTP/1.1 (node:http) or cleartext HTTP/2 with prior knowledge
 * (node:http2), without the SDK. Resolves with the response even if the server answered before it read the
 * whole body (e.g. 413), ignoring the write error that can follow.
 */
export function rawRequest(url: string, protocol: WireProtocol, request: RawRequest): Promise<RawResponse> {
  const method = request.method ?? 'POST';
  const path = request.path ?? '/';
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
  const headers = { ...(request.headers ?? {}), ...(body && !request.streamed ? { 'content-length': String(body.length) } : {}) };
  const send = (w: { write(chunk: Buffer): unknown; end(chunk?: Buffer): unknown }): void => {
    if (!body || !request.streamed) {
      w.end(body);
      return;
    }
    for (let at = 0; at < body.length; at += 1024 * 1024) w.write(body.subarray(at, at + 1024 * 1024));
    w.end();
  };
  return protocol === 'h2c' ? rawH2Request(url, method, path, headers, send) : rawH1Request(url, method, path, headers, send);
}

type BodySender = (w: { write(chunk: Buffer): unknown; end(chunk?: Buffer): unknown }) => void;

function rawH1Request(url: string, method: string, path: string, headers: Record<string, string>, send: BodySender): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(new URL(path, url), { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    send(req);
  });
}

function rawH2Request(url: string, method: string, path: string, headers: Record<string, string>, send: BodySender): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    let answered = false;
    const fail = (err: Error): void => {
      session.destroy();
      if (!answered) reject(err);
    };
    session.on('error', fail);
    const stream = session.request({ ':method': method, ':path': path, ...headers });
    stream.on('error', fail);
    stream.on('response', (h) => {
      answered = true;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // A request body the server did not wait for (e.g. 413) would hold a graceful close open.
        if (stream.writableFinished) session.close();
        else session.destroy();
        const { ':status': status, ...rest } = h;
        resolve({ status: Number(status), headers: rest as Record<string, string | string[] | undefined>, body: Buffer.concat(chunks) });
      });
    });
    send(stream);
  });
}

/** The parsed JSON body of a raw response. */
export function jsonOf<T = Record<string, unknown>>(res: RawResponse): T {
  return JSON.parse(res.body.toString('utf8')) as T;
}
