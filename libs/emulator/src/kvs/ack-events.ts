/**
 * PutMedia acknowledgement events as the service writes them (kvs-reference.md §3.7): one flat JSON object per
 * line, keys in the captured order `EventType`, `FragmentTimecode` (the Cluster Timecode as sent, a number),
 * `FragmentNumber` (a string), then `ErrorCode` (the enum name) and `ErrorId` (a number) on ERROR only:
 *
 *   {"EventType":"PERSISTED","FragmentTimecode":252467,"FragmentNumber":"1234…017"}
 *   {"EventType":"ERROR","FragmentTimecode":160,"FragmentNumber":"9134…709","ErrorCode":"INVALID_MKV_DATA","ErrorId":4006}
 *
 * IDLE is `{"EventType":"IDLE"}` (its exact shape is [unconfirmed]); an ERROR that belongs to no fragment (bytes
 * before any Cluster, a connection-level failure) carries only what is known.
 */
export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

/** ErrorId ↔ ErrorCode, from the PutMedia doc, the AWS SDK for Java v1 `AckErrorCode` and PIC's result codes. */
export const ACK_ERRORS = {
  STREAM_READ_ERROR: 4000,
  MAX_FRAGMENT_SIZE_REACHED: 4001,
  MAX_FRAGMENT_DURATION_REACHED: 4002,
  MAX_CONNECTION_DURATION_REACHED: 4003,
  FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS: 4004,
  INVALID_MKV_DATA: 4006,
  INVALID_PRODUCER_TIMESTAMP: 4007,
  STREAM_NOT_ACTIVE: 4008,
  FRAGMENT_METADATA_LIMIT_REACHED: 4009,
  TRACK_NUMBER_MISMATCH: 4010,
  FRAMES_MISSING_FOR_TRACK: 4011,
  /** Name from a PIC comment [unconfirmed]. */
  MORE_THAN_ALLOWED_TRACKS_FOUND: 4012,
  STREAM_DELETED: 4507,
  INTERNAL_ERROR: 5000,
  ARCHIVAL_ERROR: 5001,
} as const;
export type AckErrorCode = keyof typeof ACK_ERRORS;

export interface AckEvent {
  eventType: AckEventType;
  fragmentTimecode?: number;
  fragmentNumber?: string;
  errorCode?: AckErrorCode;
}

/** The event as the line the service writes, newline included. */
export function ackLine(event: AckEvent): string {
  const out: Record<string, string | number> = { EventType: event.eventType };
  if (event.fragmentTimecode !== undefined) out['FragmentTimecode'] = event.fragmentTimecode;
  if (event.fragmentNumber !== undefined) out['FragmentNumber'] = event.fragmentNumber;
  if (event.errorCode !== undefined) {
    out['ErrorCode'] = event.errorCode;
    out['ErrorId'] = ACK_ERRORS[event.errorCode];
  }
  return `${JSON.stringify(out)}\n`;
}
