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
import { AccessLogWriter } from './access-log-writer';
import {
  accessLogPath,
  awsEnvironment,
  camerasConfig,
  childBaseEnvironment,
  logAgentConfig,
  planParts,
  readStackSettings,
  type PartSpec,
  type PortName,
  type StackPorts,
  type StackSettings,
} from './stack-plan';
import { StackShutdown } from './stack-shutdown';
import { parseStackArguments } from './stack-usage';

const ROOT = path.resolve(__dirname, '../../..');
const NAME_WIDTH = 18;

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

/** Ports set to 0 get a free one now: the children must be told a number, and the banner must show it. */
async function resolvePorts(configured: StackPorts): Promise<StackPorts> {
  const ports = { ...configured };
  const taken = new Set(Object.values(ports).filter((p) => p !== 0));
  for (const name of Object.keys(ports) as PortName[]) {
    if (name !== 'emulator' && ports[name] === 0) taken.add((ports[name] = await freePort(undefined, undefined, taken)));
  }
  return ports;
}

/** The emulator, in this process, on the data folder; a port in use is named with the setting that moves it. */
async function startStackEmulator(settings: StackSettings, port: number): Promise<RunningEmulator> {
  const dataDir = path.join(settings.dataDir, 'emulator');
  progress.report('emulator', 'starting', `(data ${dataDir})`);
  const emulator = await startEmulator({ port, dataDir, logger: emulatorLogger(settings.logLevel) }).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${port} is in use (set EMULATOR_PORT to use another)` : e.message;
    throw new DevStackError('EMULATOR', why, false, { cause: err, part: 'emulator' });
  });
  progress.report('emulator', 'ready', `(${emulator.url})`);
  return emulator;
}

/** The streams, video streams and tables the apps expect, created through the SDK when missing. */
async function bootstrap(emulatorUrl: string): Promise<void> {
  progress.report('resources', 'starting', '(streams, video streams, tables)');
  const sdk = { endpoint: emulatorUrl, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const clients = { kinesis: new KinesisClient(sdk), kinesisVideo: new KinesisVideoClient(sdk), dynamodb: new DynamoDBClient(sdk) };
  const outcomes = await bootstrapResources(clients, {}).catch((err: unknown) => {
    throw err instanceof DevStackError ? new DevStackError(err.code, err.message, err.retriable, { cause: err, part: 'resources' }) : err;
  });
  for (const c of Object.values(clients)) c.destroy();
  const summary = outcomes.map((o) => `${o.name}${o.outcome === 'created' ? ' (new)' : ''}`).join(', ');
  progress.report('resources', 'ready', `(${summary})`);
}

/**
 * The children, started together (each compiles with tsx on start; in parallel that takes half the time on two
 * cores) under a supervisor that `shutdown` stops; a child that exits unexpectedly stops the stack.
 */
async function startParts(shutdown: StackShutdown, parts: PartSpec[], emulatorUrl: string, pidFile: string): Promise<void> {
  const supervisor = new ChildProcessSupervisor({
    rootDir: ROOT,
    baseEnv: { ...childBaseEnvironment(process.env), ...awsEnvironment(emulatorUrl) },
    write,
    progress,
    color,
    nameWidth: NAME_WIDTH,
    onUnexpectedExit: (part, reason) => {
      if (shutdown.stopping) return;
      progress.report(part, 'failed', reason);
      void shutdown.stopGracefully(1);
    },
    onChildrenChanged: (pids) => fs.writeFileSync(pidFile, JSON.stringify({ pid: process.pid, children: pids }) + '\n'),
  });
  shutdown.supervisor = supervisor;
  const results = await Promise.allSettled(parts.map((p) => supervisor.start(p)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A failure during start-up, named after the part it came from. */
function reportStartFailure(err: unknown): void {
  const part = err instanceof DevStackError && err.part ? err.part : 'dev-stack';
  const message = err instanceof Error ? err.message : String(err);
  progress.report(part, 'failed', message.startsWith(`${part} `) ? message.slice(part.length + 1) : message);
}

async function main(): Promise<void> {
  const command = parseStackArguments(process.argv.slice(2));
  if (command.kind === 'help') {
    write(command.text);
    return;
  }
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
  const ports = await resolvePorts(settings.ports);
  const shutdown = new StackShutdown({ progress, pidFile, dataDir: settings.dataDir });
  shutdown.install();

  try {
    const emulator = await startStackEmulator(settings, ports.emulator);
    shutdown.emulator = emulator;
    if (shutdown.stopping) return;
    await bootstrap(emulator.url);

    const camerasFile = path.join(stateDir, 'cameras.json');
    fs.writeFileSync(camerasFile, JSON.stringify(camerasConfig(), null, 2) + '\n');
    const agentConfigFile = path.join(stateDir, 'agent.json');
    fs.writeFileSync(agentConfigFile, JSON.stringify(logAgentConfig(settings.dataDir), null, 2) + '\n');
    // The demo web server's access log (20 lines/s, rotated by rename every 5 MB), shipped by the log-agent.
    new AccessLogWriter({ file: accessLogPath(settings.dataDir), linesPerSecond: 20, rotateBytes: 5 * 1024 * 1024 }).start();
    await startParts(shutdown, planParts({ settings, ports, emulatorUrl: emulator.url, credential, camerasFile, agentConfigFile }), emulator.url, pidFile);
    if (shutdown.stopping) return;

    write(
      banner({
        emulatorUrl: emulator.url,
        gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
        telemetryUrl: `http://127.0.0.1:${ports.telemetryProducer}`,
        dataDir: settings.dataDir,
        apiKey: credential.apiKey,
        credentialFile: credentialFile(settings.dataDir),
        credentialCreated: created,
        now: Date.now(),
      }),
    );
  } catch (err) {
    if (shutdown.stopping) return;
    reportStartFailure(err);
    await shutdown.stopGracefully(1);
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
