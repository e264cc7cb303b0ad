/**
 * RFC 9457 problem documents for the ingest API's own errors, shaped like @tributary/auth's 401/403 answers so
 * that a client handles every refusal alike: `type` "about:blank" with the HTTP status phrase as `title`
 * (§4.2.1: no problem-type documents are published), the human explanation in `detail`, and our stable error
 * `code` plus any per-error members (`results`, `limitBytes`, …) as extension members.
 */
import { STATUS_CODES } from 'node:http';
import type { ProblemDetails } from '@tributary/auth';
import type { IngestError } from './ingest-error';

export function problemOf(err: IngestError, instance?: string): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    ...(instance !== undefined ? { instance } : {}),
    code: err.code,
    ...err.extensions,
  };
}
