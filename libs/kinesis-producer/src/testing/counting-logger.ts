/** A Logger that keeps every line it is given (level, bindings, message), for tests that bound what is logged. */
import type { Logger } from '@tributary/runtime';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export class CountingLogger implements Logger {
  constructor(readonly lines: LoggedLine[] = []) {}

  debug(obj: object | string, msg?: string): void {
    this.add('debug', obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.add('info', obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.add('warn', obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.add('error', obj, msg);
  }
  child(): Logger {
    return this;
  }

  /** Lines at info and above (what a production log level shows). */
  get shown(): LoggedLine[] {
    return this.lines.filter((l) => l.level !== 'debug');
  }

  private add(level: LoggedLine['level'], obj: object | string, msg?: string): void {
    this.lines.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
}
