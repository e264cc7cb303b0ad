/**
 * `POST /putMedia` (kvs-reference.md §3.1–§3.3, §3.7, §3.8): the parameters are headers, the body is Matroska
 * (chunked and endless for a live producer, or one Content-Length blob), and the answer is full duplex — the
 * 200 goes out as soon as the headers are checked and acknowledgement lines stream back while the body is still
 * being uploaded.
 *
 * Before the 200, failures are ordinary restJson errors: neither or both of `x-amzn-stream-name` /
 * `x-amzn-stream-arn`, a missing or unknown `x-amzn-fragment-timecode-type`, a malformed
 * `x-amzn-producer-start-timestamp` (seconds, `^\d+(\.\d+)?$`) → 400 InvalidArgumentException; an unknown stream
 * or one not ACTIVE → 404 ResourceNotFoundException; a connection beyond `putMediaConnectionsPerStream` (1) →
 * 400 ConnectionLimitExceededException.
 *
 * After it: the ingest (put-media-ingest.ts) answers per fragment; IDLE every `idleAckIntervalMs` without data
 * and the end of the request after `idleTimeoutMs`; ERROR 4003 after `maxConnectionDurationMs`; ERROR 4507 when
 * the stream is deleted. After an ERROR the response ends; the rest of the body is read and dropped (so the
 * producer can read its acknowledgements rather than meet a reset), and the connection is cut if the body goes
 * on for `drainGraceMs`. Lenient where the reference is [unconfirmed]: no signature is required, any
 * Content-Type is accepted, a missing start timestamp means "now", `x-amzn-fragment-acknowledgment-required: 0`
 * does not silence the acknowledgements, and the answer's Content-Type is `application/json`.
 */
import type { Req, Res } from '../server/http-exchange';
import { kvsErrors, STREAM_NOT_FOUND } from './kvs-errors';
import { ackLine, type AckEvent } from './ack-events';
import { PutMediaIngest } from './put-media-ingest';
import { applyFaults, startStreamedAnswer, writeChunk } from './kvs-http';
import type { KvsEnv, KvsRequestContext } from './kvs-context';
import type { KvsStream, StreamConnection } from './kvs-stream';
import type { Logger } from '../logger';

/** How long a body may go on after the answer ended before the connection is cut. */
const DRAIN_GRACE_MS = 5_000;

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** `x-amzn-producer-start-timestamp`: decimal seconds since the epoch (Java and C producers write `%.3f`). */
function parseStartTimestamp(text: string | undefined, nowMs: number): number {
  if (text === undefined) return nowMs;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) {
    throw kvsErrors.invalidArgument(`x-amzn-producer-start-timestamp must be seconds since the epoch, got '${text}'.`);
  }
  return Math.round(Number(text.trim()) * 1000);
}

export async function putMedia(env: KvsEnv, req: Req, res: Res, ctx: KvsRequestContext): Promise<void> {
  const { registry, settings, clock, logger } = env;
  const { stream, timecodeType, producerStartMs } = checkHeaders(env, req);
  if (await applyFaults(env, req, 'PutMedia', stream.meta.name)) return;
  if (stream.putMediaSessions.size >= settings.putMediaConnectionsPerStream) {
    throw kvsErrors.connectionLimitExceeded(
      `The stream ${stream.meta.name} already has ${stream.putMediaSessions.size} PutMedia connection(s), the most allowed.`,
    );
  }

  startStreamedAnswer(res, { 'content-type': 'application/json', 'x-amzn-requestid': ctx.requestId });
  const log = logger.child({ stream: stream.meta.name, requestId: ctx.requestId });
  const connection = new PutMediaConnection(env, stream, req, res, log);
  const ingest = new PutMediaIngest({
    stream,
    registry,
    settings,
    clock,
    logger: log,
    timecodeType,
    producerStartMs,
    send: (event) => connection.send(event),
  });
  connection.start(ingest);
  await connection.pump(ingest);
}

