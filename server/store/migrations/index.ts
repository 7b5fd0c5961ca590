/**
 * The PostgreSQL store's schema, as numbered migrations (issue 19 "Driver": versioned, run by
 * `meshd migrate-db`). Each entry is applied once, in order, inside the migration transaction
 * of server/store/postgres-migrate.ts, and recorded in `schema_version`. Never edit an entry
 * that has shipped: add the next number.
 *
 * A TS table rather than .sql files: the SQL names its schema (a deployment may keep several
 * services, or a test several runs, in one database), and a table needs no file copying at build.
 * @module
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The statements, for schema `s` (already quoted). */
  sql(s: string): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, heads, frames, replay cache, request outcomes',
    sql: (s) => `
      -- Accounts (mesh brief §5: accounts.dcat). created is kept as the text given (ISO 8601), so it reads back exactly.
      CREATE TABLE ${s}.accounts (
        profile_udf text PRIMARY KEY,
        address     text NOT NULL UNIQUE,
        kind        text NOT NULL CHECK (kind IN ('user', 'group')),
        status      text NOT NULL CHECK (status IN ('active', 'hold')),
        profile     bytea NOT NULL,
        created     text NOT NULL
      );
      -- One row per container: the head a Transact is checked against. version counts the updates
      -- (the row version of the brief's scale-out store: a cheap change marker for caches and replicas).
      CREATE TABLE ${s}.heads (
        account   text NOT NULL REFERENCES ${s}.accounts (profile_udf) ON DELETE CASCADE,
        container text NOT NULL,
        index     bigint NOT NULL CHECK (index >= 0),
        apex      bytea NOT NULL,
        frontier  bytea NOT NULL,
        version   bigint NOT NULL DEFAULT 1,
        PRIMARY KEY (account, container)
      );
      -- The frames, their exact bytes: Download returns what the embedded store would.
      CREATE TABLE ${s}.frames (
        account   text NOT NULL,
        container text NOT NULL,
        index     bigint NOT NULL CHECK (index >= 0),
        bytes     bytea NOT NULL,
        PRIMARY KEY (account, container, index),
        FOREIGN KEY (account, container) REFERENCES ${s}.heads (account, container) ON DELETE CASCADE
      );
      -- Frames are stored once and read many times; they are mostly ciphertext, so compressing is wasted work.
      ALTER TABLE ${s}.frames ALTER COLUMN bytes SET STORAGE EXTERNAL;
      -- The replay cache (brief §3: request ids kept while their Created window lasts), shared by every front end.
      CREATE TABLE ${s}.replay (
        id    text PRIMARY KEY,
        until bigint NOT NULL
      );
      CREATE INDEX replay_until ON ${s}.replay (until);
      -- The first outcome of each Transact request id (brief §6 #7: idempotent retries), per account.
      CREATE TABLE ${s}.outcomes (
        account    text NOT NULL REFERENCES ${s}.accounts (profile_udf) ON DELETE CASCADE,
        request_id text NOT NULL,
        outcome    jsonb NOT NULL,
        created    bigint NOT NULL,
        PRIMARY KEY (account, request_id)
      );
      CREATE INDEX outcomes_created ON ${s}.outcomes (created);
    `,
  },
];

/** The version a store of this code needs. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
