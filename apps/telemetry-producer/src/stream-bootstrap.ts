/**
 * Start-up check of the target stream: it must exist and accept writes before the app says it is ready, so that a
 * wrong name, region or endpoint fails the start with a message that says which, instead of every record expiring
 * 30 s later. With `--create-stream <shards>` (local use) a missing stream is created.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type DescribeStreamSummaryCommandOutput,
} from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyCallError, isAwsError, isNetworkErrorCode } from '@tributary/errors';
import type { Logger } from 'pino';
import type { Clock } from './clock';

export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly code = 'STARTUP_FAILED';
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

export interface EnsureStreamOptions {
  client: KinesisClient;
  streamName: string;
  /** Create the stream with this many shards if it is missing; 0: never. */
  createShards: number;
  clock: Clock;
  logger: Logger;
  /** How long a CREATING/UPDATING stream may take to become ACTIVE. */
  activeTimeoutMs?: number;
}

const WRITABLE = new Set(['ACTIVE', 'UPDATING']);

export async function ensureStream(options: EnsureStreamOptions): Promise<void> {
  const { client, streamName, clock, logger } = options;
  const where = await describeTarget(client);
  let summary = await describe(client, streamName, where);
  if (summary === undefined) {
    if (options.createShards <= 0) {
      throw new StartupError(
        `Stream "${streamName}" does not exist (${where}). Create it, point --stream / TELEMETRY_STREAM at an existing one, ` +
          'or start with --create-stream <shards> to create it (local use).',
      );
    }
    logger.info({ stream: streamName, shards: options.createShards }, 'creating the stream');
    try {
      await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: options.createShards }));
    } catch (err) {
      // Another instance started at the same time and created it: fine.
      if ((err as Error).name !== 'ResourceInUseException') throw explain(err, streamName, where);
    }
    summary = await describe(client, streamName, where);
  }
  const deadline = clock.now() + (options.activeTimeoutMs ?? 120_000);
  while (!WRITABLE.has(summary?.StreamDescriptionSummary?.StreamStatus ?? '')) {
    const status = summary?.StreamDescriptionSummary?.StreamStatus ?? 'missing';
    if (status === 'DELETING') throw new StartupError(`Stream "${streamName}" is being deleted (${where}).`);
    if (clock.now() >= deadline) throw new StartupError(`Stream "${streamName}" is still ${status} (${where}).`, { retriable: true });
    await clock.sleep(500);
    summary = await describe(client, streamName, where);
  }
  const s = summary?.StreamDescriptionSummary;
  logger.info({ stream: streamName, status: s?.StreamStatus, openShards: s?.OpenShardCount, mode: s?.StreamModeDetails?.StreamMode }, 'stream ready');
}

async function describe(client: KinesisClient, streamName: string, where: string): Promise<DescribeStreamSummaryCommandOutput | undefined> {
  try {
    return await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
    throw explain(err, streamName, where);
  }
}

/** "region us-east-1, endpoint http://127.0.0.1:4566", as the SDK resolved them from the environment. */
async function describeTarget(client: KinesisClient): Promise<string> {
  let region: string;
  try {
    region = await client.config.region();
  } catch (err) {
    throw new StartupError('No AWS region: set AWS_REGION (or AWS_PROFILE with a region in ~/.aws/config).', { cause: err });
  }
  let endpoint = `the AWS endpoint of ${region}`;
  try {
    const e = client.config.endpoint ? await client.config.endpoint() : undefined;
    // AWS_ENDPOINT_URL(_KINESIS) and the config file's endpoint_url are not in `endpoint` (that is the client's
    // own option): the SDK reads them per request, through the same provider as this.
    const configured = e ? undefined : await client.config.serviceConfiguredEndpoint?.();
    if (e) endpoint = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path && e.path !== '/' ? e.path : ''}`;
    else if (configured) endpoint = configured;
  } catch {
    // No custom endpoint configured: AWS's own, resolved per request.
  }
  return `region ${region}, ${endpoint}`;
}

function explain(err: unknown, streamName: string, where: string): StartupError {
  // The shared classifier, as video-producer's stream check: it finds the errno in the code, the cause or the text.
  const classified = classifyCallError(err);
  const name = awsErrorName(err) || 'Error';
  const hint =
    name === 'CredentialsProviderError'
      ? ' No AWS credentials were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for the emulator).'
      : name === 'AccessDeniedException' || name === 'UnrecognizedClientException'
        ? ' The credentials are not allowed to use this stream (needs kinesis:DescribeStreamSummary, kinesis:PutRecords, kinesis:ListShards).'
        : isNetworkErrorCode(classified.code)
          ? ' Kinesis could not be reached: check AWS_ENDPOINT_URL (is the emulator running?) and the network.'
          : '';
  return new StartupError(`Cannot use stream "${streamName}" (${where}): ${name}: ${classified.message}.${hint}`, { cause: err, retriable: classified.retriable });
}
