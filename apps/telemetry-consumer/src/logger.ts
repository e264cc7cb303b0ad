/**
 * The logger the sinks and the handler take: pino's method subset (conventions.md §12), so the app hands them a
 * pino child and tests hand them nothing (the no-op default).
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
