/**
 * The agent's patterns (matchPattern, multiLineStartPattern, the CSV delimiter) are java.util.regex patterns. Most
 * of that syntax means the same in JavaScript; this compiles one, translating the few constructs that differ and
 * refusing, by name, the ones JavaScript has no equivalent for, so that a configuration never silently matches
 * something else than it did under the Java agent.
 *
 * Translated: `\A` → `^`, `\z` → `$`, `\Z` → `(?=\n?$)`, a leading `(?i)` → flag `i`, `\h` → horizontal space.
 * Refused: possessive quantifiers (`*+ ++ ?+ }+`), atomic groups `(?>…)`, other inline flags `(?s) (?m) (?x) (?u)…`,
 * `\Q…\E` quoting, `\p{Java…}` classes, `\G`, `\R`, `\X`. Left as they are and equal in both: classes, groups,
 * lookaround, backreferences, `\d \w \b` (ASCII in both). `\s` and `.` differ slightly at the edges (JavaScript's
 * `\s` also takes Unicode spaces; Java's `.` also stops at U+0085) — the built-in formats avoid them (log-patterns.ts).
 */
import { ProcessingError } from './processing-error';

export interface JavaPatternUse {
  /** Anchor the whole input (Java `Matcher.matches`) or its start (`lookingAt`), or neither (`find`, `split`). */
  anchor: 'whole' | 'start' | 'none';
  /** `g` for split loops. */
  global?: boolean;
}

/** Compiles a Java regular expression for JavaScript; throws a ProcessingError naming what cannot be carried over. */
export function compileJavaRegex(pattern: string, use: JavaPatternUse): RegExp {
  let flags = use.global ? 'g' : '';
  let source = pattern;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (inline) {
    if (inline[1] !== 'i') refuse(pattern, `the inline flags (?${inline[1]})`);
    flags += 'i';
    source = source.slice(inline[0].length);
  }
  source = translate(pattern, source);
  const anchored = use.anchor === 'whole' ? `^(?:${source})$` : use.anchor === 'start' ? `^(?:${source})` : source;
  try {
    return new RegExp(anchored, flags);
  } catch (err) {
    throw new ProcessingError('UNSUPPORTED_PATTERN', `pattern ${JSON.stringify(pattern)} is not a valid regular expression here: ${(err as Error).message}`, { cause: err });
  }
}

/** Capturing groups in a compiled pattern (Java's Matcher.groupCount). */
export function groupCount(regex: RegExp): number {
  return (new RegExp(regex.source + '|', regex.flags.replace('g', '')).exec('') as RegExpExecArray).length - 1;
}

function translate(original: string, source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      i++;
      if (n === 'A' && !inClass) out += '^';
      else if (n === 'z' && !inClass) out += '$';
      else if (n === 'Z' && !inClass) out += '(?=\\n?$)';
      else if (n === 'h') out += inClass ? ' \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000' : '[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]';
      else if (n === 'Q' || n === 'E') refuse(original, '\\Q…\\E quoting');
      else if (n === 'G' || n === 'R' || n === 'X') refuse(original, `\\${n}`);
      else if ((n === 'p' || n === 'P') && source.startsWith('{java', i + 1)) refuse(original, `\\${n}{java…} classes`);
      else out += '\\' + n;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a literal in both dialects' common use; keep it inside the class.
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') out += '\\' + source[++i];
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const n = source[i + 2];
      if (n === '>') refuse(original, 'atomic groups (?>…)');
      if (n !== undefined && /[a-zA-Z-]/.test(n) && n !== '<') refuse(original, `the inline flags (?${n}…)`);
    }
    if (c === '+' && out.length > 0 && /[*+?}]$/.test(out) && !out.endsWith('\\+') && !out.endsWith('\\*') && !out.endsWith('\\?') && !out.endsWith('\\}')) {
      refuse(original, 'possessive quantifiers (*+, ++, ?+, {n}+)');
    }
    out += c;
  }
  return out;
}

function refuse(pattern: string, what: string): never {
  throw new ProcessingError('UNSUPPORTED_PATTERN', `pattern ${JSON.stringify(pattern)} uses ${what}, which JavaScript regular expressions do not have`);
}
