/**
 * The HTTP front of meshd (docs/PROTOCOL.md §1, §7): POST /.well-known/mmm/ only; the body
 * refused over the advertised size before it is parsed (from Content-Length, or as soon as the
 * stream passes it), a body that does not arrive within the timeout answered 408; every answer
 * `Cache-Control: no-store`; one log line per request. A clean stop (SIGTERM/SIGINT) stops
 * accepting, lets the requests in flight finish (their Transacts are durable when answered),
 * then the caller closes the store.
 * @module
 */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { MMM_PATH, SERVICE_LIMITS, ServiceError, meshErrorBody, type MeshService } from '../lib/mesh/index.js';

export interface FrontOptions {
  readonly service: MeshService;
  readonly log: Logger;
  readonly cert?: string;
  readonly key?: string;
}

function send(res: ServerResponse, status: number, body: Uint8Array, close = false): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': body.length, Connection: close ? 'close' : 'keep-alive' });
  res.end(body);
}

function refuse(res: ServerResponse, log: Logger, req: IncomingMessage, e: ServiceError): void {
  log.warn({ peer: req.socket.remoteAddress, status: e.status, error: e.error, msg: e.message }, 'refused');
  if (req.complete) {
    send(res, e.status, meshErrorBody(e));
    return;
  }
  // A body left unread is discarded as it arrives (never buffered) and answered when it ends,
  // so the client reads the answer rather than a reset; one that keeps sending is cut off.
  req.removeAllListeners('data');
  const timer = setTimeout(() => req.destroy(), SERVICE_LIMITS.bodyTimeoutMs);
  req.once('end', () => {
    clearTimeout(timer);
    send(res, e.status, meshErrorBody(e), true);
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Reads the body within the size limit; undefined when it was refused (answered already). */
function readBody(req: IncomingMessage, res: ServerResponse, log: Logger): Promise<Uint8Array | undefined> {
  const max = SERVICE_LIMITS.maxRequestBytes;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    refuse(res, log, req, new ServiceError('TooLarge', `the request declares ${declared} bytes, more than ${max}`));
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (v: Uint8Array | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    // A body that stops arriving is answered 408 at once (PROTOCOL.md §6, §7), not when it ends
    // (it may never end): `Connection: close`, then the socket is destroyed.
    const timer = setTimeout(() => {
      finish(undefined);
      const e = new ServiceError('Timeout', `the request body did not arrive within ${SERVICE_LIMITS.bodyTimeoutMs} ms`);
      log.warn({ peer: req.socket.remoteAddress, status: e.status, error: e.error, msg: e.message }, 'refused');
      req.removeAllListeners('data');
      res.once('finish', () => req.socket.destroy());
      res.once('close', () => req.socket.destroy());
      send(res, e.status, meshErrorBody(e), true);
    }, SERVICE_LIMITS.bodyTimeoutMs);
    req.on('data', (c: Buffer) => {
      if (done) return;
      n += c.length;
      if (n > max) {
        refuse(res, log, req, new ServiceError('TooLarge', `the request is over ${max} bytes`));
        finish(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => finish(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', () => finish(undefined));
    req.on('aborted', () => finish(undefined));
  });
}

export function createFront(o: FrontOptions): Server {
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? '').split('?')[0];
    if (path !== MMM_PATH && path !== MMM_PATH.slice(0, -1)) {
      refuse(res, o.log, req, new ServiceError('Unknown', `no ${String(path).slice(0, 60)} here: POST ${MMM_PATH}`));
      return;
    }
    if (req.method !== 'POST') {
      refuse(res, o.log, req, new ServiceError('NotAllowed', `${req.method} ${MMM_PATH}: only POST`));
      return;
    }
    const body = await readBody(req, res, o.log);
    if (body === undefined) return;
    try {
      const reply = await o.service.handle(body, req.socket.remoteAddress ?? 'unknown');
      send(res, reply.httpStatus, reply.body);
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const level = reply.log.status === 201 ? 'info' : reply.log.status >= 500 ? 'error' : 'warn';
      o.log[level]({ peer: req.socket.remoteAddress, ms, ...reply.log }, reply.log.request ?? 'request');
    } catch (e) {
      // handle() never throws; if it does, answer and log rather than crash.
      o.log.error({ err: e }, 'internal error');
      if (!res.headersSent) send(res, 500, meshErrorBody(new ServiceError('ServerError', 'internal error')));
    }
  };
  // connectionsCheckingInterval: node checks the headers/request timeouts every 30 s by default,
  // so a connection whose headers never end would outlive the 10 s headers timeout (§7).
  const options = {
    requestTimeout: SERVICE_LIMITS.bodyTimeoutMs + 5000, headersTimeout: SERVICE_LIMITS.bodyTimeoutMs, keepAliveTimeout: 5000,
    connectionsCheckingInterval: 1000,
  };
  const server = o.cert !== undefined && o.key !== undefined
    ? createHttps({ ...options, cert: readFileSync(o.cert), key: readFileSync(o.key), minVersion: 'TLSv1.3' }, (q, s) => void handler(q, s))
    : createHttp(options, (q, s) => void handler(q, s));
  server.maxHeadersCount = 64;
  capConnections(server);
  return server;
}

/** Open connections in all (server.maxConnections) and per client address (docs/LIMITS.md). */
export const MAX_CONNECTIONS = 1024;
// 256, not 64: a client (or a reverse proxy) may run a hundred requests at once (the review test posts ~70 bodies in parallel).
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

/** One address cannot hold all the connections: past its cap a new one is closed at once. */
function capConnections(server: Server): void {
  server.maxConnections = MAX_CONNECTIONS;
  const open = new Map<string, number>();
  // 'connection' is the TCP socket, for HTTPS too (before its TLS handshake).
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const n = (open.get(peer) ?? 0) + 1;
    if (n > MAX_CONNECTIONS_PER_ADDRESS) {
      socket.destroy();
      return;
    }
    open.set(peer, n);
    socket.once('close', () => {
      const left = (open.get(peer) ?? 1) - 1;
      if (left <= 0) open.delete(peer);
      else open.set(peer, left);
    });
  });
}

/** True for a loopback host (plain HTTP is allowed there only). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
