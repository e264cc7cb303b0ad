/** What `npm start` prints once the platform is up: where everything is, the local credential, how to stop. */
export interface BannerInput {
  emulatorUrl: string;
  gatewayUrl: string;
  telemetryUrl: string;
  dataDir: string;
  apiKey: string;
  credentialFile: string;
  credentialCreated: boolean;
}

/** The last line of the start; tests (testing/dev-stack-process.ts) wait for it. */
export const READY_LINE = 'tributary is ready';

export function banner(b: BannerInput): string {
  return [
    '',
    `  Dashboard:   ${b.gatewayUrl}/dashboard      (player: ${b.gatewayUrl}/)`,
    `  API key:     ${b.apiKey}`,
    `               ${b.credentialCreated ? 'created now and kept' : 'kept'} in ${b.credentialFile} (scopes video:read telemetry:read telemetry:write)`,
    '',
    `  Ingest API:  curl -X POST ${b.telemetryUrl}/v1/telemetry -H "X-Api-Key: <key>" -H 'Content-Type: application/json' \\`,
    `                 -d '{"schemaVersion":1,"deviceId":"my-device","seq":0,"ts":${Date.UTC(2026, 0, 1)},"metrics":{"temperature_c":21.5}}'`,
    `  AWS (local): export AWS_ENDPOINT_URL=${b.emulatorUrl} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
    `               aws kinesis list-streams; aws kinesisvideo list-streams; aws dynamodb list-tables`,
    `  Data folder: ${b.dataDir}   (delete it to start from scratch)`,
    '',
    `  ${READY_LINE}: ${b.gatewayUrl}/dashboard   (Ctrl-C stops it in order; a second Ctrl-C forces)`,
    '',
  ].join('\n');
}
