import { choosePlaybackMode, defaultOpener } from './playback-mode';

describe('choosePlaybackMode', () => {
  it.each([
    [false, false, undefined, 'LIVE'],
    [true, false, undefined, 'LIVE_REPLAY'],
    [true, true, undefined, 'ON_DEMAND'],
    [false, false, 'LIVE', 'LIVE'],
    [true, false, 'LIVE_REPLAY', 'LIVE_REPLAY'],
    [true, true, 'LIVE_REPLAY', 'LIVE_REPLAY'],
    [true, true, 'ON_DEMAND', 'ON_DEMAND'],
  ] as const)('from=%s to=%s mode=%s: %s', (from, to, asked, mode) => {
    expect(choosePlaybackMode(from, to, asked)).toEqual({ ok: true, mode });
  });

  it.each([
    [false, true, undefined, /--to needs --from/],
    [true, false, 'LIVE', /LIVE plays the live edge/],
    [false, false, 'ON_DEMAND', /ON_DEMAND needs --from/],
    [true, false, 'ON_DEMAND', /needs --to as well/],
  ] as const)('refuses from=%s to=%s mode=%s', (from, to, asked, message) => {
    const r = choosePlaybackMode(from, to, asked);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('defaultOpener', () => {
  it('is xdg-open on Linux, open on macOS, start on Windows', () => {
    expect(defaultOpener('linux').command).toBe('xdg-open');
    expect(defaultOpener('darwin').command).toBe('open');
    expect(defaultOpener('win32')).toEqual({ command: 'cmd', args: ['/c', 'start', '""'] });
  });
});
