import type { Command } from 'commander';
import type { CliContext } from '../cli/cli-context';
import { withAwsOptions } from '../cli/aws-options';

export function register(program: Command, ctx: CliContext): void {
  void ctx;
  withAwsOptions(program.command('tail').argument('<stream>').description('print the records of a stream (work in progress)'));
}
