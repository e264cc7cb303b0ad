/**
 * `agent.json` → the typed configuration the app runs on, plus the list of settings it does not honour. Pure: the
 * caller reads the file (agent-config-reader.ts).
 *
 * What happens to each key:
 * - a setting this agent honours: validated (agent-config-schema.ts) with the Kinesis Agent's defaults and bounds;
 *   a bad value refuses the file, every problem listed at once;
 * - a setting the Kinesis Agent has but this one does not honour (agent-settings.ts): reported, then ignored;
 * - a key the Kinesis Agent does not know: reported as unknown, then ignored — the Java agent reads its
 *   configuration as a plain map and never looks at other keys (config/Configuration.java), so a file that runs
 *   there must not be refused here for a typo it never noticed;
 * - a flow with `deliveryStream` (Firehose, FileFlowFactory.java): refused, naming the flow;
 * - a data processing option found only in the agent's sources (ADDEC2METADATA): refused by name; an option name
 *   the agent does not have: refused (the agent's readEnum fails the same way).
 *
 * Each option is built once here (FlowProcessing), so a matchPattern or multiLineStartPattern that cannot run in
 * JavaScript, or a customFieldNames of the wrong length, refuses the file at start rather than dropping records;
 * the filePattern is checked the way the tailer will read it (tailing/file-pattern.ts), so its refusal is listed
 * with the others.
 */
import { z } from 'zod';
import { FlowProcessing, ProcessingError, type ProcessingOption } from '../processing';
import { parseFilePattern } from '../tailing/file-pattern';
import { TailingError } from '../tailing/tailing-error';
import { AgentConfigError, type AgentConfigProblem } from './agent-config-error';
import { agentTopLevelSchema, flowSchema, optionSchemas, type FlowSettings } from './agent-config-schema';
import { AGENT_SETTINGS, FLOW_SETTINGS, OPTION_SETTINGS, REFUSED_OPTIONS, type AgentSetting } from './agent-settings';

export interface FlowConfig extends Omit<FlowSettings, 'dataProcessingOptions'> {
  /** The agent's flow id (KinesisFileFlow: `kinesis:<stream>:<filePattern>`). */
  id: string;
  dataProcessingOptions: ProcessingOption[];
}

export interface AgentConfig {
  checkpointFile: string;
  checkpointTimeToLiveDays: number;
  shutdownTimeoutMillis: number;
  kinesisEndpoint?: string;
  kinesisRegion?: string;
  /** Static credentials from agent.json; both or neither. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  cloudwatchEmitMetrics: boolean;
  flows: FlowConfig[];
}

/** A setting read from agent.json that this agent ignores; main.ts logs each at start (formatUnsupported). */
export interface UnsupportedSetting {
  /** The flow's filePattern; absent for top-level settings. */
  flow?: string;
  /** The key, with its place inside the flow when nested (`dataProcessingOptions[0].foo`). */
  setting: string;
  why: string;
}

export interface ParsedAgentConfig {
  config: AgentConfig;
  unsupported: UnsupportedSetting[];
}

/** "flow /var/log/app/*.log: setting X is not supported: …" (or "agent.json: setting X …" at the top level). */
export function formatUnsupported(u: UnsupportedSetting): string {
  return `${u.flow === undefined ? 'agent.json' : `flow ${u.flow}`}: setting ${u.setting} is not supported: ${u.why}`;
}

const UNKNOWN = 'the Kinesis Agent has no such setting; ignored';

/** Validates a parsed agent.json; throws an AgentConfigError listing every problem. */
export function parseAgentConfig(json: unknown): ParsedAgentConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new AgentConfigError('AGENT_CONFIG_INVALID', 'agent.json must hold a JSON object with "flows"');
  }
  const raw = json as Record<string, unknown>;
  const problems: AgentConfigProblem[] = [];
  const unsupported: UnsupportedSetting[] = [];
  reportKeys(raw, AGENT_SETTINGS, undefined, '', unsupported);
  const top = agentTopLevelSchema.safeParse(raw);
  if (!top.success) problems.push(...zodProblems(top.error, '', undefined, raw));
  const flows: FlowConfig[] = [];
  const rawFlows = Array.isArray(raw['flows']) ? raw['flows'] : [];
  rawFlows.forEach((rawFlow, i) => {
    const flow = parseFlow(rawFlow, `flows[${i}]`, problems, unsupported);
    if (flow) flows.push(flow);
  });
  if (problems.length > 0) {
    // Firehose flows alone get their own code, so that the operator is told the file is otherwise fine.
    const onlyFirehose = problems.every((p) => p.path.endsWith('.deliveryStream'));
    const code = onlyFirehose ? 'FIREHOSE_FLOW_REFUSED' : 'AGENT_CONFIG_INVALID';
    throw new AgentConfigError(code, describe(problems), problems);
  }
  // Its issues are in problems already, so this only narrows the type.
  if (!top.success) throw new AgentConfigError('AGENT_CONFIG_INVALID', 'agent.json is not usable');
  const t = top.data;
  if ((t.awsAccessKeyId === undefined) !== (t.awsSecretAccessKey === undefined)) {
    const p = { path: 'awsAccessKeyId', message: 'awsAccessKeyId and awsSecretAccessKey go together: give both or neither' };
    throw new AgentConfigError('AGENT_CONFIG_INVALID', describe([p]), [p]);
  }
  if (t['cloudwatch.emitMetrics'] && 'cloudwatch.emitMetrics' in raw) {
    unsupported.push({ setting: 'cloudwatch.emitMetrics', why: 'metrics are served on /metrics (Prometheus), not sent to CloudWatch' });
  }
  const config: AgentConfig = {
    checkpointFile: t.checkpointFile,
    checkpointTimeToLiveDays: t.checkpointTimeToLiveDays,
    shutdownTimeoutMillis: t.shutdownTimeoutMillis,
    kinesisEndpoint: t['kinesis.endpoint'],
    kinesisRegion: t['kinesis.region'],
    credentials:
      t.awsAccessKeyId !== undefined && t.awsSecretAccessKey !== undefined
        ? { accessKeyId: t.awsAccessKeyId, secretAccessKey: t.awsSecretAccessKey }
        : undefined,
    cloudwatchEmitMetrics: t['cloudwatch.emitMetrics'],
    flows,
  };
  return { config, unsupported };
}

