/**
 * The client's HTTP (docs/PROTOCOL.md §1) at the edge: one POST with node:http or node:https,
 * the answer read up to the client's limit, every failure to get an answer (refused, reset,
 * timed out, TLS) a DareError('UNAVAILABLE') in one line (exit 9). Plain http:// is sent only
 * to a loopback host, or to a URL the user gave (--service, --resolve, MESH_RESOLVE).
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { resolveSrv } from 'node:dns/promises';
import { DareError } from '../../lib/index.js';
import { MAX_RESPONSE_BYTES, type SrvRecord, type Transport } from '../../lib/mesh/index.js';

const TIMEOUT_MS = 15_000;

/** The whole-request deadline (docs/LIMITS.md "client request time"): MESH_DEADLINE_MS, else 15 s. */
function deadlineMs(): number {
  const v = Number(process.env.MESH_DEADLINE_MS);
  return Number.isFinite(v) && v > 0 ? v : TIMEOUT_MS;
}

export const httpTransport: Transport = (url, body) => new Promise((resolve, reject) => {
  const u = new URL(url);
  const fail = (why: string, cause?: unknown) => {
    clearTimeout(deadline);
    reject(new DareError('UNAVAILABLE', `${u.origin}: ${why}`, { cause }));
  };
  // The idle timeout below does not end an answer that trickles in; this ends the whole request.
  const limit = deadlineMs();
  const deadline = setTimeout(() => {
    req.destroy();
    fail(`no whole answer within ${limit / 1000} s`);
  }, limit);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(u, {
    method: 'POST', timeout: TIMEOUT_MS,
    headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' },
  }, (res) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_RESPONSE_BYTES) {
        req.destroy();
        fail(`the answer is over ${MAX_RESPONSE_BYTES} bytes`);
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => {
      clearTimeout(deadline);
      resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) });
    });
    res.on('error', (e) => fail(`the answer broke off (${e.message})`, e));
  });
  req.on('timeout', () => {
    req.destroy();
    fail(`no answer within ${TIMEOUT_MS / 1000} s`);
  });
  req.on('error', (e: NodeJS.ErrnoException) => fail(`unreachable (${e.code ?? e.message})`, e));
  req.end(body);
});

export async function srvLookup(name: string): Promise<readonly SrvRecord[]> {
  return resolveSrv(name);
}
