/**
 * The Mesh Service's store on PostgreSQL (issue 19 "Driver"; mesh brief §5 "Scale-out store"):
 * the {@link AccountStore} of lib/mesh/store/store.ts, with accounts, heads, frames (their exact
 * bytes), the replay cache and Transact outcomes in tables (server/store/migrations). Front ends
 * keep no state of their own: any number of `meshd` processes can share one database.
 *
 * The client is `pg` 8 (node-postgres) rather than `postgres` (postgres.js): it is the one most
 * widely deployed and longest maintained, its pool and its error events are plain and
 * documented (what recovery after a lost database needs), it sends Buffer parameters as binary
 * bytea, and it has no tagged-template SQL or implicit pipelining whose transaction semantics
 * would have to be argued about here.
 * @module
 */
import pg from 'pg';
import { DareError } from '../../lib/index.js';
import type {
  AccountEntry, AccountStore, ContainerAppend, ContainerState, FramePage, ReadLimits, StoreStatus, TransactOutcome,
} from '../../lib/mesh/index.js';
import { SCHEMA_VERSION } from './migrations/index.js';
import { isRetryableTransaction, isUnavailable, sqlState, storeError, UNIQUE_VIOLATION } from './postgres-errors.js';
import { quotedSchema, redactedUrl, schemaVersion, type PostgresOptions } from './postgres-migrate.js';
import { transactOn } from './postgres-transact.js';
import { canonicalAddress, checkedAppends, checkedEntry, checkProfileUdf, checkRead, containerLabel } from './postgres-input.js';

export { migrate } from './postgres-migrate.js';
export type { PostgresOptions, MigrationReport } from './postgres-migrate.js';

export interface PostgresStoreOptions extends PostgresOptions {
  /** Shown in pg_stat_activity (default `meshd`): operators, and tests, find a front end's connections by it. */
  readonly applicationName?: string;
  /** How long a connect may take before the request fails UNAVAILABLE (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** The longest a statement may run before the server cancels it (default 30 s). */
  readonly statementTimeoutMs?: number;
  /** How often a front end purges expired replay ids and old outcomes (default 60 s). */
  readonly purgeIntervalMs?: number;
  /** How long a Transact outcome is kept for retries (default 24 h; a retry comes within seconds). */
  readonly outcomeTtlMs?: number;
}

/** The store, plus what operators and tests reach beyond the interface. */
export interface PostgresStore extends AccountStore {
  /** Deletes expired replay ids and outcomes older than the TTL now; returns how many rows went. */
  purge(now?: number): Promise<number>;
}

const ACCOUNTS_PAGE = 500;
/** Rows a purge deletes per statement, so that it never holds long locks on a busy table. */
const PURGE_BATCH = 10_000;

interface AccountRow { profile_udf: string; address: string; kind: string; status: string; profile: Buffer; created: string }

function entryOf(r: AccountRow): AccountEntry {
  return {
    profileUdf: r.profile_udf, address: r.address, kind: r.kind as AccountEntry['kind'], status: r.status as AccountEntry['status'],
    profile: new Uint8Array(r.profile), created: r.created,
  };
}

