/** Every default of the lib in one place (conventions.md §14). */
export const RUNTIME_DEFAULTS = {
  /** The service runner (service/service-runner.ts). */
  service: {
    /**
     * The deadline of a graceful stop, from the first SIGTERM/SIGINT to exit 1 if the service has not stopped: the
     * default of every app's `--shutdown-timeout` (and the gateway's, which has no setting). Orchestrators send
     * SIGKILL after their own grace (Kubernetes 30 s, ECS 30 s, `docker stop` 10 s): set theirs to at least this.
     */
    stopTimeoutMs: 30_000,
  },
  /**
   * HTTP server timeouts (http-server.ts). Node's own defaults leave a request whose body trickles in open for 5
   * minutes (`requestTimeout` 300 s) and never close a connection that sits idle mid-request (`timeout` 0).
   */
  http: {
    /** From a request's first byte to the end of its headers; a client on any network sends them in well under 10 s (slowloris). */
    headersTimeoutMs: 10_000,
    /**
     * To receive the whole request, headers and body. Node stops this timer once the request is complete, so it
     * does not bound a long response (a clip download streams as long as it needs); bodies here are at most a few MB.
     */
    requestTimeoutMs: 30_000,
    /** An idle keep-alive connection is closed after this long (Node's default; behind a load balancer, set it above the balancer's). */
    keepAliveTimeoutMs: 5_000,
    /** A socket with no bytes either way for this long is destroyed, mid-request or mid-response (a stalled reader). */
    idleTimeoutMs: 60_000,
    /** How often Node checks the headers and request timeouts: the bound is the timeout plus up to this (Node's default is 30 s). */
    checkIntervalMs: 1_000,
  },
} as const;
