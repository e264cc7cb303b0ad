/**
 * Reads GitHub-flavoured markdown tables out of a document, so specs can hold a README to what the code says.
 * Pure: text in, cells out (the caller reads the file).
 */

export interface MarkdownTable {
  /** Header cells, trimmed, as written. */
  headers: string[];
  /** Body rows; each has as many cells as the header (missing cells are ''). Escaped pipes are unescaped. */
  rows: string[][];
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const DELIMITER_CELL = /^:?-{1,}:?$/;

/**
 * The text under the heading titled `title` (case-insensitive, surrounding whitespace ignored), up to the next
 * heading of the same or a higher level; undefined when there is no such heading. Fenced code is not scanned
 * for headings (a `# comment` in a shell block is not one).
 */
export function markdownSection(markdown: string, title: string): string | undefined {
  const lines = markdown.split(/\r?\n/);
  const wanted = title.trim().toLowerCase();
  let level = 0;
  let start = -1;
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const headingLevel = heading[1].length;
    if (start >= 0 && headingLevel <= level) return lines.slice(start, i).join('\n');
    if (start < 0 && heading[2].toLowerCase() === wanted) {
      level = headingLevel;
      start = i + 1;
    }
  }
  return start >= 0 ? lines.slice(start).join('\n') : undefined;
}

/** Splits one table line into cells: pipes escaped as `\|` stay in the cell (unescaped); outer pipes optional. */
export function splitTableRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell.trim());
  return cells;
}

/** Every table in `markdown`, in order: a header line, a delimiter line (`|---|:--:|`), then body lines. */
export function readMarkdownTables(markdown: string): MarkdownTable[] {
  const lines = markdown.split(/\r?\n/);
  const tables: MarkdownTable[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(```|~~~)/.test(lines[i])) fenced = !fenced;
    if (fenced || !lines[i].includes('|') || i + 1 >= lines.length) continue;
    const headers = splitTableRow(lines[i]);
    const delimiter = splitTableRow(lines[i + 1]);
    if (delimiter.length !== headers.length || !delimiter.every((c) => DELIMITER_CELL.test(c))) continue;
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim().startsWith('|'); j++) {
      const cells = splitTableRow(lines[j]);
      rows.push(headers.map((_, k) => cells[k] ?? ''));
    }
    tables.push({ headers, rows });
    i = j - 1;
  }
  return tables;
}
