import { hasScope, SCOPE_PATTERN, scopeMatches, scopesFromClaims } from './scopes';

describe('scopeMatches', () => {
  it.each<[string, string, boolean]>([
    ['telemetry:write', 'telemetry:write', true],
    ['telemetry:write', 'telemetry:read', false],
    ['streams:read', 'stream:cam1:read', false],
    ['stream:cam1:read', 'stream:cam1:read', true],
    ['stream:cam1:read', 'stream:cam2:read', false],
    ['stream:*:read', 'stream:cam1:read', true],
    ['stream:*:read', 'stream:cam1:write', false],
    ['stream:*:read', 'stream:read', false],
    ['stream:*', 'stream:cam1:read', false],
    ['*', 'telemetry', true],
    ['*', 'telemetry:write', false],
    ['stream:cam*:read', 'stream:cam1:read', false],
  ])('%s grants %s → %s', (granted, required, expected) => {
    expect(scopeMatches(granted, required)).toBe(expected);
  });

  it('hasScope looks through every granted scope', () => {
    expect(hasScope(['a', 'stream:*:read'], 'stream:x:read')).toBe(true);
    expect(hasScope([], 'a')).toBe(false);
  });
});

describe('SCOPE_PATTERN', () => {
  it.each<[string, boolean]>([
    ['telemetry:write', true],
    ['stream:my.cam_1-a:read', true],
    ['stream:*:read', true],
    ['', false],
    ['a:', false],
    [':a', false],
    ['a b', false],
    ['a,b', false],
    ['stream:ca*m:read', false],
  ])('%j → %s', (scope, ok) => {
    expect(SCOPE_PATTERN.test(scope)).toBe(ok);
  });
});

describe('scopesFromClaims', () => {
  it.each<[Record<string, unknown>, string[]]>([
    [{ scope: 'telemetry:write streams:read' }, ['telemetry:write', 'streams:read']],
    [{ scp: ['a', 'b'] }, ['a', 'b']],
    [{ scp: 'a b' }, ['a', 'b']],
    [{ scope: 'a  b', scp: ['b', 'c'] }, ['a', 'b', 'c']],
    [{ scope: 7, scp: [1, 'x'] }, ['x']],
    [{}, []],
  ])('%j → %j', (claims, scopes) => {
    expect(scopesFromClaims(claims)).toEqual(scopes);
  });
});
