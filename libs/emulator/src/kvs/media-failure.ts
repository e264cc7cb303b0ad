/**
 * The archived-media exceptions for a stored fragment @tributary/media cannot turn into MP4 (HLS, GetClip): the
 * model's UnsupportedStreamMediaType / MissingCodecPrivateData / InvalidCodecPrivateData / InvalidMediaFrame,
 * mapped from MediaError codes.
 */
import { MediaError } from '@tributary/media';
import { AwsServiceError } from '../errors';
import { kvsErrors } from './kvs-errors';

export const mediaErrors = {
  unsupportedMediaType: (message: string) => new AwsServiceError('UnsupportedStreamMediaTypeException', message, 400),
  missingCodecPrivate: (message: string) => new AwsServiceError('MissingCodecPrivateDataException', message, 400),
  invalidCodecPrivate: (message: string) => new AwsServiceError('InvalidCodecPrivateDataException', message, 400),
  invalidMediaFrame: (message: string) => new AwsServiceError('InvalidMediaFrameException', message, 400),
} as const;

/** The KVS exception for `err`, thrown while remuxing a stored fragment. */
export function mediaFailure(err: unknown): AwsServiceError {
  if (err instanceof AwsServiceError) return err;
  if (!(err instanceof MediaError)) return kvsErrors.internalFailure('Internal service failure.');
  switch (err.code) {
    case 'MISSING_CODEC_PRIVATE':
      return mediaErrors.missingCodecPrivate(err.message);
    case 'INVALID_CODEC_PRIVATE':
      return mediaErrors.invalidCodecPrivate(err.message);
    case 'UNSUPPORTED_CODEC':
      return mediaErrors.unsupportedMediaType(err.message);
    default:
      return mediaErrors.invalidMediaFrame(err.message);
  }
}
