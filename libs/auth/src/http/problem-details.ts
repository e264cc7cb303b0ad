/**
 * RFC 9457 problem details (`application/problem+json`). By default `type` is "about:blank" and `title` the
 * status phrase, as §4.2.1 asks when no problem-type document exists; the `code` extension member carries our
 * stable error code for programs. Give `typeBase` (a URI prefix you publish documentation under) to get a
 * `type` per code and the code's own title instead.
 */
import type { Response } from 'express';
import { AUTH_ERROR_CLASSES, type AuthError } from '../errors';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  /** e.g. `https://docs.example.com/problems/` → type `https://docs.example.com/problems/invalid-credentials`. */
  typeBase?: string;
}

const STATUS_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemFromAuthError(err: AuthError, options: ProblemOptions = {}): ProblemDetails {
  const cls = AUTH_ERROR_CLASSES[err.code];
  const specific = options.typeBase !== undefined;
  return {
    type: specific ? `${options.typeBase}${err.code.toLowerCase().replace(/_/g, '-')}` : 'about:blank',
    title: specific ? cls.title : (STATUS_PHRASES[err.status] ?? cls.title),
    status: err.status,
    detail: err.message,
    code: err.code,
  };
}

export function sendProblem(res: Response, problem: ProblemDetails): void {
  res
    .status(problem.status)
    .set('Content-Type', 'application/problem+json; charset=utf-8')
    .set('Cache-Control', 'no-store')
    .send(JSON.stringify(problem));
}
