/** The subset of pino's interface libs log through; apps pass a pino instance, the default logs nothing. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => undefined;
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => noopLogger };
