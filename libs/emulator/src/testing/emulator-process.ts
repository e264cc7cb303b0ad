/**
 * The emulator in a child process (emulator-child.ts), for integration tests that must kill it (`kill -9`
 * durability of KDS records, KVS fragments and DynamoDB items).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { EmulatorOptions } from '../emulator';

const CHILD_SCRIPT = path.resolve(__dirname, 'emulator-child.ts');
const START_TIMEOUT_MS = 30_000;

export interface EmulatorChild {
  url: string;
  process: ChildProcess;
}

/** Starts the emulator in a child process and waits for the JSON line with its URL. */
export function startEmulatorChild(options: EmulatorOptions): Promise<EmulatorChild> {
  const proc = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD_SCRIPT, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<EmulatorChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`emulator child did not start within ${START_TIMEOUT_MS / 1000} s; stderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator child exited early (${code ?? signal}); stderr: ${stderr}`));
    });
    readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ url: (JSON.parse(line) as { url: string }).url, process: proc });
    });
  });
}

/** Sends `signal` (SIGKILL by default) and resolves with the signal the child died of; at once if it is gone. */
export function killEmulatorChild(child: EmulatorChild, signal: NodeJS.Signals = 'SIGKILL'): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve(child.process.signalCode);
    child.process.once('exit', (_code, sig) => resolve(sig));
    child.process.kill(signal);
  });
}
