// Property-based test of the emulator's door against browsers (origin-policy.ts; issue 12, items 4 and "Fuzzing"):
// `Host` and `Origin` are outside strings. Any value gives a yes or a no, never an exception; a foreign name is
// refused whatever its port, case or trailing dot; loopback and IP literals are accepted.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { LOOPBACK_ORIGINS, OriginPolicy } from './origin-policy';

const policy = new OriginPolicy({ corsOrigins: [LOOPBACK_ORIGINS], allowedHosts: ['emulator'], listenHost: '127.0.0.1' });

/** A registered-looking name that is neither loopback nor configured (fc.domain gives `a.bc`, `x-1.example`, …). */
const foreignName = fc.domain().filter((d) => d !== 'localhost' && !d.endsWith('.localhost') && d !== 'emulator' && isIP(d) === 0);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const withPort = (host: string, p: number | undefined): string => (p === undefined ? host : `${host}:${p}`);

describe('OriginPolicy properties', () => {
  it('any Host or Origin string gives a boolean, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.webUrl(), fc.constantFrom('[', '[::1', ':', 'null', '[]:80', 'http://[::1')), (value) => {
        expect(typeof policy.allowsHost(value)).toBe('boolean');
        expect(typeof policy.allowsOrigin(value)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a foreign host name is refused as Host and as an Origin, whatever its port, case or trailing dot', () => {
    fc.assert(
      fc.property(foreignName, port, fc.boolean(), fc.boolean(), fc.constantFrom('http', 'https'), (name, p, upper, dot, scheme) => {
        const host = (upper ? name.toUpperCase() : name) + (dot ? '.' : '');
        expect(policy.allowsHost(withPort(host, p))).toBe(false);
        expect(policy.allowsOrigin(`${scheme}://${withPort(host, p)}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('loopback names and addresses, and any IP literal, are accepted as Host; loopback origins on any port too', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('localhost'), fc.domain().map((d) => `${d}.localhost`), fc.ipV4().map((ip) => `127.${ip.split('.').slice(1).join('.')}`), fc.constant('[::1]')),
        port,
        fc.constantFrom('http', 'https'),
        (host, p, scheme) => {
          expect(policy.allowsHost(withPort(host, p))).toBe(true);
          expect(policy.allowsOrigin(`${scheme}://${withPort(host, p)}`)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`)), port, (ip, p) => expect(policy.allowsHost(withPort(ip, p))).toBe(true)),
      { numRuns: 500 },
    );
  });
});
