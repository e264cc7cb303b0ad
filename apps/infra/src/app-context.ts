/**
 * The context in apps/infra/cdk.json: the CDK feature flags this app was written against (pinned, as `cdk init`
 * does, so an aws-cdk-lib upgrade does not change the template by itself) and any settings an operator commits
 * there. The CDK CLI passes it to the app itself; `nx run infra:synth` and the tests read it from here, so all
 * three synthesise the same template.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const CDK_JSON = path.resolve(__dirname, '..', 'cdk.json');

export function readCdkJsonContext(file: string = CDK_JSON): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}
