/**
 * Start-up check of each camera's KVS stream (kvs-reference.md §3.9 step 1): it must exist and be ACTIVE before
 * the camera starts, so a wrong name, region or endpoint fails the start with a message that says which. With
 * `--create-stream on` (local use, the emulator) a missing stream is created with video/h264 and a retention of
 * at least one hour (KVS sends PERSISTED acks only for streams with retention, §3.7).
 */
import { CreateStreamCommand, DescribeStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { awsErrorName, classifyCallError, isAwsError, KINESIS_VIDEO_ERRORS } from '@tributary/errors';
import { VideoProducerError } from './video-producer-error';

export interface EnsureKvsStreamOptions {
  client: Pick<KinesisVideoClient, 'send'>;
  streamName: string;
  create: boolean;
  retentionHours: number;
  activeTimeoutMs?: number;
  logger?: { info(obj: object, msg?: string): void };
}

export async function ensureKvsStream(o: EnsureKvsStreamOptions): Promise<void> {
  let status = await describeStatus(o);
  if (status === undefined) {
    if (!o.create) {
      throw new VideoProducerError(
        'STREAM_UNAVAILABLE',
        `KVS stream "${o.streamName}" does not exist. Create it, or start with --create-stream on (local use).`,
        false,
      );
    }
    o.logger?.info({ stream: o.streamName, retentionHours: o.retentionHours }, 'creating the KVS stream');
    try {
      await o.client.send(new CreateStreamCommand({ StreamName: o.streamName, MediaType: 'video/h264', DataRetentionInHours: o.retentionHours }));
    } catch (err) {
      if (!isAwsError(err, 'ResourceInUseException')) throw explain(err, o.streamName);
    }
    status = await describeStatus(o);
  }
  const deadline = Date.now() + (o.activeTimeoutMs ?? 60_000);
  while (status !== 'ACTIVE' && status !== 'UPDATING') {
    if (status === 'DELETING') throw new VideoProducerError('STREAM_UNAVAILABLE', `KVS stream "${o.streamName}" is being deleted.`, false);
    if (Date.now() >= deadline) throw new VideoProducerError('STREAM_UNAVAILABLE', `KVS stream "${o.streamName}" is still ${status ?? 'missing'}.`, true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = await describeStatus(o);
  }
}

async function describeStatus(o: EnsureKvsStreamOptions): Promise<string | undefined> {
  try {
    const out = await o.client.send(new DescribeStreamCommand({ StreamName: o.streamName }));
    return out.StreamInfo?.Status ?? 'ACTIVE';
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
    throw explain(err, o.streamName);
  }
}

/** A failed control-plane call as the app's error; worth another start only if the shared classifier says so. */
function explain(err: unknown, stream: string): VideoProducerError {
  const failure = classifyCallError(err, KINESIS_VIDEO_ERRORS);
  return new VideoProducerError('STREAM_UNAVAILABLE', `KVS stream "${stream}": ${awsErrorName(err) || 'Error'}: ${failure.message}`, failure.retriable, { cause: err });
}
