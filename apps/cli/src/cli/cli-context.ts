import type { Command } from 'commander';
import { AwsClients, awsClientConfig, type AwsOptions } from './aws-options';
import type { Output } from './output';

/**
 * What every command module gets from main.ts. A command module exports
 * `register(program: Command, ctx: CliContext): void`, adds its subcommand(s) to `program`, and in its action
 * writes through `ctx.out`, stops when `ctx.signal` aborts (Ctrl-C, or stdout closed), builds its SDK clients
 * with `ctx.aws(options)` and throws CliError (cli-error.ts) for anything the user should read.
 */
export interface CliContext {
  readonly out: Output;
  /** Aborted on Ctrl-C/SIGTERM or when stdout's reader went away; long commands stop and return. */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  /** SDK v3 clients from --endpoint-url/--region/--profile and the environment; destroyed by main.ts at exit. */
  aws(options: AwsOptions): AwsClients;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export function createCliContext(out: Output, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): CliContext & { destroy(): void } {
  const built: AwsClients[] = [];
  return {
    out,
    signal,
    env,
    aws(options) {
      const clients = new AwsClients(awsClientConfig(options, env));
      built.push(clients);
      return clients;
    },
    destroy() {
      for (const clients of built) clients.destroy();
    },
  };
}
