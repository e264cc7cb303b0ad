/**
 * The exit codes scripts can rely on (listed in `tributary --help`). Few and stable: a script tells "try again"
 * (1) from "you typed it wrong" (2) from "it is not there" (3) without parsing messages.
 */
export const EXIT_CODES = {
  /** Done; also when the reader of stdout went away (`tributary tail … | head -1`). */
  ok: 0,
  /** Failed: AWS refused or was unreachable, a file could not be written, … (the message says what). */
  failure: 1,
  /** Usage: an unknown command or option, a bad value (a time, a number, a filter expression). */
  usage: 2,
  /** Not found: the stream, camera, application or file named does not exist. */
  notFound: 3,
  /** Stopped by Ctrl-C (SIGINT), as shells report 128 + 2. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The table printed at the end of `tributary --help`. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    done (also when the reader of stdout closed the pipe, e.g. `| head -1`)',
  '  1    failed (AWS refused or was unreachable, a file could not be written, ...)',
  '  2    usage error (unknown command or option, bad time, number or expression)',
  '  3    not found (stream, camera, application or file)',
  '  130  stopped with Ctrl-C',
].join('\n');
