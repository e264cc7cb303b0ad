/**
 * Reads a request body into memory up to a limit. Over the limit the read fails with BODY_TOO_LARGE as soon as
 * it is known — from `Content-Length` before a byte is read, or at the chunk that crosses the limit — so an
 * oversized body is never buffered, whatever its framing (fixed length or chunked).
 */
import type { IncomingMessage } from 'node:http';
import { IngestError } from './ingest-error';

/** The client closed the connection before its body was complete: there is nobody left to answer. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
  readonly code = 'CLIENT_ABORTED';
  readonly retriable = false;
}

export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit, declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      // 'close' before 'end': the client went away mid-body.
      if (!req.complete) onError(new ClientAbortedError('The client closed the connection before the body was complete.'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number, declared?: number): IngestError {
  const what = declared === undefined ? 'The request body' : `The request body of ${declared} bytes`;
  return new IngestError('BODY_TOO_LARGE', `${what} exceeds the limit of ${limit} bytes.`, { extensions: { limitBytes: limit } });
}
