/**
 * The telemetry-producer's role (device simulator and HTTP ingest API): write records to its stream.
 *
 * On the telemetry stream's ARN only:
 * - kinesis:DescribeStreamSummary  start-up check that the stream exists and is writable (src/stream-bootstrap.ts);
 * - kinesis:ListShards             the shard map the KPL-class producer paces each shard with
 *                                  (libs/kinesis-producer shard-map-loader.ts);
 * - kinesis:PutRecords             the writes (libs/kinesis-producer packs every record into PutRecords; PutRecord
 *                                  is never called, so it is not granted).
 *
 * Not granted: CreateStream (`--create-stream` is for the emulator), any read (GetRecords, GetShardIterator), the
 * dead-letter stream, kinesis:*.
 */
import { Effect, PolicyDocument, PolicyStatement, Role, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface TelemetryProducerRoleProps {
  streamArn: string;
  principal: IPrincipal;
}

export const TELEMETRY_PRODUCER_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecords'] as const;

export class TelemetryProducerRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TelemetryProducerRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: props.principal,
      description: 'tributary telemetry-producer: PutRecords to the telemetry stream',
      inlinePolicies: {
        WriteTelemetry: new PolicyDocument({
          statements: [
            new PolicyStatement({ sid: 'WriteTelemetryStream', effect: Effect.ALLOW, actions: [...TELEMETRY_PRODUCER_ACTIONS], resources: [props.streamArn] }),
          ],
        }),
      },
    });
  }
}
