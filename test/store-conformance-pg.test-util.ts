/**
 * A real PostgreSQL for the store tests (HELPERS.md: the machine's server, 127.0.0.1:5432, trust
 * auth, user postgres; `.ci/run` starts it on a fresh CI machine). Each test file gets its own
 * uniquely named database, dropped when the file ends; each store opened in it gets its own
 * schema. A server that cannot be reached fails the tests with how to start one: never a skip.
 *
 * Where: DARE_PG_URL (postgres://USER@HOST:PORT/DB, the database to connect to for creating
 * others), else PGHOST / PGPORT / PGUSER / PGDATABASE, else 127.0.0.1:5432, postgres, test.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function adminUrl(): string {
  if (process.env.DARE_PG_URL) return process.env.DARE_PG_URL;
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const user = process.env.PGUSER ?? 'postgres';
  const db = process.env.PGDATABASE ?? 'test';
  return `postgres://${encodeURIComponent(user)}@${host.startsWith('/') ? encodeURIComponent(host) : host}:${port}/${db}`;
}

/** The URL `base` with another database name. */
export function withDatabase(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = adminUrl();
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    await c.end().catch(() => undefined);
    throw new Error(`PostgreSQL is not reachable at ${url} (${(e as Error).message}): start it, e.g. ` +
      '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (what .ci/run does), ' +
      'or point DARE_PG_URL or PGHOST/PGPORT/PGUSER at a server with trust or password auth', { cause: e });
  }
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A new empty database `dare_<what>_<pid>_<random>`. */
export async function createTestDatabase(what: string): Promise<TestDatabase> {
  const name = `dare_${what}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: () => admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }),
  };
}

let schemas = 0;
/** A fresh schema name for one store. */
export function newSchema(): string {
  return `s${++schemas}_${randomBytes(4).toString('hex')}`;
}

/** Runs SQL on `url` with a short-lived connection. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await c.query<R>(text, params);
  } finally {
    await c.end().catch(() => undefined);
  }
}
