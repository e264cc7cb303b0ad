/**
 * One HTTP/1.1 request without the niceties of fetch: exact headers (or none), a body sent whole or in chunks
 * without a length, and a response that resolves even when the server answered before reading the whole body
 * (413, 401 on a large body) and then closed the connection, which makes the upload fail afterwards.
 */
import * as http from 'node:http';

export interface TestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined if it is not JSON). */
  json: unknown;
}

export interface TestRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in 64 KiB chunks, without Content-Length (chunked transfer encoding). */
  chunked?: boolean;
  agent?: http.Agent | false;
}

export function request(baseUrl: string, req: TestRequest): Promise<TestResponse> {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (body && !req.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const r = http.request(new URL(req.path, baseUrl), { method: req.method ?? 'POST', headers, agent: req.agent ?? false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (!body) {
      r.end();
      return;
    }
    if (!req.chunked) {
      r.end(body);
      return;
    }
    let at = 0;
    const writeMore = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!r.write(piece)) {
          r.once('drain', writeMore);
          return;
        }
      }
      r.end();
    };
    writeMore();
  });
}
