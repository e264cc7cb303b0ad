/**
 * Writes `application/vnd.amazon.eventstream` frames (prelude, headers, payload, two CRC-32s) to an HTTP
 * response, with the codec of @smithy/eventstream-codec, the one the SDK decodes with.
 */
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { EventSink } from '../kds/subscribe-to-shard';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

/** How an event's payload is written, and the `:content-type` header that names it: the request's protocol. */
export interface EventPayloadFormat {
  contentType: string;
  encode(payload: object): Uint8Array;
}

const JSON_PAYLOAD: EventPayloadFormat = { contentType: 'application/json', encode: (payload) => fromUtf8(JSON.stringify(payload)) };

export function eventStreamSink(res: http.ServerResponse | http2.Http2ServerResponse, format: EventPayloadFormat = JSON_PAYLOAD): EventSink {
  let closed = false;
  const listeners: Array<() => void> = [];
  const markClosed = (): void => {
    if (closed) return;
    closed = true;
    for (const l of listeners) l();
  };
  res.on('close', markClosed);
  const write = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      // Backpressure: wait for 'drain' when the window is full (HTTP/2 flow control).
      const ok = (res as http.ServerResponse).write(bytes);
      if (ok) resolve();
      else {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      }
    });
  return {
    get closed() {
      return closed;
    },
    onClose(listener) {
      listeners.push(listener);
    },
    event(eventType, payload) {
      return write(
        codec.encode({
          headers: {
            ':message-type': str('event'),
            ':event-type': str(eventType),
            ':content-type': str(format.contentType),
          },
          body: format.encode(payload),
        }),
      );
    },
    exception(exceptionType, message) {
      if (closed) return;
      (res as http.ServerResponse).write(
        codec.encode({
          headers: {
            ':message-type': str('exception'),
            ':exception-type': str(exceptionType),
            ':content-type': str(format.contentType),
          },
          body: format.encode({ message }),
        }),
      );
      res.end();
    },
    end() {
      if (!closed) res.end();
    },
  };
}
