// The ops endpoints on a real socket, alone (a plain listener) and as Express middleware in front of an app's own
// routes: probe status codes from the app's answers, HEAD without a body, 405 with Allow, problem JSON for 404 and a
// failed metrics render, and other paths passed on to the app when mounted as middleware.
import type { Server } from 'node:http';
import express from 'express';
import { noopLogger } from '../logging/logger';
import { createHttpServer, listenHttp } from './http-server';
import { createOpsEndpoints, type ProbeAnswer } from './ops-endpoints';

let live: ProbeAnswer = { ok: true, body: { status: 'ok' } };
let ready: ProbeAnswer = { ok: true, body: { ready: true } };
let renderFails = false;
const metrics = {
  render: async (): Promise<{ contentType: string; body: string }> => {
    if (renderFails) throw new Error('registry broke');
    return { contentType: 'text/plain; version=0.0.4', body: 'up 1\n' };
  },
};
const ops = createOpsEndpoints({ liveness: () => live, readiness: () => ready, metrics, logger: noopLogger });

async function serve(listener: Parameters<typeof createHttpServer>[0]): Promise<{ server: Server; url: string }> {
  const server = createHttpServer(listener);
  const { url } = await listenHttp(server, 0, '127.0.0.1');
  return { server, url };
}

describe('ops endpoints as a plain listener', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => ({ server, url } = await serve(ops)));
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    live = { ok: true, body: { status: 'ok' } };
    ready = { ok: true, body: { ready: true } };
    renderFails = false;
  });

  it('answers liveness and readiness separately, 503 when not ok, the body as JSON either way', async () => {
    ready = { ok: false, body: { ready: false, degraded: ['kinesis'] } };
    const healthz = await fetch(`${url}/healthz`);
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toEqual({ status: 'ok' });
    const readyz = await fetch(`${url}/readyz?verbose=1`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ ready: false, degraded: ['kinesis'] });
    expect(readyz.headers.get('x-content-type-options')).toBe('nosniff');
    live = { ok: false, body: { status: 'closing' } };
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });

  it('readiness defaults to liveness', async () => {
    const single = await serve(createOpsEndpoints({ liveness: () => ({ ok: false, body: { status: 'down' } }), metrics, logger: noopLogger }));
    try {
      const res = await fetch(`${single.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'down' });
    } finally {
      await new Promise<void>((r) => single.server.close(() => r()));
    }
  });

  it('renders /metrics, and a failed render is a 500 problem', async () => {
    const ok = await fetch(`${url}/metrics`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(await ok.text()).toBe('up 1\n');
    renderFails = true;
    const failed = await fetch(`${url}/metrics`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ title: 'Internal Server Error', status: 500 });
  });

  it('HEAD has no body; other methods 405 with Allow; unknown paths 404, as problem JSON', async () => {
    const head = await fetch(`${url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('content-type')).toContain('application/problem+json');
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no route GET /nope' });
  });
});

describe('ops endpoints as Express middleware', () => {
  it('answers its paths and hands every other one to the app', async () => {
    const app = express();
    app.use(ops);
    app.get('/v1/things', (_req, res) => res.json({ things: [] }));
    const { server, url } = await serve(app);
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const own = await fetch(`${url}/v1/things`);
      expect(own.status).toBe(200);
      expect(await own.json()).toEqual({ things: [] });
      expect((await fetch(`${url}/metrics`, { method: 'DELETE' })).status).toBe(405);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
