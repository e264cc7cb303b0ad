/**
 * `POST /getMedia` (`@aws-sdk/client-kinesis-video-media`; kvs-reference.md §4): a 200 with `Content-Type:
 * video/webm` right away, then one self-contained Matroska document per fragment (fragment-document.ts), from the
 * start selector on, tailing new fragments as they are stored. Written with backpressure: a slow reader slows the
 * answer, never the producer.
 *
 * Start selectors: EARLIEST (oldest fragment still readable), NOW (the next fragment stored; the latest chunk
 * already stored is not replayed — [unconfirmed]), FRAGMENT_NUMBER (after `AfterFragmentNumber`, exclusive as the
 * model words it; `afterFragmentNumberInclusive` to include it), SERVER_TIMESTAMP / PRODUCER_TIMESTAMP (the
 * fragment containing `StartTimestamp`: from its start up to the next fragment's start, the last one up to its
 * end; else the first one after it), CONTINUATION_TOKEN (after the fragment whose chunk carried the token, which
 * is that fragment's number). An unknown fragment number or token is answered in band, as the service reports
 * failures after the 200: an error chunk with ERROR_ID 4000 "Requested fragment is not found".
 *
 * The answer ends when the client goes away, the stream is deleted, the emulator stops, or no new fragment came
 * for `getMediaIdleTimeoutMs` (the client resumes with the last continuation token). At most
 * `getMediaConnectionsPerStream` (3) readers per stream; the next gets ConnectionLimitExceededException.
 */
import type { Res } from '../server/http-exchange';
import type { FragmentEntry, FragmentLog } from '../storage/fragment-log';
import { parseTimestamp } from '../kds/kds-context';
import { kvsErrors } from './kvs-errors';
import { startStreamedAnswer, writeChunk } from './kvs-http';
import type { KvsEnv, KvsRequestContext } from './kvs-context';
import type { KvsStream, StreamConnection } from './kvs-stream';
import { errorDocument, fragmentDocument } from './fragment-document';
import type { StartSelectorType } from './kvs-shapes';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

export const FRAGMENT_NOT_FOUND = { id: 4000, code: 'Requested fragment is not found' } as const;

/** Where a start selector points: an ordinal of the log, or a fragment that does not exist. */
type Start = { ordinal: number } | { missing: string };

/** The fragment holding `timestampMs` by `key`, in ingestion order (see the header). */
function ordinalContaining(entries: readonly FragmentEntry[], timestampMs: number, key: 'serverTimestampMs' | 'producerTimestampMs', end: number): number {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const next = entries[i + 1];
    if (e[key] > timestampMs) return e.ordinal;
    if (next ? timestampMs < next[key] : timestampMs <= e[key] + e.durationMs) return e.ordinal;
  }
  return end;
}

/** The first ordinal a selector asks for. */
export function resolveStart(env: KvsEnv, log: FragmentLog, selector: In): Start {
  const type = selector.StartSelectorType as StartSelectorType;
  const require = (member: string): unknown => {
    if (selector[member] === undefined) throw kvsErrors.invalidArgument(`StartSelector ${type} needs ${member}.`);
    return selector[member];
  };
  switch (type) {
    case 'EARLIEST':
      return { ordinal: log.firstOrdinal };
    case 'NOW':
      return { ordinal: log.length };
    case 'FRAGMENT_NUMBER': {
      const number = String(require('AfterFragmentNumber'));
      const entry = log.find(number);
      if (!entry) return { missing: number };
      return { ordinal: env.settings.afterFragmentNumberInclusive ? entry.ordinal : entry.ordinal + 1 };
    }
    case 'CONTINUATION_TOKEN': {
      const token = String(require('ContinuationToken'));
      const entry = /^[0-9]+$/.test(token) ? log.find(token) : undefined;
      if (!entry) return { missing: token };
      return { ordinal: entry.ordinal + 1 };
    }
    case 'SERVER_TIMESTAMP':
    case 'PRODUCER_TIMESTAMP': {
      const ms = parseTimestamp(require('StartTimestamp'));
      if (!Number.isFinite(ms)) throw kvsErrors.invalidArgument('StartTimestamp is not a valid timestamp.');
      const key = type === 'SERVER_TIMESTAMP' ? 'serverTimestampMs' : 'producerTimestampMs';
      const entries = key === 'serverTimestampMs' ? log.entries().slice(Math.max(0, log.ordinalAtOrAfterServerTime(ms) - log.firstOrdinal - 1)) : log.entries();
      return { ordinal: ordinalContaining(entries, ms, key, log.length) };
    }
  }
}

