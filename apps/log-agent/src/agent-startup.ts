/**
 * From what config/ reads to what the app runs on: the app's flags/env (log-agent-config.ts) and agent.json
 * (agent-config-parser.ts), read synchronously in the service runner's `loadConfig`, so that a bad agent.json is a
 * settings error (exit 2, every problem listed) before any logger or client exists, as a bad flag is.
 */
import {
  formatUnsupported,
  loadConfig as loadSettings,
  readAgentConfigSync,
  type LogAgentConfig as AppSettings,
  type ParsedAgentConfig,
} from './config';
import type { LogAgentConfig } from './log-agent-app';

export interface LogAgentStartup {
  settings: AppSettings;
  agent: ParsedAgentConfig;
}

export type LoadedStartup = { help: true } | { help: false; config: LogAgentStartup };

/** Reads and parses agent.json at `path` with config/'s reader (comments allowed, as the agent's Jackson allows). */
export { readAgentConfigSync };

export function loadStartup(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedStartup {
  const loaded = loadSettings(argv, env);
  if (loaded.help) return loaded;
  return { help: false, config: { settings: loaded.config, agent: readAgentConfigSync(loaded.config.configPath) } };
}

/** The app's configuration: agent.json's flows and AWS settings, the flags' listener, checkpoint and aggregation. */
export function appConfigOf(startup: LogAgentStartup): LogAgentConfig {
  const { settings, agent } = startup;
  const c = agent.config;
  return {
    flows: c.flows,
    checkpointFile: settings.checkpointFile ?? c.checkpointFile,
    checkpointTimeToLiveDays: c.checkpointTimeToLiveDays,
    ...(c.kinesisEndpoint !== undefined ? { kinesisEndpoint: c.kinesisEndpoint } : {}),
    ...(c.kinesisRegion !== undefined ? { kinesisRegion: c.kinesisRegion } : {}),
    ...(c.credentials !== undefined ? { credentials: c.credentials } : {}),
    unsupported: agent.unsupported.map((u) => ({ ...u, message: formatUnsupported(u) })),
    host: settings.host,
    port: settings.port,
    delivery: { aggregation: settings.aggregation },
  };
}
