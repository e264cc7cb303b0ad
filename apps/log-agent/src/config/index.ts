/**
 * config/: the app's own settings (log-agent-config.ts: flags, env, --help) and the Kinesis Agent's agent.json
 * (agent-config-parser.ts: validated with the agent's defaults and bounds; settings not honoured reported, not fatal;
 * Firehose flows refused). main.ts:
 *
 *   const loaded = loadConfig(argv, env);                  // ConfigError names the flag/variable
 *   const { config, unsupported } = readAgentConfigSync(loaded.config.configPath); // AgentConfigError;
 *                                                          //   (comments allowed, as the agent allows them)
 *   for (const u of unsupported) log.warn(u, formatUnsupported(u));
 *   checkpoint file: loaded.config.checkpointFile ?? config.checkpointFile
 */
export { loadConfig, HELP, DEFAULTS, SETTING_NAMES, DEFAULT_AGENT_CONFIG_PATH, ConfigError, type LogAgentConfig, type LoadedConfig } from './log-agent-config';
export { parseAgentConfig, formatUnsupported, type AgentConfig, type FlowConfig, type UnsupportedSetting, type ParsedAgentConfig } from './agent-config-parser';
export { readAgentConfig, readAgentConfigSync, parseAgentConfigText } from './agent-config-reader';
export { parseAgentJson } from './agent-json-text';
export { AgentConfigError, type AgentConfigErrorCode, type AgentConfigProblem } from './agent-config-error';
export { AGENT_DEFAULTS, FLOW_DEFAULTS } from './agent-config-schema';
export { AGENT_SETTINGS, FLOW_SETTINGS, REFUSED_OPTIONS } from './agent-settings';
