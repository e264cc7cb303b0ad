import { describe as describePath, keyAtPath, parseKeyPath } from './key-path';

describe('parseKeyPath', () => {
  it.each([
    ['device.id', ['device', 'id']],
    ['.device.id', ['device', 'id']],
    ['readings[0].sensor', ['readings', 0, 'sensor']],
    ['readings.0.sensor', ['readings', 0, 'sensor']],
    ['id', ['id']],
  ])('%s', (expr, expected) => {
    expect(parseKeyPath(expr)).toEqual(expected);
  });

  it.each(['', '.', 'a..b', 'a[', 'a[x]', 'a.'])('refuses %j', (expr) => {
    expect(parseKeyPath(expr)).toBeUndefined();
  });
});

describe('keyAtPath', () => {
  const path = parseKeyPath('device.id') ?? [];
  it.each([
    ['{"device":{"id":"cam-1"}}', { ok: true, key: 'cam-1' }],
    ['{"device":{"id":42}}', { ok: true, key: '42' }],
    ['{"device":{"id":true}}', { ok: true, key: 'true' }],
    ['{"device":{}}', { ok: false, reason: 'no field device.id' }],
    ['{"device":null}', { ok: false, reason: 'no field device.id' }],
    ['{"device":{"id":{"a":1}}}', { ok: false, reason: 'device.id is not a string or number' }],
    ['{"device":{"id":""}}', { ok: false, reason: 'device.id is empty (a partition key needs 1 to 256 characters)' }],
    ['not json', { ok: false, reason: 'the line is not JSON' }],
  ])('%s', (line, expected) => {
    expect(keyAtPath(line, path)).toEqual(expected);
  });

  it('reads array indexes', () => {
    expect(keyAtPath('{"r":[{"s":"a"},{"s":"b"}]}', parseKeyPath('r[1].s') ?? [])).toEqual({ ok: true, key: 'b' });
  });

  it('refuses keys over 256 characters (counted as characters, not bytes)', () => {
    expect(keyAtPath(JSON.stringify({ k: 'é'.repeat(256) }), ['k'])).toEqual({ ok: true, key: 'é'.repeat(256) });
    expect(keyAtPath(JSON.stringify({ k: 'a'.repeat(257) }), ['k'])).toEqual({ ok: false, reason: 'k is longer than 256 characters' });
  });

  it('prints paths as they are written', () => {
    expect(describePath(['r', 1, 's'])).toBe('r[1].s');
  });
});
