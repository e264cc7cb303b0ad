/** Why the command's AbortSignal fired: Ctrl-C/SIGTERM, or the reader of stdout went away. */
export type StopReason = 'interrupted' | 'stdout-closed';

export interface StopController {
  readonly signal: AbortSignal;
  readonly reason: () => StopReason | undefined;
  stop(reason: StopReason): void;
  dispose(): void;
}

/** How long a command has to clean up (deregister an EFO consumer, close a file) after Ctrl-C before we exit. */
export const STOP_GRACE_MS = 5_000;

/**
 * Ctrl-C stops cleanly: the first SIGINT (or SIGTERM) aborts the command's signal so it can finish what it
 * must (a partial line, deregistering a consumer) and main.ts exits 130; a second Ctrl-C, or the grace period
 * running out, exits 130 at once.
 */
/** Where SIGINT and SIGTERM arrive: the process, or an emitter a test drives (jest's sandboxed `process` is a copy). */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

export function installStopController(exit: (code: number) => void = (code) => process.exit(code), signals: SignalSource = process): StopController {
  const controller = new AbortController();
  let why: StopReason | undefined;
  const stop = (reason: StopReason): void => {
    if (why !== undefined) return;
    why = reason;
    controller.abort(reason);
    setTimeout(() => exit(reason === 'interrupted' ? 130 : 0), STOP_GRACE_MS).unref();
  };
  const onSignal = (): void => {
    if (why === 'interrupted') exit(130);
    else stop('interrupted');
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    reason: () => why,
    stop,
    dispose: () => {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    },
  };
}
