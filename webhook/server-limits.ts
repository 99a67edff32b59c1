// The server's connection limits and their defaults, apart from server.ts so that the
// webhook's flags (and its primary process) name the defaults without loading fastify.
/**
 * Connection limits. The apiserver gives a webhook at most `timeoutSeconds` (5 s in
 * our registration) from dialling to the answer, so a connection that has not
 * finished its handshake, headers or body within 5 s serves no admission; it only
 * holds a file descriptor. Idle keep-alive connections get as long as Node's default.
 */
export interface ServerLimits {
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  /** Whole request, first byte to last. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** No bytes either way for this long closes the socket. */
  idleTimeoutMs: number;
  /**
   * Open connections at most: one more closes the oldest that has not begun a request
   * (connection-guard.ts). By default the memory plan's, which counts each one.
   */
  maxConnections?: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
};
