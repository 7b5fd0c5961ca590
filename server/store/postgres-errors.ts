/**
 * What the PostgreSQL store makes of the client's errors (issue 19 "Driver": clear errors when
 * the database is unreachable). A database that cannot be reached, a connection lost or a
 * server shutting down is `UNAVAILABLE` with one line (the front end answers "service
 * unavailable" and retries); everything else is either a store answer (CONFLICT, NOT_FOUND)
 * the caller maps itself, or a bug, passed on unchanged.
 * @module
 */
import { DareError, isDareError } from '../../lib/index.js';

/** SQLSTATE classes and codes meaning "the database is not there for us now". */
const UNAVAILABLE_STATES = [
  /^08/, // connection exception
  /^57P0[1-4]$/, // admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped
  /^57014$/, // query_canceled: statement_timeout, the database too slow to answer in time
  /^53/, // insufficient resources (too many connections, disk full, out of memory)
  /^3D000$/, // invalid_catalog_name: the database named in the URL does not exist
  /^28/, // invalid authorization: the URL's user cannot log in
];

/** Node's socket errors on connect or during a query. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT']);

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

function codeOf(e: unknown): string | undefined {
  const c = (e as PgLikeError | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function messageOf(e: unknown): string {
  const m = (e as PgLikeError | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

/** True when `e` says the database cannot be reached or the connection went away. */
export function isUnavailable(e: unknown): boolean {
  if (isDareError(e, 'UNAVAILABLE')) return true;
  if (isDareError(e)) return false;
  const code = codeOf(e);
  if (code !== undefined && (SOCKET_CODES.has(code) || UNAVAILABLE_STATES.some((p) => p.test(code)))) return true;
  if (e instanceof AggregateError) return e.errors.some(isUnavailable);
  // pg's own words for a connection that died under it, or a connect that timed out.
  return /connection terminated|connection timeout|not queryable|terminating connection|Connection ended/i.test(messageOf(e));
}

/** `e` as the store reports it: UNAVAILABLE with one line for a database that is not there, else unchanged. */
export function storeError(e: unknown, what: string): unknown {
  if (isDareError(e) || !isUnavailable(e)) return e;
  const detail = e instanceof AggregateError && e.errors.length > 0 ? messageOf(e.errors[0]) : messageOf(e);
  const line = detail.split('\n')[0] || codeOf(e) || 'no answer';
  return new DareError('UNAVAILABLE', `database unavailable (${what}): ${line}`, { cause: e });
}

/** The SQLSTATE of a unique violation, a foreign-key violation, and of serialization and deadlock failures. */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export function isRetryableTransaction(e: unknown): boolean {
  const c = codeOf(e);
  return c === '40001' || c === '40P01';
}
export function sqlState(e: unknown): string | undefined {
  return codeOf(e);
}
