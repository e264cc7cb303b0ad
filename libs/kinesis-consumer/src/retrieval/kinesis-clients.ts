/**
 * The Kinesis clients a consumer uses when it is not given any, configured from the standard AWS environment by
 * the SDK itself (region, credential chain, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_KINESIS, profiles): this module
 * reads no environment variable (conventions.md §14).
 *
 * - `createConsumerKinesisClient`: polling and control calls (GetRecords, GetShardIterator, ListShards,
 *   RegisterStreamConsumer, …) over keep-alive HTTP/1.1 — the SDK's default Kinesis handler opens an HTTP/2
 *   session per call (kds-reference.md §0.3), and keep-alive HTTP/1.1 measured fastest for unary calls
 *   (libs/kinesis-producer/src/kinesis-client-factory.ts). SDK retries stay on (ListShards & co. want them);
 *   the polling source paces itself so that they rarely fire.
 * - `createFanOutKinesisClient`: SubscribeToShard (HTTP/2 only on AWS, §0.2) over MultiplexedHttp2Handler, so a
 *   worker's subscriptions share a few connections; its control calls ride the same sessions.
 *
 * Both drop the SDK's logger middleware, which runs every input and output through the sensitive-data filter
 * even with a no-op logger (GetRecords responses of up to 10 MiB included).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MultiplexedHttp2Handler, type MultiplexedHttp2HandlerOptions } from './multiplexed-http2-handler';

export interface ConsumerClientOptions {
  /** AWS region; otherwise the SDK's resolution (AWS_REGION, profile). */
  region?: string;
  /** e.g. the emulator's URL; otherwise the SDK's (AWS_ENDPOINT_URL…, or AWS's endpoints). */
  endpoint?: string;
  credentials?: KinesisClientConfig['credentials'];
  /** SDK attempts per call (default: the SDK's, 3). */
  maxAttempts?: number;
  /** Keep-alive sockets per host of the HTTP/1.1 client (default 50). */
  maxSockets?: number;
  /** TCP connect timeout (default 5,000 ms). */
  connectionTimeoutMs?: number;
  /** Whole-call timeout of the HTTP/1.1 client (default 30,000 ms, KCL's kinesisRequestTimeout). */
  requestTimeoutMs?: number;
  /** HTTP/2 settings of the fan-out client. */
  http2?: MultiplexedHttp2HandlerOptions;
}

function baseConfig(options: ConsumerClientOptions): KinesisClientConfig {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  };
}

/** Polling and control calls over keep-alive HTTP/1.1. */
export function createConsumerKinesisClient(options: ConsumerClientOptions = {}): KinesisClient {
  const maxSockets = options.maxSockets ?? 50;
  const client = new KinesisClient({
    ...baseConfig(options),
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    }),
  });
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** SubscribeToShard (and the fan-out control calls) over shared, multiplexed HTTP/2 sessions. */
export function createFanOutKinesisClient(options: ConsumerClientOptions = {}): { client: KinesisClient; handler: MultiplexedHttp2Handler } {
  const handler = new MultiplexedHttp2Handler({ connectTimeoutMs: options.connectionTimeoutMs, ...options.http2 });
  const client = new KinesisClient({ ...baseConfig(options), requestHandler: handler });
  client.middlewareStack.remove('loggerMiddleware');
  return { client, handler };
}

export interface ConsumerKinesisClients {
  /** HTTP/1.1 keep-alive: polling and control calls. */
  polling: KinesisClient;
  /** Multiplexed HTTP/2: SubscribeToShard. */
  fanOut: KinesisClient;
  fanOutHandler: MultiplexedHttp2Handler;
  destroy(): void;
}

/** Both clients, from the same options. */
export function createConsumerKinesisClients(options: ConsumerClientOptions = {}): ConsumerKinesisClients {
  const polling = createConsumerKinesisClient(options);
  const { client: fanOut, handler } = createFanOutKinesisClient(options);
  return {
    polling,
    fanOut,
    fanOutHandler: handler,
    destroy: () => {
      polling.destroy();
      fanOut.destroy();
    },
  };
}
