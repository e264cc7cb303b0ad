/**
 * The characters AWS takes in tag keys and values (AddTagsToStream, RemoveTagsFromStream, TagResource,
 * UntagResource, CreateStream's Tags): "Unicode letters, digits, white space, _ . / = + - % @". Outside them the
 * service answers InvalidArgumentException "Some tags contain invalid characters. …"; a '%', although listed,
 * is refused with a second text naming the stream (both recorded by kinesalite from AWS's answers).
 * Checked after the stream is found, as the service does. Pure, no I/O.
 */
import { awsErrors, type AwsServiceError } from '../errors';

/** Anything but letters (with their combining marks), digits, white space and _ . / = + - % @. */
const OUTSIDE = /[^\p{L}\p{M}\p{N}\p{Zs}_./=+\-@%]/u;

const INVALID = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const ALLOWED = "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

/** What is being done, as the '%' text says it: "add tags to" or "remove tags from". */
export type TagAction = 'add tags to' | 'remove tags from';

/**
 * The InvalidArgumentException for tag keys/values `texts` (of `action` on stream `streamName`), or undefined
 * when every character is one AWS takes.
 */
export function tagCharacterError(texts: Iterable<string>, action: TagAction, streamName: string, accountId: string): AwsServiceError | undefined {
  let percent = false;
  for (const text of texts) {
    if (OUTSIDE.test(text)) return awsErrors.invalidArgument(INVALID);
    percent ||= text.includes('%');
  }
  if (!percent) return undefined;
  return awsErrors.invalidArgument(`Failed to ${action} stream ${streamName} under account ${accountId} because some tags contained illegal characters. ${ALLOWED}`);
}

/** A tag map's keys then values, as tagCharacterError reads them. */
export function* tagTexts(tags: Record<string, string>): Iterable<string> {
  for (const key of Object.keys(tags)) yield key;
  for (const key of Object.keys(tags)) if (typeof tags[key] === 'string') yield tags[key];
}
