/**
 * The CDK app: `nx run infra:synth` (tsx, writes dist/infra/cdk.out) or `npx cdk synth|deploy` from apps/infra
 * (cdk.json). Settings are CDK context (README.md "Context keys"): with the CDK CLI as `-c key=value` or in
 * cdk.json; with `nx run infra:synth -- -c key=value` this file reads the same flags itself.
 *
 * No AWS account is needed to synthesise: without CDK_DEFAULT_ACCOUNT/REGION (which the CDK CLI sets from the
 * credentials it finds) the stack is environment-agnostic and deploys to whatever account and region the
 * deploying credentials point at.
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { readCdkJsonContext } from './app-context';
import { InfraConfigError, readInfraConfig, type ContextKey } from './config/infra-config';
import { TributaryStack } from './stacks/tributary-stack';

/** `-c key=value`, `--context key=value`, `--context=key=value`: the CDK CLI's context flags. */
export function parseContextArgs(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    else throw new InfraConfigError(`unknown argument "${arg}" (expected -c key=value)`);
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq <= 0) throw new InfraConfigError(`context flag needs key=value (got "${pair ?? ''}")`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

export function buildApp(argv: readonly string[], env: NodeJS.ProcessEnv): App {
  // Under the CDK CLI, CDK_OUTDIR is set and App writes there; run directly, the output goes to dist/infra/cdk.out.
  const outdir = env.CDK_OUTDIR ? undefined : path.resolve(__dirname, '../../../dist/infra/cdk.out');
  // cdk.json's context is the default layer: the CLI's own context (CDK_CONTEXT_JSON, which App reads) wins over
  // it, and so do the -c flags of a direct run. So `cdk --app … synth` from the repo root gets the same flags.
  const context = { ...readCdkJsonContext(), ...parseContextArgs(argv) };
  const app = new App({ outdir, context, analyticsReporting: false });
  const config = readInfraConfig((key: ContextKey) => app.node.tryGetContext(key));
  new TributaryStack(app, `Tributary-${config.stage}`, {
    config,
    description: `tributary (${config.prefix}): telemetry and video streams, tables and app roles`,
    env: { account: env.CDK_DEFAULT_ACCOUNT, region: env.CDK_DEFAULT_REGION },
  });
  return app;
}

if (require.main === module) {
  try {
    const assembly = buildApp(process.argv.slice(2), process.env).synth();
    if (!process.env.CDK_OUTDIR) {
      for (const stack of assembly.stacks) console.log(`${stack.stackName}: ${path.relative(process.cwd(), path.join(assembly.directory, stack.templateFile))}`);
    }
  } catch (err) {
    if (err instanceof InfraConfigError) {
      console.error(`infra: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
