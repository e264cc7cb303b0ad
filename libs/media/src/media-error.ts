/**
 * The one error class of @tributary/media (conventions.md §8): a stable `code`, `retriable` (always false — the
 * same bytes decode the same way next time), the stream `offset` where the problem was found when known, and the
 * `cause`. "Need more bytes" is not an error: incremental decoders return the `NEED_MORE` sentinel instead
 * (conventions.md §5), so a caller never has to tell a short read from garbage by catching.
 */
import { TributaryError } from '@tributary/errors';

export type MediaErrorCode =
  /** Bytes that are not valid EBML (RFC 8794): bad VINT, reserved id, unknown size on a non-master, overrun. */
  | 'MALFORMED_EBML'
  /** Valid EBML that is not acceptable Matroska (RFC 9559): Cluster before Tracks, block of an undeclared track, … */
  | 'MALFORMED_MKV'
  /** Valid Matroska this library does not handle (values beyond Number.MAX_SAFE_INTEGER, unknown-size leaves). */
  | 'UNSUPPORTED_MKV'
  /** The stream ended inside an element: the producer was cut off, the bytes so far were fine. */
  | 'TRUNCATED'
  /** A caller passed a value the encoder cannot represent (id without marker, size too large, timecode range). */
  | 'INVALID_ARGUMENT'
  /** A track whose codec needs CodecPrivate (avcC, hvcC, AudioSpecificConfig) has none (KVS: MissingCodecPrivateDataException). */
  | 'MISSING_CODEC_PRIVATE'
  /** CodecPrivate that does not parse: bad avcC/hvcC/ASC, SPS that is not an SPS (KVS: InvalidCodecPrivateDataException). */
  | 'INVALID_CODEC_PRIVATE'
  /** A codec or track type the MP4 remuxer does not carry (KVS: UnsupportedStreamMediaTypeException). */
  | 'UNSUPPORTED_CODEC';

export class MediaError extends TributaryError<MediaErrorCode> {
  static override readonly brand: string = 'tributary.media.MediaError';
  override name = 'MediaError';
  /** Decoding the same bytes again gives the same result: never worth a retry. */
  declare readonly retriable: false;
  constructor(code: MediaErrorCode, message: string, options: { offset?: number; cause?: unknown } = {}) {
    super(code, message, false, { cause: options.cause });
    this.offset = options.offset;
  }
  /** Absolute byte offset in the decoded stream where the problem was detected, when known. */
  readonly offset: number | undefined;
}
