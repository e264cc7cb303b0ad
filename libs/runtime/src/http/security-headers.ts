/**
 * The response headers of an app's JSON and metrics endpoints (what helmet would set, minus what only applies to
 * HTML pages), shared so that every app answers alike. Strict-Transport-Security is left to the TLS-terminating
 * proxy: these servers speak plain HTTP and HSTS is only honoured over HTTPS.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Browsers must not guess a type other than the one sent (no JSON executed as script).
  'X-Content-Type-Options': 'nosniff',
  // Nothing here is a page: no scripts, styles, frames or plugins, whatever a response ends up containing.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  // The CSP frame-ancestors of browsers that predate it.
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Another origin's page may not embed our responses (Spectre-class leaks through no-cors requests).
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Health, metrics and per-client answers are never cached by proxies or browsers.
  'Cache-Control': 'no-store',
};

/** Sets API_SECURITY_HEADERS on a response (node:http's or Express'). */
export function setSecurityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
}
