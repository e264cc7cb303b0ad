import { hostNameOf, OriginPolicy } from './origin-policy';

describe('hostNameOf', () => {
  it.each([
    ['localhost:4566', 'localhost'],
    ['127.0.0.1:4566', '127.0.0.1'],
    ['[::1]:4566', '::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['Emulator.LAN.:80', 'emulator.lan'],
    ['example.com', 'example.com'],
  ])('%s → %s', (authority, host) => expect(hostNameOf(authority)).toBe(host));
});

describe('OriginPolicy', () => {
  const defaults = new OriginPolicy({ corsOrigins: ['loopback'], allowedHosts: [], listenHost: '127.0.0.1' });

  it.each([
    ['http://localhost:3000', true],
    ['https://localhost', true],
    ['http://app.localhost:8080', true],
    ['http://127.0.0.1:5173', true],
    ['http://127.1.2.3', true],
    ['http://[::1]:8080', true],
    ['https://evil.example', false],
    ['http://localhost.evil.example', false],
    ['http://127.0.0.1.evil.example', false],
    ['null', false],
    ['file://', false],
    ['ftp://localhost', false],
    ['not an origin', false],
  ])('with the defaults, origin %s allowed: %s', (origin, allowed) => expect(defaults.allowsOrigin(origin)).toBe(allowed));

  it.each([
    [undefined, true],
    ['localhost:4566', true],
    ['LOCALHOST', true],
    ['127.0.0.1:4566', true],
    ['[::1]:4566', true],
    ['192.168.1.20:4566', true], // an IP literal: no DNS name to rebind
    ['[fe80::1]:4566', true],
    ['evil.example:4566', false],
    ['emulator:4566', false],
    ['localhost.evil.example', false],
  ])('with the defaults, Host %s allowed: %s', (host, allowed) => expect(defaults.allowsHost(host)).toBe(allowed));

  it('accepts configured origins (exact, any port) and nothing else, not even loopback when it is not listed', () => {
    const p = new OriginPolicy({ corsOrigins: ['https://app.example', 'http://dash.lan:*'], allowedHosts: [], listenHost: '127.0.0.1' });
    expect(p.allowsOrigin('https://app.example')).toBe(true);
    expect(p.allowsOrigin('https://app.example:443')).toBe(true);
    expect(p.allowsOrigin('https://app.example:8443')).toBe(false);
    expect(p.allowsOrigin('http://app.example')).toBe(false);
    expect(p.allowsOrigin('http://dash.lan:9000')).toBe(true);
    expect(p.allowsOrigin('http://localhost:3000')).toBe(false);
    expect(new OriginPolicy({ corsOrigins: ['*'], allowedHosts: [], listenHost: '127.0.0.1' }).allowsOrigin('https://any.example')).toBe(true);
  });

  it('accepts configured host names, domains, the listen host, or any with *', () => {
    const p = new OriginPolicy({ corsOrigins: [], allowedHosts: ['emulator', '.lan'], listenHost: 'kinesis.internal' });
    expect(p.allowsHost('emulator:4566')).toBe(true);
    expect(p.allowsHost('box.lan')).toBe(true);
    expect(p.allowsHost('lan')).toBe(true);
    expect(p.allowsHost('kinesis.internal:4566')).toBe(true);
    expect(p.allowsHost('evillan')).toBe(false);
    expect(new OriginPolicy({ corsOrigins: [], allowedHosts: ['*'], listenHost: '127.0.0.1' }).allowsHost('evil.example')).toBe(true);
  });

  it('refuses a malformed origin in its settings, naming it', () => {
    expect(() => new OriginPolicy({ corsOrigins: ['app.example'], allowedHosts: [], listenHost: '127.0.0.1' })).toThrow(/"app\.example" is not an origin/);
  });
});
