/**
 * Whether the services a worker depends on answer: Kinesis (reads, shard listing) and DynamoDB (the lease table).
 * A worker whose backends are unreachable kept saying it was fine (issue 12: `/healthz` 200 through a 61-s outage
 * of both, and no line said when it ended). Pure: the worker feeds it each call's outcome with the time, and it
 * answers with a transition only when the state changes, so an outage is reported once when it starts and once
 * when it ends, however many calls fail in between.
 *
 * A service is down from its first failure after a success, and up again at its first success: its calls retry
 * every second or so (lease taker, renewals, GetRecords), so a blip shows as a short outage rather than as
 * silence, and recovery is seen within about a second.
 */
import { DependencyError, type ConsumerError } from '../consumer-error';

export type ConsumerService = 'kinesis' | 'dynamodb';

export interface ServiceStatus {
  service: ConsumerService;
  healthy: boolean;
  /** Since when it is in this state (epoch ms). */
  since: number;
  /** Failures since it went down (0 while healthy). */
  failures: number;
  /** The failure that took it down, then the latest one. */
  lastError?: { code: string; message: string };
}

export type ServiceTransition =
  | { kind: 'down'; service: ConsumerService; at: number; error: ConsumerError }
  | { kind: 'up'; service: ConsumerService; at: number; downForMs: number; failures: number };

/** The Kinesis operations of the worker; every other dependency failure is the lease table's (DynamoDB). */
const KINESIS_OPERATIONS: ReadonlySet<string> = new Set([
  'GetRecords',
  'GetShardIterator',
  'SubscribeToShard',
  'ListShards',
  'ShardSync',
  'DescribeStreamSummary',
  'DescribeStreamConsumer',
  'RegisterStreamConsumer',
  'ListStreamConsumers',
]);

/** Which service a worker error is a failure of, if any (a handler's or an internal failure is neither). */
export function serviceOf(error: ConsumerError): ConsumerService | undefined {
  if (!(error instanceof DependencyError)) return undefined;
  return KINESIS_OPERATIONS.has(error.operation) ? 'kinesis' : 'dynamodb';
}

export class ServiceHealth {
  private readonly states = new Map<ConsumerService, ServiceStatus>();

  constructor(now: number) {
    for (const service of ['kinesis', 'dynamodb'] as const) this.states.set(service, { service, healthy: true, since: now, failures: 0 });
  }

  isDown(service: ConsumerService): boolean {
    return !this.state(service).healthy;
  }

  failed(service: ConsumerService, error: ConsumerError, now: number): ServiceTransition | undefined {
    const s = this.state(service);
    s.lastError = { code: error instanceof DependencyError ? error.awsCode : error.code, message: error.message };
    if (!s.healthy) {
      s.failures++;
      return undefined;
    }
    s.healthy = false;
    s.since = now;
    s.failures = 1;
    return { kind: 'down', service, at: now, error };
  }

  succeeded(service: ConsumerService, now: number): ServiceTransition | undefined {
    const s = this.state(service);
    if (s.healthy) return undefined;
    const transition: ServiceTransition = { kind: 'up', service, at: now, downForMs: now - s.since, failures: s.failures };
    this.states.set(service, { service, healthy: true, since: now, failures: 0 });
    return transition;
  }

  status(): ServiceStatus[] {
    return [...this.states.values()].map((s) => ({ ...s, ...(s.lastError ? { lastError: { ...s.lastError } } : {}) }));
  }

  private state(service: ConsumerService): ServiceStatus {
    const s = this.states.get(service);
    if (!s) throw new RangeError(`unknown service ${service}`);
    return s;
  }
}
