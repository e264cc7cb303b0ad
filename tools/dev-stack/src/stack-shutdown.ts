/**
 * How `npm start` stops: on the first Ctrl-C (or SIGTERM, or a part that fails) in order — the children by stop
 * stage (producers, consumers, gateway), then the in-process emulator — and exits; on the second signal it kills
 * what is left at once and skips the emulator's close, as a crash would. Whatever ends the process, no child
 * outlives it.
 */
import * as fs from 'node:fs';
import type { RunningEmulator } from '@tributary/emulator';
import type { ChildProcessSupervisor } from './child-process-supervisor';
import type { ProgressReporter } from './progress-reporter';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface StackShutdownOptions {
  progress: ProgressReporter;
  /** The children's pid file, removed after a graceful stop. */
  pidFile: string;
  /** Named in the last line after a clean stop. */
  dataDir: string;
}

export class StackShutdown {
  /** Set once it runs; closed last. */
  emulator: RunningEmulator | undefined;
  /** Set once the children are being started; stopped first. */
  supervisor: ChildProcessSupervisor | undefined;
  private state: 'no' | 'graceful' | 'forced' = 'no';

  constructor(private readonly options: StackShutdownOptions) {}

  /** True once a stop has begun: start-up steps still in flight give up quietly. */
  get stopping(): boolean {
    return this.state !== 'no';
  }

  /** Listens for SIGINT and SIGTERM, and kills the children whenever this process exits. */
  install(): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', () => this.supervisor?.forceStopAll());
  }

  /** Stops the children in order, then the emulator, and exits with `exitCode`. */
  async stopGracefully(exitCode: number): Promise<never> {
    const { progress, pidFile, dataDir } = this.options;
    this.state = 'graceful';
    await this.supervisor?.stopAll();
    await this.closeEmulator();
    fs.rmSync(pidFile, { force: true });
    progress.line(exitCode === 0 ? 'stopped; the next `npm start` resumes from ' + dataDir : 'stopped after a failure (above)');
    process.exit(exitCode);
  }

  private async closeEmulator(): Promise<void> {
    if (!this.emulator) return;
    this.options.progress.report('emulator', 'stopping');
    await this.emulator.close();
    this.options.progress.report('emulator', 'stopped');
  }

  private readonly onSignal = (sig: NodeJS.Signals): void => {
    const { progress } = this.options;
    if (this.state !== 'no') {
      if (this.state === 'forced') return;
      this.state = 'forced';
      progress.line(`${sig} again: killing every part now`);
      this.supervisor?.forceStopAll();
      // A forced stop skips the emulator's close, as a crash would; exit once the children are gone.
      const exit = (): never => process.exit(SIGNAL_EXIT_CODES[sig] ?? 1);
      void (this.supervisor?.allExited() ?? Promise.resolve()).then(exit);
      setTimeout(exit, 3000).unref();
      return;
    }
    progress.line(`${sig}: stopping in order (producers, consumers, gateway, emulator); ${sig === 'SIGINT' ? 'Ctrl-C again' : 'send it again'} to force`);
    void this.stopGracefully(0);
  };
}
