/**
 * What the player says to a viewer (public/player-messages.js). The failures are the gateway's own answers (its
 * problem documents: status, code, detail as the emulator and KVS word them), so a change of wording upstream that
 * the table no longer recognises fails here rather than showing KVS's text to a viewer.
 */
import { disabledReason, explainFailure, explainPlaybackError, modeText } from '../../public/player-messages.js';

const local = (h: number, mi = 0, s = 0): number => new Date(2026, 11, 7, h, mi, s).getTime();
const NOW = local(10, 30);

describe('player messages', () => {
  it.each([
    ['play', { status: 404, code: 'NOT_FOUND', message: 'No fragments found in the stream for the streaming request.' }, /^Nothing was recorded at that time/],
    ['clip', { status: 404, code: 'NOT_FOUND', message: 'No fragments found in the stream for the requested time range.' }, /^Nothing was recorded in the chosen range/],
    ['live', { status: 404, code: 'NOT_FOUND', message: 'No fragments found in the stream for the streaming request.' }, /^This camera is not sending video right now/],
    ['snapshot', { status: 404, code: 'NO_MEDIA', message: 'No image at 2026-12-07T10:00:00.000Z.' }, /no picture at that moment/],
    ['snapshot', { status: 409, code: 'NO_DATA_RETENTION', message: 'The stream cam does not retain data (DataRetentionInHours is 0).' }, /keeps no recordings/],
    ['play', { status: 422, code: 'UNPLAYABLE_MEDIA', message: 'The first track of the stream is not H.264 or H.265 video.' }, /format browsers cannot play/],
    ['play', { status: 403, code: 'INSUFFICIENT_SCOPE', message: 'reading stream cam needs the scope video:read or stream:cam:read' }, /not allowed to open this video/],
    ['timeline', { status: 404, code: 'NOT_FOUND', message: 'Stream cam not found.' }, /no longer exists/],
    ['clip', { status: 400, code: 'INVALID_REQUEST', message: 'Invalid clip query: end: must be within 24 hours of start.' }, /^A clip can be at most 24 hours/],
    ['list', { status: 429, code: 'RATE_LIMITED', message: 'Too many requests' }, /Wait a minute/],
    ['play', { status: 503, code: 'UPSTREAM_THROTTLED', message: 'Kinesis Video Streams GetHLSStreamingSessionURL failed (upstream_throttled).' }, /busy/],
    ['snapshot', { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'Kinesis Video Streams GetImages failed (upstream_timeout).' }, /did not answer for the snapshot/],
    ['list', { message: 'Failed to fetch' }, /gateway cannot be reached/],
  ] as const)('%s: %j', (action, failure, wording) => {
    const text = explainFailure(action, failure);
    expect(text).toMatch(wording);
    // Never KVS's or the API's own words.
    expect(text).not.toMatch(/fragments found|ON_DEMAND|Kinesis|INVALID_REQUEST|scope/);
  });

  it('passes on what it has no words for, saying what failed', () => {
    expect(explainFailure('clip', { status: 400, code: 'INVALID_REQUEST', message: 'Invalid clip query: start: expected epoch milliseconds.' })).toBe(
      'Could not open the clip: Invalid clip query: start: expected epoch milliseconds.',
    );
  });

  it('words fatal hls.js errors by what the viewer can do', () => {
    expect(explainPlaybackError({ type: 'networkError', details: 'levelLoadError', status: 403 }, true)).toMatch(/session expired/);
    expect(explainPlaybackError({ type: 'networkError', details: 'levelLoadError', status: 404 }, true)).toMatch(/camera stopped sending/);
    expect(explainPlaybackError({ type: 'networkError', details: 'fragLoadError', status: 404 }, false)).toMatch(/no longer stored/);
    expect(explainPlaybackError({ type: 'networkError', details: 'manifestLoadTimeOut' }, true)).toMatch(/stopped arriving/);
    expect(explainPlaybackError({ type: 'mediaError', details: 'bufferAppendError' }, false)).toMatch(/could not decode/);
  });

  it('says the mode in words', () => {
    expect(modeText(null, NOW)).toBe('Stopped');
    expect(modeText({ mode: 'LIVE' }, NOW)).toBe('Live');
    expect(modeText({ mode: 'LIVE_REPLAY', start: local(10, 2, 3) }, NOW)).toBe('Replay from 10:02:03');
    expect(modeText({ mode: 'ON_DEMAND', start: local(10, 25), end: local(10, 30) }, NOW)).toBe('Replay 10:25:00 – 10:30:00 (5 min)');
  });

  it('says why a control is disabled, and nothing when it is not', () => {
    const ready = { signedIn: true, stream: 'cam', playing: true, live: true, clipRange: false };
    expect(disabledReason('play', { ...ready, signedIn: false })).toMatch(/^Sign in first/);
    expect(disabledReason('snapshot', { ...ready, stream: '' })).toMatch(/^Pick a camera/);
    expect(disabledReason('mark', { ...ready, playing: false })).toMatch(/^Play the camera first/);
    expect(disabledReason('clip', { ...ready, playing: false })).toMatch(/^Select a range on the timeline/);
    expect(disabledReason('clip', { ...ready, playing: false, clipRange: true })).toBe('');
    for (const c of ['play', 'snapshot', 'clip', 'mark'] as const) expect(disabledReason(c, ready)).toBe('');
  });
});
