/**
 * Fuzz inputs for the HLS playlist parser and URI rewriter (issue 12): playlists written by
 * hls-playlist-writer.ts from generated segments, then mutated line by line (lines dropped, duplicated, swapped,
 * replaced by tags with odd values) or character by character, and arbitrary text. Shared by the property specs
 * and the soak bench (through @tributary/media/testing).
 */
import fc from 'fast-check';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { MediaError } from '../media-error';
import { parseMediaPlaylist } from './hls-playlist-parser';
import { rewritePlaylistUris } from './hls-playlist-rewriter';
import { writeMediaPlaylist } from './hls-playlist-writer';
import type { HlsMediaPlaylist } from './hls-types';

const uri = fc.stringMatching(/^[A-Za-z0-9._/?=&%-]{1,40}$/).filter((u) => !u.startsWith('#'));

export const mediaPlaylistArbitrary: fc.Arbitrary<HlsMediaPlaylist> = fc.record(
  {
    mediaSequence: fc.nat(),
    discontinuitySequence: fc.nat(),
    playlistType: fc.constantFrom('VOD' as const, 'EVENT' as const),
    endList: fc.boolean(),
    segments: fc.array(
      fc.record(
        {
          uri,
          durationSec: fc.double({ min: 0, max: 100, noNaN: true }),
          programDateTimeMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          discontinuity: fc.boolean(),
          map: fc.record({ uri }),
        },
        { requiredKeys: ['uri', 'durationSec'] },
      ),
      { maxLength: 6 },
    ),
  },
  { requiredKeys: ['mediaSequence', 'segments', 'endList'] },
);

const oddLine = fc.oneof(
  fc.constantFrom(
    '#EXTM3U',
    '#EXT-X-VERSION:',
    '#EXT-X-TARGETDURATION:99999999999999999999',
    '#EXT-X-MEDIA-SEQUENCE:-1',
    '#EXT-X-PLAYLIST-TYPE:LIVE',
    '#EXT-X-MAP:',
    '#EXT-X-MAP:URI=',
    '#EXT-X-MAP:URI="',
    '#EXT-X-MAP:BYTERANGE="1@2",URI="a,b"',
    '#EXT-X-MEDIA:TYPE=AUDIO,URI="x"',
    '#EXT-X-I-FRAME-STREAM-INF:URI="i.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=1',
    '#EXT-X-PROGRAM-DATE-TIME:not a date',
    '#EXTINF:NaN,',
    '#EXTINF:-1,',
    '#EXTINF:1e400,',
    '#',
    '',
    '\r',
    'segment.mp4',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((s) => `#EXT-X-MAP:${s}`),
);

type LineEdit = { kind: 'drop' | 'dup'; at: number } | { kind: 'put'; at: number; line: string } | { kind: 'chars'; at: number; text: string };

const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('drop' as const, 'dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('put' as const), at: fc.nat(), line: oddLine }),
  fc.record({ kind: fc.constant('chars' as const), at: fc.nat(), text: fc.string({ maxLength: 4 }) }),
);

function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  let lines = text.split('\n');
  for (const e of edits) {
    const at = e.at % (lines.length + 1);
    if (e.kind === 'drop') lines = [...lines.slice(0, at), ...lines.slice(at + 1)];
    else if (e.kind === 'dup') lines = [...lines.slice(0, at + 1), ...lines.slice(at, at + 1), ...lines.slice(at + 1)];
    else if (e.kind === 'put') lines = [...lines.slice(0, at), e.line, ...lines.slice(at)];
    else if (e.kind === 'chars') {
      const joined = lines.join('\n');
      const i = e.at % (joined.length + 1);
      lines = (joined.slice(0, i) + e.text + joined.slice(i + e.text.length)).split('\n');
    }
  }
  return lines.join('\n');
}

