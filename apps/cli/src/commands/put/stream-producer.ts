/**
 * The producer `put` and `replay` write with: @tributary/kinesis-producer over a Kinesis client built from the
 * command's AWS options, after one DescribeStreamSummary so that a wrong stream name fails at once with exit
 * code 3 rather than after every record's time-to-live.
 *
 * The client is ours, not the producer's default: the CLI honours --profile (the SDK's `profile` setting), which
 * the producer's client factory does not take. It is configured as that factory's is (see its comment):
 * `maxAttempts: 1` (the producer retries per record) and keep-alive HTTP/1.1.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KinesisProducer, type KinesisProducerOptions } from '@tributary/kinesis-producer';
import { awsErrorName } from '@tributary/errors';
import type { AwsClientConfig } from '../../cli/aws-options';
import { notFoundError, toCliError } from '../../cli/cli-error';

export interface StreamProducer {
  producer: KinesisProducer;
  shards: number;
  /** Drains the producer (every record delivered or failed) and closes the client's sockets. */
  close(): Promise<void>;
}

type ProducerSettings = Omit<KinesisProducerOptions, 'client' | 'clientOptions' | 'streamName' | 'streamArn'>;

export async function openStreamProducer(config: AwsClientConfig, stream: string, settings: ProducerSettings): Promise<StreamProducer> {
  const client = new KinesisClient({
    ...config,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
      connectionTimeout: 5_000,
    }),
  });
  let shards: number;
  try {
    shards = await describeOpenShards(client, stream);
  } catch (error) {
    client.destroy();
    throw error;
  }
  const producer = new KinesisProducer({ ...settings, client, streamName: stream });
  return {
    producer,
    shards,
    close: async () => {
      try {
        await producer.close();
      } finally {
        client.destroy();
      }
    },
  };
}

async function describeOpenShards(client: KinesisClient, stream: string): Promise<number> {
  try {
    // One attempt (the client is the producer's, maxAttempts 1): a failure here is reported as it is.
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return out.StreamDescriptionSummary?.OpenShardCount ?? 0;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') {
      throw notFoundError(`stream ${stream} does not exist (check the name, --region and --endpoint-url; \`tributary streams\` lists the streams)`, error);
    }
    throw toCliError(error, `DescribeStreamSummary of ${stream}`);
  }
}
