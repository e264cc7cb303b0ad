/**
 * `npm start` end to end: the script starts, prints a working endpoint, serves the SDK, and stops on SIGINT
 * with state kept in its data folder for the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';

const root = path.resolve(__dirname, '../../..');

function start(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'tools/dev-stack/src/main.ts'], {
    cwd: root,
    env: { ...process.env, EMULATOR_PORT: String(port), TRIBUTARY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Kinesis Data Streams on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`dev-stack exited with ${code}: ${out}`)));
  });
}

const stop = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

describe('npm start (tools/dev-stack)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-stack-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves the emulator, stops on SIGINT and resumes from its data folder', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const first = await start(dataDir, port);
    const client = (url: string) =>
      new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await client(first.url).send(new CreateStreamCommand({ StreamName: 'dev-stack-demo', ShardCount: 1 }));
    expect(await stop(first.child)).toBe(0);

    const second = await start(dataDir, port);
    const listed = await client(second.url).send(new ListStreamsCommand({}));
    expect(listed.StreamNames).toContain('dev-stack-demo');
    expect(await stop(second.child)).toBe(0);
  });
});
