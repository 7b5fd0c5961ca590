/**
 * Opening a store from the one string `meshd serve --store SPEC` takes (issue 19): a
 * `postgres://` (or `postgresql://`) URL is the PostgreSQL driver (server/store/postgres.ts),
 * anything else a folder for the embedded driver (lib/mesh/store/embedded.ts). With the
 * export and import between them (server/store/transfer.ts), for `meshd export` / `meshd import`.
 * @module
 */
import { openEmbeddedStore, type AccountStore } from '../../lib/mesh/index.js';
import { migrate, openPostgresStore, type MigrationReport, type PostgresStoreOptions } from './postgres.js';

export { exportStore, importStore, MAX_IMPORT_ACCOUNT_BYTES } from './transfer.js';
export type { TransferReport } from './transfer.js';

export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The store `spec` names; PostgreSQL options apply to a URL only. */
export async function openStore(spec: string, options: PostgresStoreOptions = {}): Promise<AccountStore> {
  if (isPostgresSpec(spec)) return openPostgresStore(spec, options);
  if (spec === '') throw new RangeError('a store is a postgres:// URL or a folder');
  return openEmbeddedStore(spec);
}

/** `meshd migrate-db`: brings a PostgreSQL store's schema up to date; an embedded store needs none. */
export async function migrateStore(spec: string, options: PostgresStoreOptions = {}): Promise<MigrationReport | undefined> {
  return isPostgresSpec(spec) ? migrate(spec, options) : undefined;
}
