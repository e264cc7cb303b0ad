import { ConnectionLimiter } from './connection-limiter';

describe('ConnectionLimiter', () => {
  let now = 0;
  const limiter = (max: number): ConnectionLimiter<string> => new ConnectionLimiter<string>(max, () => now);
  beforeEach(() => {
    now = 1000;
  });

  it('admits under the cap without closing anything', () => {
    const l = limiter(2);
    expect(l.admit('a')).toEqual({ admitted: true });
    expect(l.admit('b')).toEqual({ admitted: true });
    expect(l.size).toBe(2);
  });

  it('at the cap closes the oldest connection that has not sent its first bytes, before any idle one', () => {
    const l = limiter(3);
    l.admit('idle');
    l.identified('idle', 'open');
    l.admit('silent-1');
    l.admit('silent-2');
    expect(l.admit('new')).toEqual({ admitted: true, evict: 'silent-1' });
    expect(l.admit('newer')).toEqual({ admitted: true, evict: 'silent-2' });
    expect(l.size).toBe(3);
  });

  it('then closes the connection idle the longest, never one with a request in flight or a TLS one', () => {
    const l = limiter(4);
    for (const c of ['busy', 'idle-old', 'idle-new', 'tls']) l.admit(c);
    l.identified('busy', 'open');
    l.requestStarted('busy');
    l.identified('idle-old', 'open');
    l.identified('tls', 'opaque');
    now = 2000;
    l.identified('idle-new', 'open');
    expect(l.admit('new')).toEqual({ admitted: true, evict: 'idle-old' });
    l.identified('new', 'open');
    l.requestStarted('new');
    expect(l.admit('newer')).toEqual({ admitted: true, evict: 'idle-new' });
  });

  it('counts idleness from the end of the last request', () => {
    const l = limiter(2);
    l.admit('a');
    l.identified('a', 'open');
    l.admit('b');
    l.identified('b', 'open');
    l.requestStarted('a');
    now = 5000;
    l.requestEnded('a'); // idle since 5000, b since 1000
    expect(l.admit('c')).toEqual({ admitted: true, evict: 'b' });
  });

  it('refuses a new connection when every open one is busy or TLS', () => {
    const l = limiter(2);
    l.admit('busy');
    l.identified('busy', 'open');
    l.requestStarted('busy');
    l.requestStarted('busy');
    l.requestEnded('busy'); // still one in flight
    l.admit('tls');
    l.identified('tls', 'opaque');
    expect(l.admit('new')).toEqual({ admitted: false });
    expect(l.size).toBe(2);
    l.remove('tls');
    expect(l.admit('new')).toEqual({ admitted: true });
  });
});
