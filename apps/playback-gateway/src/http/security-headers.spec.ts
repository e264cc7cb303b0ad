// Issue 17: helmet's headers are computed once and set as they are on every response; these must be exactly what
// helmet itself sets on a real response, and a middleware whose answer could depend on the request is refused.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import { gatewayHelmet, recordHeaderSet, securityHeaders } from './security-headers';

const response = (): ServerResponse => {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('X-Powered-By', 'something');
  return res;
};

describe('securityHeaders', () => {
  it.each([[[]], [['https://kinesisvideo.us-east-1.amazonaws.com', 'https://*.kinesisvideo.us-east-1.amazonaws.com']]])(
    'sets on a response what helmet sets (connect-src %j)',
    (connectSrc: string[]) => {
      const byHelmet = response();
      let nextCalled = false;
      gatewayHelmet(connectSrc)({ method: 'GET', url: '/', headers: {} } as never, byHelmet as never, () => (nextCalled = true));
      expect(nextCalled).toBe(true);
      const precomputed = response();
      securityHeaders(connectSrc).apply(precomputed);
      expect(precomputed.getHeaders()).toEqual(byHelmet.getHeaders());
      expect(precomputed.getHeader('x-powered-by')).toBeUndefined();
      expect(precomputed.getHeader('referrer-policy')).toBe('no-referrer');
      expect(precomputed.getHeader('x-content-type-options')).toBe('nosniff');
      const csp = String(precomputed.getHeader('content-security-policy'));
      expect(csp).toContain(`connect-src 'self'${connectSrc.map((s) => ` ${s}`).join('')}`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    },
  );
});

describe('recordHeaderSet', () => {
  it('records the headers set, in order, and those removed', () => {
    const mw: RequestHandler = (_req, res, next) => {
      res.removeHeader('X-Powered-By');
      res.setHeader('A', '1');
      res.setHeader('B', '2');
      next();
    };
    expect(recordHeaderSet(mw)).toEqual({ set: [['A', '1'], ['B', '2']], removed: ['X-Powered-By'] });
  });

  it('refuses a middleware that does not finish at once, or fails', () => {
    const later: RequestHandler = (_req, _res, next) => void setImmediate(next);
    expect(() => recordHeaderSet(later)).toThrow(/did not finish synchronously/);
    const failing: RequestHandler = (_req, _res, next) => next(new Error('no'));
    expect(() => recordHeaderSet(failing)).toThrow('no');
    const arrays: RequestHandler = (_req, res, next) => {
      res.setHeader('A', ['1', '2']);
      next();
    };
    expect(() => recordHeaderSet(arrays)).toThrow(TypeError);
  });
});
