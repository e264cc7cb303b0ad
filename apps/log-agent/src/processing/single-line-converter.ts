/**
 * SINGLELINE (awslabs/amazon-kinesis-agent processing/processors/SingleLineDataConverter.java): the record is split
 * at `\n` (Java `String.split`, which drops trailing empty pieces), each piece is trimmed (Java `String.trim`: every
 * character up to U+0020 at either end, so `\r` and tabs too), the pieces are joined with nothing between them, and
 * one `\n` ends the result. The class comment says "replace the newline with a whitespace", the code joins with no
 * separator: what the agent sends is what the code does, so that is what this does.
 */
import type { TextConverter } from './text-converter';

export const singleLineConverter: TextConverter = (text) => {
  const pieces = text.split('\n');
  let end = pieces.length;
  while (end > 1 && pieces[end - 1] === '') end--;
  let out = '';
  for (let i = 0; i < end; i++) out += javaTrim(pieces[i]);
  return out + '\n';
};

/** java.lang.String.trim: removes every code unit <= U+0020 from both ends. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
