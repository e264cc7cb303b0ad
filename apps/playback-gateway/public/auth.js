// Sign-in shared by the web player (player.js) and the dashboard (dashboard.js): a plain browser ES module.
//
// The credential (an API key or a JWT) lives in sessionStorage only: it goes with API calls as a header, never in
// a URL. Both pages use the same storage key, so signing in on one signs in the other (same tab or a link).

const CREDENTIAL_KEY = 'tributary.credential';

/** Raised by api() when the gateway answers 401: the stored credential has been forgotten. */
export class NotSignedInError extends Error {
  constructor(detail) {
    super('not signed in');
    this.detail = detail;
  }
}

export function credential() {
  return sessionStorage.getItem(CREDENTIAL_KEY) || '';
}

export function saveCredential(value) {
  sessionStorage.setItem(CREDENTIAL_KEY, value);
}

export function forgetCredential() {
  sessionStorage.removeItem(CREDENTIAL_KEY);
}

/** API keys look like trb_<id>_<secret>; anything else is sent as a bearer token (a JWT). */
export function authHeaders() {
  const c = credential();
  if (!c) return {};
  return c.startsWith('trb_') ? { 'X-Api-Key': c } : { Authorization: `Bearer ${c}` };
}

/** The `detail` of a problem document (RFC 9457), or the status. */
export async function problemText(res) {
  try {
    const p = await res.json();
    return p.detail || p.title || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/**
 * fetch() with the credential. A 401 forgets the credential (an expired or revoked one is not retried every few
 * seconds) and throws NotSignedInError; another failure throws an Error with the problem's detail and `status`.
 */
export async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.headers || {}) }, cache: 'no-store' });
  if (res.status === 401) {
    forgetCredential();
    throw new NotSignedInError(await problemText(res));
  }
  if (!res.ok) {
    const err = new Error(await problemText(res));
    err.status = res.status;
    throw err;
  }
  return res;
}

/**
 * Wires a sign-in form: `#sign-in-form` with `#api-key`, `#sign-out`, and `#auth-status[data-state]`
 * (signed-out | checking | signed-in | rejected). `onSignIn` runs after a credential is stored (and at start when
 * one is), `onSignOut` after it is forgotten. Returns setAuth(state, text) for the page's own messages.
 */
export function bindSignIn({ onSignIn, onSignOut }) {
  const form = document.getElementById('sign-in-form');
  const input = document.getElementById('api-key');
  const signOut = document.getElementById('sign-out');
  const status = document.getElementById('auth-status');
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
