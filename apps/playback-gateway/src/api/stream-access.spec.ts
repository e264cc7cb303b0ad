import { canReadStream } from './stream-access';

describe('canReadStream', () => {
  it.each<[string[], string, boolean]>([
    [['video:read'], 'cam-1', true],
    [['stream:cam-1:read'], 'cam-1', true],
    [['stream:cam-1:read'], 'cam-2', false],
    [['stream:*:read'], 'cam-2', true],
    [['stream:cam-1:write'], 'cam-1', false],
    [['telemetry:write'], 'cam-1', false],
    [['video:*'], 'cam-1', true],
    [['stream:cam:read'], 'cam-1', false],
    [[], 'cam-1', false],
  ])('%j may read %s: %s', (scopes, stream, expected) => {
    expect(canReadStream({ scopes }, stream)).toBe(expected);
  });
});
