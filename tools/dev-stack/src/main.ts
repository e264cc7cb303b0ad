/**
 * `npm start`: the whole platform on one machine, no AWS account. The emulator runs in this process on the data
 * folder; the streams and tables are bootstrapped through the SDK; then the apps run as child processes with AWS's
 * standard settings pointed at the emulator (stack-plan.ts says which, with what). Ctrl-C stops the producers first
 * (they drain), then the consumers (they hand off leases), the gateway, and the emulator last; a second Ctrl-C
 * kills what is left. The next start resumes from the data folder.
 *
 * Exit codes: 0 clean stop, 1 a part failed (named in the output), 2 invalid settings, 130/143 forced stop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from './free-port';
import type { Logger } from 'pino';
import { announceNodeSupport, createServiceLogger } from '@tributary/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { banner } from './banner';
import { bootstrapResources } from './bootstrap-resources';
import { ChildProcessSupervisor } from './child-process-supervisor';
import { DevStackError } from './dev-stack-error';
import { createLogPrefixer, LineSplitter } from './log-prefixer';
import { credentialFile, loadOrCreateCredential } from './local-credential';
import { ProgressReporter } from './progress-reporter';
import { awsEnvironment, camerasConfig, childBaseEnvironment, planParts, readStackSettings, type PortName, type StackPorts } from './stack-plan';

const ROOT = path.resolve(__dirname, '../../..');
const NAME_WIDTH = 18;
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
const write = (line: string): void => {
  process.stdout.write(line + '\n');
};
const progress = new ProgressReporter({ write, color, nameWidth: NAME_WIDTH });

/** The in-process emulator logs through the same prefixer as the children. */
function emulatorLogger(level: string): Logger {
  const format = createLogPrefixer({ app: 'emulator', width: NAME_WIDTH, color, colorCode: 94 });
  const splitter = new LineSplitter();
  return createServiceLogger({ level, name: 'kinesis-emulator', destination: { write: (s: string) => splitter.push(s).forEach((l) => write(format(l))) } });
}

