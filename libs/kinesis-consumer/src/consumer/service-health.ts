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
import { OutageTracker } from '@tributary/runtime';
import { DependencyError, type ConsumerError } from '../consumer-error';

export type ConsumerService = 'kinesis' | 'dynamodb';

const SERVICES: readonly ConsumerService[] = ['kinesis', 'dynamodb'];

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

/** Kinesis and DynamoDB on the shared OutageTracker (@tributary/runtime), plus when each was last healthy from. */
export class ServiceHealth {
  private readonly outages = new OutageTracker<ConsumerService, { code: string; message: string }>();
  /** When each service was last seen healthy from (start, or the end of its last outage). */
  private readonly upSince = new Map<ConsumerService, number>();

  constructor(now: number) {
    for (const service of SERVICES) this.upSince.set(service, now);
  }

  isDown(service: ConsumerService): boolean {
    return this.outages.outage(service) !== undefined;
  }

  failed(service: ConsumerService, error: ConsumerError, now: number): ServiceTransition | undefined {
    const reason = { code: error instanceof DependencyError ? error.awsCode : error.code, message: error.message };
    return this.outages.failed(service, reason, now) ? { kind: 'down', service, at: now, error } : undefined;
  }

  succeeded(service: ConsumerService, now: number): ServiceTransition | undefined {
    const change = this.outages.succeeded(service, now);
    if (change?.kind !== 'up') return undefined;
    this.upSince.set(service, now);
    return { kind: 'up', service, at: now, downForMs: change.downForMs, failures: change.failures };
  }

  status(): ServiceStatus[] {
    return SERVICES.map((service): ServiceStatus => {
      const outage = this.outages.outage(service);
      if (!outage) return { service, healthy: true, since: this.upSince.get(service) ?? 0, failures: 0 };
      return { service, healthy: false, since: outage.since, failures: outage.failures, lastError: { ...outage.reason } };
    });
  }
}
