/**
 * The one way a tributary service process starts and stops (architecture.md, "runtime"): every app's `main.ts` is a
 * call of `runService` with what is its own (its settings, its start, its log lines); what is the same everywhere
 * lives here, once:
 *
 * 1. settings: `loadConfig(argv, env)`; `--help` prints the help and exits 0; a bad setting prints the error (it names
 *    the setting) on stderr and exits 2 (EXIT_CODES.config), before any logger or client exists;
 * 2. the logger (createServiceLogger: redaction) and the Node support notice (before any AWS SDK client exists);
 * 3. SIGINT/SIGTERM handlers, installed once, before the start, and a logged unhandled rejection;
 * 4. `start(config, logger)`; a start that throws exits 1 (EXIT_CODES.failure);
 * 5. on the first signal, the service's ordered `close()` with one deadline (`stopTimeoutMs`, default
 *    RUNTIME_DEFAULTS.service.stopTimeoutMs): a clean stop exits 0, a failed one or one past the deadline exits 1;
 *    a second signal, or a signal before the service is up, exits at once with 128 + the signal number (130 for
 *    SIGINT, 143 for SIGTERM), as a shell reports a process killed by that signal.
 *
 * The HTTP listener is the app's own part of the start, through createHttpServer/listenHttp (the bounded timeouts).
 */
import { constants as osConstants } from 'node:os';
import type { Logger as PinoLogger } from 'pino';
import { unrefTimers, type Timers } from '../time/clock';
import { RUNTIME_DEFAULTS } from '../defaults';
import { announceNodeSupport } from './node-support';
import { createServiceLogger, type ServiceLoggerOptions } from '../logging/service-logger';

/** The exit codes every service agrees on (README "Service runner"). */
export const EXIT_CODES = {
  /** A clean stop (also `--help` and other work done instead of starting). */
  ok: 0,
  /** The start failed, the stop failed, or the stop outlasted its deadline. */
  failure: 1,
  /** A setting is invalid: nothing was started. */
  config: 2,
} as const;

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number: what a shell reports for a process killed by it (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + osConstants.signals[signal];
}

/** A log line the service chooses: fields and a message. */
export interface ServiceLogLine {
  fields?: Record<string, unknown>;
  msg: string;
}

/** What the service started: the runner calls `close()` once, on the first signal. */
export interface StoppableService<R = unknown> {
  close(): Promise<R>;
}

export type LoadedServiceConfig<C> = { help: true } | { help: false; config: C };

/** What the service's `close()` resolves with (a drain report, …). */
export type StopResult<S extends StoppableService> = Awaited<ReturnType<S['close']>>;

export interface ServiceDefinition<C, S extends StoppableService> {
  /** The app's name: on every log line and in the start failure message. */
  name: string;
  /** What `--help` prints. */
  help: string;
  /** Flags and environment into settings; throws (a ConfigError naming each bad setting) on a bad one. */
  loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedServiceConfig<C>;
  /** The logger's level and base fields, from the settings. */
  logger(config: C): Pick<ServiceLoggerOptions, 'level' | 'base'>;
  /** Work done instead of starting (e.g. `--print-command`): returns true when the process is done (exit 0). */
  instead?(config: C, stdout: { write(text: string): unknown }): boolean;
  start(config: C, logger: PinoLogger): Promise<S>;
  /** Fields of the `ready` line. */
  ready?(service: S, config: C): Record<string, unknown>;
  /** The stop's deadline; RUNTIME_DEFAULTS.service.stopTimeoutMs when not given. */
  stopTimeoutMs?(config: C): number;
  /** The line logged on the first signal (`stopping` by default); `signal` is added to its fields. */
  stopping?(service: S): ServiceLogLine;
  /** The line logged after a clean stop (`stopped` by default). */
  stopped?(service: S, result: StopResult<S>): ServiceLogLine;
  /** The line logged when the stop outlasts its deadline (`timeoutMs` is added to its fields). */
  timedOut?(service: S): ServiceLogLine;
  /** The line logged on a second signal (exiting without waiting). */
  secondSignal?: string;
  /** Start failures the service expects (a missing stream, …): their message is printed without a stack. */
  isExpectedStartError?(err: unknown): boolean;
}