async function main(): Promise<void> {
  // On Node 20: the AWS SDK's notice that its 2027 releases need Node 22, said once in the stack's own output instead
  // of the SDK's multi-line process warning (which the variable this sets then keeps quiet here and in the children;
  // each app still says it once in its log). Nothing on Node 22 and 24.
  announceNodeSupport({ warn: (_fields, message) => progress.line(`warning: ${message ?? ''}`) }, process.env, process.version);
  const settings = readStackSettings(process.env, process.cwd());
  const stateDir = path.join(settings.dataDir, 'dev-stack');
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const pidFile = path.join(stateDir, 'children.json');
  warnAboutLeftovers(pidFile);
  const { credential, created } = loadOrCreateCredential(settings.dataDir);

  // Ports set to 0 get a free one now: the children must be told a number, and the banner must show it.
  const ports = { ...settings.ports } as StackPorts;
  const taken = new Set(Object.values(ports).filter((p) => p !== 0));
  for (const name of Object.keys(ports) as PortName[]) {
    if (name !== 'emulator' && ports[name] === 0) taken.add((ports[name] = await freePort(undefined, undefined, taken)));
  }

  let emulator: RunningEmulator | undefined;
  let supervisor: ChildProcessSupervisor | undefined;
  let stopping: 'no' | 'graceful' | 'forced' = 'no';

  const closeEmulator = async (): Promise<void> => {
    if (!emulator) return;
    progress.report('emulator', 'stopping');
    await emulator.close();
    progress.report('emulator', 'stopped');
  };

  const stopGracefully = async (exitCode: number): Promise<never> => {
    stopping = 'graceful';
    await supervisor?.stopAll();
    await closeEmulator();
    fs.rmSync(pidFile, { force: true });
    progress.line(exitCode === 0 ? 'stopped; the next `npm start` resumes from ' + settings.dataDir : 'stopped after a failure (above)');
    process.exit(exitCode);
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping !== 'no') {
      if (stopping === 'forced') return;
      stopping = 'forced';
      progress.line(`${sig} again: killing every part now`);
      supervisor?.forceStopAll();
      // A forced stop skips the emulator's close, as a crash would; exit once the children are gone.
      const exit = (): never => process.exit(SIGNAL_EXIT_CODES[sig] ?? 1);
      void (supervisor?.allExited() ?? Promise.resolve()).then(exit);
      setTimeout(exit, 3000).unref();
      return;
    }
    progress.line(`${sig}: stopping in order (producers, consumers, gateway, emulator); ${sig === 'SIGINT' ? 'Ctrl-C again' : 'send it again'} to force`);
    void stopGracefully(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever ends this process, no child outlives it.
  process.on('exit', () => supervisor?.forceStopAll());

  try {
    progress.report('emulator', 'starting', `(data ${path.join(settings.dataDir, 'emulator')})`);
    emulator = await startEmulator({ port: ports.emulator, dataDir: path.join(settings.dataDir, 'emulator'), logger: emulatorLogger(settings.logLevel) }).catch((err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? `port ${ports.emulator} is in use (set EMULATOR_PORT to use another)` : e.message;
      throw new DevStackError('EMULATOR', why, false, { cause: err, part: 'emulator' });
    });
    progress.report('emulator', 'ready', `(${emulator.url})`);
    if (stopping !== 'no') return;

    progress.report('resources', 'starting', '(streams, video streams, tables)');
    const sdk = { endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const clients = { kinesis: new KinesisClient(sdk), kinesisVideo: new KinesisVideoClient(sdk), dynamodb: new DynamoDBClient(sdk) };
    const outcomes = await bootstrapResources(clients, {}).catch((err: unknown) => {
      throw err instanceof DevStackError ? new DevStackError(err.code, err.message, err.retriable, { cause: err, part: 'resources' }) : err;
    });
    for (const c of Object.values(clients)) c.destroy();
    const summary = outcomes.map((o) => `${o.name}${o.outcome === 'created' ? ' (new)' : ''}`).join(', ');
    progress.report('resources', 'ready', `(${summary})`);

    const camerasFile = path.join(stateDir, 'cameras.json');
    fs.writeFileSync(camerasFile, JSON.stringify(camerasConfig(), null, 2) + '\n');
    const parts = planParts({ settings, ports, emulatorUrl: emulator.url, credential, camerasFile });
    supervisor = new ChildProcessSupervisor({
      rootDir: ROOT,
      baseEnv: { ...childBaseEnvironment(process.env), ...awsEnvironment(emulator.url) },
      write,
      progress,
      color,
      nameWidth: NAME_WIDTH,
      onUnexpectedExit: (part, reason) => {
        if (stopping !== 'no') return;
        progress.report(part, 'failed', reason);
        void stopGracefully(1);
      },
      onChildrenChanged: (pids) => fs.writeFileSync(pidFile, JSON.stringify({ pid: process.pid, children: pids }) + '\n'),
    });
    const running = supervisor;
    // All parts start together (each compiles with tsx on start; in parallel that takes half the time on two cores).
    const results = await Promise.allSettled(parts.map((p) => running.start(p)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (stopping !== 'no') return;

    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    write(
      banner({
        emulatorUrl: emulator.url,
        gatewayUrl,
        telemetryUrl: `http://127.0.0.1:${ports.telemetryProducer}`,
        dataDir: settings.dataDir,
        apiKey: credential.apiKey,
        credentialFile: credentialFile(settings.dataDir),
        credentialCreated: created,
      }),
    );
  } catch (err) {
    if (stopping !== 'no') return;
    const part = err instanceof DevStackError && err.part ? err.part : 'dev-stack';
    const message = err instanceof Error ? err.message : String(err);
    progress.report(part, 'failed', message.startsWith(`${part} `) ? message.slice(part.length + 1) : message);
    await stopGracefully(1);
  }
}

/** A dev-stack killed with SIGKILL leaves its children running (they hold the ports): say which, once. */
function warnAboutLeftovers(pidFile: string): void {
  let previous: { pid?: number; children?: number[] };
  try {
    previous = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as typeof previous;
  } catch {
    return;
  }
  const alive = (previous.children ?? []).filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  if (alive.length > 0) progress.line(`processes of an earlier start may still run (pids ${alive.join(', ')}); stop them if ports are in use`);
}

main().catch((err: unknown) => {
  if (err instanceof DevStackError && err.code === 'CONFIG') {
    process.stderr.write(`dev-stack: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`dev-stack failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
