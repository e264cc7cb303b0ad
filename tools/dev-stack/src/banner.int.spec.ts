/**
 * The banner's commands pasted as printed (issue 19): the curl example into the ingest API, and the AWS CLI lines
 * with Debian's `/usr/bin/aws` (CLI v2.9, which ignores AWS_ENDPOINT_URL: the lines before this fix went to AWS),
 * in a shell with nothing of this process's environment, against `npm start` on free ports.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startDevStack, type DevStackProcess } from './testing/dev-stack-process';

jest.setTimeout(240_000);

const run = promisify(execFile);

/** The banner's lines from "Ingest API:" to the last AWS CLI line, without the labels. */
function printedCommands(logs: string[]): { curl: string; awsExport: string; aws: string[] } {
  const from = logs.findIndex((l) => l.startsWith('  Ingest API:'));
  const to = logs.findIndex((l) => l.startsWith('  Data folder:'));
  const block = logs.slice(from, to).map((l) => l.replace(/^ {2}[A-Za-z ]+: {2}/, '').trim());
  const curlAt = block.findIndex((l) => l.startsWith('curl '));
  return {
    curl: `${block[curlAt]}\n${block[curlAt + 1]}`,
    awsExport: block.find((l) => l.startsWith('export ')) ?? '',
    aws: block.filter((l) => l.startsWith('aws ')),
  };
}

describe('the npm start banner, pasted', () => {
  let stack: DevStackProcess;
  let home: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'banner-home-'));
    stack = await startDevStack({ env: { DEV_STACK_DEVICES: '1' } });
  });

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const shell = (script: string) => run('/bin/bash', ['-c', script], { env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' }, timeout: 60_000 });

  it('the curl command puts the record in with the printed key', async () => {
    const { curl } = printedCommands(stack.logs);
    expect(curl).toContain(stack.apiKey);
    const { stdout } = await shell(`${curl} -sS`);
    expect(JSON.parse(stdout)).toMatchObject({ accepted: 1, invalid: 0, failed: 0 });
  });

  it('the AWS CLI lines list the streams, video streams and tables with /usr/bin/aws', async () => {
    const { awsExport, aws } = printedCommands(stack.logs);
    expect(aws).toHaveLength(3);
    const { stdout } = await shell(`${awsExport}; aws --version >&2; ${aws.map((c) => `${c} --output json`).join('; ')}`);
    const answers = stdout.split(/\n(?=\{)/).map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(answers[0]).toMatchObject({ StreamNames: expect.arrayContaining(['telemetry', 'logs']) });
    expect((answers[1]?.['StreamInfoList'] as Array<{ StreamName: string }>).map((s) => s.StreamName).sort()).toEqual(['camera-1', 'camera-2']);
    expect(answers[2]).toMatchObject({ TableNames: expect.arrayContaining(['telemetry-consumer', 'telemetry-device-state', 'video-camera-health']) });
  });
});
