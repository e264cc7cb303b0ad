/**
 * `POST /v1/telemetry`: one JSON record or an NDJSON batch in, one result per record out, in order.
 *
 * The steps run cheapest first, so that a client we are going to refuse costs us as little as possible:
 * content type (415) → per-key rate (429) → body size while reading (413) → JSON and schema per record (400 if
 * nothing is valid) → room in the in-flight window (503) → `producer.put()` for every valid record, in order,
 * and wait for Kinesis' acknowledgements.
 *
 * Answer (documented in the README):
 * - 200 when every record was acknowledged;
 * - 207 Multi-Status when at least one record was acknowledged and at least one was not (invalid, or not
 *   delivered): the body is the same document, and each result has its own status;
 * - 400 (problem JSON with the results) when no record was valid; 503 (idem, with Retry-After) when valid records
 *   could not be delivered and none was acknowledged.
 *
 * Records of one device keep their order within a request (they are put in line order and partitioned by device
 * id); across concurrent requests of one device there is no order to keep — the client chose none.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { getPrincipal, sendProblem } from '@tributary/auth';
import { encodeTelemetry, type ValidationIssue } from '@tributary/schemas';
import type { KinesisProducer } from '@tributary/kinesis-producer';
import type { KeyStrategy } from '@tributary/partitioning';
import type { InFlightWindow } from '../in-flight-window';
import type { TelemetryMetrics } from '../telemetry-metrics';
import { IngestError } from './ingest-error';
import type { KeyRateLimiter } from './key-rate-limiter';
import { problemOf } from './problem-response';
import { readRequestBody } from './request-body-reader';
import { bodyFormatOf, parseTelemetryBody, type ParsedItem } from './telemetry-body-parser';

/** What the controller needs of the producer. */
export type IngestProducer = Pick<KinesisProducer, 'put'>;

export type RecordResult =
  | { index: number; line?: number; status: 'accepted'; shardId: string; sequenceNumber: string; subSequenceNumber?: number }
  | { index: number; line?: number; status: 'invalid'; errors: ValidationIssue[] }
  | { index: number; line?: number; status: 'failed'; error: { code: string; message: string; retriable: boolean } };

export interface IngestSummary {
  accepted: number;
  invalid: number;
  failed: number;
  results: RecordResult[];
}

export interface TelemetryIngestControllerOptions {
  producer: IngestProducer;
  keyStrategy: KeyStrategy;
  bodyLimit: number;
  /** Absent: no per-key limit. */
  rateLimiter?: KeyRateLimiter;
  window: InFlightWindow;
  metrics: TelemetryMetrics;
  logger: Logger;
  /** True once shutdown began: new requests get 503. */
  isClosing(): boolean;
}

export function telemetryIngestController(options: TelemetryIngestControllerOptions) {
  const { window, metrics, logger } = options;

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (options.isClosing()) throw shuttingDown();
      const format = bodyFormatOf(req.headers['content-type']);
      const principal = getPrincipal(req);
      // The bucket key: API key id or JWT subject, prefixed so that the two can never collide.
      const rateKey = principal ? `${principal.kind}:${principal.subject}` : 'anonymous';
      admitRate(options.rateLimiter, rateKey);
      const body = await readRequestBody(req, options.bodyLimit);
      const items = parseTelemetryBody(body, format);
      options.rateLimiter?.charge(rateKey, items.length - 1);

      const valid = items.filter((i): i is Extract<ParsedItem, { ok: true }> => i.ok);
      const invalidCount = items.length - valid.length;
      if (invalidCount > 0) metrics.recordsRejected.inc({ source: 'http', reason: 'invalid' }, invalidCount);
      admitBatch(items, valid.length, window);
      if (options.isClosing()) throw shuttingDown();
      if (!window.tryAcquire(valid.length)) {
        throw new IngestError('OVERLOADED', 'Too many records are waiting for Kinesis; retry shortly.', { retryAfterSeconds: 1 });
      }

      const settled: (RecordResult | undefined)[] = items.map((i) => (i.ok ? undefined : resultOfInvalid(i)));
      await Promise.all(
        valid.map(async (item) => {
          settled[item.index] = await putRecord(item, options).finally(() => window.release());
        }),
      );

      // Every put has settled by now, so every slot holds a result.
      const summary = summarise(settled as RecordResult[]);
      metrics.recordsAccepted.inc({ source: 'http' }, summary.accepted);
      if (summary.failed > 0) metrics.recordsRejected.inc({ source: 'http', reason: 'not_delivered' }, summary.failed);
      logger.debug({ subject: principal?.subject, accepted: summary.accepted, invalid: summary.invalid, failed: summary.failed }, 'ingest');
      if (summary.accepted === 0) {
        throw new IngestError('NOT_DELIVERED', `None of the ${summary.failed} valid record(s) was acknowledged by Kinesis.`, {
          retryAfterSeconds: 1,
          extensions: { ...summary },
        });
      }
      res.status(summary.accepted === items.length ? 200 : 207).json(summary);
    } catch (err) {
      next(err);
    }
  };
}

