/** Small helpers over Node's HTTP/1.1 and HTTP/2-compat request and response objects. */
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { AwsServiceError, awsErrors } from '../errors';

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
export type Res = http.ServerResponse | http2.Http2ServerResponse;

/** Reads the body up to `limit` bytes; larger bodies fail with 413 before they are buffered. */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(awsErrors.requestTooLarge(`Request body of ${declared} bytes exceeds the limit of ${limit} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(awsErrors.requestTooLarge(`Request body exceeds the limit of ${limit} bytes.`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/x-amz-json-1.1'): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body));
  (res as http.ServerResponse).writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(payload.length) });
  res.end(payload);
}

/** An answer of exactly these bytes (an empty body too: `content-length: 0`); headers as given, no content type added. */
export function sendBytes(res: Res, status: number, body: Buffer, headers: Record<string, string>): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  (res as http.ServerResponse).writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

/** AWS's JSON error envelope: `__type` + `message` in the body, the name in `x-amzn-ErrorType`. */
export function sendAwsError(res: Res, requestId: string, err: unknown, contentType?: string): void {
  const e = err instanceof AwsServiceError ? err : awsErrors.internalFailure('Internal service failure.');
  sendJson(res, e.status, { __type: e.code, [e.messageKey]: e.message }, { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': e.code }, contentType);
}

/** Ends the exchange without an answer: the HTTP/2 session or the HTTP/1.1 socket is destroyed (fault injection). */
export function dropConnection(req: Req): void {
  const stream = (req as http2.Http2ServerRequest).stream;
  if (stream) stream.session?.destroy();
  else (req as http.IncomingMessage).socket.destroy();
}
