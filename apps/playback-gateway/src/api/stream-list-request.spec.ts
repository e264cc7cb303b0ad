import { invalid } from '../testing/invalid-request';
import { queryRecord } from './api-requests';
import { decodeStreamCursor, encodeStreamCursor, parseStreamListQuery, STREAM_LIST_LIMITS } from './stream-list-request';

const parse = (url: string) => parseStreamListQuery(queryRecord(url));

describe('stream list query', () => {
  it.each<[string, unknown]>([
    ['/api/streams', { limit: STREAM_LIST_LIMITS.defaultLimit }],
    ['/api/streams?limit=1', { limit: 1 }],
    [`/api/streams?limit=${STREAM_LIST_LIMITS.maxLimit}`, { limit: STREAM_LIST_LIMITS.maxLimit }],
    ['/api/streams?q=Cam-1', { limit: 50, q: 'cam-1' }],
    ['/api/streams?q=', { limit: 50 }],
    [`/api/streams?cursor=${encodeStreamCursor('cam-07')}&limit=10`, { limit: 10, after: 'cam-07' }],
  ])('reads %s', (url, expected) => {
    expect(parse(url)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['/api/streams?limit=0', /limit: must be >= 1/],
    [`/api/streams?limit=${STREAM_LIST_LIMITS.maxLimit + 1}`, /limit: must be <= 200/],
    ['/api/streams?limit=ten', /limit: expected a whole number/],
    ['/api/streams?limit=-1', /limit/],
    ['/api/streams?limit=1.5', /limit/],
    ['/api/streams?q=cam%20one', /q: expected up to 256/],
    [`/api/streams?q=${'a'.repeat(257)}`, /q: expected up to 256/],
    ['/api/streams?cursor=abc', /Invalid cursor/],
    ['/api/streams?cursor=', /Invalid cursor/],
    ['/api/streams?page=2', /unknown "page"/],
    ['/api/streams?limit=5&limit=6', /given twice/],
  ])('refuses %s', (url, message) => {
    expect(invalid(() => parse(url))).toMatch(message);
  });
});

describe('stream cursors', () => {
  it.each(['a', 'cam-1', 'Z.z_9-', 'x'.repeat(256)])('round-trips %s', (name) => {
    const cursor = encodeStreamCursor(name);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeStreamCursor(cursor)).toBe(name);
  });

  it.each<[string, string]>([
    ['not base64url', 'cam-1!'],
    ['no version', Buffer.from('cam-1').toString('base64url')],
    ['another version', Buffer.from('2:cam-1').toString('base64url')],
    ['a name outside the stream-name rule', Buffer.from('1:../etc').toString('base64url')],
    ['an empty name', Buffer.from('1:').toString('base64url')],
    ['padding', `${encodeStreamCursor('cam-1')}==`],
    ['too long', 'A'.repeat(401)],
  ])('refuses %s', (_what, cursor) => {
    expect(invalid(() => decodeStreamCursor(cursor))).toMatch(/Invalid cursor/);
  });
});
