/**
 * The IAM roles, precisely: each role's inline policy holds exactly the allowed actions on exactly the allowed
 * resources, its trust policy names exactly the configured principal, and a sweep over every role checks what no
 * role may have (wildcard actions, `*` resources beyond kinesisvideo:ListStreams, media reads for producers,
 * writes for the gateway, create/delete of streams and tables). Two stacks, each synthesised once for the file.
 */
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnRole, type Role } from 'aws-cdk-lib/aws-iam';
import { readCdkJsonContext } from '../app-context';
import { readInfraConfig, type ContextKey } from '../config/infra-config';
import { TributaryStack } from '../stacks/tributary-stack';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: unknown;
}

const arrayOf = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

const sorted = (actions: string[]) => [...actions].sort();

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

function build(context: Partial<Record<ContextKey, unknown>>): { stack: TributaryStack; template: Template } {
  const app = new App({ analyticsReporting: false, context: readCdkJsonContext() });
  const stack = new TributaryStack(app, 'Test', { config: readInfraConfig((key) => context[key]) });
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, role: Role) => stack.getLogicalId(role.node.defaultChild as CfnRole);

function roleResource(template: Template, stack: Stack, role: Role) {
  const resource = template.toJSON().Resources[logicalId(stack, role)];
  expect(resource?.Type).toBe('AWS::IAM::Role');
  return resource.Properties;
}

/** The role's statements (from its single inline policy), with Action and Resource as arrays. */
function statementsOf(template: Template, stack: Stack, role: Role): Statement[] {
  const props = roleResource(template, stack, role);
  expect(props.Policies).toHaveLength(1);
  expect(props.ManagedPolicyArns).toBeUndefined();
  return props.Policies[0].PolicyDocument.Statement.map((s: { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }) => ({
    Sid: s.Sid,
    Effect: s.Effect,
    // Sorted: the pinned flag @aws-cdk/aws-iam:minimizePolicies orders actions; the set is what matters.
    Action: [...arrayOf(s.Action)].sort(),
    Resource: arrayOf(s.Resource),
    ...(s.Condition !== undefined ? { Condition: s.Condition } : {}),
  }));
}

const arnOf = (logical: string) => ({ 'Fn::GetAtt': [logical, 'Arn'] });

