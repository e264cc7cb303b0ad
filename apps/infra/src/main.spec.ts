import { Stack } from 'aws-cdk-lib';
import { InfraConfigError } from './config/infra-config';
import { buildApp, parseContextArgs } from './main';

describe('parseContextArgs', () => {
  it('reads the CDK CLI context flags', () => {
    expect(parseContextArgs(['-c', 'stage=prod', '--context', 'cameras=a,b', '--context=prefix=x=y'])).toEqual({
      stage: 'prod',
      cameras: 'a,b',
      prefix: 'x=y',
    });
  });

  it.each([[['stage=prod']], [['-c']], [['-c', '=x']], [['-c', 'stage']]])('rejects %j', (argv) => {
    expect(() => parseContextArgs(argv)).toThrow(InfraConfigError);
  });
});

describe('buildApp', () => {
  it('names the stack after the stage and stays environment-agnostic without CDK_DEFAULT_*', () => {
    const app = buildApp(['-c', 'stage=qa'], { CDK_OUTDIR: '/nonexistent' });
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
    expect(stacks.map((s) => s.stackName)).toEqual(['Tributary-qa']);
    expect(stacks[0].environment).toBe('aws://unknown-account/unknown-region');
  });
});