/** The checks of the request headers and the stream they name (answered as errors before the 200). */
function checkHeaders(
  env: KvsEnv,
  req: Req,
): { stream: KvsStream; timecodeType: 'ABSOLUTE' | 'RELATIVE'; producerStartMs: number } {
  const name = header(req, 'x-amzn-stream-name');
  const arn = header(req, 'x-amzn-stream-arn');
  if ((name === undefined) === (arn === undefined)) {
    throw kvsErrors.invalidArgument('Specify either the x-amzn-stream-name or the x-amzn-stream-arn header, but not both.');
  }
  const timecodeType = header(req, 'x-amzn-fragment-timecode-type')?.toUpperCase();
  if (timecodeType !== 'ABSOLUTE' && timecodeType !== 'RELATIVE') {
    throw kvsErrors.invalidArgument('The x-amzn-fragment-timecode-type header must be ABSOLUTE or RELATIVE.');
  }
  const producerStartMs = parseStartTimestamp(header(req, 'x-amzn-producer-start-timestamp'), env.clock.now());
  const stream = env.registry.find({ StreamName: name, StreamARN: arn });
  if (!stream.active) throw kvsErrors.resourceNotFound(STREAM_NOT_FOUND);
  return { stream, timecodeType, producerStartMs };
}

/**
 * One PutMedia connection after its 200: the acknowledgement lines, the idle and lifetime timers, the end of the
 * answer (then draining the body), and the stream's view of it (DeleteStream, shutdown).
 */
class PutMediaConnection implements StreamConnection {
  private answered = false;
  private lastData: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private ingest: PutMediaIngest | undefined;

  constructor(
    private readonly env: KvsEnv,
    private readonly stream: KvsStream,
    private readonly req: Req,
    private readonly res: Res,
    private readonly log: Logger,
  ) {
    this.lastData = env.clock.now();
  }

  send(event: AckEvent): void {
    if (!this.answered && !this.res.writableEnded && !this.res.destroyed) writeChunk(this.res, ackLine(event));
  }

  /** Registers with the stream and starts the IDLE cadence, the idle close and the connection lifetime. */
  start(ingest: PutMediaIngest): void {
    const { clock, settings } = this.env;
    this.ingest = ingest;
    this.stream.putMediaSessions.add(this);
    const idle = setInterval(() => {
      if (this.answered) return;
      const quiet = clock.now() - this.lastData;
      if (quiet >= settings.idleTimeoutMs) {
        this.log.debug({ quietMs: quiet }, 'PutMedia idle for too long: closing');
        this.finish();
      } else if (quiet >= settings.idleAckIntervalMs) this.send({ eventType: 'IDLE' });
    }, settings.idleAckIntervalMs);
    idle.unref();
    this.timers.push(idle);
    const lifetime = setTimeout(() => {
      ingest.fail('MAX_CONNECTION_DURATION_REACHED');
      this.finish();
    }, settings.maxConnectionDurationMs);
    lifetime.unref();
    this.timers.push(lifetime);
  }

  streamGone(reason: 'deleted' | 'shutdown'): void {
    if (reason === 'shutdown') {
      this.answered = true;
      this.stream.putMediaSessions.delete(this);
      this.res.destroy();
      this.req.destroy();
      return;
    }
    this.ingest?.fail('STREAM_DELETED');
    this.finish();
  }

  /** Feeds the body to the ingest until it ends, fails or the producer goes away. */
  async pump(ingest: PutMediaIngest): Promise<void> {
    const { req, log } = this;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        if (this.answered) continue; // draining after the answer ended
        this.lastData = this.env.clock.now();
        try {
          ingest.push(chunk);
        } catch (err) {
          // A bug, not bad input (the ingest answers bad input itself): report it to the producer and the log.
          log.error({ err }, 'PutMedia ingest failed');
          ingest.fail('INTERNAL_ERROR');
        }
        if (ingest.failed !== undefined) this.finish();
      }
      if (!this.answered) {
        ingest.end();
        log.debug({ fragments: ingest.stored, failed: ingest.failed }, 'PutMedia body ended');
        this.finish();
      }
    } catch (err) {
      // The producer went away (reset, abort): nothing to answer; the open fragment was never RECEIVED.
      log.debug({ err: (err as Error).message }, 'PutMedia connection lost');
      this.answered = true;
      for (const t of this.timers) clearTimeout(t);
      this.stream.putMediaSessions.delete(this);
      this.res.destroy();
    }
  }

  /** Ends the answer; the body, if it goes on, is read and dropped for a while, then the connection is cut. */
  private finish(): void {
    if (this.answered) return;
    this.answered = true;
    for (const t of this.timers) clearTimeout(t);
    this.stream.putMediaSessions.delete(this);
    this.res.end();
    const { req } = this;
    if (!req.readableEnded) {
      const cut = setTimeout(() => req.destroy(), DRAIN_GRACE_MS);
      cut.unref();
      req.once('end', () => clearTimeout(cut));
      req.once('close', () => clearTimeout(cut));
    }
  }
}
