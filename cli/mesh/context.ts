/**
 * What every `mesh` command shares: the global options (--home, --account, --json, the
 * passphrase sources), the home they name, the account they pick, and output in text
 * (Key=Value lines, or columns) or JSON.
 * @module
 */
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { AccountContext, KEY_STORE, MeshHome, type AccountRecord, type SyncReport } from '../../lib/mesh/index.js';
import { UsageError } from '../errors.js';
import { writeLine, type Io } from '../io.js';
import { passphraseOptions, passphraseSource, type PassphraseArgs } from '../passphrase.js';

export interface GlobalArgs extends PassphraseArgs {
  /** yargs' positionals and whatever a command adds. */
  [option: string]: unknown;
  home?: string;
  account?: string;
  json?: boolean;
  offline?: boolean;
}

/**
 * How a command on a bound account syncs with its service (cli/mesh/service.ts fills it in):
 * before it reads, and after it writes, unless --offline.
 */
export const accountSync: {
  sync?: (io: Io, a: GlobalArgs, ctx: AccountContext) => Promise<SyncReport | undefined>;
  note?: (io: Io, a: GlobalArgs, r: SyncReport | undefined) => void;
} = {};

export const PASSPHRASE_ENV = 'MESH_PASSPHRASE';

/** The global options, on the top-level parser. */
export function globalOptions(y: Argv): Argv {
  return y
    .option('home', { type: 'string', describe: 'the Mesh home folder (default $MESH_HOME, else ~/.mesh)', global: true })
    .option('account', { type: 'string', describe: 'the account to act on, when the home holds several', global: true })
    .option('json', { type: 'boolean', describe: 'machine-readable output on stdout', global: true })
    .option('offline', { type: 'boolean', describe: 'do not sync with the account\'s service (a bound account syncs before and after every catalog command)', global: true })
    .option('resolve', { type: 'string', array: true, describe: 'DOMAIN=URL: the service of DOMAIN is at URL (repeatable; also MESH_RESOLVE="D=URL,...")', global: true })
    .options(Object.fromEntries(Object.entries(passphraseOptions).map(([k, v]) => [k, { ...v, global: true, describe: v.describe.replace('the key file passphrase', 'the passphrase of the home\'s key store') }])));
}

/** The folder of the home: --home, else MESH_HOME, else ~/.mesh (absolute). */
export function homeDir(io: Io, a: GlobalArgs): string {
  const given = a.home ?? (io.env.MESH_HOME ? io.env.MESH_HOME : undefined);
  if (given === '') throw new UsageError('--home needs a folder');
  return resolve(given ?? resolve(io.env.HOME || homedir(), '.mesh'));
}

/**
 * Opens the home of the command line; `write` takes its lock. A passphrase asked for on the
 * terminal is asked twice when it will seal a new key store.
 */
export async function openHome(io: Io, a: GlobalArgs, write: boolean): Promise<MeshHome> {
  const dir = homeDir(io, a);
  const sealsNewStore = write && !existsSync(join(dir, KEY_STORE));
  return MeshHome.open(dir, {
    write,
    passphrase: passphraseSource(io, a, sealsNewStore, PASSPHRASE_ENV),
    warn: (m) => writeLine(io.stderr, `mesh: warning: ${m}`),
  });
}

/** Runs `f` on the home and closes it (releasing its lock) whatever happens. */
export async function withHome<T>(io: Io, a: GlobalArgs, write: boolean, f: (h: MeshHome) => Promise<T>): Promise<T> {
  const h = await openHome(io, a, write);
  try {
    return await f(h);
  } finally {
    await h.close();
  }
}

/** The account --account names, or the only one; several without --account is a usage error. */
export async function pickAccount(h: MeshHome, a: GlobalArgs): Promise<AccountRecord> {
  if (a.account === undefined) {
    const all = await h.accounts();
    if (all.length > 1) throw new UsageError(`this home holds ${all.length} accounts (${all.map((x) => x.name).join(', ')}): name one with --account NAME`);
  }
  return h.account(a.account);
}

/**
 * Runs `f` with the account's context. A bound account (unless --offline) is synced with its
 * service first, and again after `f` when it may have written: the home is then opened for
 * writing even for a read, since a sync changes the catalogs and the heads seen.
 */
export async function withAccount<T>(io: Io, a: GlobalArgs, write: boolean, f: (ctx: AccountContext) => Promise<T>): Promise<T> {
  const sync = a.offline || accountSync.sync === undefined ? undefined : accountSync.sync;
  let bound = false;
  if (sync !== undefined && !write) bound = (await withHome(io, a, false, async (h) => (await pickAccount(h, a)).service !== undefined));
  return withHome(io, a, write || bound, async (h) => {
    const ctx = new AccountContext(h, await pickAccount(h, a));
    if (sync === undefined || ctx.record.service === undefined) return f(ctx);
    accountSync.note?.(io, a, await sync(io, a, ctx));
    const result = await f(ctx);
    if (write) accountSync.note?.(io, a, await sync(io, a, ctx));
    return result;
  });
}

/** Prints a record: Key=Value lines, or one JSON object. */
export function printRecord(io: Io, a: GlobalArgs, pairs: [string, string | number | undefined][], json: object): void {
  if (a.json) {
    writeLine(io.stdout, JSON.stringify(json));
    return;
  }
  for (const [k, v] of pairs) if (v !== undefined) writeLine(io.stdout, `${k}=${v}`);
}

/** Prints rows as aligned columns, or a JSON array. */
export function printRows(io: Io, a: GlobalArgs, rows: string[][], json: object[]): void {
  if (a.json) {
    writeLine(io.stdout, JSON.stringify(json));
    return;
  }
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  for (const r of rows) writeLine(io.stdout, r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ').trimEnd());
}

/** A note for the user on stderr (never with --json on stdout). */
export function note(io: Io, text: string): void {
  writeLine(io.stderr, `mesh: ${text}`);
}