function parseFlow(
  rawFlow: unknown,
  path: string,
  problems: AgentConfigProblem[],
  unsupported: UnsupportedSetting[],
): FlowConfig | undefined {
  if (rawFlow === null || typeof rawFlow !== 'object' || Array.isArray(rawFlow)) {
    problems.push({ path, message: 'expected a flow object' });
    return undefined;
  }
  const f = rawFlow as Record<string, unknown>;
  const name = typeof f['filePattern'] === 'string' ? f['filePattern'] : path;
  if ('deliveryStream' in f) {
    problems.push({
      flow: name,
      path: `${path}.deliveryStream`,
      message:
        `Firehose flow refused: flow ${name} sends to the Firehose delivery stream ${JSON.stringify(f['deliveryStream'])}; ` +
        'this agent sends to Kinesis Data Streams only (give the flow a kinesisStream instead, or keep it on the Java agent)',
    });
    return undefined;
  }
  reportKeys(f, FLOW_SETTINGS, name, '', unsupported);
  const parsed = flowSchema.safeParse(f);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error, path, name, f));
    return undefined;
  }
  const options = parseOptions(parsed.data.dataProcessingOptions, path, name, problems, unsupported);
  if (options === undefined) return undefined;
  const flow: FlowConfig = {
    ...parsed.data,
    id: `kinesis:${parsed.data.kinesisStream}:${parsed.data.filePattern}`,
    dataProcessingOptions: options,
  };
  try {
    parseFilePattern(flow.filePattern);
    new FlowProcessing(flow);
  } catch (err) {
    if (!(err instanceof ProcessingError) && !(err instanceof TailingError)) throw err;
    problems.push({ flow: name, path: err instanceof TailingError ? `${path}.filePattern` : path, message: err.message });
    return undefined;
  }
  return flow;
}

function parseOptions(
  rawOptions: unknown[],
  flowPath: string,
  flow: string,
  problems: AgentConfigProblem[],
  unsupported: UnsupportedSetting[],
): ProcessingOption[] | undefined {
  const options: ProcessingOption[] = [];
  let ok = true;
  rawOptions.forEach((rawOption, j) => {
    const where = `dataProcessingOptions[${j}]`;
    const path = `${flowPath}.${where}`;
    const o = (rawOption ?? {}) as Record<string, unknown>;
    const name = typeof o === 'object' ? o['optionName'] : undefined;
    if (typeof name !== 'string' || !(name in optionSchemas)) {
      ok = false;
      const refusal = typeof name === 'string' ? REFUSED_OPTIONS[name] : undefined;
      const message = refusal
        ? `optionName ${name} is not supported: ${refusal}`
        : `optionName must be one of ${Object.keys(optionSchemas).join(', ')}${typeof name === 'string' ? ` (got ${name})` : ''}`;
      problems.push({ flow, path: `${path}.optionName`, message });
      return;
    }
    for (const key of Object.keys(o)) {
      if (!OPTION_SETTINGS[name].includes(key)) unsupported.push({ flow, setting: `${where}.${key}`, why: `${name} has no such setting; ignored` });
    }
    const parsed = optionSchemas[name as keyof typeof optionSchemas].safeParse(o);
    if (!parsed.success) {
      ok = false;
      problems.push(...zodProblems(parsed.error, path, flow, o));
      return;
    }
    options.push(parsed.data as ProcessingOption);
  });
  return ok ? options : undefined;
}

function reportKeys(
  obj: Record<string, unknown>,
  table: readonly AgentSetting[],
  flow: string | undefined,
  prefix: string,
  unsupported: UnsupportedSetting[],
): void {
  for (const key of Object.keys(obj)) {
    const known = table.find((s) => s.key === key);
    if (known?.unsupported) unsupported.push({ flow, setting: prefix + key, why: known.unsupported });
    else if (!known) unsupported.push({ flow, setting: prefix + key, why: UNKNOWN });
  }
}

function zodProblems(error: z.ZodError, base: string, flow: string | undefined, input: unknown): AgentConfigProblem[] {
  return error.issues.map((issue) => {
    const rel = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const path = (base + rel).replace(/^\./, '');
    // zod does not always carry the input on an issue: look the value up where the issue points.
    const value = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), input);
    const missing = value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
    return { flow, path, message: missing ? 'is required' : issue.message };
  });
}

function describe(problems: readonly AgentConfigProblem[]): string {
  const lines = problems.map((p) => `  ${p.flow !== undefined ? `flow ${p.flow}: ` : ''}${p.path}: ${p.message}`);
  return `agent.json is not usable:\n${lines.join('\n')}`;
}
