/**
 * One child's output, line by line, made readable: a pino JSON line is pretty-printed by pino-pretty's
 * prettyFactory (the same formatter `pino-pretty` the CLI uses), anything else (ffmpeg, a stack trace printed by
 * Node, `--help` text) passes through as it is; every resulting line gets the part's `[app]` prefix, coloured on a
 * terminal. Pure: text in, text out, so the spec checks it without processes.
 */
import { prettyFactory } from 'pino-pretty';

export interface LogPrefixerOptions {
  /** The part's name, shown as `[name]`. */
  app: string;
  /** Pad the prefix to this many characters so parts line up (default: the name's length). */
  width?: number;
  /** ANSI colours (prefix and pino-pretty's levels). */
  color: boolean;
  /** ANSI colour code of the prefix, e.g. 36 for cyan; ignored without `color`. */
  colorCode?: number;
}

/** Colours given to parts in order; red (31) stays for dev-stack's own failures. */
export const PART_COLORS: readonly number[] = [36, 32, 35, 33, 34, 96, 92, 95];

/** Returns a function that turns one raw output line (without its newline) into printable text (no final newline). */
export function createLogPrefixer(options: LogPrefixerOptions): (line: string) => string {
  const label = `[${options.app}]`.padEnd((options.width ?? options.app.length) + 2);
  const prefix = options.color ? `\u001b[${options.colorCode ?? 36}m${label}\u001b[39m ` : `${label} `;
  const pretty = prettyFactory({
    colorize: options.color,
    // The prefix names the part; pid/hostname/name repeat what it says.
    ignore: 'pid,hostname,name',
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
  });
  return (line: string): string => {
    const text = isPinoLine(line) ? pretty(line).replace(/\n+$/, '') : line;
    return text
      .split('\n')
      .map((l) => prefix + l)
      .join('\n');
  };
}

/** A pino line is a JSON object with a numeric `level` and a `time`; other JSON (or a `{` in ffmpeg output) is not. */
function isPinoLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { level?: unknown }).level === 'number' && 'time' in parsed;
  } catch {
    return false;
  }
}

/**
 * Splits a byte stream into lines: `push` returns the complete lines so far and keeps the rest until the next chunk
 * (a pino line can arrive in two pieces); `flush` returns what is left when the stream ends.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => l.replace(/\r$/, ''));
  }

  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
