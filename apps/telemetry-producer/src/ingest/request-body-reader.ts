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
    new BodyRead(req, limit, decode?.(), { resolve, reject }).start();
  });
}

/**
 * One body being read: wire bytes in (`onData`, counted against the limit), through the decoder if there is one,
 * decoded bytes kept (`onDecoded`, counted again), and one `finish` that removes every listener and settles.
 */
class BodyRead {
  private readonly chunks: Buffer[] = [];
  private wire = 0;
  private size = 0;
  private settled = false;
  private ended = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
    private readonly decoder: Decoder | undefined,
    private readonly settle: { resolve(body: Buffer): void; reject(err: unknown): void },
  ) {}

  start(): void {
    if (this.decoder !== undefined) {
      this.decoder.on('data', this.onDecoded);
      this.decoder.on('end', this.onDecodedEnd);
      this.decoder.on('error', this.onDecodeError);
    }
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
    this.req.on('error', this.onError);
    this.req.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.wire += chunk.length;
    if (this.wire > this.limit) {
      this.finish(tooLarge(this.limit));
      return;
    }
    const decoder = this.decoder;
    if (decoder === undefined) {
      this.onDecoded(chunk);
    } else if (!decoder.write(chunk)) {
      this.req.pause();
      decoder.once('drain', () => this.req.resume());
    }
  };

  private readonly onDecoded = (chunk: Buffer): void => {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.finish(tooLarge(this.limit, { decoded: true }));
      return;
    }
    this.chunks.push(chunk);
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.decoder === undefined) this.finish(undefined);
    else this.decoder.end();
  };

  private readonly onDecodedEnd = (): void => this.finish(undefined);

  private readonly onDecodeError = (err: Error): void => {
    this.finish(new IngestError('MALFORMED_BODY', `The request body is not valid ${this.req.headers['content-encoding']} data: ${err.message}.`, { cause: err }));
  };

  private readonly onError = (err: Error): void => this.finish(err);

  private readonly onClose = (): void => {
    // 'close' before 'end': the client went away mid-body.
    if (!this.ended && !this.req.complete) this.finish(new ClientAbortedError('The client closed the connection before the body was complete.'));
  };

  private finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
    this.req.off('close', this.onClose);
    if (this.decoder !== undefined) {
      this.decoder.off('data', this.onDecoded);
      this.decoder.off('end', this.onDecodedEnd);
      this.decoder.off('error', this.onDecodeError);
      this.decoder.destroy();
      // The request may be paused for the decoder's backpressure; an error answer must not wait on it.
      this.req.resume();
    }
    if (err !== undefined) {
      this.chunks.length = 0;
      this.settle.reject(err);
    } else {
      this.settle.resolve(this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size));
    }
  }
}

function tooLarge(limit: number, how: { declared?: number; decoded?: boolean } = {}): IngestError {
  const what =
    how.declared !== undefined ? `The request body of ${how.declared} bytes` : how.decoded === true ? 'The decoded request body' : 'The request body';
  return new IngestError('BODY_TOO_LARGE', `${what} exceeds the limit of ${limit} bytes.`, { extensions: { limitBytes: limit } });
}
