// Regression (issue 19): the banner's AWS CLI lines failed as printed (Debian's CLI v2.9 ignores AWS_ENDPOINT_URL and
// went to AWS; CLI v1 reads only AWS_DEFAULT_REGION), and its curl example had `<key>` and a fixed January timestamp.
import { banner, type BannerInput } from './banner';

const input: BannerInput = {
  emulatorUrl: 'http://127.0.0.1:4566',
  gatewayUrl: 'http://127.0.0.1:8088',
  telemetryUrl: 'http://127.0.0.1:8080',
  dataDir: '.data',
  apiKey: 'trb_0123456789abcdef_secretsecretsecretsecretsecretsecretsecre',
  credentialFile: '.data/dev-stack/credentials.json',
  credentialCreated: true,
  now: Date.UTC(2026, 11, 7, 9, 30),
};

const lines = banner(input).split('\n');

describe('banner', () => {
  it('prints AWS CLI commands with --endpoint-url, after an export with both region variables and dummy keys', () => {
    const exportLine = lines.find((l) => l.includes('export ')) ?? '';
    expect(exportLine).toContain('export AWS_ENDPOINT_URL=http://127.0.0.1:4566 ');
    for (const v of ['AWS_REGION=us-east-1', 'AWS_DEFAULT_REGION=us-east-1', 'AWS_ACCESS_KEY_ID=test', 'AWS_SECRET_ACCESS_KEY=test']) expect(exportLine).toContain(v);
    const aws = lines.map((l) => l.trim()).filter((l) => /(^|: +)aws /.test(l));
    expect(aws).toEqual([
      'aws --endpoint-url http://127.0.0.1:4566 kinesis list-streams',
      'aws --endpoint-url http://127.0.0.1:4566 kinesisvideo list-streams',
      'aws --endpoint-url http://127.0.0.1:4566 dynamodb list-tables',
    ]);
  });

  it('prints a curl command with the real key and the current time, one command over two lines', () => {
    const at = lines.findIndex((l) => l.includes('curl '));
    const command = `${lines[at]}\n${lines[at + 1]}`.replace(/^ {2}Ingest API: {2}/, '');
    expect(command).toBe(
      `curl -X POST http://127.0.0.1:8080/v1/telemetry -H 'X-Api-Key: ${input.apiKey}' -H 'Content-Type: application/json' \\\n` +
        `                 -d '{"schemaVersion":1,"deviceId":"my-device","seq":0,"ts":${input.now},"metrics":{"temperature_c":21.5}}'`,
    );
    expect(banner(input)).not.toContain('<key>');
  });

  it('ends with the ready line and says where the key is kept', () => {
    expect(lines.filter((l) => l.trim() !== '').at(-1)).toBe('  tributary is ready: http://127.0.0.1:8088/dashboard   (Ctrl-C stops it in order; a second Ctrl-C forces)');
    expect(banner({ ...input, credentialCreated: false })).toContain('kept in .data/dev-stack/credentials.json');
  });
});
