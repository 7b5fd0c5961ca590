/**
 * The store conformance suite (test/store-conformance.test-util.ts) against each driver:
 * PostgreSQL (server/store/postgres.ts) on a real server, a fresh schema per store and a
 * database for this file, dropped at the end; and the embedded driver (lib/mesh/store/embedded.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../lib/mesh/index.js';
import { migrate, openPostgresStore } from '../server/store/postgres.js';
import { describeStoreConformance } from './store-conformance.test-util.js';
import { createTestDatabase, newSchema, sql, type TestDatabase } from './store-conformance-pg.test-util.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('conformance');
});
afterAll(async () => {
  await db?.drop();
});

describeStoreConformance('postgres', async () => {
  const schema = newSchema();
  await migrate(db.url, { schema });
  let store = await openPostgresStore(db.url, { schema, poolSize: 8 });
  return {
    store,
    async reopen() {
      await store.close();
      store = await openPostgresStore(db.url, { schema, poolSize: 8 });
      return store;
    },
    async cleanup() {
      await store.close();
      await sql(db.url, `DROP SCHEMA "${schema}" CASCADE`);
    },
  };
});

describeStoreConformance('embedded', async () => {
  const root = await mkdtemp(join(tmpdir(), 'store-embedded-'));
  let store = await openEmbeddedStore(root);
  return {
    store,
    async reopen() {
      await store.close();
      store = await openEmbeddedStore(root);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
