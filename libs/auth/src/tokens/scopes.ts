/**
 * Scopes are colon-separated segments: `telemetry:write`, `streams:read`, `stream:<name>:read`. A granted scope
 * may use `*` for one whole segment (`stream:*:read` grants reading every stream); a required scope is always
 * literal. Nothing is implied beyond that: `streams:read` does not grant `stream:cam1:read`, so each grant can be
 * read off a key's list.
 */

/** One scope: segments of letters, digits and `_ . -` (stream names' charset), or a lone `*`. */
export const SCOPE_PATTERN = /^(?:[A-Za-z0-9_.-]+|\*)(?::(?:[A-Za-z0-9_.-]+|\*))*$/;

export function scopeMatches(granted: string, required: string): boolean {
  if (granted === required) return true;
  if (!granted.includes('*')) return false;
  const g = granted.split(':');
  const r = required.split(':');
  if (g.length !== r.length) return false;
  return g.every((segment, i) => segment === '*' || segment === r[i]);
}

export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.some((g) => scopeMatches(g, required));
}

/**
 * Scopes of a JWT: the `scope` claim (space-separated, RFC 8693 §4.2 / RFC 9068 §2.2.3) and the `scp` claim
 * (a space-separated string in Azure AD, an array in Okta), merged and de-duplicated.
 */
export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const claim of [claims['scope'], claims['scp']]) {
    const items = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
    for (const item of items) if (typeof item === 'string' && item !== '') out.add(item);
  }
  return [...out];
}
