/**
 * RFC 8216 §4.2 attribute lists (`NAME=value,NAME="quoted, with commas"`): the one place that splits them, so a
 * comma inside a quoted string (CODECS="avc1.640028,mp4a.40.2") never ends an attribute.
 */
export interface HlsAttribute {
  name: string;
  /** The value as written (quotes kept). */
  raw: string;
  /** The value without its quotes. */
  value: string;
  /** Offset of `raw` within the attribute list. */
  valueStart: number;
}

const ATTRIBUTE = /([A-Z0-9-]+)=("[^"\r\n]*"|[^",\r\n]*)/g;

export function parseAttributeList(text: string): HlsAttribute[] {
  const out: HlsAttribute[] = [];
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(text); m; m = ATTRIBUTE.exec(text)) {
    const raw = m[2];
    const quotedValue = raw.startsWith('"');
    out.push({ name: m[1], raw, value: quotedValue ? raw.slice(1, -1) : raw, valueStart: m.index + m[1].length + 1 });
    // Attributes are separated by commas; skip to the next one.
    if (text[ATTRIBUTE.lastIndex] === ',') ATTRIBUTE.lastIndex++;
  }
  return out;
}
