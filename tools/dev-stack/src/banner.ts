/** What `npm start` prints once the platform is up: where everything is, the local credential, how to stop. */
export interface BannerInput {
  emulatorUrl: string;
  gatewayUrl: string;
  telemetryUrl: string;
  dataDir: string;
  apiKey: string;
  credentialFile: string;
  credentialCreated: boolean;
  /** Epoch milliseconds: the example record's `ts`, so the printed curl command sends a current reading. */
  now: number;
}

/** The last line of the start; tests (testing/dev-stack-process.ts) wait for it. */
export const READY_LINE = 'tributary is ready';

/** What the emulator accepts as credentials and region; any values work, these are the conventional ones. */
export const LOCAL_AWS_ENVIRONMENT = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' } as const;

/**
 * The AWS CLI lines, written for every CLI people have: Debian's CLI v2.9 ignores AWS_ENDPOINT_URL (read from 2.13
 * on) and CLI v1 reads only AWS_DEFAULT_REGION, so the endpoint goes on the command line and both region variables
 * are exported. AWS_ENDPOINT_URL is exported too, for the SDK apps and `npx tributary` run from the same shell.
 */
export function awsCliLines(emulatorUrl: string): { exportLine: string; commands: string[] } {
  const vars = Object.entries({ AWS_ENDPOINT_URL: emulatorUrl, ...LOCAL_AWS_ENVIRONMENT }).map(([k, v]) => `${k}=${v}`);
  const commands = ['kinesis list-streams', 'kinesisvideo list-streams', 'dynamodb list-tables'].map((c) => `aws --endpoint-url ${emulatorUrl} ${c}`);
  return { exportLine: `export ${vars.join(' ')}`, commands };
}

/** The ingest API example: the real key and the current time, so it can be pasted as printed. */
export function curlLines(telemetryUrl: string, apiKey: string, now: number): string[] {
  const record = JSON.stringify({ schemaVersion: 1, deviceId: 'my-device', seq: 0, ts: now, metrics: { temperature_c: 21.5 } });
  return [`curl -X POST ${telemetryUrl}/v1/telemetry -H 'X-Api-Key: ${apiKey}' -H 'Content-Type: application/json' \\`, `  -d '${record}'`];
}

export function banner(b: BannerInput): string {
  const pad = '               ';
  const [curl, data] = curlLines(b.telemetryUrl, b.apiKey, b.now);
  const aws = awsCliLines(b.emulatorUrl);
  return [
    '',
    `  Dashboard:   ${b.gatewayUrl}/dashboard      (player: ${b.gatewayUrl}/)`,
    `  API key:     ${b.apiKey}`,
    `${pad}${b.credentialCreated ? 'created now and kept' : 'kept'} in ${b.credentialFile} (scopes video:read telemetry:read telemetry:write)`,
    '',
    `  Ingest API:  ${curl}`,
    `${pad}${data}`,
    `  AWS CLI:     ${aws.exportLine}`,
    ...aws.commands.map((c) => `${pad}${c}`),
    `  Data folder: ${b.dataDir}   (delete it to start from scratch)`,
    '',
    `  ${READY_LINE}: ${b.gatewayUrl}/dashboard   (Ctrl-C stops it in order; a second Ctrl-C forces)`,
    '',
  ].join('\n');
}
