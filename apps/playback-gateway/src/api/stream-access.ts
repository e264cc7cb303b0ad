/**
 * Who may read which stream: `video:read` grants every stream, `stream:<name>:read` one (and, with libs/auth's
 * one-segment wildcard, `stream:*:read` every stream too). Reading covers watching, clips and snapshots.
 */
import { hasScope, type Principal } from '@tributary/auth';

export const VIDEO_READ_SCOPE = 'video:read';

export const streamReadScope = (streamName: string): string => `stream:${streamName}:read`;

export function canReadStream(principal: Pick<Principal, 'scopes'>, streamName: string): boolean {
  return hasScope(principal.scopes, VIDEO_READ_SCOPE) || hasScope(principal.scopes, streamReadScope(streamName));
}