describe('app roles with the defaults', () => {
  let stack: TributaryStack;
  let template: Template;
  let ids: { telemetry: string; dlq: string; cam1: string; cam2: string; leases: string; state: string; rollups: string; health: string };
  beforeAll(() => {
    ({ stack, template } = build({}));
    const cfnId = (c: { node: { defaultChild?: unknown } } | undefined) => stack.getLogicalId(defined(c, 'construct').node.defaultChild as CfnElement);
    ids = {
      telemetry: cfnId(stack.telemetryStreams.stream),
      dlq: cfnId(stack.telemetryStreams.deadLetterStream),
      cam1: stack.getLogicalId(stack.videoStreams.cameras[0].stream),
      cam2: stack.getLogicalId(stack.videoStreams.cameras[1].stream),
      leases: cfnId(stack.tables.leaseTable),
      state: cfnId(stack.tables.deviceStateTable),
      rollups: cfnId(stack.tables.rollupTable),
      health: cfnId(stack.tables.cameraHealthTable),
    };
  });

  it('video-producer: DescribeStream, GetDataEndpoint, PutMedia on its cameras only, its cameras’ health items only, assumed through IoT credentials', () => {
    const role = defined(stack.roles.videoProducers.get('edge'), 'role edge');
    expect(statementsOf(template, stack, role)).toEqual([
      {
        Sid: 'PutMediaToOwnStreams',
        Effect: 'Allow',
        Action: sorted(['kinesisvideo:DescribeStream', 'kinesisvideo:GetDataEndpoint', 'kinesisvideo:PutMedia']),
        Resource: [arnOf(ids.cam1), arnOf(ids.cam2)],
      },
      { Sid: 'DescribeCameraHealthTable', Effect: 'Allow', Action: ['dynamodb:DescribeTable'], Resource: [arnOf(ids.health)] },
      {
        Sid: 'PutOwnCameraHealth',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem'],
        Resource: [arnOf(ids.health)],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tributary-dev-cam-1', 'tributary-dev-cam-2'] } },
      },
    ]);
    expect(roleResource(template, stack, role).AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' } },
    ]);
  });

  it('playback-gateway: ListStreams on * (no resource type exists), media reads on the cameras, dashboard table reads', () => {
    expect(statementsOf(template, stack, stack.roles.playbackGateway)).toEqual([
      { Sid: 'ListCameraStreams', Effect: 'Allow', Action: sorted(['kinesisvideo:ListStreams']), Resource: ['*'] },
      {
        Sid: 'ReadCameraMedia',
        Effect: 'Allow',
        Action: sorted([
          'kinesisvideo:DescribeStream',
          'kinesisvideo:GetDataEndpoint',
          'kinesisvideo:ListFragments',
          'kinesisvideo:GetHLSStreamingSessionURL',
          'kinesisvideo:GetHLSMasterPlaylist',
          'kinesisvideo:GetHLSMediaPlaylist',
          'kinesisvideo:GetMP4InitFragment',
          'kinesisvideo:GetMP4MediaFragment',
          'kinesisvideo:GetClip',
          'kinesisvideo:GetImages',
        ]),
        Resource: [arnOf(ids.cam1), arnOf(ids.cam2)],
      },
      { Sid: 'ReadDeviceState', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan']), Resource: [arnOf(ids.state)] },
      { Sid: 'ReadRollups', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:Query']), Resource: [arnOf(ids.rollups)] },
      { Sid: 'ReadCameraHealth', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan']), Resource: [arnOf(ids.health)] },
      { Sid: 'ReadConsumerLeases', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:Scan']), Resource: [arnOf(ids.leases)] },
    ]);
  });

  it('telemetry-producer: DescribeStreamSummary, ListShards, PutRecords on the telemetry stream only', () => {
    expect(statementsOf(template, stack, stack.roles.telemetryProducer)).toEqual([
      {
        Sid: 'WriteTelemetryStream',
        Effect: 'Allow',
        Action: sorted(['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecords']),
        Resource: [arnOf(ids.telemetry)],
      },
    ]);
  });

  it('telemetry-consumer: its stream (polling and fan-out), PutRecords on the DLQ, item actions on its three tables', () => {
    expect(statementsOf(template, stack, stack.roles.telemetryConsumer)).toEqual([
      {
        Sid: 'ReadTelemetryStream',
        Effect: 'Allow',
        Action: sorted(['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:RegisterStreamConsumer']),
        Resource: [arnOf(ids.telemetry)],
      },
      {
        Sid: 'EnhancedFanOut',
        Effect: 'Allow',
        Action: sorted(['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']),
        // Only the consumer registered under the application name, not every consumer of the stream.
        Resource: [{ 'Fn::Join': ['', [arnOf(ids.telemetry), '/consumer/tributary-dev-telemetry-consumer:*']] }],
      },
      { Sid: 'WriteDeadLetters', Effect: 'Allow', Action: sorted(['kinesis:PutRecords']), Resource: [arnOf(ids.dlq)] },
      {
        Sid: 'Leases',
        Effect: 'Allow',
        Action: sorted(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']),
        Resource: [arnOf(ids.leases)],
      },
      { Sid: 'DeviceState', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:PutItem']), Resource: [arnOf(ids.state)] },
      { Sid: 'Rollups', Effect: 'Allow', Action: sorted(['dynamodb:DescribeTable', 'dynamodb:PutItem']), Resource: [arnOf(ids.rollups)] },
    ]);
  });

  it('ECS roles trust only ECS tasks of this account and region', () => {
    for (const role of [stack.roles.playbackGateway, stack.roles.telemetryProducer, stack.roles.telemetryConsumer]) {
      expect(roleResource(template, stack, role).AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] } },
            },
          },
        ],
      });
    }
  });

  describe('what no role may have', () => {
    let all: { name: string; statements: Statement[] }[];
    beforeAll(() => {
      all = [
        { name: 'video-producer', statements: statementsOf(template, stack, defined(stack.roles.videoProducers.get('edge'), 'role edge')) },
        { name: 'playback-gateway', statements: statementsOf(template, stack, stack.roles.playbackGateway) },
        { name: 'telemetry-producer', statements: statementsOf(template, stack, stack.roles.telemetryProducer) },
        { name: 'telemetry-consumer', statements: statementsOf(template, stack, stack.roles.telemetryConsumer) },
      ];
    });
    const actionsOf = (name: string) => defined(all.find((r) => r.name === name), name).statements.flatMap((s) => s.Action);

    it('only Allow statements, no wildcard actions, no NotAction/NotResource, no condition-free `*` except ListStreams', () => {
      for (const { statements } of all) {
        for (const s of statements) {
          expect(s.Effect).toBe('Allow');
          expect(s).not.toHaveProperty('NotAction');
          expect(s).not.toHaveProperty('NotResource');
          for (const action of s.Action) expect(action).not.toContain('*');
          if (s.Resource.includes('*')) expect(s.Action).toEqual(['kinesisvideo:ListStreams']);
          for (const r of s.Resource) if (typeof r === 'string' && r !== '*') expect(r).not.toContain('*');
        }
      }
    });

    it('nobody creates, deletes, reshards or re-encrypts streams or tables, or touches KMS', () => {
      const forbidden =
        /^(kinesis|kinesisvideo):(Create|Delete|Update|Split|Merge|Start|Stop|Tag|Untag|Deregister|IncreaseStream|DecreaseStream|AddTags|RemoveTags)|^dynamodb:(CreateTable|DeleteTable|UpdateTable|UpdateContinuousBackups|RestoreTable|TagResource|UntagResource)|^(kms|iam|sts):/;
      for (const { name, statements } of all) {
        const bad = statements.flatMap((s) => s.Action).filter((a) => forbidden.test(a));
        expect({ name, bad }).toEqual({ name, bad: [] });
      }
    });

    it('the video-producer cannot read media nor touch Kinesis Data Streams; its only table writes are key-conditioned', () => {
      const actions = actionsOf('video-producer');
      for (const a of ['kinesisvideo:GetMedia', 'kinesisvideo:GetClip', 'kinesisvideo:GetImages', 'kinesisvideo:GetHLSStreamingSessionURL', 'kinesisvideo:ListFragments', 'kinesisvideo:CreateStream']) {
        expect(actions).not.toContain(a);
      }
      expect(actions.filter((a) => !a.startsWith('kinesisvideo:')).sort()).toEqual(['dynamodb:DescribeTable', 'dynamodb:PutItem']);
      const producer = defined(all.find((r) => r.name === 'video-producer'), 'producer').statements;
      for (const s of producer.filter((st) => st.Action.includes('dynamodb:PutItem'))) {
        expect(s.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': expect.any(Array) } });
      }
    });

    it('the playback gateway writes nothing and does not GetMedia', () => {
      const actions = actionsOf('playback-gateway');
      expect(actions.filter((a) => /:(Put|Update|Delete|Create)/.test(a))).toEqual([]);
      expect(actions).not.toContain('kinesisvideo:GetMedia');
      expect(actions.filter((a) => a.startsWith('kinesis:'))).toEqual([]);
    });

    it('the telemetry-producer reads no records; the consumer writes only dead letters to the DLQ stream', () => {
      expect(actionsOf('telemetry-producer').filter((a) => /:(GetRecords|GetShardIterator|SubscribeToShard)$/.test(a))).toEqual([]);
      const consumer = defined(all.find((r) => r.name === 'telemetry-consumer'), 'consumer').statements;
      const kinesisWrites = consumer.filter((s) => s.Action.some((a) => /^kinesis:PutRecords?$/.test(a)));
      expect(kinesisWrites.map((s) => s.Resource)).toEqual([[arnOf(ids.dlq)]]);
      // No statement mixes the source stream with writes.
      for (const s of consumer) {
        if (s.Resource.some((r) => JSON.stringify(r).includes(ids.telemetry))) expect(s.Action.filter((a) => a.startsWith('kinesis:Put'))).toEqual([]);
      }
    });

    it('no role reaches a resource of another app (the producer role names no table or data stream)', () => {
      const refs = (name: string) => JSON.stringify(defined(all.find((r) => r.name === name), name).statements.map((s) => s.Resource));
      expect(refs('video-producer')).not.toMatch(new RegExp(`${ids.telemetry}|${ids.dlq}|${ids.leases}|${ids.state}|${ids.rollups}`));
      expect(refs('telemetry-producer')).not.toMatch(new RegExp(`${ids.dlq}|${ids.leases}|${ids.state}|${ids.rollups}|${ids.health}|${ids.cam1}`));
      expect(refs('telemetry-consumer')).not.toMatch(new RegExp(`${ids.health}|${ids.cam1}`));
      // The gateway reads the dashboard's tables (statements above), never a data stream.
      expect(refs('playback-gateway')).not.toMatch(new RegExp(`${ids.telemetry}|${ids.dlq}`));
    });
  });
});