/** Writes `parts`, waiting for 'drain' when the socket is full; false when the client went away. */
export async function writeParts(res: Res, parts: readonly Uint8Array[]): Promise<boolean> {
  for (const p of parts) {
    if (res.destroyed || res.writableEnded) return false;
    if (!writeChunk(res, p)) {
      const ok = await new Promise<boolean>((resolve) => {
        const done = (v: boolean): void => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(v);
        };
        const onDrain = (): void => done(true);
        const onClose = (): void => done(false);
        res.on('drain', onDrain);
        res.on('close', onClose);
      });
      if (!ok) return false;
    }
  }
  return true;
}

/** Resolves when the log grows, `timeoutMs` passes, or `stop` fires; with what happened. */
function nextAppend(log: FragmentLog, timeoutMs: number, stop: Promise<void>): Promise<'appended' | 'timeout' | 'stopped'> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (v: 'appended' | 'timeout' | 'stopped'): void => {
      if (settled) return;
      settled = true;
      off();
      clearTimeout(timer);
      resolve(v);
    };
    const off = log.onAppend(() => settle('appended'));
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    timer.unref();
    void stop.then(() => settle('stopped'));
  });
}

export async function getMedia(env: KvsEnv, input: In, ctx: KvsRequestContext, res: Res): Promise<void> {
  const { registry, settings, clock } = env;
  const stream: KvsStream = registry.find(input);
  if (stream.getMediaReaders.size >= settings.getMediaConnectionsPerStream) {
    throw kvsErrors.connectionLimitExceeded(
      `The stream ${stream.meta.name} already has ${stream.getMediaReaders.size} GetMedia connections, the most allowed.`,
    );
  }
  registry.applyRetention(stream);
  const log = stream.log;
  const start = resolveStart(env, log, input.StartSelector);

  let stopReason: 'deleted' | 'shutdown' | 'client' | undefined;
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  const stop = (reason: 'deleted' | 'shutdown' | 'client'): void => {
    stopReason ??= reason;
    stopNow();
  };
  const reader: StreamConnection = { streamGone: (reason) => stop(reason) };
  stream.getMediaReaders.add(reader);
  // The response's 'close' means the client went away (or the answer ended); a request's 'close' would only
  // mean its JSON body was read.
  res.on('close', () => stop('client'));
  startStreamedAnswer(res, { 'content-type': 'video/webm', 'x-amzn-requestid': ctx.requestId });
  try {
    if ('missing' in start) {
      await writeParts(res, [errorDocument(FRAGMENT_NOT_FOUND.id, FRAGMENT_NOT_FOUND.code, start.missing)]);
      return;
    }
    let ordinal = start.ordinal;
    while (stopReason === undefined) {
      registry.applyRetention(stream);
      ordinal = Math.max(ordinal, log.firstOrdinal);
      const entry = log.entry(ordinal);
      if (!entry) {
        const what = await nextAppend(log, settings.getMediaIdleTimeoutMs, stopped);
        if (what !== 'appended') break;
        continue;
      }
      const frame = log.read(entry);
      const tail = { millisBehindNow: clock.now() - entry.serverTimestampMs, continuationToken: entry.fragmentNumberText };
      if (!(await writeParts(res, fragmentDocument(frame, tail)))) break;
      ordinal++;
    }
  } finally {
    stream.getMediaReaders.delete(reader);
    if (stopReason === 'shutdown') res.destroy();
    else if (!res.writableEnded && !res.destroyed) res.end();
  }
}
