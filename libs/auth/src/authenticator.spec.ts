import type { IncomingHttpHeaders } from 'node:http';
import { InMemoryApiKeyStore } from './api-keys/api-key-store';
import { Authenticator, type Credential } from './authenticator';
import { AuthError } from './errors';

const KEY = 'trb_0001020304050607_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const auth = new Authenticator({ apiKeys: new InMemoryApiKeyStore(), jwt: { key: { type: 'hs256', secret: 'x'.repeat(32) }, audience: 'api' } });

describe('Authenticator.extract', () => {
  it.each<[string, IncomingHttpHeaders, Credential]>([
    ['no header', {}, { scheme: 'none' }],
    ['X-Api-Key', { 'x-api-key': KEY }, { scheme: 'api-key', value: KEY }],
    ['Authorization: ApiKey', { authorization: `ApiKey ${KEY}` }, { scheme: 'api-key', value: KEY }],
    ['scheme in another case', { authorization: `apikey ${KEY}` }, { scheme: 'api-key', value: KEY }],
    ['an API key as a bearer token', { authorization: `Bearer ${KEY}` }, { scheme: 'api-key', value: KEY }],
    ['a JWT as a bearer token', { authorization: 'Bearer aaa.bbb.ccc' }, { scheme: 'bearer', value: 'aaa.bbb.ccc' }],
    ['BEARER with extra spaces', { authorization: '  BEARER   aaa.bbb.ccc ' }, { scheme: 'bearer', value: 'aaa.bbb.ccc' }],
    ['Bearer without a token', { authorization: 'Bearer' }, { scheme: 'bearer', value: '' }],
    ['Basic', { authorization: 'Basic dXNlcjpwYXNz' }, { scheme: 'other', name: 'Basic' }],
    ['garbage', { authorization: '(((' }, { scheme: 'other', name: '' }],
  ])('%s', (_name, headers, expected) => {
    expect(auth.extract(headers)).toEqual(expected);
  });

  it.each<[string, IncomingHttpHeaders]>([
    ['X-Api-Key and Authorization', { 'x-api-key': KEY, authorization: 'Bearer aaa.bbb.ccc' }],
    ['two X-Api-Key headers (joined by Node)', { 'x-api-key': `${KEY}, ${KEY}` }],
  ])('refuses %s as AMBIGUOUS_CREDENTIALS', (_name, headers) => {
    expect(() => auth.extract(headers)).toThrow(expect.objectContaining({ code: 'AMBIGUOUS_CREDENTIALS', status: 400 }));
  });

  it('needs at least one way to authenticate', () => {
    expect(() => new Authenticator({})).toThrow(AuthError);
  });
});
