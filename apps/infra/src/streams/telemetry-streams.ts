/**
 * The Kinesis data streams of the telemetry side: the stream the telemetry-producer writes and the
 * telemetry-consumer reads, and the consumer's dead-letter stream (`--dlq-stream`, KinesisDeadLetterSink in
 * libs/kinesis-consumer), which must be another stream than the source.
 *
 * Both are encrypted at rest with the AWS-managed key `alias/aws/kinesis`: that key's policy lets every principal
 * of the account that may call Kinesis use it through Kinesis (kms:ViaService), so the apps' roles need no KMS
 * statements (a customer-managed key would need kms:GenerateDataKey for writers and kms:Decrypt for readers).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import type { InfraConfig } from '../config/infra-config';

export interface TelemetryStreamsProps {
  telemetry: InfraConfig['telemetry'];
  removalPolicy: RemovalPolicy;
}

export class TelemetryStreams extends Construct {
  readonly stream: Stream;
  /** Undefined when the consumer dead-letters to files instead. */
  readonly deadLetterStream: Stream | undefined;

  constructor(scope: Construct, id: string, props: TelemetryStreamsProps) {
    super(scope, id);
    const t = props.telemetry;
    this.stream = new Stream(this, 'Telemetry', {
      streamName: t.streamName,
      streamMode: t.mode === 'on-demand' ? StreamMode.ON_DEMAND : StreamMode.PROVISIONED,
      shardCount: t.mode === 'provisioned' ? t.shardCount : undefined,
      retentionPeriod: Duration.hours(t.retentionHours),
      encryption: StreamEncryption.MANAGED,
      removalPolicy: props.removalPolicy,
    });
    this.deadLetterStream =
      t.dlq === undefined
        ? undefined
        : new Stream(this, 'TelemetryDeadLetters', {
            streamName: t.dlq.streamName,
            streamMode: StreamMode.PROVISIONED,
            shardCount: t.dlq.shardCount,
            retentionPeriod: Duration.hours(t.dlq.retentionHours),
            encryption: StreamEncryption.MANAGED,
            removalPolicy: props.removalPolicy,
          });
  }
}
