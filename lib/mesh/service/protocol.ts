/**
 * The Mesh Service protocol's constants, limits and errors (docs/PROTOCOL.md; mesh brief §3):
 * the path, the signing purposes and content types of requests and responses, the error names
 * with their status codes, and the limits the service advertises in Hello and enforces.
 * @module
 */
import { DareError, type DareErrorCode, type JsonObject } from '../../index.js';

/** The one path every transaction is POSTed to (protocol-09 §5; brief §3). */
export const MMM_PATH = '/.well-known/mmm/';
/** Signing purposes (ours, PROTOCOL.md §2, §4): the RFC 8032 context of request and response signatures. */
export const REQUEST_PURPOSE = 'mmm/request/v1';
export const RESPONSE_PURPOSE = 'mmm/response/v1';
export const REQUEST_CONTENT_TYPE = 'application/mmm/request';
export const RESPONSE_CONTENT_TYPE = 'application/mmm/response';

/** The limits of PROTOCOL.md §7 (docs/LIMITS.md "Mesh service"). */
export const LIMITS = {
  /** Largest request body, refused before it is parsed (ConstraintsUpdate.BytesMax). */
  maxRequestBytes: 4 << 20,
  /** JSON nesting of a request envelope and of its payload. */
  maxDepth: 32,
  /** Frames per container in one Transact, and per Download page (MaxEntries). */
  maxFrames: 1024,
  /** Bytes of frames in one Download page. */
  maxPageBytes: 1 << 20,
  /** Containers named in one request. */
  maxContainers: 32,
  /** Clock skew accepted on Created, ms. */
  skewMs: 300_000,
  /** How long a request id stays in the replay cache, ms. */
  replayMs: 600_000,
  /** Requests per second per account and per client address (token buckets, burst = 2 s). */
  accountRate: 50,
  addressRate: 200,
  /** A request body must arrive within this many ms (slow clients). */
  bodyTimeoutMs: 10_000,
} as const;

/** The error names of PROTOCOL.md §6 and their status codes. */
export const ERRORS = {
  BadRequest: 400, BadFrame: 400, BadSignature: 401, Stale: 401, Replay: 401,
  NotAuthorized: 403, NotAdministrator: 403, DeviceRevoked: 403, Refused: 403,
  NotFound: 404, Conflict: 409, AccountRegistered: 409, TooLarge: 413, RateLimited: 429, Timeout: 408,
  ServerError: 500, Unavailable: 503, Unknown: 404, NotAllowed: 405,
} as const;
export type ErrorName = keyof typeof ERRORS;

function codeOf(name: ErrorName): DareErrorCode {
  switch (name) {
    case 'Conflict': return 'CONFLICT';
    case 'NotFound': return 'REFUSED';
    case 'ServerError': case 'Unavailable': case 'Timeout': return 'UNAVAILABLE';
    default: return 'REFUSED';
  }
}

/**
 * A refusal by the service (or of the service by the client): a DareError whose code is the
 * exit-code class (REFUSED 8, UNAVAILABLE 9, CONFLICT), with the protocol's error name and status.
 */
export class ServiceError extends DareError {
  readonly error: ErrorName;
  readonly status: number;
  /** Extra response fields (a Conflict's current heads). */
  readonly fields?: JsonObject;
  constructor(error: ErrorName, message: string, options?: { cause?: unknown; fields?: JsonObject; code?: DareErrorCode }) {
    super(options?.code ?? codeOf(error), message, options);
    this.error = error;
    this.status = ERRORS[error];
    this.fields = options?.fields;
  }
}

export function refuse(error: ErrorName, message: string, options?: { cause?: unknown; fields?: JsonObject }): never {
  throw new ServiceError(error, message, options);
}

/** The request types served, their response types and who signs them (PROTOCOL.md §3). */
export const TRANSACTIONS = {
  HelloRequest: { response: 'MeshHelloResponse', auth: 'none' },
  BindRequest: { response: 'BindResponse', auth: 'bind' },
  UnbindRequest: { response: 'UnbindResponse', auth: 'account' },
  StatusRequest: { response: 'StatusResponse', auth: 'device' },
  DownloadRequest: { response: 'DownloadResponse', auth: 'device' },
  TransactRequest: { response: 'TransactResponse', auth: 'device' },
} as const;
export type RequestType = keyof typeof TRANSACTIONS;
export type ResponseType = (typeof TRANSACTIONS)[RequestType]['response'];

export function isRequestType(t: string): t is RequestType {
  return Object.prototype.hasOwnProperty.call(TRANSACTIONS, t);
}

/** The HTTP status of a protocol status (201 OK is HTTP 200; PROTOCOL.md §6). */
export function httpStatus(status: number): number {
  return status === 201 ? 200 : status;
}

/** The name of a status an error carries, for a DareError raised below the protocol. */
export function errorOf(e: unknown): ServiceError {
  if (e instanceof ServiceError) return e;
  if (e instanceof DareError) {
    switch (e.code) {
      case 'SIGNATURE_INVALID': case 'UNAUTHENTICATED': return new ServiceError('BadSignature', e.message, { cause: e });
      case 'LIMIT_EXCEEDED': return new ServiceError('TooLarge', e.message, { cause: e });
      case 'UNAVAILABLE': return new ServiceError('Unavailable', e.message, { cause: e });
      case 'CONFLICT': return new ServiceError('Conflict', e.message, { cause: e });
      case 'NOT_FOUND': return new ServiceError('NotFound', e.message, { cause: e });
      // The service's own files failing their checks: its failure, not the request's.
      case 'IO': case 'MERKLE_MISMATCH': case 'DIGEST_MISMATCH': case 'MAC_INVALID': case 'SEQUENCE_ORDER': case 'TRUNCATED': case 'HEADER_MALFORMED':
        return new ServiceError('ServerError', e.message, { cause: e });
      default: return new ServiceError('BadRequest', e.message, { cause: e });
    }
  }
  return new ServiceError('ServerError', 'internal error', { cause: e });
}
