/**
 * zod issues → `{ path, message }` pairs a human or an HTTP client can read: a dotted path (`metrics.temp`,
 * `location.lat`), brackets for keys that are not plain identifiers (`metrics["cpu.load"]`, `metrics[""]`), and
 * the messages of nested issues (record keys, unions) lifted to the top so that no problem hides inside another.
 */
import type { z } from 'zod';

export interface ValidationIssue {
  /** Field path, e.g. `metrics.temp`; the empty string for the value as a whole. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export function toValidationIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
      // A record key that fails its own schema: report each of its problems at the key's path.
      for (const inner of toValidationIssues(issue.issues, path)) out.push({ path: inner.path, message: `key: ${inner.message}` });
    } else {
      out.push({ path: formatIssuePath(path), message: issue.message });
    }
  }
  return out;
}

