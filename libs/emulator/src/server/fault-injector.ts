/**
 * Fault injection for testing the other apps against a misbehaving backend: latency, throttling, internal
 * failures and dropped connections, by service, operation, stream, shard and table, with a probability and an
 * optional count. Rules are managed over the admin endpoint (`/_tributary/faults`) or in process; none exist
 * unless asked for.
 *
 * In PutRecords, throttle and error rules fail individual entries (a partial failure, HTTP 200), since that is
 * what a producer must handle; everywhere else (every DynamoDB and Kinesis Video operation included) they fail
 * the whole call (PutMedia and GetMedia before their 200).
 */
import { z } from 'zod';

export const FAULT_SERVICES = ['kinesis', 'dynamodb', 'kinesisvideo'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

export const faultRuleSchema = z
  .object({
    /** The service whose calls the rule matches; every service when absent. */
    service: z.enum(FAULT_SERVICES).optional(),
    /** Operation names (`PutRecords`, `GetRecords`, `PutItem`, …); all operations when absent. */
    operations: z.array(z.string().min(1)).optional(),
    /** Kinesis (Data Streams or Video Streams) stream; the rule then matches calls of those two services only. */
    streamName: z.string().min(1).optional(),
    shardId: z.string().min(1).optional(),
    /** DynamoDB table (the rule then matches DynamoDB calls only; batch calls match any table they touch). */
    tableName: z.string().min(1).optional(),
    /** Added before the call is handled. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Share of matching calls (or PutRecords entries) answered with ProvisionedThroughputExceededException. */
    throttleRate: z.number().min(0).max(1).optional(),
    /** Share answered with InternalFailure (HTTP 500). */
    errorRate: z.number().min(0).max(1).optional(),
    /** Share whose connection is destroyed without an answer. */
    dropRate: z.number().min(0).max(1).optional(),
    /** The rule removes itself after firing this many times. */
    count: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const kinesisOnly = rule.streamName !== undefined || rule.shardId !== undefined;
    if (kinesisOnly && (rule.service === 'dynamodb' || rule.tableName !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['tableName'], message: 'streamName and shardId match Kinesis calls; tableName and service "dynamodb" match DynamoDB calls.' });
    }
    if (rule.tableName !== undefined && (rule.service === 'kinesis' || rule.service === 'kinesisvideo')) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'tableName matches DynamoDB calls only.' });
    }
    if (rule.shardId !== undefined && rule.service === 'kinesisvideo') {
      ctx.addIssue({ code: 'custom', path: ['shardId'], message: 'shardId matches Kinesis Data Streams calls only.' });
    }
  });

export type FaultRuleInput = z.infer<typeof faultRuleSchema>;
export interface FaultRule extends FaultRuleInput {
  id: string;
  fired: number;
}

export type CallFault = { latencyMs: number; action?: 'throttle' | 'internal' | 'drop' };

/** What a call is about, for matching: its service and the stream or tables it names. */
export interface FaultTarget {
  service: FaultService;
  streamName?: string;
  tableNames?: readonly string[];
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...faultRuleSchema.parse(input), id: `fault-${this.nextId++}`, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** Whole-call faults, checked by the router before the operation runs. */
  callFault(operation: string, target: FaultTarget): CallFault {
    const result: CallFault = { latencyMs: 0 };
    if (this.rules.length === 0) return result;
    const perRecord = target.service === 'kinesis' && operation === 'PutRecords';
    for (const rule of this.matching(operation, target, undefined, true)) {
      result.latencyMs += rule.latencyMs ?? 0;
      if (result.action) continue;
      if (rule.dropRate && this.random() < rule.dropRate) result.action = 'drop';
      else if (!perRecord && !rule.shardId && rule.errorRate && this.random() < rule.errorRate) result.action = 'internal';
      else if (!perRecord && !rule.shardId && rule.throttleRate && this.random() < rule.throttleRate) result.action = 'throttle';
      if (result.action || rule.latencyMs) this.fire(rule);
    }
    return result;
  }

  /** Per-record (PutRecords) or per-shard faults of Kinesis, checked by operations once the shard is known. */
  recordFault(operation: string, streamName: string, shardId: string): 'throttle' | 'internal' | undefined {
    if (this.rules.length === 0) return undefined;
    const perRecord = operation === 'PutRecords';
    for (const rule of this.matching(operation, { service: 'kinesis', streamName }, shardId, false)) {
      if (!perRecord && !rule.shardId) continue; // already applied to the whole call
      if (rule.errorRate && this.random() < rule.errorRate) {
        this.fire(rule);
        return 'internal';
      }
      if (rule.throttleRate && this.random() < rule.throttleRate) {
        this.fire(rule);
        return 'throttle';
      }
    }
    return undefined;
  }

  private *matching(operation: string, target: FaultTarget, shardId: string | undefined, anyShard: boolean): Generator<FaultRule> {
    for (const rule of [...this.rules]) {
      if (rule.service && rule.service !== target.service) continue;
      if (rule.operations && !rule.operations.includes(operation)) continue;
      if (rule.streamName && rule.streamName !== target.streamName) continue;
      if (rule.tableName && !target.tableNames?.includes(rule.tableName)) continue;
      if (rule.shardId && target.service !== 'kinesis') continue;
      if (rule.shardId && !anyShard && rule.shardId !== shardId) continue;
      if (rule.shardId && anyShard && (rule.errorRate || rule.throttleRate) && !rule.latencyMs && !rule.dropRate) continue;
      yield rule;
    }
  }

  private fire(rule: FaultRule): void {
    rule.fired++;
    if (rule.count !== undefined && rule.fired >= rule.count) this.remove(rule.id);
  }
}
