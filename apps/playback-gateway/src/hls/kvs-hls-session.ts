/**
 * The KVS side of the proxy, pure: the session URL carried in a playback token → the upstream URL of each resource,
 * and KVS playlists → our playlists (kvs-reference.md §5.6: KVS playlists use relative URIs such as
 * `getMP4MediaFragment.mp4?FragmentNumber=…&SessionToken=…&TrackNumber=1`).
 *
 * Our playlists use relative URIs too (`media.m3u8?track=1`, `init.mp4?track=1`, `segment.mp4?fragment=…&track=1`),
 * resolved by the player against `/hls/<token>/`: the token is never repeated in a playlist.
 */
import { rewritePlaylistUris } from '@tributary/media';
import type { HlsResource } from './hls-proxy-request';

export interface KvsHlsSession {
  /** `<data endpoint>/hls/v1/` — where every resource of the session lives. */
  base: string;
  sessionToken: string;
}

export class KvsSessionUrlError extends Error {
  override readonly name = 'KvsSessionUrlError';
  readonly code = 'INVALID_SESSION_URL';
  readonly retriable = false;
}

export class UnexpectedPlaylistUriError extends Error {
  override readonly name = 'UnexpectedPlaylistUriError';
  readonly code = 'UNEXPECTED_PLAYLIST_URI';
  readonly retriable = false;
}

const MASTER = 'getHLSMasterPlaylist.m3u8';
const FILES = {
  media: 'getHLSMediaPlaylist.m3u8',
  init: 'getMP4InitFragment.mp4',
  segment: 'getMP4MediaFragment.mp4',
} as const;

/** Reads a GetHLSStreamingSessionURL answer; refuses anything that is not an http(s) KVS master playlist URL. */
export function parseKvsSessionUrl(url: string): KvsHlsSession {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KvsSessionUrlError('the session URL is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new KvsSessionUrlError('the session URL is not http(s)');
  if (!u.pathname.endsWith(`/${MASTER}`)) throw new KvsSessionUrlError(`the session URL does not name ${MASTER}`);
  const sessionToken = u.searchParams.get('SessionToken');
  if (!sessionToken) throw new KvsSessionUrlError('the session URL has no SessionToken');
  return { base: `${u.origin}${u.pathname.slice(0, -MASTER.length)}`, sessionToken };
}

/** The upstream URL of a (validated) resource of the session. */
export function kvsResourceUrl(session: KvsHlsSession, resource: HlsResource): string {
  const token = `SessionToken=${encodeURIComponent(session.sessionToken)}`;
  switch (resource.kind) {
    case 'master':
      return `${session.base}${MASTER}?${token}`;
    case 'media':
    case 'init':
      return `${session.base}${FILES[resource.kind]}?${token}&TrackNumber=${resource.track}`;
    case 'segment':
      return `${session.base}${FILES.segment}?FragmentNumber=${resource.fragment}&${token}&TrackNumber=${resource.track}`;
  }
}

/** Our relative URI for a resource, as it appears in the playlists we serve. */
export function gatewayResourceUri(resource: HlsResource): string {
  switch (resource.kind) {
    case 'master':
      return 'master.m3u8';
    case 'media':
      return `media.m3u8?track=${resource.track}`;
    case 'init':
      return `init.mp4?track=${resource.track}`;
    case 'segment':
      return `segment.mp4?fragment=${resource.fragment}&track=${resource.track}`;
  }
}

/** Which resource a KVS playlist URI points at; throws UnexpectedPlaylistUriError for anything else. */
export function resourceOfKvsUri(uri: string, playlistUrl: string): HlsResource {
  let u: URL;
  try {
    u = new URL(uri, playlistUrl);
  } catch {
    throw new UnexpectedPlaylistUriError(`unparseable URI in a KVS playlist: ${JSON.stringify(uri.slice(0, 100))}`);
  }
  const file = u.pathname.slice(u.pathname.lastIndexOf('/') + 1);
  const track = u.searchParams.get('TrackNumber');
  const fragment = u.searchParams.get('FragmentNumber');
  const trackNumber = track === '1' ? 1 : track === '2' ? 2 : undefined;
  if (file === FILES.media && trackNumber) return { kind: 'media', track: trackNumber };
  if (file === FILES.init && trackNumber) return { kind: 'init', track: trackNumber };
  if (file === FILES.segment && trackNumber && fragment !== null && /^[0-9]{1,64}$/.test(fragment)) {
    return { kind: 'segment', track: trackNumber, fragment };
  }
  throw new UnexpectedPlaylistUriError(`unexpected URI in a KVS playlist: ${JSON.stringify(uri.slice(0, 100))}`);
}

/** A KVS master or media playlist with every URI pointing back through the gateway. */
export function rewriteKvsPlaylist(text: string, playlistUrl: string): string {
  return rewritePlaylistUris(text, (uri) => gatewayResourceUri(resourceOfKvsUri(uri, playlistUrl)));
}
