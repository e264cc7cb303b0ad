/**
 * The tags KVS GetMedia wraps around every fragment (kvs-reference.md §4.3), observed in real GetMedia output:
 *
 *   before the Cluster:  AWS_KINESISVIDEO_FRAGMENT_NUMBER    "91343852333181432392682062607743920146159169392"
 *                        AWS_KINESISVIDEO_SERVER_TIMESTAMP   "1511852109.126"   (epoch seconds, 3 decimals)
 *                        AWS_KINESISVIDEO_PRODUCER_TIMESTAMP "1511852108.513"
 *   after the Cluster:   AWS_KINESISVIDEO_MILLIS_BEHIND_NOW  "15858"            (decimal ms)
 *                        AWS_KINESISVIDEO_CONTINUATION_TOKEN "9134…"            (observed = the fragment number)
 *   on failure:          AWS_KINESISVIDEO_FRAGMENT_NUMBER, AWS_KINESISVIDEO_ERROR_ID (integer as a string, e.g.
 *                        "4000") and AWS_KINESISVIDEO_ERROR_CODE (text) — from the service model and the AWS
 *                        parser library; no real capture of an error chunk is known, so its exact layout (one
 *                        Tags element? Tracks present?) is [unconfirmed].
 *
 * Layout written (observed bytes): Tags > one Tag (no Targets) > one SimpleTag per value, TagName + TagString, every
 * element with a 4-octet size field (`10 00 00 xx`), no NUL terminators. All values are TagStrings.
 *
 * Also here: the tag names a PIC producer reserves for itself (§3.4 item 5), which the emulator treats as control
 * tags rather than user metadata.
 */
import { MediaError } from '../media-error';
import { writeTags } from '../matroska/matroska-tags';
import type { MkvSimpleTag } from '../matroska/matroska-types';

export const KVS_TAG = {
  fragmentNumber: 'AWS_KINESISVIDEO_FRAGMENT_NUMBER',
  serverTimestamp: 'AWS_KINESISVIDEO_SERVER_TIMESTAMP',
  producerTimestamp: 'AWS_KINESISVIDEO_PRODUCER_TIMESTAMP',
  millisBehindNow: 'AWS_KINESISVIDEO_MILLIS_BEHIND_NOW',
  continuationToken: 'AWS_KINESISVIDEO_CONTINUATION_TOKEN',
  errorCode: 'AWS_KINESISVIDEO_ERROR_CODE',
  errorId: 'AWS_KINESISVIDEO_ERROR_ID',
  /** PIC's end-of-fragment marker (empty value), sent by producers after a cluster's last frame. */
  endOfFragment: 'AWS_KINESISVIDEO_END_OF_FRAGMENT',
  /** PIC event markers for the notification and image-generation features. */
  notification: 'AWS_KINESISVIDEO_NOTIFICATION',
  imageGeneration: 'AWS_KINESISVIDEO_IMAGE_GENERATION',
} as const;

/** Size-field length KVS uses in the tags it writes (kvs-reference.md §4.3, observed). */
export const KVS_TAG_SIZE_LENGTH = 4;

export interface KvsFragmentTags {
  /** Decimal string (47 digits on the real service); compare as BigInt, never as a number. */
  fragmentNumber: string;
  serverTimestampMs: number;
  producerTimestampMs: number;
  millisBehindNow?: number;
  continuationToken?: string;
  /** GetMedia error id, e.g. 4000 (requested fragment not found), 5000 (internal error). */
  errorId?: number;
  /** GetMedia error text. */
  errorCode?: string;
}

