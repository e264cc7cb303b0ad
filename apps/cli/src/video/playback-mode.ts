/**
 * Which HLS playback mode `tributary watch` asks for, from the range given (GetHLSStreamingSessionURL's
 * PlaybackMode): nothing is LIVE (the live edge), --from alone is LIVE_REPLAY (from then, catching up to live),
 * --from and --to is ON_DEMAND (a fixed range, seekable). `--mode` may say it outright; a mode that contradicts
 * the range is refused rather than one of the two ignored. Pure.
 */

export type PlaybackMode = 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';
export const PLAYBACK_MODES: readonly PlaybackMode[] = ['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'];

export type PlaybackModeChoice = { ok: true; mode: PlaybackMode } | { ok: false; message: string };

export function choosePlaybackMode(hasFrom: boolean, hasTo: boolean, asked?: PlaybackMode): PlaybackModeChoice {
  if (hasTo && !hasFrom) return { ok: false, message: '--to needs --from (an ON_DEMAND range has both ends)' };
  const implied: PlaybackMode = hasFrom ? (hasTo ? 'ON_DEMAND' : 'LIVE_REPLAY') : 'LIVE';
  if (asked === undefined) return { ok: true, mode: implied };
  if (asked === 'LIVE' && hasFrom) return { ok: false, message: '--mode LIVE plays the live edge: leave out --from/--to, or use LIVE_REPLAY / ON_DEMAND' };
  if (asked !== 'LIVE' && !hasFrom) return { ok: false, message: `--mode ${asked} needs --from` };
  if (asked === 'ON_DEMAND' && !hasTo) return { ok: false, message: '--mode ON_DEMAND needs --to as well' };
  return { ok: true, mode: asked };
}

/** GetHLSStreamingSessionURL's Expires bounds, seconds (API reference: 300 to 43200). */
export const HLS_EXPIRES_LIMITS = { minSeconds: 300, maxSeconds: 43_200 } as const;

/** The program that opens a URL on this platform (a browser, or whatever handles .m3u8 there). */
export function defaultOpener(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}
