/**
 * What an app says, once and in its own log, about a Node that its dependencies are leaving behind.
 *
 * Node 20 reached end of life on 30 April 2026 (nodejs.org release schedule; 22 is a maintenance LTS until 30
 * April 2027, 24 an LTS until 30 April 2028). @aws-sdk/core's releases published after the first week of January
 * 2027 need Node >= 22: on an older Node, the first SDK client a process constructs prints a multi-line process
 * warning on stderr saying so (`emitWarningIfUnsupportedVersion` in @aws-sdk/core/client), unless
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true. The project pins @aws-sdk 3.x releases that still run on
 * Node 20, so on 20 the apps work; the warning is then about the next upgrade. announceNodeSupport turns it into one
 * structured warn line at start, with what to do, and sets that variable so the SDK's raw text does not repeat it.
 * On Node 22 and later nothing applies: no line, and the variable is left as it was.
 */
import type { Logger } from '../logging/logger';

/** The variable @aws-sdk/core reads before printing its Node version warning. */
export const SDK_NODE_WARNING_ENV = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** The oldest Node major that @aws-sdk releases after the first week of January 2027 run on. */
export const SDK_MIN_NODE_MAJOR = 22;

/** End of life of the Node majors older than SDK_MIN_NODE_MAJOR that the project ran on (nodejs.org schedule). */
const END_OF_LIFE: Readonly<Record<number, string>> = { 18: 'April 2025', 20: 'April 2026' };

export interface NodeSupportNotice {
  /** The running version, e.g. "v20.20.2". */
  node: string;
  /** When that major reached end of life, e.g. "April 2026"; undefined for a major the table does not know. */
  nodeEndOfLife: string | undefined;
  /** The Node majors to move to. */
  supportedNodeMajors: number[];
  /** One line for the log. */
  message: string;
}

/** The major of a Node version string ("v20.20.2" → 20); NaN for anything else. */
export function nodeMajorOf(version: string): number {
  const m = /^v?(\d+)\.\d+\.\d+/.exec(version);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * The notice for Node `version` (process.version), or undefined when there is nothing to say: a major the SDK's
 * coming releases support, or a version string that is not one.
 */
export function nodeSupportNotice(version: string): NodeSupportNotice | undefined {
  const major = nodeMajorOf(version);
  if (!Number.isFinite(major) || major >= SDK_MIN_NODE_MAJOR) return undefined;
  const nodeEndOfLife = END_OF_LIFE[major];
  return {
    node: version,
    nodeEndOfLife,
    supportedNodeMajors: [22, 24],
    message:
      `Node ${major} ${nodeEndOfLife ? `reached end of life in ${nodeEndOfLife}` : 'is past end of life'}; ` +
      `AWS SDK releases after January 2027 need Node ${SDK_MIN_NODE_MAJOR}; this build pins @aws-sdk 3.x releases ` +
      `that still run on Node ${major} — run Node 22 or 24`,
  };
}

/**
 * At an app's start, before it constructs any SDK client: logs the notice for `version` at warn (one line) and sets
 * SDK_NODE_WARNING_ENV in `env` so the SDK's own multi-line warning does not say it again. Returns the notice, or
 * undefined (nothing logged, `env` untouched) on Node 22 and later. The app passes process.env and process.version.
 */
export function announceNodeSupport(logger: Pick<Logger, 'warn'>, env: Record<string, string | undefined>, version: string): NodeSupportNotice | undefined {
  const notice = nodeSupportNotice(version);
  if (notice === undefined) return undefined;
  const { message, ...fields } = notice;
  logger.warn(fields, message);
  env[SDK_NODE_WARNING_ENV] = 'true';
  return notice;
}
