/**
 * The one place an app creates its pino logger (conventions.md §12: only apps create pino), so that every app
 * redacts the same secrets (log-redaction.ts): pino's `redact` paths for structured fields, then a text pass on
 * each finished line (the `streamWrite` hook) for secrets inside values, messages and error stacks.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { maskSecretsInText, REDACT_CENSOR, REDACT_PATHS } from './log-redaction';

export interface ServiceLoggerOptions {
  /** The app's name, on every line. */
  name: string;
  level: string;
  /** Fields on every line (pino's `base`); pid and hostname by default. */
  base?: Record<string, unknown>;
  /** Where lines go (tests capture them); stdout by default, through pino-pretty when stdout is a terminal. */
  destination?: DestinationStream;
}

export function createServiceLogger(options: ServiceLoggerOptions): PinoLogger {
  const pretty = options.destination === undefined && process.stdout.isTTY === true;
  const settings: pino.LoggerOptions = {
    name: options.name,
    level: options.level,
    ...(options.base !== undefined ? { base: options.base } : {}),
    redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
    hooks: { streamWrite: maskSecretsInText },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  return options.destination !== undefined ? pino(settings, options.destination) : pino(settings);
}
