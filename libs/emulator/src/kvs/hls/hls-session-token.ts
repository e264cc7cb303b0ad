/**
 * HLS session tokens: what a GetHLSStreamingSessionURL call decided, carried by the player in `SessionToken`, so
 * the emulator keeps no session table (sessions survive a restart and cost nothing). Layout:
 *
 *   base64url(JSON array of the session's fields, in `FIELDS` order) "." base64url(HMAC-SHA256(key, first part))
 *
 * URL-safe, opaque to players (KVS's are too: kvs-reference.md §5.6), and short, as every segment URI repeats it
 * (an array rather than an object). The payload names the stream by ARN, whose
 * last part is the creation time, so a stream deleted and created again under the same name does not match. The
 * key lives at `<dataDir>/kvs/hls-session-key.json` (random, made on first use), or in memory without a data dir.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MetadataStore } from '../../storage/metadata-store';
import { hlsErrors } from './hls-errors';

export type PlaybackMode = 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';
export type HlsSelectorType = 'SERVER_TIMESTAMP' | 'PRODUCER_TIMESTAMP';
export type HlsDiscontinuityMode = 'ALWAYS' | 'NEVER' | 'ON_DISCONTINUITY';
export type HlsContainerFormat = 'FRAGMENTED_MP4' | 'MPEG_TS';

export interface HlsSession {
  streamArn: string;
  mode: PlaybackMode;
  selector: HlsSelectorType;
  /** Range bounds, epoch ms (LIVE has none; LIVE_REPLAY may have no end). */
  startMs?: number;
  endMs?: number;
  discontinuity: HlsDiscontinuityMode;
  displayTimestamp: boolean;
  maxResults: number;
  issuedAtMs: number;
  expiresAtMs: number;
  /** LIVE: the first ordinal of the window at issue; older fragments are not part of the session. */
  baseOrdinal: number;
  /** Absent: FRAGMENTED_MP4 (tokens made before MPEG_TS was served have no such field). */
  containerFormat?: HlsContainerFormat;
}

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

const VERSION = 1;
const FIELDS = [
  'streamArn',
  'mode',
  'selector',
  'startMs',
  'endMs',
  'discontinuity',
  'displayTimestamp',
  'maxResults',
  'issuedAtMs',
  'expiresAtMs',
  'baseOrdinal',
  'containerFormat',
] as const satisfies readonly (keyof HlsSession)[];

function encode(session: HlsSession): string {
  return JSON.stringify([VERSION, ...FIELDS.map((f) => session[f] ?? null)]);
}

function decode(text: string): HlsSession | undefined {
  const values = JSON.parse(text) as unknown[];
  // One field fewer: a token signed before containerFormat existed (kept valid across an upgrade and restart).
  if (!Array.isArray(values) || values[0] !== VERSION || (values.length !== FIELDS.length + 1 && values.length !== FIELDS.length)) return undefined;
  const out: Record<string, unknown> = {};
  FIELDS.forEach((f, i) => {
    if (values[i + 1] !== null && values[i + 1] !== undefined) out[f] = values[i + 1];
  });
  return out as unknown as HlsSession;
}

export class HlsSessionTokens {
  constructor(private readonly key: Uint8Array) {}

  /** Loads the key from `store`, making and saving one the first time. */
  static fromStore(store: MetadataStore<{ key: string }>): HlsSessionTokens {
    let key = store.load()?.key;
    if (!key) {
      key = randomBytes(32).toString('base64');
      store.save({ key });
    }
    return new HlsSessionTokens(Buffer.from(key, 'base64'));
  }

  sign(session: HlsSession): string {
    const body = b64(encode(session));
    return `${body}.${this.mac(body)}`;
  }

  /** The session of `token`; 403 when it was not made here, altered, or expired at `nowMs`. */
  verify(token: string | null, nowMs: number): HlsSession {
    if (!token) throw hlsErrors.badToken('The SessionToken is missing.');
    const dot = token.indexOf('.');
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (dot < 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw hlsErrors.badToken('The SessionToken is not valid.');
    }
    const session = decode(Buffer.from(body, 'base64url').toString('utf8'));
    if (!session) throw hlsErrors.badToken('The SessionToken is not valid.');
    if (nowMs >= session.expiresAtMs) throw hlsErrors.expired();
    return session;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
