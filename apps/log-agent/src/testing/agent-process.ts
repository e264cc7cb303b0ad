/**
 * The agent as a child process (main.ts through tsx), for the specs that kill it with SIGKILL: started with an
 * agent.json, its `ready` log line gives the URL of /healthz; `caughtUp` reads /healthz until every file is read
 * and acknowledged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { sleep, TEST_CREDENTIALS, TEST_REGION } from './agent-harness';

const MAIN = path.resolve(__dirname, '..', 'main.ts');

export interface AgentProcess {
  process: ChildProcess;
  url: string;
  /** Every log line so far (JSON-parsed). */
  lines: { level: number; msg: string; [k: string]: unknown }[];
}

interface FlowHealth {
  bytesBehind: number;
  bytesUnacknowledged: number;
  rotatedFilesPending: number;
  recordsInFlight: number;
  recordsAcknowledged: number;
  linesRead: number;
}

export function startAgentProcess(configPath: string, extraArgs: string[] = []): Promise<AgentProcess> {
  const proc = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), MAIN, '--config', configPath, '--port', '0', '--host', '127.0.0.1', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_REGION: TEST_REGION, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, LOG_LEVEL: 'info' },
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines: AgentProcess['lines'] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`agent did not start in 30 s; stderr: ${stderr}`));
    }, 30_000);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`agent exited early (${code ?? signal}); stderr: ${stderr}`));
    });
    readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let parsed: AgentProcess['lines'][number];
      try {
        parsed = JSON.parse(line) as AgentProcess['lines'][number];
      } catch {
        return;
      }
      lines.push(parsed);
      if (parsed.msg === 'ready') {
        clearTimeout(timer);
        resolve({ process: proc, url: parsed.url as string, lines });
      }
    });
  });
}

export async function flowHealth(agent: AgentProcess): Promise<FlowHealth[]> {
  const res = await fetch(`${agent.url}/healthz`);
  return ((await res.json()) as { flows: FlowHealth[] }).flows;
}

export async function untilProcessCaughtUp(agent: AgentProcess, timeoutMs = 60_000): Promise<FlowHealth[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const flows = await flowHealth(agent);
    if (flows.every((f) => f.bytesBehind === 0 && f.bytesUnacknowledged === 0 && f.rotatedFilesPending === 0 && f.recordsInFlight === 0)) return flows;
    if (Date.now() > until) throw new Error(`agent did not catch up: ${JSON.stringify(flows)}`);
    await sleep(200);
  }
}

export function killAgent(agent: AgentProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (agent.process.exitCode !== null || agent.process.signalCode !== null) {
      resolve({ code: agent.process.exitCode, signal: agent.process.signalCode });
      return;
    }
    agent.process.removeAllListeners('exit');
    agent.process.once('exit', (code, sig) => resolve({ code, signal: sig }));
    agent.process.kill(signal);
  });
}