/** Epoch ms → "seconds.mmm", the format of the timestamp tags (kvs-reference.md §3.5, §4.3). */
export function formatKvsTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new MediaError('INVALID_ARGUMENT', `Invalid timestamp ${ms}`);
  const whole = Math.round(ms);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}`;
}

/** "seconds[.fraction]" → epoch ms (integer math on the digits; fractions beyond ms are cut). */
export function parseKvsTimestamp(text: string): number | undefined {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (m === null) return undefined;
  const frac = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  return Number(m[1]) * 1000 + Number(frac);
}

/**
 * The Tags element for the given subset of fragment tags, in the order GetMedia writes them. Emulators call it
 * twice per fragment: with number + timestamps before the Cluster, with millisBehindNow + continuationToken after.
 */
export function writeKvsFragmentTags(tags: Partial<KvsFragmentTags>): Uint8Array {
  const list: MkvSimpleTag[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) list.push({ name, value });
  };
  add(KVS_TAG.fragmentNumber, tags.fragmentNumber);
  add(KVS_TAG.serverTimestamp, tags.serverTimestampMs === undefined ? undefined : formatKvsTimestamp(tags.serverTimestampMs));
  add(KVS_TAG.producerTimestamp, tags.producerTimestampMs === undefined ? undefined : formatKvsTimestamp(tags.producerTimestampMs));
  add(KVS_TAG.millisBehindNow, tags.millisBehindNow === undefined ? undefined : String(Math.max(0, Math.round(tags.millisBehindNow))));
  add(KVS_TAG.continuationToken, tags.continuationToken);
  add(KVS_TAG.errorId, tags.errorId === undefined ? undefined : String(tags.errorId));
  add(KVS_TAG.errorCode, tags.errorCode);
  if (list.length === 0) throw new MediaError('INVALID_ARGUMENT', 'writeKvsFragmentTags: no tag given');
  return writeTags(list, { layout: 'single-tag', sizeLength: KVS_TAG_SIZE_LENGTH });
}

/**
 * The KVS fragment tags found among SimpleTags (other tags are ignored; a fragment's tags usually arrive in two
 * Tags elements, so callers merge the results). Values that do not parse are left out.
 */
export function readKvsFragmentTags(tags: readonly MkvSimpleTag[]): Partial<KvsFragmentTags> {
  const out: Partial<KvsFragmentTags> = {};
  for (const t of tags) {
    const v = t.value;
    if (v === undefined) continue;
    switch (t.name) {
      case KVS_TAG.fragmentNumber:
        out.fragmentNumber = v;
        break;
      case KVS_TAG.serverTimestamp:
        setIfDefined(out, 'serverTimestampMs', parseKvsTimestamp(v));
        break;
      case KVS_TAG.producerTimestamp:
        setIfDefined(out, 'producerTimestampMs', parseKvsTimestamp(v));
        break;
      case KVS_TAG.millisBehindNow:
        setIfDefined(out, 'millisBehindNow', parseDecimal(v));
        break;
      case KVS_TAG.continuationToken:
        out.continuationToken = v;
        break;
      case KVS_TAG.errorId:
        setIfDefined(out, 'errorId', parseDecimal(v));
        break;
      case KVS_TAG.errorCode:
        out.errorCode = v;
        break;
      default:
        break;
    }
  }
  return out;
}

/** Producer-side control tags (PIC's end-of-fragment and event markers): not user metadata (§3.4 item 5). */
export function isKvsReservedTagName(name: string): boolean {
  return name.startsWith('AWS');
}

/**
 * PIC's end-of-fragment Tags element (`AWS_KINESISVIDEO_END_OF_FRAGMENT`, empty value), which lets KVS finish the
 * fragment without waiting for the next Cluster. Byte-level parity with PIC is [unconfirmed]; 8-octet sizes as PIC
 * uses for its tags.
 */
export function writeEndOfFragmentTags(): Uint8Array {
  return writeTags([{ name: KVS_TAG.endOfFragment, value: '' }], { layout: 'tag-per-simple-tag', sizeLength: 8 });
}

function parseDecimal(v: string): number | undefined {
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

function setIfDefined<K extends keyof KvsFragmentTags>(out: Partial<KvsFragmentTags>, key: K, value: KvsFragmentTags[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}
