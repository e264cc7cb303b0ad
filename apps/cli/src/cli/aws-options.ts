import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';

/** The options every command takes for reaching AWS (or the emulator); unset ones fall back to AWS's own chain. */
export interface AwsOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
}

/** The part of an SDK v3 client config the CLI sets: region, endpoint and profile, each only when given. */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  profile?: string;
}

/** Adds --endpoint-url, --region and --profile (the AWS CLI's names) to a command. */
export function withAwsOptions(command: Command): Command {
  return command
    .option('--endpoint-url <url>', 'AWS endpoint to call (e.g. the emulator, http://localhost:4567); default: AWS_ENDPOINT_URL or AWS')
    .option('--region <region>', 'AWS region; default: AWS_REGION, AWS_DEFAULT_REGION or the profile')
    .option('--profile <name>', 'profile from ~/.aws/config and ~/.aws/credentials; default: AWS_PROFILE');
}

/**
 * The client config from the options and the environment. Credentials are left to the SDK's default chain
 * (environment, profile, SSO, web identity, container, instance) so that the CLI behaves like the AWS CLI.
 * The SDK reads AWS_REGION, but not AWS_DEFAULT_REGION (the AWS CLI's) – read it here so both work.
 */
export function awsClientConfig(options: AwsOptions, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const config: AwsClientConfig = {};
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (region) config.region = region;
  const endpoint = options.endpointUrl ?? env['AWS_ENDPOINT_URL'];
  if (endpoint) config.endpoint = endpoint;
  if (options.profile) config.profile = options.profile;
  return config;
}

/** The SDK v3 clients a command needs, built once each on first use from the same options. */
export class AwsClients {
  private kinesisClient?: KinesisClient;
  private kinesisVideoClient?: KinesisVideoClient;
  private dynamoDbClient?: DynamoDBClient;

  constructor(readonly config: AwsClientConfig) {}

  get kinesis(): KinesisClient {
    this.kinesisClient ??= new KinesisClient({ ...this.config, maxAttempts: 5 });
    return this.kinesisClient;
  }

  get kinesisVideo(): KinesisVideoClient {
    this.kinesisVideoClient ??= new KinesisVideoClient({ ...this.config, maxAttempts: 5 });
    return this.kinesisVideoClient;
  }

  get dynamoDb(): DynamoDBClient {
    this.dynamoDbClient ??= new DynamoDBClient({ ...this.config, maxAttempts: 5 });
    return this.dynamoDbClient;
  }

  /** Closes the sockets of the clients built, so that the process can end without waiting for keep-alive. */
  destroy(): void {
    this.kinesisClient?.destroy();
    this.kinesisVideoClient?.destroy();
    this.dynamoDbClient?.destroy();
  }
}
