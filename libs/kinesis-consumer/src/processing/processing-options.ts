/**
 * Options of the batch processor, validated once (the error names the setting) and resolved against
 * PROCESSING_DEFAULTS. The injected clock, timers and randomness let backoff and record age run on fake time.
 */
import { z } from 'zod';
import { ConsumerError } from '../consumer-error';
import { noopLogger, systemClock, systemTimers, type Clock, type Logger, type Timers } from '../consumer-types';
import { classifyHandlerFailure, type FailureOrigin } from './failure-classifier';
import { PROCESSING_DEFAULTS } from '../defaults';
import type {
  BatchHandler,
  DeadLetterSink,
  ProcessingDeadLetterEvent,
  ProcessingDiscardEvent,
  ProcessingOptions,
  ProcessingRetryEvent,
  RetryBackoff,
} from './processing-types';

export interface BatchProcessorOptions extends ProcessingOptions {
  handler: BatchHandler;
  clock?: Clock;
  timers?: Timers;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  /**
   * Whose failure a handler error is (default `classifyHandlerFailure`): a `platform` failure (throttling, 5xx,
   * unreachable service, typed `retriable: true`) is retried with capped backoff until it clears and spends no
   * retry budget; only `handler` failures lead to bisection and the dead-letter destination.
   */
  classifyFailure?: (error: unknown) => FailureOrigin;
  logger?: Logger;
  /** Metrics hooks; a hook that throws is logged and ignored. */
  onRetry?: (event: ProcessingRetryEvent) => void;
  onDeadLettered?: (event: ProcessingDeadLetterEvent) => void;
  onDiscarded?: (event: ProcessingDiscardEvent) => void;
}

export interface ResolvedProcessingOptions {
  handler: BatchHandler;
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  maximumRecordAgeInSeconds: number;
  retryBackoff: RetryBackoff;
  onFailure?: DeadLetterSink;
  clock: Clock;
  timers: Timers;
  random: () => number;
  classifyFailure: (error: unknown) => FailureOrigin;
  logger: Logger;
  onRetry?: (event: ProcessingRetryEvent) => void;
  onDeadLettered?: (event: ProcessingDeadLetterEvent) => void;
  onDiscarded?: (event: ProcessingDiscardEvent) => void;
}

const schema = z.object({
  // Lambda: -1 or 0..10,000; no upper bound here (a large budget is the user's call).
  maximumRetryAttempts: z.number().int().min(-1).optional(),
  bisectBatchOnFunctionError: z.boolean().optional(),
  // Lambda: -1 or 60..604,800; any positive age is accepted here (tests and short-retention streams).
  maximumRecordAgeInSeconds: z
    .number()
    .refine((v) => v === -1 || v > 0, 'must be -1 (no limit) or a positive number of seconds')
    .optional(),
  retryBackoff: z.object({ baseMs: z.number().min(0).optional(), maxMs: z.number().min(0).optional() }).strict().optional(),
});

export function invalidOption(setting: string, why: string): ConsumerError {
  return new ConsumerError('INVALID_OPTION', `Invalid consumer option ${setting}: ${why}`, false);
}

export function resolveProcessingOptions(options: BatchProcessorOptions): ResolvedProcessingOptions {
  if (typeof options.handler !== 'function') throw invalidOption('handler', 'must be a function.');
  const parsed = schema.safeParse({
    maximumRetryAttempts: options.maximumRetryAttempts,
    bisectBatchOnFunctionError: options.bisectBatchOnFunctionError,
    maximumRecordAgeInSeconds: options.maximumRecordAgeInSeconds,
    retryBackoff: options.retryBackoff,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidOption(issue.path.join('.') || '(options)', issue.message);
  }
  if (options.onFailure !== undefined && typeof options.onFailure.send !== 'function') {
    throw invalidOption('onFailure', 'must have a send(entries) method (a DeadLetterSink).');
  }
  for (const fn of ['random', 'classifyFailure', 'onRetry', 'onDeadLettered', 'onDiscarded'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') throw invalidOption(fn, 'must be a function.');
  }
  const d = PROCESSING_DEFAULTS;
  const retryBackoff = {
    baseMs: options.retryBackoff?.baseMs ?? d.retryBackoff.baseMs,
    maxMs: options.retryBackoff?.maxMs ?? Math.max(d.retryBackoff.maxMs, options.retryBackoff?.baseMs ?? 0),
  };
  if (retryBackoff.maxMs < retryBackoff.baseMs) throw invalidOption('retryBackoff.maxMs', 'must be >= retryBackoff.baseMs.');
  return {
    handler: options.handler,
    maximumRetryAttempts: options.maximumRetryAttempts ?? d.maximumRetryAttempts,
    bisectBatchOnFunctionError: options.bisectBatchOnFunctionError ?? d.bisectBatchOnFunctionError,
    maximumRecordAgeInSeconds: options.maximumRecordAgeInSeconds ?? d.maximumRecordAgeInSeconds,
    retryBackoff,
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    classifyFailure: options.classifyFailure ?? classifyHandlerFailure,
    logger: options.logger ?? noopLogger,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.onDeadLettered ? { onDeadLettered: options.onDeadLettered } : {}),
    ...(options.onDiscarded ? { onDiscarded: options.onDiscarded } : {}),
  };
}
