// The exit codes and the stop every app's main.ts relies on (README "Service runner"), on a fake process and fake
// timers: config error 2, start failure 1, clean stop 0, stop past its deadline 1, second signal 128 + n.
import { FakeTimers } from '../testing/fake-timers';
import { EXIT_CODES, runService, signalExitCode, type ServiceDefinition, type ServiceProcess, type StopSignal } from './service-runner';

class FakeProcess implements ServiceProcess {
  readonly env: NodeJS.ProcessEnv = {};
  readonly version = 'v24.0.0';
  readonly exits: number[] = [];
  out = '';
  err = '';
  readonly stdout = { write: (text: string) => (this.out += text) };
  readonly stderr = { write: (text: string) => (this.err += text) };
  private readonly listeners = new Map<string, Array<(arg: never) => void>>();
  constructor(readonly argv: readonly string[] = ['node', 'main.js']) {}
  on(event: string, listener: (arg: never) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: StopSignal | 'unhandledRejection', arg: unknown): void {
    for (const l of this.listeners.get(event) ?? []) (l as (a: unknown) => void)(arg);
  }
  exit(code: number): void {
    this.exits.push(code);
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

interface Config {
  timeoutMs: number;
}

function definition(overrides: Partial<ServiceDefinition<Config, { close(): Promise<string> }>> = {}) {
  const closing: { resolve?: (v: string) => void; reject?: (e: Error) => void; calls: number } = { calls: 0 };
  const service = {
    close: () => {
      closing.calls++;
      return new Promise<string>((resolve, reject) => Object.assign(closing, { resolve, reject }));
    },
  };
  const def: ServiceDefinition<Config, typeof service> = {
    name: 'spec-service',
    help: 'usage: spec-service\n',
    loadConfig: (argv) => {
      if (argv.includes('--help')) return { help: true };
      if (argv.includes('--bad')) throw new Error('Invalid settings:\n  --bad: is not a known setting');
      return { help: false, config: { timeoutMs: 1_000 } };
    },
    logger: () => ({ level: 'info' }),
    start: () => Promise.resolve(service),
    stopTimeoutMs: (c) => c.timeoutMs,
    ...overrides,
  };
  return { def, closing };
}

async function run(argv: string[], overrides: Parameters<typeof definition>[0] = {}) {
  const proc = new FakeProcess(['node', 'main.js', ...argv]);
  const timers = new FakeTimers();
  const lines: Array<{ msg: string; signal?: string; timeoutMs?: number }> = [];
  const { def, closing } = definition(overrides);
  await runService(def, { process: proc, timers, logDestination: { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) } });
  return { proc, timers, lines, closing };
}

describe('runService', () => {
  it('exits 2 with the message on stderr when a setting is bad, before logging anything', async () => {
    const { proc, lines } = await run(['--bad']);
    expect(proc.exits).toEqual([EXIT_CODES.config]);
    expect(proc.err).toBe('Invalid settings:\n  --bad: is not a known setting\n');
    expect(lines).toEqual([]);
    expect(proc.count('SIGTERM')).toBe(0);
  });

  it('prints the help and exits on its own (0), starting nothing', async () => {
    const { proc, lines } = await run(['--help']);
    expect(proc.out).toBe('usage: spec-service\n');
    expect(proc.exits).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('exits 1 when the start fails; an expected failure is printed without its stack', async () => {
    const failing = await run([], { start: () => Promise.reject(new Error('stream telemetry does not exist')), isExpectedStartError: () => true });
    expect(failing.proc.exits).toEqual([EXIT_CODES.failure]);
    expect(failing.proc.err).toBe('spec-service failed to start: stream telemetry does not exist\n');
    const crashing = await run([], { start: () => Promise.reject(new Error('boom')) });
    expect(crashing.proc.exits).toEqual([1]);
    expect(crashing.proc.err).toMatch(/^spec-service failed to start: Error: boom\n {4}at /);
  });

  it('logs ready, installs each signal handler once, and exits 0 after a clean stop', async () => {
    const { proc, lines, closing } = await run([], { ready: () => ({ url: 'http://127.0.0.1:1' }), stopped: (_s, r) => ({ fields: { result: r }, msg: 'stopped' }) });
    expect(lines.map((l) => l.msg)).toEqual(['ready']);
    expect([proc.count('SIGINT'), proc.count('SIGTERM'), proc.count('unhandledRejection')]).toEqual([1, 1, 1]);
    proc.emit('SIGTERM', 'SIGTERM');
    expect(lines[1]).toMatchObject({ msg: 'stopping', signal: 'SIGTERM' });
    closing.resolve?.('done');
    await new Promise((r) => setImmediate(r));
    expect(lines[2]).toMatchObject({ msg: 'stopped', result: 'done' });
    expect(proc.exits).toEqual([EXIT_CODES.ok]);
    expect(closing.calls).toBe(1);
  });

  it('exits 1 when the stop outlasts its deadline, and 1 when it fails', async () => {
    const slow = await run([]);
    slow.proc.emit('SIGINT', 'SIGINT');
    await slow.timers.advance(999);
    expect(slow.proc.exits).toEqual([]);
    await slow.timers.advance(1);
    expect(slow.proc.exits).toEqual([EXIT_CODES.failure]);
    expect(slow.lines.at(-1)).toMatchObject({ msg: 'stop timed out: exiting', timeoutMs: 1_000 });

    const failing = await run([]);
    failing.proc.emit('SIGTERM', 'SIGTERM');
    failing.closing.reject?.(new Error('flush failed'));
    await new Promise((r) => setImmediate(r));
    expect(failing.proc.exits).toEqual([1]);
    expect(failing.timers.pending).toBe(0);
  });

  it('exits at once with 128 + the signal number on a second signal, closing only once', async () => {
    const { proc, lines, closing } = await run([], { secondSignal: 'second signal: exiting without waiting for the flush' });
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGTERM', 'SIGTERM');
    expect(proc.exits).toEqual([143]);
    expect(lines.at(-1)?.msg).toBe('second signal: exiting without waiting for the flush');
    expect(closing.calls).toBe(1);
    expect([signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([130, 143]);
  });

  it('exits 128 + n on a signal before the service is up', async () => {
    const proc = new FakeProcess();
    const { def } = definition({ start: () => new Promise(() => undefined) });
    void runService(def, { process: proc, timers: new FakeTimers(), logDestination: { write: () => undefined } });
    await new Promise((r) => setImmediate(r));
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
  });

  it('logs an unhandled rejection and exits 1', async () => {
    const { proc, lines } = await run([]);
    proc.emit('unhandledRejection', new Error('nobody caught me'));
    expect(lines.at(-1)).toMatchObject({ msg: 'unhandled promise rejection: exiting' });
    expect(proc.exits).toEqual([1]);
  });
});
