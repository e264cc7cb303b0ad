/**
 * Reads a request body into memory up to a limit, decoding its `Content-Encoding` (RFC 9110 §8.4): devices batch
 * and compress. Over the limit the read fails with BODY_TOO_LARGE as soon as it is known — from `Content-Length`
 * before a byte is read, at the chunk that crosses the limit on the wire, or at the decoded chunk that crosses it
 * (the decoder is destroyed there: a zip bomb is never inflated past the limit) — so an oversized body is never
 * buffered, whatever its framing (fixed length or chunked) or coding.
 *
 * Codings: gzip (and its alias x-gzip), deflate (the zlib format, RFC 9110 §8.4.1.2), br (RFC 7932), identity.
 * Anything else, including a list of several codings, is refused with 415 before a byte is read, naming what is
 * accepted in `Accept-Encoding` (RFC 9110 §12.5.3). A body that does not decode is 400.
 */
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate, type BrotliDecompress, type Gunzip, type Inflate } from 'node:zlib';
import { IngestError } from './ingest-error';

/** The client closed the connection before its body was complete: there is nobody left to answer. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
  readonly code = 'CLIENT_ABORTED';
  readonly retriable = false;
}

type Decoder = Gunzip | Inflate | BrotliDecompress;

const DECODERS: Readonly<Record<string, () => Decoder>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** What `Accept-Encoding` lists on a 415: the codings above, by their registered names. */
export const ACCEPTED_CODINGS = 'gzip, deflate, br';

/** The decoder for a `Content-Encoding` header, undefined for none or identity; throws 415 for anything else. */
export function decoderFor(header: string | undefined): (() => Decoder) | undefined {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return undefined;
  // Own rows only: the coding comes from the wire, and `constructor` would find Object itself.
  if (Object.hasOwn(DECODERS, coding)) return DECODERS[coding];
  throw new IngestError('UNSUPPORTED_ENCODING', `Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not supported; send one of ${ACCEPTED_CODINGS}, or none.`, {
    headers: { 'Accept-Encoding': ACCEPTED_CODINGS },
  });
}

export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let decode: (() => Decoder) | undefined;
    try {
      decode = decoderFor(req.headers['content-encoding']);
    } catch (err) {
      reject(err);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit, { declared }));
      return;
    }
    const decoder = decode?.();
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    let ended = false;

    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (decoder !== undefined) {
        decoder.off('data', onDecoded);
        decoder.off('end', onDecodedEnd);
        decoder.off('error', onDecodeError);
        decoder.destroy();
        // The request may be paused for the decoder's backpressure; an error answer must not wait on it.
        req.resume();
      }
      if (err !== undefined) {
        chunks.length = 0;
        reject(err);
      } else {
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      }
    };
    const onDecoded = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge(limit, { decoded: true }));
        return;
      }
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer): void => {
      wire += chunk.length;
      if (wire > limit) {
        finish(tooLarge(limit));
        return;
      }
      if (decoder === undefined) {
        onDecoded(chunk);
      } else if (!decoder.write(chunk)) {
        req.pause();
        decoder.once('drain', () => req.resume());
      }
    };
    const onEnd = (): void => {
      ended = true;
      if (decoder === undefined) finish(undefined);
      else decoder.end();
    };
    const onDecodedEnd = (): void => finish(undefined);
    const onDecodeError = (err: Error): void => {
      finish(new IngestError('MALFORMED_BODY', `The request body is not valid ${req.headers['content-encoding']} data: ${err.message}.`, { cause: err }));
    };
    const onError = (err: Error): void => finish(err);
    const onClose = (): void => {
      // 'close' before 'end': the client went away mid-body.
      if (!ended && !req.complete) finish(new ClientAbortedError('The client closed the connection before the body was complete.'));
    };
    if (decoder !== undefined) {
      decoder.on('data', onDecoded);
      decoder.on('end', onDecodedEnd);
      decoder.on('error', onDecodeError);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number, how: { declared?: number; decoded?: boolean } = {}): IngestError {
  const what =
    how.declared !== undefined ? `The request body of ${how.declared} bytes` : how.decoded === true ? 'The decoded request body' : 'The request body';
  return new IngestError('BODY_TOO_LARGE', `${what} exceeds the limit of ${limit} bytes.`, { extensions: { limitBytes: limit } });
}
