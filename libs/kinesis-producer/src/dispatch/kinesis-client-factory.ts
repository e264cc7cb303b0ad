/**
 * The producer's default Kinesis client: @aws-sdk/client-kinesis with a keep-alive HTTP/1.1 NodeHttpHandler
 * instead of the SDK's default for Kinesis, NodeHttp2Handler with `disableConcurrentStreams: true`, which opens
 * an HTTP/2 session per call (kds-reference.md §0.1, §0.3; aws-sdk-js-v3#8279, #6944, #4213).
 *
 * Measured against the emulator (README, "HTTP"): keep-alive HTTP/1.1 beat both the SDK default and one shared,
 * multiplexed HTTP/2 session; the shared session also hit NGHTTP2_ENHANCE_YOUR_CALM with several multi-MiB
 * PutRecords bodies in flight (they exceed a server's default HTTP/2 session memory of 10 MB).
 *
 * `maxAttempts: 1`: the producer retries per record with its own backoff and TTL; SDK retries of the whole call
 * would resend records that already succeeded and multiply the delays. The logger middleware is removed: it
 * runs every input and output through the SDK's sensitive-data filter even with a no-op logger (a tenth of the
 * CPU of a PutRecords loop, measured in tools/bench).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PRODUCER_DEFAULTS } from '../defaults';

export interface DefaultClientOptions {
  /** AWS region; otherwise the SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** e.g. the emulator's `http://127.0.0.1:4566`; otherwise the SDK's (AWS_ENDPOINT_URL… or AWS's). */
  endpoint?: string;
  credentials?: KinesisClientConfig['credentials'];
  /** Keep-alive sockets per host (default 32). */
  maxSockets?: number;
  /** TCP connect timeout (default 5,000 ms). */
  connectionTimeoutMs?: number;
}

export function createKinesisClient(options: DefaultClientOptions = {}): KinesisClient {
  const maxSockets = options.maxSockets ?? PRODUCER_DEFAULTS.maxSockets;
  const client = new KinesisClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    }),
  });
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
