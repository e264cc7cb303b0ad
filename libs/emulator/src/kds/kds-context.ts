/** What every KDS operation gets besides its input: who called, and the emulator's shared state. */
import type { StreamRegistry } from './stream-registry';
import type { FaultInjector } from '../server/fault-injector';

export interface RequestContext {
  requestId: string;
  region: string;
  accountId: string;
}

export interface KdsEnv {
  registry: StreamRegistry;
  faults: FaultInjector;
}

/** KDS JSON timestamps are epoch seconds with the milliseconds as fraction. */
export const toEpochSeconds = (ms: number): number => ms / 1000;

/** Accepts the forms SDKs send: epoch seconds (integer, fractional, exponent), numeric strings, ISO 8601. */
export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  const text = String(value);
  const n = Number(text);
  return Number.isFinite(n) ? n * 1000 : Date.parse(text);
}

/** Pagination tokens: opaque, carry their issue time for the 300 s expiry. */
export function encodeToken(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

export function decodeToken<T>(token: string): T | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
