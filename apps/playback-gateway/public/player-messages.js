// What the player tells a viewer, in a viewer's words: failures of the gateway's API and of hls.js (instead of
// KVS's "No fragments found in the stream for the streaming request." or "manifestLoadError"), why a button is
// disabled, and the mode readout ("Live", "Replay from 10:02:03"). Pure (no DOM): unit-tested by
// src/pages/player-messages.spec.ts. Each rule is a row: the first that matches words the message.

import { formatDuration, formatTime } from './time-format.js';

/** @typedef {'list' | 'live' | 'play' | 'clip' | 'snapshot' | 'timeline'} Action */
/** @typedef {{ status?: number; code?: string; message: string }} Failure */

/** The thing the viewer asked for, as the object of a sentence. */
const WHAT = Object.freeze({ list: 'the camera list', live: 'the live video', play: 'this video', clip: 'the clip', snapshot: 'the snapshot', timeline: 'the recording timeline' });

/**
 * @type {ReadonlyArray<{ test: (f: Failure) => boolean; say: (action: Action, f: Failure) => string }>}
 */
const API_RULES = [
  {
    // KVS's words for an empty range, of HLS sessions and of GetClip.
    test: (f) => /no fragments found/i.test(f.message),
    say: (action) =>
      action === 'live'
        ? 'This camera is not sending video right now, so there is nothing live to show. Replay a recorded (blue) stretch of the timeline instead.'
        : action === 'clip'
          ? 'Nothing was recorded in the chosen range, so there is no clip to make. Pick a range over a recorded (blue) stretch of the timeline.'
          : 'Nothing was recorded at that time. Pick a time over a recorded (blue) stretch of the timeline, or watch live.',
  },
  {
    test: (f) => f.code === 'NO_MEDIA' || /no image at|no recent fragment/i.test(f.message),
    say: () => 'There is no picture at that moment: nothing was recorded then. Pick a time over a recorded stretch of the timeline.',
  },
  {
    test: (f) => f.code === 'NO_DATA_RETENTION' || /does not retain data/i.test(f.message),
    say: () => 'This camera keeps no recordings, so it cannot be replayed, clipped or snapshotted. Live video still works.',
  },
  {
    test: (f) => f.code === 'UNPLAYABLE_MEDIA',
    say: () => "This camera's video is in a format browsers cannot play (the camera must send H.264 or H.265).",
  },
  {
    test: (f) => f.status === 403 || f.code === 'INSUFFICIENT_SCOPE',
    say: (action) => `Your key is not allowed to open ${WHAT[action]} of this camera. Ask for a key with access to it.`,
  },
  {
    test: (f) => f.status === 404,
    say: () => 'This camera no longer exists. Pick another one from the list.',
  },
  {
    test: (f) => /within 24 hours/i.test(f.message),
    say: (action) => `${action === 'clip' ? 'A clip' : 'A replay'} can be at most 24 hours long. Choose a shorter range.`,
  },
  {
    test: (f) => /must be after start|later than the StartTimestamp/i.test(f.message),
    say: () => 'The end of the range must come after its start.',
  },
  {
    test: (f) => f.status === 429 || f.code === 'RATE_LIMITED',
    say: () => 'Too many requests from this browser for a moment. Wait a minute and try again.',
  },
  {
    test: (f) => f.code === 'UPSTREAM_THROTTLED' || f.status === 503,
    say: (action) => `The video service is busy and could not open ${WHAT[action]}. Try again in a few seconds.`,
  },
  {
    test: (f) => f.status === 502 || f.status === 504 || (f.status !== undefined && f.status >= 500),
    say: (action) => `The video service did not answer for ${WHAT[action]}. Try again; if it keeps failing, the gateway's log says why.`,
  },
  {
    // fetch() itself failed: no answer at all.
    test: (f) => f.status === undefined && /failed to fetch|networkerror|load failed/i.test(f.message),
    say: () => 'The gateway cannot be reached. Check that it is running and your network is up.',
  },
];

/**
 * A failed API call in a viewer's words.
 * @param {Action} action
 * @param {Failure} failure
 */
export function explainFailure(action, failure) {
  const rule = API_RULES.find((r) => r.test(failure));
  return rule ? rule.say(action, failure) : `Could not open ${WHAT[action]}: ${failure.message}`;
}

/**
 * A fatal hls.js error (its `details` and the HTTP status of a failed load) in a viewer's words.
 * @param {{ type: string; details: string; status?: number }} error
 * @param {boolean} live
 */
export function explainPlaybackError(error, live) {
  const { details, status } = error;
  if (status === 401 || status === 403) return 'The playback session expired. Press play again to start a new one.';
  if (status === 404) {
    return live ? 'The camera stopped sending video. It shows again when the camera is back.' : 'This part of the recording is no longer stored.';
  }
  if (/^(manifest|level|frag|key)Load(Error|TimeOut)$/.test(details) || error.type === 'networkError') {
    return 'The video stopped arriving (network). Press play to try again.';
  }
  if (error.type === 'mediaError') return 'The browser could not decode this video.';
  return `Playback stopped (${details}).`;
}

/**
 * The mode readout: "Live", "Replay from 10:02:03", "Replay 10:00:00 – 10:05:00".
 * @param {{ mode: 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND'; start?: number; end?: number } | null} request
 * @param {number} nowMs
 */
export function modeText(request, nowMs) {
  if (!request) return 'Stopped';
  if (request.mode === 'LIVE') return 'Live';
  const start = request.start ?? nowMs;
  const from = formatTime(start, nowMs);
  if (request.mode === 'LIVE_REPLAY' || request.end === undefined) return `Replay from ${from}`;
  return `Replay ${from} – ${formatTime(request.end, nowMs)} (${formatDuration(request.end - start)})`;
}

/** @typedef {{ signedIn: boolean; stream: string; playing: boolean; live: boolean }} ControlState */

/**
 * Why a control is disabled, or '' when it is enabled. One place, so the buttons' titles and the tests agree.
 * @param {'play' | 'snapshot' | 'clip' | 'mark'} control
 * @param {ControlState & { clipRange: boolean }} s
 */
export function disabledReason(control, s) {
  if (!s.signedIn) return 'Sign in first: your cameras appear once you are signed in.';
  if (!s.stream) return 'Pick a camera from the list first.';
  if (control === 'mark' && !s.playing) return 'Play the camera first: marks are set at the time on screen.';
  if (control === 'clip' && !s.clipRange && !s.playing) {
    return 'Select a range on the timeline (drag across it) or play the camera: the clip is of the selected range, else of the 10 s before the time on screen.';
  }
  return '';
}
