/**
 * Rewrites every URI of a master or media playlist (a proxy serving KVS playlists through itself): segment and
 * variant URI lines, and the `URI="…"` attribute of `#EXT-X-MAP` (map), `#EXT-X-MEDIA` (rendition) and
 * `#EXT-X-I-FRAME-STREAM-INF` (variant). Everything else — other tags, unknown tags, comments, blank lines, line
 * endings — is kept byte for byte.
 */
import { parseAttributeList } from './hls-attribute-list';
import type { HlsUriKind } from './hls-types';

const URI_TAGS: Record<string, HlsUriKind> = {
  '#EXT-X-MAP': 'map',
  '#EXT-X-MEDIA': 'rendition',
  '#EXT-X-I-FRAME-STREAM-INF': 'variant',
};

function rewriteTag(line: string, kind: HlsUriKind, rewrite: (uri: string, kind: HlsUriKind) => string): string {
  const colon = line.indexOf(':');
  const list = line.slice(colon + 1);
  const uri = parseAttributeList(list).find((a) => a.name === 'URI' && a.raw.startsWith('"'));
  if (!uri) return line;
  const next = rewrite(uri.value, kind);
  if (/["\r\n]/.test(next)) throw new RangeError(`rewritten URI cannot be quoted: ${JSON.stringify(next)}`);
  const at = colon + 1 + uri.valueStart;
  return `${line.slice(0, at)}"${next}"${line.slice(at + uri.raw.length)}`;
}

export function rewritePlaylistUris(text: string, rewrite: (uri: string, kind: HlsUriKind) => string): string {
  const isMaster = /^#EXT-X-STREAM-INF:/m.test(text);
  return text
    .split('\n')
    .map((full) => {
      const cr = full.endsWith('\r');
      const line = cr ? full.slice(0, -1) : full;
      let out = line;
      // Whitespace before a '#' does not make a tag or comment a URI line: parseMediaPlaylist (and players) read
      // lines trimmed, so a URI-rewritten " #comment" became a segment of its own (found by fuzzing).
      const body = line.trimStart();
      if (body.startsWith('#')) {
        const tag = body.slice(0, body.includes(':') ? body.indexOf(':') : body.length);
        const kind = URI_TAGS[tag];
        if (kind) out = line.slice(0, line.length - body.length) + rewriteTag(body, kind, rewrite);
      } else if (body.length > 0) {
        out = rewrite(line.trim(), isMaster ? 'variant' : 'segment');
      }
      return cr ? `${out}\r` : out;
    })
    .join('\n');
}