/** 429 before the body is read when the client's bucket is empty. */
function admitRate(rateLimiter: KeyRateLimiter | undefined, rateKey: string): void {
  if (!rateLimiter) return;
  const decision = rateLimiter.admit(rateKey);
  if (!decision.allowed) {
    throw new IngestError('RATE_LIMITED', `Rate limit exceeded for this client; retry in ${decision.retryAfterSeconds} s.`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/** 400 when nothing is valid, 413 when the valid records could never fit the in-flight window. */
function admitBatch(items: readonly ParsedItem[], validCount: number, window: InFlightWindow): void {
  if (validCount === 0) {
    const results = items.map((i) => resultOfInvalid(i as Extract<ParsedItem, { ok: false }>));
    throw new IngestError('NO_VALID_RECORDS', `None of the ${items.length} record(s) is valid.`, {
      extensions: { accepted: 0, invalid: items.length, failed: 0, results },
    });
  }
  if (validCount > window.capacity) {
    throw new IngestError('BODY_TOO_LARGE', `The batch holds ${validCount} valid records; this server takes at most ${window.capacity} at once.`, {
      extensions: { maxRecords: window.capacity },
    });
  }
}

/** One valid record through `producer.put()`: its acknowledgement, or why it was not delivered. Never rejects. */
async function putRecord(item: Extract<ParsedItem, { ok: true }>, options: Pick<TelemetryIngestControllerOptions, 'producer' | 'keyStrategy'>): Promise<RecordResult> {
  const where = item.line === undefined ? { index: item.index } : { index: item.index, line: item.line };
  try {
    const ack = await options.producer.put({ partitionKey: options.keyStrategy.partitionKeyFor(item.value.deviceId), data: encodeTelemetry(item.value) });
    return {
      ...where,
      status: 'accepted',
      shardId: ack.shardId,
      sequenceNumber: ack.sequenceNumber,
      ...(ack.subSequenceNumber !== undefined ? { subSequenceNumber: ack.subSequenceNumber } : {}),
    };
  } catch (err) {
    const e = err as Error & { code?: unknown; retriable?: unknown };
    return { ...where, status: 'failed', error: { code: typeof e.code === 'string' ? e.code : 'INTERNAL', message: e.message, retriable: e.retriable === true } };
  }
}

function resultOfInvalid(item: Extract<ParsedItem, { ok: false }>): RecordResult {
  const where = item.line === undefined ? { index: item.index } : { index: item.index, line: item.line };
  return { ...where, status: 'invalid', errors: item.errors };
}

function summarise(results: RecordResult[]): IngestSummary {
  let accepted = 0;
  let invalid = 0;
  let failed = 0;
  for (const r of results) {
    if (r.status === 'accepted') accepted++;
    else if (r.status === 'invalid') invalid++;
    else failed++;
  }
  return { accepted, invalid, failed, results };
}

function shuttingDown(): IngestError {
  return new IngestError('SHUTTING_DOWN', 'The server is shutting down; retry against another instance or shortly.', { retryAfterSeconds: 1 });
}

/** Sends an IngestError as problem JSON (used by the app's error handler). */
export function sendIngestError(res: Response, err: IngestError, instance?: string): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  sendProblem(res, problemOf(err, instance));
}