/** The process as the runner uses it; tests pass a fake. */
export interface ServiceProcess {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  version: string;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  on(event: StopSignal, listener: (signal: StopSignal) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  exit(code: number): void;
}

export interface RunServiceOptions {
  process?: ServiceProcess;
  /** The stop deadline's timer (unref'd: it never keeps the process alive on its own). */
  timers?: Timers;
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: ServiceLoggerOptions['destination'];
}

type Phase = 'starting' | 'running' | 'stopping';

/**
 * Runs the service until it is stopped. Resolves once it is up (or once the process was told to exit); every exit is
 * through `process.exit` with one of EXIT_CODES or 128 + the signal number.
 */
export async function runService<C, S extends StoppableService>(
  definition: ServiceDefinition<C, S>,
  options: RunServiceOptions = {},
): Promise<void> {
  const proc = options.process ?? (process as unknown as ServiceProcess);
  let loaded: LoadedServiceConfig<C>;
  try {
    loaded = definition.loadConfig(proc.argv.slice(2), proc.env);
  } catch (err) {
    proc.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    proc.exit(EXIT_CODES.config);
    return;
  }
  if (loaded.help) {
    proc.stdout.write(definition.help);
    return;
  }
  const { config } = loaded;
  if (definition.instead?.(config, proc.stdout)) return;

  const logger = createServiceLogger({ name: definition.name, ...definition.logger(config), destination: options.logDestination });
  // On Node 20: one warn line of our own instead of the AWS SDK's multi-line warning (before any client exists).
  announceNodeSupport(logger, proc.env, proc.version);
  const lifecycle = new ServiceLifecycle(definition, config, logger, proc, options.timers ?? unrefTimers);
  proc.on('SIGINT', (signal) => lifecycle.onSignal(signal));
  proc.on('SIGTERM', (signal) => lifecycle.onSignal(signal));
  proc.on('unhandledRejection', (reason) => lifecycle.onUnhandledRejection(reason));

  let service: S;
  try {
    service = await definition.start(config, logger);
  } catch (err) {
    const expected = definition.isExpectedStartError?.(err) === true;
    const detail = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
    proc.stderr.write(`${definition.name} failed to start: ${detail}\n`);
    lifecycle.exit(EXIT_CODES.failure);
    return;
  }
  lifecycle.started(service);
}

/** The phases after the logger exists: up, stopping once, exiting once. */
class ServiceLifecycle<C, S extends StoppableService> {
  private phase: Phase = 'starting';
  private service: S | undefined;
  private exited = false;

  constructor(
    private readonly definition: ServiceDefinition<C, S>,
    private readonly config: C,
    private readonly logger: PinoLogger,
    private readonly proc: ServiceProcess,
    private readonly timers: Timers,
  ) {}

  started(service: S): void {
    if (this.exited) return;
    this.service = service;
    this.phase = 'running';
    this.logger.info(this.definition.ready?.(service, this.config) ?? {}, 'ready');
  }

  onSignal(signal: StopSignal): void {
    const service = this.service;
    if (this.phase !== 'running' || service === undefined) {
      const msg =
        this.phase === 'stopping'
          ? (this.definition.secondSignal ?? 'second signal: exiting without waiting for the graceful stop')
          : 'signal before the service was up: exiting';
      this.logger.warn({ signal }, msg);
      this.exit(signalExitCode(signal));
      return;
    }
    this.phase = 'stopping';
    this.stop(service, signal);
  }

  onUnhandledRejection(reason: unknown): void {
    // A rejection nobody handles is a bug: one error line with its stack, then exit 1, as Node itself would.
    this.logger.error({ err: reason }, 'unhandled promise rejection: exiting');
    this.exit(EXIT_CODES.failure);
  }

  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.proc.exit(code);
  }

  private stop(service: S, signal: StopSignal): void {
    const stopping = this.definition.stopping?.(service) ?? { msg: 'stopping' };
    this.logger.info({ signal, ...stopping.fields }, stopping.msg);
    const timeoutMs = this.definition.stopTimeoutMs?.(this.config) ?? RUNTIME_DEFAULTS.service.stopTimeoutMs;
    const timer = this.timers.setTimeout(() => {
      const line = this.definition.timedOut?.(service) ?? { msg: 'stop timed out: exiting' };
      this.logger.error({ timeoutMs, ...line.fields }, line.msg);
      this.exit(EXIT_CODES.failure);
    }, timeoutMs);
    service.close().then(
      (result) => {
        this.timers.clearTimeout(timer);
        const stopped = this.definition.stopped?.(service, result as StopResult<S>) ?? { msg: 'stopped' };
        this.logger.info(stopped.fields ?? {}, stopped.msg);
        this.exit(EXIT_CODES.ok);
      },
      (err: unknown) => {
        this.timers.clearTimeout(timer);
        this.logger.error({ err }, 'error while stopping');
        this.exit(EXIT_CODES.failure);
      },
    );
  }
}
