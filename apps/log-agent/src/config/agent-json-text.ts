/**
 * agent.json's text → a JSON value, as the Kinesis Agent reads it: Jackson with `JsonParser.Feature.ALLOW_COMMENTS`
 * (config/Configuration.java, `Configuration.get`), so `/* … *\/` and `// …` comments outside strings are allowed.
 * Comments are blanked (replaced by spaces, newlines kept) before JSON.parse, so its error positions still point
 * into the file as written.
 */

/** Parses agent.json text; throws a SyntaxError (from JSON.parse, or for an unclosed comment). */
export function parseAgentJson(text: string): unknown {
  return JSON.parse(blankComments(text));
}

export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  let from = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? lineEnd(text, i) : blockEnd(text, i);
      out += text.slice(from, i) + text.slice(i, end).replace(/[^\n\r]/g, ' ');
      i = from = end;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

/** Index just past the closing quote of the string starting at `start` (or the text's end). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function lineEnd(text: string, start: number): number {
  const nl = text.indexOf('\n', start);
  return nl === -1 ? text.length : nl;
}

function blockEnd(text: string, start: number): number {
  const close = text.indexOf('*/', start + 2);
  if (close === -1) throw new SyntaxError(`unclosed /* comment at position ${start}`);
  return close + 2;
}
