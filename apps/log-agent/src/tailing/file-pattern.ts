/**
 * A flow's `filePattern` as the agent reads it (tailing/SourceFile.java): the directory part is a plain path, only
 * the file-name part is a glob, matched against the names in that one directory (no recursion). The agent leaves
 * globs in the directory part unhandled (a TODO in SourceFile); here they are refused by name at start rather than
 * silently matching nothing. Compressed files (.gz, .bz2, .zip) never match, as in SourceFile.validateFile.
 * Java's glob syntax (`*`, `?`, `[…]`, `{a,b}`) is what picomatch implements for a single path segment; a leading
 * dot is matched like any character, as Java's PathMatcher does. Pure: no I/O.
 */
import picomatch from 'picomatch';
import { isAbsolute, posix, resolve } from 'node:path';
import { TailingError } from './tailing-error';

export interface FilePattern {
  /** The absolute directory the files are in. */
  directory: string;
  /** The glob of the file name, as written. */
  fileGlob: string;
  /** Whether a file name in `directory` belongs to the flow. */
  matches(fileName: string): boolean;
}

const IGNORED_EXTENSIONS = ['.gz', '.bz2', '.zip'];
const GLOB_CHARS = /[*?[\]{}]/;

/** Splits and validates a filePattern; relative patterns are resolved against `cwd`, as Java's Path would be. */
export function parseFilePattern(pattern: string, cwd = process.cwd()): FilePattern {
  const refuse = (why: string): never => {
    throw new TailingError('INVALID_FILE_PATTERN', `filePattern "${pattern}": ${why}`, false);
  };
  if (pattern.trim() === '') refuse('is empty');
  if (pattern.endsWith('/')) refuse('the file name component is empty (it ends with "/")');
  const slash = pattern.lastIndexOf('/');
  if (slash < 0) refuse('has no directory component (write it as /path/to/dir/name-glob)');
  const dirPart = slash === 0 ? '/' : pattern.slice(0, slash);
  const fileGlob = pattern.slice(slash + 1);
  if (GLOB_CHARS.test(dirPart)) {
    refuse(`globs are supported in the file name only, not in the directory "${dirPart}" (as in the Kinesis Agent)`);
  }
  const directory = isAbsolute(dirPart) ? posix.normalize(dirPart) : resolve(cwd, dirPart);
  const isMatch = picomatch(fileGlob, { dot: true });
  return {
    directory,
    fileGlob,
    matches: (name) => isMatch(name) && !IGNORED_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext)),
  };
}