export const playlistTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: mediaPlaylistArbitrary.map(writeMediaPlaylist) },
  { weight: 6, arbitrary: fc.tuple(mediaPlaylistArbitrary.map(writeMediaPlaylist), fc.array(lineEdit, { minLength: 1, maxLength: 4 })).map(([t, e]) => applyLineEdits(t, e)) },
  { weight: 1, arbitrary: fc.array(oddLine, { maxLength: 12 }).map((ls) => ['#EXTM3U', ...ls].join('\n')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** parseMediaPlaylist: a playlist or a MediaError (INVALID_ARGUMENT), for any text. */
export const hlsPlaylistParserFuzzTarget: FuzzTarget<string> = {
  name: 'hls-playlist-parser',
  arbitrary: playlistTextArbitrary,
  run(text) {
    parseMediaPlaylist(text);
  },
  isTypedRejection: (err) => err instanceof MediaError,
};

/** writeMediaPlaylist → parseMediaPlaylist gives the segments back (durations to the 3 decimals written). */
export const hlsPlaylistRoundTripFuzzTarget: FuzzTarget<HlsMediaPlaylist> = {
  name: 'hls-playlist-round-trip',
  arbitrary: mediaPlaylistArbitrary,
  run(p) {
    const parsed = parseMediaPlaylist(writeMediaPlaylist(p));
    const expected = p.segments.map((s) => ({
      uri: s.uri,
      durationSec: Math.round(s.durationSec * 1000) / 1000,
      programDateTimeMs: s.programDateTimeMs ?? null,
      discontinuity: s.discontinuity ?? false,
    }));
    const got = parsed.segments.map((s) => ({ uri: s.uri, durationSec: s.durationSec, programDateTimeMs: s.programDateTimeMs ?? null, discontinuity: s.discontinuity ?? false }));
    const same =
      JSON.stringify(got) === JSON.stringify(expected) &&
      parsed.mediaSequence === p.mediaSequence &&
      parsed.endList === p.endList &&
      parsed.playlistType === p.playlistType &&
      parsed.discontinuitySequence === p.discontinuitySequence;
    if (!same) throw new Error(`HLS round trip differs\n written: ${JSON.stringify(expected)}\n read:    ${JSON.stringify(got)}`);
  },
  isTypedRejection: () => false,
};

/**
 * rewritePlaylistUris never throws for a rewrite that returns quotable URIs, the identity rewrite keeps the text
 * byte for byte except for the whitespace around URI lines (which it trims: a URI line is its trimmed text), and
 * a rewrite changes exactly the segment URIs parseMediaPlaylist sees.
 */
export const hlsPlaylistRewriterFuzzTarget: FuzzTarget<string> = {
  name: 'hls-playlist-rewriter',
  arbitrary: playlistTextArbitrary,
  run(text) {
    const same = rewritePlaylistUris(text, (u) => u);
    const expected = text
      .split('\n')
      .map((full) => {
        const cr = full.endsWith('\r');
        const line = cr ? full.slice(0, -1) : full;
        const out = !line.trimStart().startsWith('#') && line.trim().length > 0 ? line.trim() : line;
        return cr ? `${out}\r` : out;
      })
      .join('\n');
    if (same !== expected) throw new Error(`identity rewrite changed the playlist:\n${JSON.stringify(text)}\n→ ${JSON.stringify(same)}`);
    const prefixed = rewritePlaylistUris(text, (u, kind) => `/proxy/${kind}/${encodeURIComponent(u)}`);
    let before: ReturnType<typeof parseMediaPlaylist> | undefined;
    try {
      before = parseMediaPlaylist(text);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
    }
    if (before !== undefined && !/^#EXT-X-STREAM-INF:/m.test(text)) {
      const after = parseMediaPlaylist(prefixed);
      const want = before.segments.map((s) => `/proxy/segment/${encodeURIComponent(s.uri)}`);
      if (JSON.stringify(after.segments.map((s) => s.uri)) !== JSON.stringify(want)) {
        throw new Error(`rewritten segment URIs differ: ${JSON.stringify(after.segments.map((s) => s.uri))} vs ${JSON.stringify(want)}`);
      }
    }
  },
  isTypedRejection: () => false,
};