describe('app roles with configured principals, per-device cameras, no dashboard read, no DLQ', () => {
  let stack: TributaryStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = build({
      cameras: '[{"name":"door","device":"pi-1"},{"name":"yard","device":"pi-2"}]',
      videoProducerPrincipal: 'arn:aws:iam::123456789012:role/edge-fleet',
      playbackGatewayPrincipal: 'account',
      telemetryProducerPrincipal: 'ec2',
      telemetryConsumerPrincipal: '210987654321',
      gatewayReadsDeviceState: 'false',
      telemetryDlq: 'false',
    }));
  });

  it("each device's producer role reaches only its own camera's stream", () => {
    const door = stack.getLogicalId(stack.videoStreams.cameras[0].stream);
    const yard = stack.getLogicalId(stack.videoStreams.cameras[1].stream);
    const health = stack.getLogicalId(stack.tables.cameraHealthTable.node.defaultChild as CfnElement);
    const pi1 = statementsOf(template, stack, defined(stack.roles.videoProducers.get('pi-1'), 'role pi-1'));
    const pi2 = statementsOf(template, stack, defined(stack.roles.videoProducers.get('pi-2'), 'role pi-2'));
    expect(pi1.flatMap((s) => s.Resource)).toEqual([arnOf(door), arnOf(health), arnOf(health)]);
    expect(pi2.flatMap((s) => s.Resource)).toEqual([arnOf(yard), arnOf(health), arnOf(health)]);
    // Each device writes the health item of its own camera only.
    expect(pi1.find((s) => s.Sid === 'PutOwnCameraHealth')?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tributary-dev-door'] } });
    expect(pi2.find((s) => s.Sid === 'PutOwnCameraHealth')?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tributary-dev-yard'] } });
  });

  it.each([
    ['video-producer', (s: TributaryStack) => defined(s.roles.videoProducers.get('pi-1'), 'role pi-1'), { AWS: 'arn:aws:iam::123456789012:role/edge-fleet' }],
    ['playback-gateway', (s: TributaryStack) => s.roles.playbackGateway, { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } }],
    ['telemetry-producer', (s: TributaryStack) => s.roles.telemetryProducer, { Service: 'ec2.amazonaws.com' }],
    ['telemetry-consumer', (s: TributaryStack) => s.roles.telemetryConsumer, { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::210987654321:root']] } }],
  ])('%s is assumable by exactly the configured principal', (_name, pick, principal) => {
    expect(roleResource(template, stack, pick(stack)).AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: principal },
    ]);
  });

  it('drops the dashboard and dead-letter statements', () => {
    expect(statementsOf(template, stack, stack.roles.playbackGateway).map((s) => s.Sid)).toEqual(['ListCameraStreams', 'ReadCameraMedia']);
    expect(statementsOf(template, stack, stack.roles.telemetryConsumer).map((s) => s.Sid)).toEqual(['ReadTelemetryStream', 'EnhancedFanOut', 'Leases', 'DeviceState', 'Rollups']);
    expect(JSON.stringify(statementsOf(template, stack, stack.roles.playbackGateway))).not.toContain('dynamodb:');
  });
});
