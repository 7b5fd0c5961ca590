/**
 * What only the PostgreSQL driver has (server/store/postgres.ts): migrations (twice, and from
 * several connections at once), a schema of the wrong version refused, an unreachable database
 * as UNAVAILABLE in one line, recovery by itself when the database comes back (through a TCP
 * relay the test stops and starts: the machine's server is shared and never stopped) and after
 * its connections are killed (pg_terminate_backend of this store's own), the purge of expired
 * rows, and the tables holding the frames' exact bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { isDareError } from '../lib/index.js';
import { migrate, openPostgresStore } from '../server/store/postgres.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../server/store/migrations/index.js';
import { newAccount, readAll } from './store-conformance.test-util.js';
import { appendOf, catalogFrames, hex, NO_HEAD, type RealFrame } from './store-conformance-frames.test-util.js';
import { createTestDatabase, newSchema, sql, type TestDatabase } from './store-conformance-pg.test-util.js';

const WRITER_LABELS = ['MMM_Access', 'MMM_Device', 'MMM_Task', 'MMM_Contact'];
let db: TestDatabase;
let frames: RealFrame[];
beforeAll(async () => {
  db = await createTestDatabase('pgdriver');
  frames = await catalogFrames(12, 500);
});
afterAll(async () => {
  await db?.drop();
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isDareError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

/** A TCP relay to the database's port that the test can stop and start on the same port. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly target: { host: string; port: number };
  port = 0;
  constructor(target: { host: string; port: number }) {
    this.target = target;
  }
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function target(): { host: string; port: number } {
  const u = new URL(db.url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) };
}

function urlThrough(port: number): string {
  const u = new URL(db.url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

describe('postgres store: migrations', () => {
  it('applies what is missing, once; a second run applies nothing', async () => {
    const schema = newSchema();
    expect(await migrate(db.url, { schema })).toEqual({ from: 0, to: SCHEMA_VERSION, applied: [1] });
    expect(await migrate(db.url, { schema })).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    const v = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${schema}".schema_version`);
    expect(v.rows[0]?.n).toBe(MIGRATIONS.length);
  });

  it('four migrations at once on one new schema: one applies, the others wait and apply nothing', async () => {
    const schema = newSchema();
    const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url, { schema })));
    expect(reports.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(reports.every((r) => r.to === SCHEMA_VERSION)).toBe(true);
    const store = await openPostgresStore(db.url, { schema });
    expect((await store.status()).driver).toBe('postgres');
    await store.close();
  });

  it('a schema not migrated, or migrated past this program, is refused at open in one line', async () => {
    const schema = newSchema();
    const f = await failure(openPostgresStore(db.url, { schema }));
    expect(f.code).toBe('MISMATCH');
    expect(f.message).toMatch(/version 0.*migrate-db/);
    await migrate(db.url, { schema });
    await sql(db.url, `INSERT INTO "${schema}".schema_version (version, name) VALUES (999, 'from the future')`);
    expect((await failure(openPostgresStore(db.url, { schema }))).message).toMatch(/version 999/);
    expect((await failure(migrate(db.url, { schema }))).message).toMatch(/newer than this program/);
  });

  it('a schema name that is not a plain identifier is refused before any SQL', async () => {
    await expect(migrate(db.url, { schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(RangeError);
  });
});

describe('postgres store: an unreachable database', () => {
  it('nothing listening: open and migrate fail UNAVAILABLE, in one line, within the connect timeout', async () => {
    const relay = new Relay(target());
    await relay.start();
    const port = relay.port;
    await relay.stop();
    const started = Date.now();
    for (const p of [() => openPostgresStore(urlThrough(port), { schema: 'mesh' }), () => migrate(urlThrough(port))]) {
      const f = await failure(p());
      expect(f.code).toBe('UNAVAILABLE');
      expect(f.message).not.toContain('\n');
      expect(f.message).toMatch(/database unavailable/);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the database going away: requests fail UNAVAILABLE; when it returns the same store serves again by itself', async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const relay = new Relay(target());
    await relay.start();
    const store = await openPostgresStore(urlThrough(relay.port), { schema, poolSize: 3, connectTimeoutMs: 2000 });
    try {
      const a = newAccount();
      await store.bind(a);
      const t1 = appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 3);
      expect((await store.transact(a.profileUdf, 'before', [t1])).accepted).toBe(true);
      await relay.stop();
      const attempts = [
        () => store.heads(a.profileUdf),
        () => store.transact(a.profileUdf, 'during', [appendOf(frames, 'MMM_Access', t1.next, 1)]),
        () => store.remember('x', Date.now() + 1000),
      ];
      for (const p of attempts) {
        const f = await failure(p());
        expect(f.code).toBe('UNAVAILABLE');
        expect(f.message).not.toContain('\n');
      }
      await relay.start();
      // The pool opens new connections on the next requests; nothing was written while it was away.
      expect((await store.heads(a.profileUdf))[0]?.index).toBe(2);
      expect((await store.transact(a.profileUdf, 'after', [appendOf(frames, 'MMM_Access', t1.next, 1)])).accepted).toBe(true);
      expect((await readAll(store, a.profileUdf, 'MMM_Access')).map(hex)).toEqual(frames.slice(0, 4).map((f) => hex(f.bytes)));
    } finally {
      await relay.stop();
      await store.close();
    }
  });

  it('the database dropping away three times under a stream of transacts: every acknowledged one is there once, retries settle the rest', async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const relay = new Relay(target());
    await relay.start();
    const store = await openPostgresStore(urlThrough(relay.port), { schema, poolSize: 4, connectTimeoutMs: 1000 });
    const sources = await Promise.all([0, 1, 2, 3].map(() => catalogFrames(400, 64)));
    try {
      const a = newAccount();
      await store.bind(a);
      let stop = false;
      let unavailable = 0;
      // What a client does: on UNAVAILABLE, wait and send the same request (same id) again.
      const writer = async (w: number): Promise<number> => {
        const c = WRITER_LABELS[w] as string;
        let head = NO_HEAD(c);
        let n = 0;
        while (!stop && head.index < 395) {
          const t = appendOf(sources[w] as RealFrame[], c, head, 1);
          for (;;) {
            try {
              const o = await store.transact(a.profileUdf, `w${w}-${n}`, [t]);
              expect(o.accepted).toBe(true);
              break;
            } catch (e) {
              if (!isDareError(e, 'UNAVAILABLE')) throw e;
              unavailable++;
              await new Promise((r) => setTimeout(r, 30));
            }
          }
          head = { container: c, index: t.next.index, apex: t.next.apex };
          n++;
        }
        return n;
      };
      const running = Promise.all([0, 1, 2, 3].map(writer));
      for (let k = 0; k < 3; k++) {
        await new Promise((r) => setTimeout(r, 150));
        await relay.stop();
        await new Promise((r) => setTimeout(r, 100));
        await relay.start();
      }
      stop = true;
      const counts = await running;
      // The writers were still going when the relay went down each time (not all done before it).
      expect(Math.min(...counts)).toBeLessThan(396);
      expect(unavailable).toBeGreaterThan(0);
      for (const [w, n] of counts.entries()) {
        const got = await readAll(store, a.profileUdf, WRITER_LABELS[w] as string);
        expect(got.map(hex)).toEqual((sources[w] as RealFrame[]).slice(0, n).map((f) => hex(f.bytes)));
      }
    } finally {
      await relay.stop();
      await store.close();
    }
  });

  it('a database too slow to answer (a head locked elsewhere): UNAVAILABLE within the statement timeout, nothing written', async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const store = await openPostgresStore(db.url, { schema, statementTimeoutMs: 200 });
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      const a = newAccount();
      await store.bind(a);
      const t1 = appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 2);
      await store.transact(a.profileUdf, 'r1', [t1]);
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM "${schema}".heads FOR UPDATE`);
      const started = Date.now();
      const f = await failure(store.transact(a.profileUdf, 'r2', [appendOf(frames, 'MMM_Access', t1.next, 1)]));
      expect(f.code).toBe('UNAVAILABLE');
      expect(f.message).toMatch(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(1500); // one statement timeout, not one per pooled connection
      await holder.query('ROLLBACK');
      expect((await store.heads(a.profileUdf))[0]?.index).toBe(1);
      expect((await store.transact(a.profileUdf, 'r2', [appendOf(frames, 'MMM_Access', t1.next, 1)])).accepted).toBe(true);
    } finally {
      await holder.end().catch(() => undefined);
      await store.close();
    }
  });

  it("its own connections terminated by the server (pg_terminate_backend): the next requests succeed on new ones", async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const app = `meshd-test-${schema}`;
    const store = await openPostgresStore(db.url, { schema, poolSize: 4, applicationName: app });
    try {
      const a = newAccount();
      await store.bind(a);
      await Promise.all([store.heads(a.profileUdf), store.status(), store.account(a.profileUdf)]);
      const killed = await sql<{ n: number }>(db.url,
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [app]);
      expect(killed.rows[0]?.n).toBeGreaterThan(0);
      expect(await store.heads(a.profileUdf)).toEqual([]);
      expect((await store.transact(a.profileUdf, 'r', [appendOf(frames, 'MMM_Device', NO_HEAD('MMM_Device'), 2)])).accepted).toBe(true);
      expect((await store.status()).accounts).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('postgres store: tables', () => {
  it('frames are kept as their exact bytes, heads with the row version; unbind leaves no row behind', async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const store = await openPostgresStore(db.url, { schema });
    try {
      const a = newAccount();
      await store.bind(a);
      const t1 = appendOf(frames, 'MMM_Contact', NO_HEAD('MMM_Contact'), 4);
      await store.transact(a.profileUdf, 'r1', [t1]);
      await store.transact(a.profileUdf, 'r2', [appendOf(frames, 'MMM_Contact', t1.next, 2)]);
      const rows = await sql<{ index: string; bytes: Buffer }>(db.url, `SELECT index, bytes FROM "${schema}".frames ORDER BY index`);
      expect(rows.rows.map((r) => [Number(r.index), r.bytes.toString('hex')])).toEqual(frames.slice(0, 6).map((f, i) => [i, hex(f.bytes)]));
      const head = await sql<{ index: string; version: string }>(db.url, `SELECT index, version FROM "${schema}".heads`);
      expect(head.rows.map((r) => [Number(r.index), Number(r.version)])).toEqual([[5, 2]]);
      expect(await store.unbind(a.profileUdf)).toBe(true);
      for (const table of ['accounts', 'heads', 'frames', 'outcomes']) {
        expect((await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0]?.n).toBe(0);
      }
    } finally {
      await store.close();
    }
  });

  it('purge deletes expired replay ids and old outcomes, and keeps the rest', async () => {
    const schema = newSchema();
    await migrate(db.url, { schema });
    const store = await openPostgresStore(db.url, { schema, outcomeTtlMs: 60_000 });
    try {
      const now = Date.now();
      for (let i = 0; i < 5; i++) await store.remember(`old-${i}`, now - 1000);
      await store.remember('live', now + 600_000);
      const a = newAccount();
      await store.bind(a);
      await store.transact(a.profileUdf, 'r1', [appendOf(frames, 'MMM_Task', NO_HEAD('MMM_Task'), 1)]);
      expect(await store.purge(now)).toBe(5);
      expect((await sql<{ id: string }>(db.url, `SELECT id FROM "${schema}".replay`)).rows.map((r) => r.id)).toEqual(['live']);
      expect(await store.purge(now + 120_000)).toBe(1); // the outcome, past its TTL
      expect(await store.remember('live', now + 600_000)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
