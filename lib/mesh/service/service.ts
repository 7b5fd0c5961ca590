/**
 * The Mesh Service's dispatcher (docs/PROTOCOL.md; mesh brief §5 lib/mesh/service): one body
 * in, one answer out, never a throw. The HTTP edge (server/) has already refused bodies over
 * the advertised size; here the body is read within the JSON limits, rate-limited, authenticated
 * (auth.ts), handled (handlers.ts) and answered with a response signed by the host key and bound
 * to the request's RID. A body that is not a request at all gets the unsigned MeshError.
 * Every answer comes with one log record (what, who, the outcome), for the edge to write.
 * @module
 */
import { utf8, type JsonObject } from '../../index.js';
import type { AccountStore } from '../store/store.js';
import { LIMITS, TRANSACTIONS, errorOf, httpStatus, isRequestType, refuse, type RequestType, type ServiceError } from './protocol.js';
import { readEnvelope, signResponse, type ReadEnvelope } from './wire.js';
import { authCache, authenticate } from './auth.js';
import { bind, download, hello, status, transact, unbind, type Answer, type FrameChecker, type HandlerContext } from './handlers.js';
import type { ServiceIdentity } from './identity.js';
import { RateLimiter } from './rate.js';

/** One answer for the edge to send, and what to log about it. */
export interface ServiceReply {
  readonly httpStatus: number;
  readonly body: Uint8Array;
  readonly log: {
    readonly request?: string;
    readonly rid?: string;
    readonly account?: string;
    readonly device?: string;
    readonly status: number;
    readonly error?: string;
    readonly message?: string;
  };
}

export interface ServiceOptions {
  readonly store: AccountStore;
  readonly identity: ServiceIdentity;
  readonly checkFrames: FrameChecker;
  /** The clock (tests move it). */
  readonly now?: () => number;
  /** Requests per second per account and per client address (defaults: LIMITS); 0 is no limit. */
  readonly accountRate?: number;
  readonly addressRate?: number;
}

/** The unsigned answer to a body that is not a request (PROTOCOL.md §1). */
export function meshErrorBody(e: ServiceError): Uint8Array {
  return utf8(JSON.stringify({ MeshError: { Status: e.status, StatusDescription: e.message.slice(0, 300), Error: e.error } }) + '\n');
}

export class MeshService {
  private readonly ctx: HandlerContext;
  private readonly identity: ServiceIdentity;
  private readonly now: () => number;
  private readonly perAccount: RateLimiter | undefined;
  private readonly perAddress: RateLimiter | undefined;
  private readonly verified = authCache();

  constructor(options: ServiceOptions) {
    this.ctx = { store: options.store, identity: options.identity, checkFrames: options.checkFrames };
    this.identity = options.identity;
    this.now = options.now ?? Date.now;
    const accountRate = options.accountRate ?? LIMITS.accountRate;
    const addressRate = options.addressRate ?? LIMITS.addressRate;
    this.perAccount = accountRate > 0 ? new RateLimiter(accountRate) : undefined;
    this.perAddress = addressRate > 0 ? new RateLimiter(addressRate) : undefined;
  }

  /** Handles one request body from the client at `peer` (an address, for the rate limit). */
  async handle(body: Uint8Array, peer: string): Promise<ServiceReply> {
    let env: ReadEnvelope | undefined;
    try {
      if (body.length > LIMITS.maxRequestBytes) refuse('TooLarge', `the request is over ${LIMITS.maxRequestBytes} bytes`);
      if (this.perAddress?.take(peer, this.now()) === false) refuse('RateLimited', `too many requests per second from ${peer}`);
      env = await readEnvelope(body, 'request');
    } catch (e) {
      const err = errorOf(e);
      return { httpStatus: httpStatus(err.status), body: meshErrorBody(err), log: { status: err.status, error: err.error, message: err.message } };
    }
    const type = env.type;
    let account: string | undefined;
    let device: string | undefined;
    try {
      if (!isRequestType(type)) refuse('Unknown', `${type.slice(0, 40)} is not a transaction this service serves`);
      // Before authentication only the client address is limited (above): an unsigned request
      // naming an account must not drain that account's bucket (PROTOCOL.md §7).
      const who = await authenticate(env, this.ctx.store, this.now(), this.verified);
      account = who.account?.profileUdf ?? who.profile?.udf;
      if (account !== undefined && this.perAccount?.take(account, this.now()) === false) refuse('RateLimited', 'too many requests per second for this account');
      device = who.deviceUdf;
      const answer = await this.dispatch(type, who);
      return await this.reply(type, env.id, answer, { request: type, rid: env.id, account, device });
    } catch (e) {
      const err = errorOf(e);
      const answer: Answer = { fields: err.fields ?? {}, status: err.status, error: err.error, description: err.message };
      const t = isRequestType(type) ? type : undefined;
      return this.reply(t, env.id, answer, { request: type.slice(0, 40), rid: env.id, account, device });
    }
  }

  private async dispatch(type: RequestType, who: Awaited<ReturnType<typeof authenticate>>): Promise<Answer> {
    switch (type) {
      case 'HelloRequest': return hello(this.ctx);
      case 'BindRequest': return bind(this.ctx, who);
      case 'UnbindRequest': return unbind(this.ctx, who);
      case 'StatusRequest': return status(this.ctx, who);
      case 'DownloadRequest': return download(this.ctx, who);
      case 'TransactRequest': return transact(this.ctx, who);
    }
  }

  /** Signs the answer as the response to `rid`. */
  private async reply(type: RequestType | undefined, rid: string, answer: Answer, log: Omit<ServiceReply['log'], 'status'>): Promise<ServiceReply> {
    const st = answer.status ?? 201;
    const fields: JsonObject = { Status: st, StatusDescription: answer.description ?? (st === 201 ? 'OK' : answer.error ?? 'error'), ...answer.fields };
    if (answer.error !== undefined) fields.Error = answer.error;
    const responseType = type === undefined ? 'MeshResponse' : TRANSACTIONS[type].response;
    const signed = await signResponse(responseType, fields, rid, this.identity.hostSigner);
    return {
      httpStatus: httpStatus(st), body: signed.bytes,
      log: { ...log, status: st, error: answer.error, message: st === 201 ? undefined : answer.description },
    };
  }
}
