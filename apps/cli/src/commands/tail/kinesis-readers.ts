/**
 * The Kinesis clients `tail` reads with, built from the CLI's AWS options: polling and control calls over
 * keep-alive HTTP/1.1 without the SDK's logger middleware (which filters every GetRecords response of up to
 * 10 MiB for sensitive data even with no logger: see libs/kinesis-consumer/src/retrieval/kinesis-clients.ts), and
 * SubscribeToShard over the consumer lib's multiplexed HTTP/2 handler. Official SDK v3 clients both; the polling
 * one reads GetRecords answers with get-records-decoder.ts (get-records-protocol.ts says why and how).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MultiplexedHttp2Handler } from '@tributary/kinesis-consumer';
import type { AwsClientConfig } from '../../cli/aws-options';
import { GetRecordsFastProtocol } from './get-records-protocol';

export interface ReaderClients {
  polling: KinesisClient;
  /** Built on first use (only --efo needs HTTP/2). */
  fanOut(): KinesisClient;
  destroy(): void;
}

export function createReaderClients(config: AwsClientConfig): ReaderClients {
  const polling = new KinesisClient({
    ...config,
    maxAttempts: 5,
    protocol: GetRecordsFastProtocol,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
  });
  polling.middlewareStack.remove('loggerMiddleware');
  let fanOut: KinesisClient | undefined;
  return {
    polling,
    fanOut() {
      if (!fanOut) {
        fanOut = new KinesisClient({ ...config, maxAttempts: 5, requestHandler: new MultiplexedHttp2Handler({}) });
        fanOut.middlewareStack.remove('loggerMiddleware');
      }
      return fanOut;
    },
    destroy() {
      polling.destroy();
      fanOut?.destroy();
    },
  };
}
