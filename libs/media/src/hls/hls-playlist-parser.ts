/**
 * Reads a media playlist back into segments (tests, health checks of a proxied stream): the tags
 * hls-playlist-writer.ts writes, with `map` set on every segment it applies to. Unknown tags are skipped
 * (RFC 8216 §4.1: clients ignore them). Not a general-purpose parser: no byte ranges, keys or parts.
 */
import { MediaError } from '../media-error';
import { parseAttributeList } from './hls-attribute-list';
import type { HlsSegment } from './hls-types';

export interface ParsedMediaPlaylist {
  version?: number;
  mediaSequence: number;
  discontinuitySequence?: number;
  targetDurationSec: number;
  playlistType?: 'VOD' | 'EVENT';
  independentSegments: boolean;
  endList: boolean;
  segments: HlsSegment[];
}

function int(value: string, tag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new MediaError('INVALID_ARGUMENT', `${tag} is not an integer: ${value}`);
  return n;
}

export function parseMediaPlaylist(text: string): ParsedMediaPlaylist {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new MediaError('INVALID_ARGUMENT', 'a playlist starts with #EXTM3U');
  const out: ParsedMediaPlaylist = { mediaSequence: 0, targetDurationSec: 0, independentSegments: false, endList: false, segments: [] };
  let next: Omit<HlsSegment, 'uri' | 'durationSec'> & { durationSec?: number } = {};
  let map: { uri: string } | undefined;
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (!line.startsWith('#')) {
      if (next.durationSec === undefined) throw new MediaError('INVALID_ARGUMENT', `segment ${line} has no #EXTINF`);
      out.segments.push({ ...next, durationSec: next.durationSec, uri: line, ...(map ? { map } : {}) });
      next = {};
      continue;
    }
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    switch (tag) {
      case '#EXT-X-VERSION':
        out.version = int(value, tag);
        break;
      case '#EXT-X-TARGETDURATION':
        out.targetDurationSec = int(value, tag);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        out.mediaSequence = int(value, tag);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        out.discontinuitySequence = int(value, tag);
        break;
      case '#EXT-X-PLAYLIST-TYPE':
        if (value !== 'VOD' && value !== 'EVENT') throw new MediaError('INVALID_ARGUMENT', `unknown playlist type ${value}`);
        out.playlistType = value;
        break;
      case '#EXT-X-INDEPENDENT-SEGMENTS':
        out.independentSegments = true;
        break;
      case '#EXT-X-ENDLIST':
        out.endList = true;
        break;
      case '#EXT-X-DISCONTINUITY':
        next.discontinuity = true;
        break;
      case '#EXT-X-MAP': {
        const uri = parseAttributeList(value).find((a) => a.name === 'URI');
        if (!uri) throw new MediaError('INVALID_ARGUMENT', '#EXT-X-MAP without URI');
        map = { uri: uri.value };
        break;
      }
      case '#EXT-X-PROGRAM-DATE-TIME': {
        const ms = Date.parse(value);
        if (!Number.isFinite(ms)) throw new MediaError('INVALID_ARGUMENT', `bad #EXT-X-PROGRAM-DATE-TIME ${value}`);
        next.programDateTimeMs = ms;
        break;
      }
      case '#EXTINF': {
        const d = Number(value.split(',')[0]);
        if (!Number.isFinite(d) || d < 0) throw new MediaError('INVALID_ARGUMENT', `bad #EXTINF ${value}`);
        next.durationSec = d;
        break;
      }
      default:
        break;
    }
  }
  return out;
}
