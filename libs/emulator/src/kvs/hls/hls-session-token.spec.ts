import { createHmac } from 'node:crypto';
import { AwsServiceError } from '../../errors';
import { MemoryMetadataStore } from '../../storage/metadata-store';
import { HlsSessionTokens, type HlsSession } from './hls-session-token';

const SESSION: HlsSession = {
  streamArn: 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/s/1700000000000',
  mode: 'ON_DEMAND',
  selector: 'PRODUCER_TIMESTAMP',
  startMs: 1_700_000_000_000,
  endMs: 1_700_000_060_000,
  discontinuity: 'NEVER',
  displayTimestamp: true,
  maxResults: 1000,
  issuedAtMs: 1_700_000_100_000,
  expiresAtMs: 1_700_000_400_000,
  baseOrdinal: 0,
};

function refusal(f: () => unknown): AwsServiceError {
  try {
    f();
  } catch (err) {
    if (err instanceof AwsServiceError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('HlsSessionTokens', () => {
  const tokens = new HlsSessionTokens(Buffer.alloc(32, 7));

  it('round-trips a session in a URL-safe token, optional fields included', () => {
    const token = tokens.sign(SESSION);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.verify(token, SESSION.issuedAtMs)).toEqual(SESSION);
    const { startMs: _start, endMs: _end, ...rest } = SESSION;
    const live: HlsSession = { ...rest, mode: 'LIVE', baseOrdinal: 17 };
    expect(tokens.verify(tokens.sign(live), SESSION.issuedAtMs)).toEqual(live);
  });

  it('carries ContainerFormat MPEG_TS; a token of the layout before it (one field fewer) still verifies, as fMP4', () => {
    const ts: HlsSession = { ...SESSION, containerFormat: 'MPEG_TS' };
    expect(tokens.verify(tokens.sign(ts), SESSION.issuedAtMs)).toEqual(ts);
    const fields = [1, SESSION.streamArn, 'ON_DEMAND', 'PRODUCER_TIMESTAMP', SESSION.startMs, SESSION.endMs, 'NEVER', true, 1000, SESSION.issuedAtMs, SESSION.expiresAtMs, 0];
    const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
    const old = `${body}.${createHmac('sha256', Buffer.alloc(32, 7)).update(body).digest('base64url')}`;
    const verified = tokens.verify(old, SESSION.issuedAtMs);
    expect(verified).toEqual(SESSION);
    expect(verified.containerFormat).toBeUndefined();
    const short = Buffer.from(JSON.stringify(fields.slice(0, -1))).toString('base64url');
    expect(refusal(() => tokens.verify(`${short}.${createHmac('sha256', Buffer.alloc(32, 7)).update(short).digest('base64url')}`, 0)).status).toBe(403);
  });

  it('refuses an expired token with KVS message, 403', () => {
    const e = refusal(() => tokens.verify(tokens.sign(SESSION), SESSION.expiresAtMs));
    expect([e.status, e.code, e.message]).toEqual([403, 'NotAuthorizedException', 'Streaming session token is expired']);
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['without signature', 'abc'],
    ['with another payload', `${Buffer.from(JSON.stringify([1])).toString('base64url')}.${'A'.repeat(43)}`],
  ])('refuses a token %s with 403', (_, token) => {
    expect(refusal(() => tokens.verify(token, 0)).status).toBe(403);
  });

  it('refuses a token with one payload byte changed, or signed with another key', () => {
    const token = tokens.sign(SESSION);
    const body = Buffer.from(token.split('.')[0], 'base64url').toString('utf8').replace('1000', '2000');
    const forged = `${Buffer.from(body).toString('base64url')}.${token.split('.')[1]}`;
    expect(refusal(() => tokens.verify(forged, SESSION.issuedAtMs)).status).toBe(403);
    expect(refusal(() => new HlsSessionTokens(Buffer.alloc(32, 8)).verify(token, SESSION.issuedAtMs)).status).toBe(403);
  });

  it('keeps its key in the store: a second instance accepts the tokens of the first', () => {
    const store = new MemoryMetadataStore<{ key: string }>();
    const token = HlsSessionTokens.fromStore(store).sign(SESSION);
    expect(HlsSessionTokens.fromStore(store).verify(token, SESSION.issuedAtMs)).toEqual(SESSION);
    expect(refusal(() => HlsSessionTokens.fromStore(new MemoryMetadataStore()).verify(token, SESSION.issuedAtMs)).status).toBe(403);
  });
});
