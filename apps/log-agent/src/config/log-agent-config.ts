/**
 * The app's own settings: command-line flags over environment variables over defaults, validated once at start by
 * a zod schema (`parseConfig` from @tributary/schemas) whose error names each bad setting by its flag and variable,
 * as the other apps do (apps/telemetry-producer/src/telemetry-producer-config.ts). What to tail and where to send it
 * is the Kinesis Agent's own `agent.json` (agent-config-parser.ts), read from `--config`.
 *
 * AWS settings: region, credentials and endpoint come from AWS's own environment (AWS_REGION, the credential chain,
 * AWS_ENDPOINT_URL), unless agent.json sets `kinesis.region`, `kinesis.endpoint` or `awsAccessKeyId`, which win, as
 * they do for the Java agent.
 */
import { z } from 'zod';
import {
  booleanSetting,
  ConfigError,
  logLevelSetting,
  nonEmptyText,
  parseConfig,
  portSetting,
  readSettings,
} from '@tributary/schemas';
import { AGENT_SETTINGS, FLOW_SETTINGS, OPTION_SETTINGS, REFUSED_OPTIONS } from './agent-settings';
import { LOG_FORMATS } from '../processing';

export { ConfigError };

/** Where the Kinesis Agent reads its configuration (its README: /etc/aws-kinesis/agent.json). */
export const DEFAULT_AGENT_CONFIG_PATH = '/etc/aws-kinesis/agent.json';

const supported = (table: typeof AGENT_SETTINGS): string =>
  table
    .filter((s) => s.unsupported === undefined)
    .map((s) => `  ${s.key.padEnd(25)} ${s.help}`)
    .join('\n');

export const HELP = `log-agent — the Kinesis Agent's job in Node: tails log files named by its agent.json and ships
their lines to Kinesis Data Streams, checkpointing what Kinesis acknowledged

Usage: nx serve log-agent -- [options]     (or: tsx apps/log-agent/src/main.ts [options])

Options (environment variable in brackets; flags win over variables):
  --config <file>             the Kinesis Agent's agent.json           [LOG_AGENT_CONFIG]           default ${DEFAULT_AGENT_CONFIG_PATH}
  --host <addr>               address of /healthz and /metrics         [LOG_AGENT_HOST]             default 0.0.0.0
  --port <n>                  TCP port of /healthz and /metrics (0: any free port) [LOG_AGENT_PORT] default 8092
  --checkpoint-file <file>    where checkpoints are kept; overrides    [LOG_AGENT_CHECKPOINT_FILE]  default agent.json's
                              agent.json's checkpointFile                                           checkpointFile
  --aggregation <on|off>      KPL aggregation of lines into fewer      [LOG_AGENT_AGGREGATION]      default on
                              records (off: consumers that cannot deaggregate)
  --log-level <level>         trace | debug | info | warn | error | silent [LOG_LEVEL]              default info
  -h, --help                  this text

agent.json settings honoured (the Kinesis Agent's names, defaults and bounds); any other setting of the Kinesis
Agent is named at start as not supported and ignored; flows with deliveryStream (Firehose) are refused.
 Top level:
${supported(AGENT_SETTINGS)}
 Per flow ("flows": [ … ]):
${supported(FLOW_SETTINGS)}
 dataProcessingOptions (applied in order):
  SINGLELINE                  joins a multi-line record into one line (each line trimmed)
  CSVTOJSON                   ${OPTION_SETTINGS['CSVTOJSON'].slice(1).join(', ')} (delimiter is a regex, default ",")
  LOGTOJSON                   ${OPTION_SETTINGS['LOGTOJSON'].slice(1).join(', ')}
                              logFormat: ${LOG_FORMATS.join(', ')}
                              lines that do not parse are dropped and counted, as the Kinesis Agent does
  ADDMETADATA                 metadataFields (or metadata), jsonFormat: {"metadata": …, "data": "<record>"}
  ADDBRACKETS                 wraps the record in { }
  refused: ${Object.keys(REFUSED_OPTIONS).join(', ')}

AWS: region, credentials and endpoint come from AWS's own environment (AWS_REGION, AWS_PROFILE or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL) unless agent.json sets them. Against the local emulator:
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
SIGTERM or SIGINT stops reading, flushes what was read, saves the checkpoints and exits 0.
`;

const schema = z.object({
  configPath: nonEmptyText,
  host: nonEmptyText,
  port: portSetting,
  checkpointFile: nonEmptyText.optional(),
  aggregation: booleanSetting,
  logLevel: logLevelSetting,
});

export type LogAgentConfig = z.output<typeof schema>;

/** Flag and variable of each setting, as the error and `--help` name them. */
export const SETTING_NAMES: Readonly<Record<keyof LogAgentConfig, string>> = {
  configPath: '--config / LOG_AGENT_CONFIG',
  host: '--host / LOG_AGENT_HOST',
  port: '--port / LOG_AGENT_PORT',
  checkpointFile: '--checkpoint-file / LOG_AGENT_CHECKPOINT_FILE',
  aggregation: '--aggregation / LOG_AGENT_AGGREGATION',
  logLevel: '--log-level / LOG_LEVEL',
};

/** The defaults, as strings (what a flag or variable would hold); --help quotes the same values. */
export const DEFAULTS = {
  configPath: DEFAULT_AGENT_CONFIG_PATH,
  host: '0.0.0.0',
  port: '8092',
  aggregation: 'on',
  logLevel: 'info',
} as const;

/** `--help` wins over everything else, so that it works even when the environment holds a bad setting. */
export type LoadedConfig = { help: true } | { help: false; config: LogAgentConfig };

/** Reads flags (`argv` without node and the script) and `env`, and validates them; throws a ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const { flags, pick } = readSettings(argv, env, {
    strings: ['config', 'host', 'port', 'checkpoint-file', 'aggregation', 'log-level'],
  });
  if (flags.help) return { help: true };
  const raw = {
    configPath: pick(flags.config, 'LOG_AGENT_CONFIG', DEFAULTS.configPath),
    host: pick(flags.host, 'LOG_AGENT_HOST', DEFAULTS.host),
    port: pick(flags.port, 'LOG_AGENT_PORT', DEFAULTS.port),
    checkpointFile: pick(flags['checkpoint-file'], 'LOG_AGENT_CHECKPOINT_FILE'),
    aggregation: pick(flags.aggregation, 'LOG_AGENT_AGGREGATION', DEFAULTS.aggregation),
    logLevel: pick(flags['log-level'], 'LOG_LEVEL', DEFAULTS.logLevel),
  };
  return { help: false, config: parseConfig(schema, raw, SETTING_NAMES) };
}
