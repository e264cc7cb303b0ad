/**
 * Events for metrics (conventions.md §13): apps subscribe with `diagnostics_channel.subscribe(name, fn)` and
 * count authentications and rejections by kind and code. Messages never carry credentials.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

export const AUTH_CHANNELS = {
  authenticated: 'tributary:auth:authenticated',
  rejected: 'tributary:auth:rejected',
} as const;

export interface AuthenticatedEvent {
  kind: 'api-key' | 'jwt';
  subject: string;
}

export interface RejectedEvent {
  code: string;
  status: number;
  /** Which credential was presented, if any. */
  scheme: 'api-key' | 'bearer' | 'none' | 'other';
}

export const authenticatedChannel = diagnosticsChannel.channel(AUTH_CHANNELS.authenticated);
export const rejectedChannel = diagnosticsChannel.channel(AUTH_CHANNELS.rejected);
