/**
 * `npm start -- --help`: the stack takes no arguments (its settings come from the environment, as the apps' do), so
 * `--help` prints them and anything else is refused. Before this, every argument was ignored and `--help` started the
 * whole stack on the default ports.
 */
import { DevStackError } from './dev-stack-error';
import { PORT_SETTINGS } from './stack-plan';

export type StackCommand = { kind: 'start' } | { kind: 'help'; text: string };

export function stackUsage(): string {
  const ports = Object.values(PORT_SETTINGS).map((p) => `  ${p.env.padEnd(27)} ${String(p.default).padEnd(6)} (0: any free port)`);
  return [
    'Usage: npm start',
    '',
    'Starts the whole platform on one machine, no AWS account: the Kinesis emulator (Data Streams, Video Streams,',
    'DynamoDB) in this process, then the telemetry producer, two consumers, the video producer, the log agent and the',
    'playback gateway. Ctrl-C stops them in order; a second Ctrl-C kills what is left. The next start resumes from the',
    'data folder.',
    '',
    'Settings (environment):',
    '  TRIBUTARY_DATA_DIR          .data  where streams, tables, recordings and the local API key are kept',
    '  LOG_LEVEL                   info   trace, debug, info, warn, error, fatal or silent',
    '  DEV_STACK_DEVICES           20     simulated telemetry devices (1 to 10,000)',
    '  DEV_STACK_RATE              1      records per second per device (1 to 100)',
    ...ports,
    '',
    'Exit codes: 0 clean stop, 1 a part failed (named in the output), 2 invalid settings, 130/143 forced stop.',
  ].join('\n');
}

/** argv after the script's own path: nothing starts the stack, --help / -h prints the usage, anything else is refused. */
export function parseStackArguments(args: readonly string[]): StackCommand {
  if (args.length === 0) return { kind: 'start' };
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return { kind: 'help', text: stackUsage() };
  throw new DevStackError('CONFIG', `npm start takes no arguments (got ${args.map((a) => JSON.stringify(a)).join(' ')}); its settings come from the environment: npm start -- --help`, false);
}
