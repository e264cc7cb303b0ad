/**
 * Reads `agent.json` from disk and parses it (agent-json-text.ts: comments allowed, as the agent's Jackson reader
 * allows them; agent-config-parser.ts). The only I/O of config/.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AgentConfigError } from './agent-config-error';
import { parseAgentConfig, type ParsedAgentConfig } from './agent-config-parser';
import { parseAgentJson } from './agent-json-text';

export async function readAgentConfig(path: string): Promise<ParsedAgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw unreadable(path, err);
  }
  return parseAgentConfigText(path, text);
}

/** The same, synchronously (for a service runner's synchronous loadConfig). */
export function readAgentConfigSync(path: string): ParsedAgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw unreadable(path, err);
  }
  return parseAgentConfigText(path, text);
}

function unreadable(path: string, err: unknown): AgentConfigError {
  return new AgentConfigError('AGENT_CONFIG_UNREADABLE', `cannot read the agent configuration ${path}: ${(err as Error).message}`, [], { cause: err });
}

/** agent.json's text (read from `path`, named in errors) → the parsed configuration. */
export function parseAgentConfigText(path: string, text: string): ParsedAgentConfig {
  let json: unknown;
  try {
    json = parseAgentJson(text);
  } catch (err) {
    throw new AgentConfigError('AGENT_CONFIG_UNREADABLE', `${path} is not JSON: ${(err as Error).message}`, [], { cause: err });
  }
  try {
    return parseAgentConfig(json);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      throw new AgentConfigError(err.code, err.message.replace(/^agent\.json/, path), err.problems, { cause: err.cause });
    }
    throw err;
  }
}
