/**
 * A refused `agent.json` (conventions §8: `code` + `retriable`; never retriable, the same file fails the same way).
 * The message lists every problem, each by its place in the file and the flow it belongs to, so one failed start
 * tells the operator everything.
 */
import { TributaryError } from '@tributary/errors';

export type AgentConfigErrorCode =
  /** The file could not be read or is not JSON. */
  | 'AGENT_CONFIG_UNREADABLE'
  /** A setting has a bad value, a required one is missing, or an option cannot be built. */
  | 'AGENT_CONFIG_INVALID'
  /** A flow sends to Kinesis Data Firehose (`deliveryStream`), which this agent does not do. */
  | 'FIREHOSE_FLOW_REFUSED';

export interface AgentConfigProblem {
  /** The flow's filePattern, when the problem is inside a flow. */
  flow?: string;
  /** Where in agent.json, e.g. `flows[1].dataProcessingOptions[0].logFormat`. */
  path: string;
  message: string;
}

export class AgentConfigError extends TributaryError<AgentConfigErrorCode> {
  static override readonly brand: string = 'tributary.log-agent.AgentConfigError';
  override readonly name: string = 'AgentConfigError';
  declare readonly retriable: false;
  constructor(
    code: AgentConfigErrorCode,
    message: string,
    readonly problems: readonly AgentConfigProblem[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(code, message, false, options);
  }
}
