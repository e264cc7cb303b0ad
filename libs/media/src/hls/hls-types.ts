/**
 * The HLS model of @tributary/media (RFC 8216 and its 2nd-edition draft): what KVS's playlists carry
 * (kvs-reference.md §5.6) and nothing more. Times are seconds in playlists, epoch ms for program date times.
 */

/** One `#EXT-X-STREAM-INF` entry of a master playlist. */
export interface HlsVariant {
  uri: string;
  /** Peak segment bit rate, bits/s. */
  bandwidth: number;
  /** RFC 6381 codec strings: `avc1.640028`, `mp4a.40.2`. */
  codecs: string[];
  width?: number;
  height?: number;
  frameRate?: number;
  /** GROUP-ID of the `#EXT-X-MEDIA` audio rendition this variant plays with. */
  audioGroup?: string;
}

/** One `#EXT-X-MEDIA` entry (KVS: the AAC track 2). */
export interface HlsRendition {
  type: 'AUDIO';
  groupId: string;
  name: string;
  uri: string;
  default?: boolean;
}

export interface HlsSegment {
  uri: string;
  durationSec: number;
  /** `#EXT-X-PROGRAM-DATE-TIME` of the segment's first sample, epoch ms. */
  programDateTimeMs?: number;
  /** `#EXT-X-DISCONTINUITY` before the segment. */
  discontinuity?: boolean;
  /** The init section (`#EXT-X-MAP`) in effect for this segment. */
  map?: { uri: string };
}

export interface HlsMasterPlaylist {
  version?: number;
  variants: HlsVariant[];
  renditions?: HlsRendition[];
  independentSegments?: boolean;
}

export interface HlsMediaPlaylist {
  /** Default 7 (fMP4 with EXT-X-MAP). */
  version?: number;
  /** Default: ceil of the longest EXTINF (as printed, to the ms). */
  targetDurationSec?: number;
  mediaSequence: number;
  /** Written only when given (KVS does not write it; hls.js #7163). */
  discontinuitySequence?: number;
  playlistType?: 'VOD' | 'EVENT';
  endList?: boolean;
  independentSegments?: boolean;
  segments: HlsSegment[];
}

/** KVS's DiscontinuityMode (kvs-reference.md §5.5). */
export type DiscontinuityMode = 'ALWAYS' | 'NEVER' | 'ON_DISCONTINUITY';

/** What a URI of a playlist is, for `rewritePlaylistUris`. */
export type HlsUriKind = 'segment' | 'map' | 'variant' | 'rendition';
