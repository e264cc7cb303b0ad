#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createCliContext, type RegisterCommand } from './cli/cli-context';
import { toCliError } from './cli/cli-error';
import { EXIT_CODES, EXIT_CODES_HELP } from './cli/exit-codes';
import { Output } from './cli/output';
import { installStopController } from './cli/signals';
import { SDK_NODE_WARNING_ENV } from '@tributary/runtime';
import { register as registerStreams } from './commands/streams';
import { register as registerTail } from './commands/tail';
import { register as registerPut } from './commands/put';
import { register as registerReplay } from './commands/replay';
import { register as registerLag } from './commands/lag';
import { register as registerCameras } from './commands/cameras';
import { register as registerFragments } from './commands/fragments';
import { register as registerClip } from './commands/clip';
import { register as registerSnapshot } from './commands/snapshot';
import { register as registerWatch } from './commands/watch';
import { register as registerCost } from './commands/cost';
import { register as registerApiKey } from './commands/api-key';

/**
 * The command modules, in the order `tributary --help` lists them. Each exports `register(program, ctx)`
 * (cli/cli-context.ts); adding a command is one import and one entry here.
 */
const COMMANDS: readonly RegisterCommand[] = [registerStreams, registerTail, registerPut, registerLag, registerReplay, registerCameras, registerFragments, registerClip, registerSnapshot, registerWatch, registerCost, registerApiKey];

export const CLI_VERSION = '0.1.0';

const ENVIRONMENT_HELP = [
  'Environment:',
  '  AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ... as for the AWS CLI',
  '  NO_COLOR     no colours (colours are only used on a terminal anyway)',
].join('\n');

/** The program with every command registered; exported for specs of the help text. */
export function buildProgram(ctx: Parameters<RegisterCommand>[1]): Command {
  const program = new Command('tributary')
    .description('Kinesis Data Streams and Kinesis Video Streams from a terminal: list, tail, put, replay, cameras.')
    .version(CLI_VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text), outputError: (text, write) => write(ctx.out.errColors.red(text)) })
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`);
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/** Runs the CLI with `argv` (process.argv form) and resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // The SDK's multi-line Node 20 notice would precede every command's output; the CLI runs on Node 20 as pinned.
  process.env[SDK_NODE_WARNING_ENV] ??= 'true';
  const out = new Output();
  const stop = installStopController();
  out.onStdoutClosed(() => stop.stop('stdout-closed'));
  const ctx = createCliContext(out, stop.signal);
  try {
    await buildProgram(ctx).parseAsync([...argv]);
    return exitCodeAfterStop(stop.reason());
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version end with 0; every other parse error is a usage error (commander printed it).
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const reason = stop.reason();
    if (reason !== undefined) return exitCodeAfterStop(reason);
    const cliError = toCliError(error);
    out.error(cliError.message);
    if (ctx.env['TRIBUTARY_DEBUG'] && error instanceof Error) out.info(error.stack ?? '');
    return cliError.exitCode;
  } finally {
    ctx.destroy();
    stop.dispose();
  }
}

function exitCodeAfterStop(reason: 'interrupted' | 'stdout-closed' | undefined): number {
  return reason === 'interrupted' ? EXIT_CODES.interrupted : EXIT_CODES.ok;
}

/** Runs the CLI on process.argv and exits with its code (the bin script and the bundle call this). */
export function main(): void {
  void runCli(process.argv).then((code) => {
    // Exit once stdout has taken everything: SDK sockets and HTTP/2 sessions must not keep the process alive.
    if (process.stdout.writableLength === 0) process.exit(code);
    else process.stdout.once('drain', () => process.exit(code)).once('error', () => process.exit(code));
  });
}

if (require.main === module) main();