/**
 * Opens the store at `url` (postgres://USER[:PASSWORD]@HOST[:PORT]/DB). The schema must be
 * migrated ({@link migrate}, `meshd migrate-db`): a store of another version is refused, and
 * a database that cannot be reached is UNAVAILABLE.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const schema = quotedSchema(options);
  const s = schema.sql;
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    // A database that stops answering without closing the socket: TCP keepalives find it
    // (10 s, not the system's 2 h), and no statement runs longer than the front end would wait.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'meshd',
  });
  // An idle connection that dies (the server restarting, pg_terminate_backend) is reported here;
  // the pool drops it and opens a new one for the next request. Without a listener it would crash the process.
  pool.on('error', () => undefined);
  const where = redactedUrl(url);

  async function withClient<T>(what: string, work: (c: pg.PoolClient) => Promise<T>, retry: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let broken = false;
      const lost = (): void => {
        broken = true;
      };
      try {
        client = await pool.connect();
        // pg-pool listens for errors only on idle clients: one that dies while checked out
        // (its query then fails too) would otherwise throw the error event at the process.
        client.on('error', lost);
        return await work(client);
      } catch (e) {
        broken ||= isUnavailable(e);
        // Idempotent work is tried again when a pooled connection turns out dead (the server
        // restarted, pg_terminate_backend): each try drops one, so poolSize + 1 tries reach a
        // fresh one. A connect that fails is not tried again here: the database is not there.
        // A deadlock or serialization failure (not expected, see postgres-transact.ts): once.
        const slow = /^(57014|53)/.test(sqlState(e) ?? ''); // timed out or out of resources: the connection itself is fine
        const stale = broken && !slow && client !== undefined && attempt <= poolSize;
        if (retry && (stale || (attempt === 0 && isRetryableTransaction(e)))) continue;
        throw storeError(e, `${what} at ${where}`);
      } finally {
        client?.removeListener('error', lost);
        client?.release(broken ? true : undefined);
      }
    }
  }

  const query = <R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> =>
    withClient(what, (c) => c.query<R>(sql, params), true);

  async function requireAccount(c: pg.ClientBase, account: string): Promise<void> {
    const r = await c.query(`SELECT 1 FROM ${s}.accounts WHERE profile_udf = $1`, [account]);
    if (r.rowCount === 0) throw new DareError('NOT_FOUND', `no account ${account} is bound here`);
  }

  const purgeInterval = options.purgeIntervalMs ?? 60_000;
  const outcomeTtl = options.outcomeTtlMs ?? 24 * 3600_000;
  let lastPurge = Date.now();
  let purging: Promise<unknown> | undefined;

  async function purge(now = Date.now()): Promise<number> {
    let total = 0;
    for (const [table, column, bound] of [['replay', 'until', now], ['outcomes', 'created', now - outcomeTtl]] as const) {
      const key = table === 'replay' ? 'id' : 'ctid';
      for (;;) {
        const r = await query(`purging ${table}`,
          `DELETE FROM ${s}.${table} WHERE ${key} IN (SELECT ${key} FROM ${s}.${table} WHERE ${column} <= $1 LIMIT ${PURGE_BATCH})`, [bound]);
        total += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) < PURGE_BATCH) break;
      }
    }
    return total;
  }

  // Refuse a database this code cannot use, at once and in one line.
  await withClient('opening the store', async (c) => {
    const v = await schemaVersion(c, schema.name);
    if (v !== SCHEMA_VERSION) {
      throw new DareError('MISMATCH', `the store schema ${schema.name} at ${where} is at version ${v}, this program needs ${SCHEMA_VERSION}: run meshd migrate-db`);
    }
  }, true).catch(async (e: unknown) => {
    await pool.end().catch(() => undefined);
    throw e;
  });

  return {
    async bind(given: AccountEntry): Promise<void> {
      const entry = checkedEntry(given);
      try {
        await withClient('binding an account', (c) => c.query(
          `INSERT INTO ${s}.accounts (profile_udf, address, kind, status, profile, created) VALUES ($1, $2, $3, $4, $5, $6)`,
          [entry.profileUdf, entry.address, entry.kind, entry.status, Buffer.from(entry.profile), entry.created]), false);
      } catch (e) {
        if (sqlState(e) !== UNIQUE_VIOLATION) throw e;
        const which = /address/.test(String((e as { constraint?: string }).constraint)) ? `the address ${entry.address}` : `the profile ${entry.profileUdf}`;
        throw new DareError('CONFLICT', `${which} is bound already`);
      }
    },

    async unbind(profileUdf: string): Promise<boolean> {
      checkProfileUdf(profileUdf);
      // Heads, frames and outcomes go with the account (ON DELETE CASCADE), in one transaction.
      const r = await withClient('unbinding an account', (c) => c.query(`DELETE FROM ${s}.accounts WHERE profile_udf = $1`, [profileUdf]), false);
      return r.rowCount === 1;
    },

    async account(profileUdf: string): Promise<AccountEntry | undefined> {
      checkProfileUdf(profileUdf);
      const r = await query<AccountRow>('reading an account', `SELECT * FROM ${s}.accounts WHERE profile_udf = $1`, [profileUdf]);
      return r.rows[0] && entryOf(r.rows[0]);
    },

    async accountByAddress(address: string): Promise<AccountEntry | undefined> {
      const r = await query<AccountRow>('reading an account', `SELECT * FROM ${s}.accounts WHERE address = $1`, [canonicalAddress(address)]);
      return r.rows[0] && entryOf(r.rows[0]);
    },

    async *accounts(): AsyncIterable<AccountEntry> {
      // Pages by key, so that a provider's million accounts are never in memory at once.
      let after = '';
      for (;;) {
        const r = await query<AccountRow>('listing accounts',
          `SELECT * FROM ${s}.accounts WHERE profile_udf > $1 ORDER BY profile_udf LIMIT ${ACCOUNTS_PAGE}`, [after]);
        for (const row of r.rows) yield entryOf(row);
        const last = r.rows[r.rows.length - 1];
        if (last === undefined || r.rows.length < ACCOUNTS_PAGE) return;
        after = last.profile_udf;
      }
    },

    async heads(profileUdf: string, asked?: readonly string[]): Promise<readonly ContainerState[]> {
      checkProfileUdf(profileUdf);
      const containers = asked?.map(containerLabel);
      return withClient('reading heads', async (c) => {
        const r = await c.query<{ container: string; index: string; apex: Buffer; frontier: Buffer; bound: boolean }>(
          `SELECT a.bound, h.container, h.index, h.apex, h.frontier
           FROM (SELECT EXISTS (SELECT 1 FROM ${s}.accounts WHERE profile_udf = $1) AS bound) a
           LEFT JOIN ${s}.heads h ON h.account = $1 AND ($2::text[] IS NULL OR h.container = ANY($2::text[]))
           ORDER BY h.container`, [profileUdf, containers === undefined ? null : [...containers]]);
        if (r.rows[0]?.bound !== true) throw new DareError('NOT_FOUND', `no account ${profileUdf} is bound here`);
        const states = r.rows.filter((row) => row.container !== null).map((row): ContainerState => ({
          container: row.container, index: Number(row.index), apex: new Uint8Array(row.apex), frontier: new Uint8Array(row.frontier),
        }));
        if (containers === undefined) return states;
        const by = new Map(states.map((h) => [h.container, h]));
        return containers.map((container) => by.get(container) ?? { container, index: -1, apex: new Uint8Array(0), frontier: new Uint8Array(0) });
      }, true);
    },

    async read(profileUdf: string, name: string, from: number, limits: ReadLimits): Promise<FramePage> {
      checkRead(from, limits);
      checkProfileUdf(profileUdf);
      const container = containerLabel(name);
      return withClient('reading frames', async (c) => {
        // One statement, so one snapshot: the page and the head agree. The running sum is of
        // octet_length, which reads the stored length, not the bytes: frames past the page are
        // never fetched, and at most maxFrames rows are looked at.
        const r = await c.query<{ head: string; apex: Buffer; index: string | null; bytes: Buffer | null }>(
          `SELECT h.index AS head, h.apex, f.index, f.bytes FROM ${s}.heads h
           LEFT JOIN LATERAL (
             SELECT w.index, w.bytes FROM (
               SELECT index, bytes, sum(octet_length(bytes)) OVER (ORDER BY index) AS running
               FROM ${s}.frames WHERE account = h.account AND container = h.container AND index >= $3 AND index <= h.index
               ORDER BY index LIMIT $4) w
             WHERE w.running <= $5 OR w.index = $3) f ON true
           WHERE h.account = $1 AND h.container = $2 ORDER BY f.index`,
          [profileUdf, container, from, limits.maxFrames, limits.maxBytes]);
        const first = r.rows[0];
        if (first === undefined) {
          await requireAccount(c, profileUdf);
          return { frames: [], head: { container, index: -1, apex: new Uint8Array(0) } };
        }
        const head = { container, index: Number(first.head), apex: new Uint8Array(first.apex) };
        const frames = r.rows.filter((row) => row.bytes !== null).map((row) => new Uint8Array(row.bytes as Buffer));
        const next = from + frames.length;
        return next <= head.index && frames.length > 0 ? { frames, head, next } : { frames, head };
      }, true);
    },

    async transact(profileUdf: string, requestId: string, given: readonly ContainerAppend[]): Promise<TransactOutcome> {
      const appends = checkedAppends(requestId, given);
      checkProfileUdf(profileUdf);
      // Retried once on a lost connection: the request id makes a second run return the first's outcome.
      return withClient('transact', (c) => transactOn(c, s, profileUdf, requestId, appends), true);
    },

    async remember(id: string, until: number): Promise<boolean> {
      const now = Date.now();
      // A new id is inserted; a recorded one is taken over only when it has expired. RETURNING
      // yields a row in exactly those two cases. Concurrent calls with one id: the second waits
      // for the first's row and then finds it unexpired.
      const r = await withClient('the replay cache', (c) => c.query(
        `INSERT INTO ${s}.replay (id, until) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET until = EXCLUDED.until WHERE ${s}.replay.until <= $3 RETURNING 1`, [id, until, now]), false);
      if (now - lastPurge >= purgeInterval && purging === undefined) {
        lastPurge = now;
        purging = purge(now).catch(() => undefined).finally(() => { purging = undefined; });
      }
      return r.rowCount === 1;
    },

    async status(): Promise<StoreStatus> {
      const r = await query<{ n: number }>('status', `SELECT count(*)::int AS n FROM ${s}.accounts`);
      return { driver: 'postgres', accounts: r.rows[0]?.n ?? 0 };
    },

    purge,

    async close(): Promise<void> {
      await purging;
      await pool.end();
    },
  };
}
