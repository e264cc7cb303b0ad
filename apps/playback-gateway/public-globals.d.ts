// For the type checker only (tsconfig.public.json): what the gateway's browser pages (public/*.js) find on window
// besides the DOM. Both come from classic scripts the pages load before their modules (/vendor/, see
// src/http/gateway-server.ts); the types are the ones the packages ship.
export {};

declare global {
  interface Window {
    /** hls.js (/vendor/hls.min.js); undefined when the script did not load. */
    Hls?: typeof import('hls.js').default;
    /** uPlot (/vendor/uPlot.iife.min.js), on the dashboard only; undefined when the script did not load. */
    uPlot?: typeof import('uplot');
  }
}
