/**
 * Schema migrations of the PostgreSQL store (issue 19: versioned, run by `meshd migrate-db`).
 * One transaction applies every migration missing from `schema_version`, in order. A
 * transaction-scoped advisory lock, taken before anything is read, makes two processes that
 * migrate at once take turns: the second finds the versions the first recorded and applies
 * nothing. A failure rolls the whole run back, so a schema is at one recorded version or another.
 * @module
 */
import pg from 'pg';
import { DareError } from '../../lib/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';
import { storeError } from './postgres-errors.js';

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** The PostgreSQL schema holding the tables (default `mesh`); created by migrate. */
  readonly schema?: string;
}

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/** Arbitrary constant naming this program's migration lock; the second key is the schema's hash. */
const LOCK_CLASS = 0x4d455348; // 'MESH'

/** The schema name, checked (a plain lower-case identifier) and quoted for SQL. */
export function quotedSchema(options: PostgresOptions = {}): { name: string; sql: string } {
  const name = options.schema ?? 'mesh';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`schema name ${JSON.stringify(name)} is not a plain lower-case identifier`);
  return { name, sql: `"${name}"` };
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

export async function connectOnce(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: 'meshd-migrate' });
  // An error after connect (the server going away) must not crash the process: the query that follows fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw storeError(e, `connecting to ${redactedUrl(url)}`);
  }
  return client;
}

/** The schema's recorded version; 0 when it has no schema_version table. */
export async function schemaVersion(client: pg.ClientBase, schema: string): Promise<number> {
  const t = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema}".schema_version`]);
  if (t.rows[0]?.t === null || t.rows[0]?.t === undefined) return 0;
  const v = await client.query<{ v: number | null }>(`SELECT max(version)::int AS v FROM "${schema}".schema_version`);
  return v.rows[0]?.v ?? 0;
}

/** Brings the schema to {@link SCHEMA_VERSION}; safe to run twice and from several processes at once. */
export async function migrate(url: string, options: PostgresOptions = {}): Promise<MigrationReport> {
  const schema = quotedSchema(options);
  const client = await connectOnce(url);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema.name]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema.sql}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema.sql}.schema_version (
      version int PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`);
    const from = await schemaVersion(client, schema.name);
    if (from > SCHEMA_VERSION) {
      throw new DareError('MISMATCH', `schema ${schema.name} is at version ${from}, newer than this program's ${SCHEMA_VERSION}: run a newer meshd`);
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.sql(schema.sql));
      await client.query(`INSERT INTO ${schema.sql}.schema_version (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { from, to: SCHEMA_VERSION, applied };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw storeError(e, 'migrating');
  } finally {
    await client.end().catch(() => undefined);
  }
}
