// Sign-in shared by the web player (player.js) and the dashboard (dashboard.js): a plain browser ES module.
//
// The credential (an API key or a JWT) lives in sessionStorage only: it goes with API calls as a header, never in
// a URL. Both pages use the same storage key, so signing in on one signs in the other (same tab or a link).

import { byId } from './dom.js';

const CREDENTIAL_KEY = 'tributary.credential';

/** Raised by api() when the gateway answers 401: the stored credential has been forgotten. */
export class NotSignedInError extends Error {
  /** @param {string} detail the problem's detail */
  constructor(detail) {
    super('not signed in');
    this.detail = detail;
  }
}

/** Raised by api() for any other failed answer: the problem's detail as the message, the status and its `code`. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string} [code] the problem document's `code` (e.g. NO_MEDIA), '' when it has none
   */
  constructor(message, status, code = '') {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The message of whatever a promise rejected with. */
export function errorMessage(/** @type {unknown} */ err) {
  return err instanceof Error ? err.message : String(err);
}

export function credential() {
  return sessionStorage.getItem(CREDENTIAL_KEY) || '';
}

/** @param {string} value */
export function saveCredential(value) {
  sessionStorage.setItem(CREDENTIAL_KEY, value);
}

export function forgetCredential() {
  sessionStorage.removeItem(CREDENTIAL_KEY);
}

/**
 * API keys look like trb_<id>_<secret>; anything else is sent as a bearer token (a JWT).
 * @returns {Record<string, string>}
 */
export function authHeaders() {
  const c = credential();
  if (!c) return {};
  return c.startsWith('trb_') ? { 'X-Api-Key': c } : { Authorization: `Bearer ${c}` };
}

/**
 * The `detail` of a problem document (RFC 9457), or the status.
 * @param {Response} res
 * @returns {Promise<string>}
 */
export async function problemText(res) {
  try {
    const p = await res.json();
    return p.detail || p.title || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/**
 * The `detail` (or title, or status) and the `code` of a problem document (RFC 9457).
 * @param {Response} res
 * @returns {Promise<{ text: string; code: string }>}
 */
export async function problemOf(res) {
  try {
    const p = await res.json();
    return { text: p.detail || p.title || `HTTP ${res.status}`, code: typeof p.code === 'string' ? p.code : '' };
  } catch {
    return { text: `HTTP ${res.status}`, code: '' };
  }
}

/**
 * fetch() with the credential. A 401 forgets the credential (an expired or revoked one is not retried every few
 * seconds) and throws NotSignedInError; another failure throws an ApiError with the problem's detail and `status`.
 * The caller's own headers win over the credential's (in any HeadersInit form, not only a plain object).
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 */
export async function api(path, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders())) if (!headers.has(name)) headers.set(name, value);
  const res = await fetch(path, { ...init, headers, cache: 'no-store' });
  if (res.status === 401) {
    forgetCredential();
    throw new NotSignedInError(await problemText(res));
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    throw new ApiError(problem.text, res.status, problem.code);
  }
  return res;
}

/**
 * api() and the JSON of its answer, typed as the caller expects it (public-api.d.ts).
 * @template T
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<T>}
 */
export async function apiJson(path, init) {
  const res = await api(path, init);
  return /** @type {T} */ (await res.json());
}

/** @typedef {'signed-out' | 'checking' | 'signed-in' | 'rejected'} AuthState */
/** @typedef {(state: AuthState, text: string) => void} SetAuth */

/**
 * Wires a sign-in form: `#sign-in-form` with `#api-key`, `#sign-out`, and `#auth-status[data-state]`
 * (signed-out | checking | signed-in | rejected). `onSignIn` runs after a credential is stored (and at start when
 * one is), `onSignOut` after it is forgotten. Returns setAuth(state, text) for the page's own messages.
 * @param {{ onSignIn: () => void; onSignOut: () => void }} handlers
 * @returns {SetAuth}
 */
export function bindSignIn({ onSignIn, onSignOut }) {
  const form = byId('sign-in-form', HTMLFormElement);
  const input = byId('api-key', HTMLInputElement);
  const signOut = byId('sign-out', HTMLButtonElement);
  const status = byId('auth-status', HTMLElement);
  /** @type {SetAuth} */
  const setAuth = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
    signOut.hidden = state !== 'signed-in';
    document.body.dataset.auth = state;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    saveCredential(value);
    input.value = '';
    setAuth('checking', 'Checking…');
    onSignIn();
  });
  signOut.addEventListener('click', () => {
    forgetCredential();
    setAuth('signed-out', 'Signed out.');
    onSignOut();
  });
  if (credential()) {
    setAuth('checking', 'Checking…');
    // After the caller has our return value in hand (its onSignIn may use setAuth).
    queueMicrotask(onSignIn);
  } else {
    setAuth('signed-out', 'Signed out.');
  }
  return setAuth;
}
