/**
 * How the client reaches a service (docs/PROTOCOL.md §1): one POST of a body to a URL, the
 * answer's status and body. The HTTP itself is at the edge (cli/mesh/http.ts, node:http and
 * node:https) or a test's; this layer sees only the function. A transport throws
 * DareError('UNAVAILABLE') when there is no answer (refused, reset, timed out, TLS).
 * @module
 */

export interface TransportAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

export type Transport = (url: string, body: Uint8Array) => Promise<TransportAnswer>;

/** Largest response body the client reads (a Download page is at most 1 MiB of frames, base64url). */
export const MAX_RESPONSE_BYTES = 8 << 20;
