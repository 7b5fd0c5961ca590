/**
 * `meshd`: the Mesh Service (docs/PROTOCOL.md; issue 15 "Server"):
 *   meshd init --domain D --root DIR      a new service identity (prints Service UDF=)
 *   meshd serve --root DIR --listen HOST:PORT [--cert F --key F] [--insecure-http]
 *   meshd status --root DIR               the identity and the store's accounts
 *   meshd migrate-db --store URL          the PostgreSQL schema brought up to date (issue 19)
 *   meshd export --store SPEC --to DIR / meshd import --from DIR --store SPEC
 * The store is the embedded one under --root unless --store names a postgres:// URL (or
 * another folder); the identity and its keys are always under --root.
 * The key store's passphrase comes from --passphrase-file/-fd/-command, --passphrase (terminal)
 * or MESHD_PASSPHRASE, never from argv. Log lines are JSON (pino) on stdout. Never calls
 * process.exit: `serve` resolves when the server has stopped after SIGTERM/SIGINT.
 * @module
 */
import yargs, { type Argv } from 'yargs';
import pino from 'pino';
import { MeshService, replicaFrameChecker } from '../lib/mesh/index.js';
import { DareError } from '../lib/index.js';
import type { AccountStore } from '../lib/mesh/index.js';
import { UsageError } from '../cli/errors.js';
import { writeLine, type Io, type Signal } from '../cli/io.js';
import { passphraseOptions, passphraseSource, type PassphraseArgs } from '../cli/passphrase.js';
import { runProgram, type Program } from '../cli/shell.js';
import { initRoot, loadRoot, readServicePublic } from './root.js';
import { exportStore, importStore, isPostgresSpec, migrateStore, openStore, type TransferReport } from './store/open.js';
import { createFront, isLoopback } from './http.js';

export const MESHD_PASSPHRASE_ENV = 'MESHD_PASSPHRASE';

interface Args extends PassphraseArgs {
  root: string;
  domain?: string;
  listen?: string;
  cert?: string;
  key?: string;
  insecureHttp?: boolean;
  json?: boolean;
  rateAccount?: number;
  rateAddress?: number;
  store?: string;
  pool?: number;
  schema?: string;
  to?: string;
  from?: string;
}

/** The store of these arguments: --store, else the embedded store under --root. */
function storeOf(a: Args): Promise<AccountStore> {
  return openStore(a.store ?? String(a.root), { poolSize: a.pool, schema: a.schema });
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) throw new UsageError(`--listen ${text}: expected HOST:PORT`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

async function serve(io: Io, a: Args): Promise<void> {
  const { host, port } = parseListen(String(a.listen));
  const tls = a.cert !== undefined || a.key !== undefined;
  if (tls && (a.cert === undefined || a.key === undefined)) throw new UsageError('--cert and --key go together');
  if (!tls && !isLoopback(host) && !a.insecureHttp) throw new UsageError(`plain HTTP on ${host} is not loopback: give --cert and --key, or --insecure-http`);
  const identity = await loadRoot(a.root, passphraseSource(io, a, false, MESHD_PASSPHRASE_ENV));
  const store = await storeOf(a);
  const log = pino({ base: { svc: 'meshd', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
  const service = new MeshService({ store, identity, checkFrames: replicaFrameChecker, accountRate: a.rateAccount, addressRate: a.rateAddress });
  const server = createFront({ service, log, cert: a.cert, key: a.key });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  log.info({ host, port: bound, domain: identity.domain, serviceUdf: identity.serviceUdf, tls, store: (await store.status()).driver }, 'listening');
  await new Promise<void>((resolve) => {
    const offs: (() => void)[] = [];
    const stop = (signal: Signal) => {
      offs.forEach((f) => f());
      log.info({ signal }, 'stopping: no new connections, finishing requests in flight');
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    for (const s of ['SIGTERM', 'SIGINT'] as const) offs.push(io.signals.on(s, stop));
  });
  await store.close();
  log.info('stopped');
}

function build(argv: string[], io: Io): Argv {
  const root = { type: 'string', demandOption: true, describe: 'the service folder' } as const;
  const storeOption = { type: 'string', describe: 'the store: a postgres://USER@HOST/DB URL, or a folder (default: the embedded store under --root)' } as const;
  const pgOptions = (b: Argv): Argv<Args> => b.option('pool', { type: 'number', describe: 'PostgreSQL connections in this front end\'s pool (default 10)' })
    .option('schema', { type: 'string', describe: 'the PostgreSQL schema holding the tables (default mesh)' }) as unknown as Argv<Args>;
  /** `meshd export` and `meshd import`: the store of --store (or --root) and a folder. */
  const transferCommand = (name: 'export' | 'import', dir: 'to' | 'from', describe: string, dirText: string, run: (store: AccountStore, dir: string) => Promise<TransferReport>) => ({
    command: name,
    describe,
    builder: (b: Argv) => pgOptions(b.option('root', { ...root, demandOption: false }).option('store', storeOption).option(dir, { type: 'string', demandOption: true, describe: dirText }))
      .check((y: Args) => {
        if (y.store === undefined && y.root === undefined) throw new UsageError(`${name} needs --store or --root`);
        return true;
      }),
    handler: async (x: Args) => {
      const store = await storeOf(x);
      try {
        const r = await run(store, String(x[dir]));
        const verb = name === 'export' ? 'Exported' : 'Imported';
        writeLine(io.stdout, x.json ? JSON.stringify(r) : `${verb} accounts=${r.accounts} containers=${r.containers} frames=${r.frames} bytes=${r.bytes}`);
      } finally {
        await store.close();
      }
    },
  });
  return yargs(argv)
    .scriptName('meshd')
    .usage('meshd <command> [options]\n\nThe Mesh Service: holds accounts\' catalogs for their devices to synchronise through (docs/PROTOCOL.md).')
    .options(passphraseOptions)
    .option('debug', { type: 'boolean', hidden: true })
    .command({
      command: 'init',
      describe: 'Create a service: its ProfileService, ProfileHost and ConnectionHost, keys in DIR/keys.json',
      builder: (b: Argv) => b.option('domain', { type: 'string', demandOption: true, describe: 'the domain whose accounts it holds' }).option('root', root),
      handler: async (x: Args) => {
        if (!/^[a-z0-9.-]{1,253}$/i.test(String(x.domain))) throw new UsageError(`--domain ${x.domain}: not a domain name`);
        const src = passphraseSource(io, x, true, MESHD_PASSPHRASE_ENV);
        const identity = await initRoot(String(x.root), String(x.domain), src ? await src() : undefined);
        if (!src) writeLine(io.stderr, `meshd: warning: the keys in ${x.root}/keys.json are not sealed under a passphrase (mode 0600); give --passphrase-file or ${MESHD_PASSPHRASE_ENV} to seal them`);
        writeLine(io.stdout, `Service UDF=${identity.serviceUdf}`);
        writeLine(io.stdout, `Host UDF=${identity.hostUdf}`);
        writeLine(io.stdout, `Domain=${identity.domain}`);
      },
    })
    .command({
      command: 'serve',
      describe: 'Serve the Mesh protocol on HOST:PORT (HTTPS; plain HTTP on loopback or with --insecure-http)',
      builder: (b: Argv) => pgOptions(b).option('root', root)
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT (port 0: any free port, logged)' })
        .option('cert', { type: 'string', describe: 'TLS certificate chain (PEM)' })
        .option('key', { type: 'string', describe: 'TLS private key (PEM)' })
        .option('insecure-http', { type: 'boolean', describe: 'allow plain HTTP on a non-loopback address' })
        .option('rate-account', { type: 'number', describe: 'requests per second per account (default 50; 0: no limit)' })
        .option('rate-address', { type: 'number', describe: 'requests per second per client address (default 200; 0: no limit)' })
        .option('store', storeOption).example('meshd serve --root /srv/mesh --listen 127.0.0.1:8443 --store postgres://mesh@db/mesh', 'a front end on PostgreSQL (run migrate-db first)'),
      handler: (x: Args) => serve(io, x),
    })
    .command({
      command: 'migrate-db',
      describe: 'Create or bring up to date the PostgreSQL tables of --store (safe to run twice, or from two hosts at once)',
      builder: (b: Argv) => pgOptions(b.option('store', { ...storeOption, demandOption: true })),
      handler: async (x: Args) => {
        if (!isPostgresSpec(String(x.store))) throw new UsageError('migrate-db: --store must be a postgres:// URL (the embedded store needs no migration)');
        const r = await migrateStore(String(x.store), { poolSize: x.pool, schema: x.schema });
        writeLine(io.stdout, x.json ? JSON.stringify(r) : `Schema=${r?.from ?? 0} -> ${r?.to ?? 0}`);
      },
    })
    .command(transferCommand('export', 'to', 'Write every account of the store to DIR (each container as its exact frames, a manifest with digests)', 'a new or empty folder',
      (store, dir) => exportStore(store, dir)))
    .command(transferCommand('import', 'from', 'Read an export into the store, checking every frame, one account at a time', 'a folder written by meshd export',
      (store, dir) => importStore(dir, store)))
    .command({
      command: 'status',
      describe: 'Show the service identity and the accounts its store holds',
      builder: (b: Argv) => pgOptions(b.option('root', root).option('json', { type: 'boolean' }).option('store', storeOption)),
      handler: async (x: Args) => {
        const pub = await readServicePublic(String(x.root));
        let store;
        try {
          store = await storeOf(x);
        } catch (e) {
          // A running meshd holds the root: say so, with the identity (the store is its to read).
          if (!(e instanceof DareError) || e.code !== 'CONFLICT') throw e;
          if (x.json) writeLine(io.stdout, JSON.stringify({ domain: pub.domain, serviceUdf: pub.serviceUdf, hostUdf: pub.hostUdf, running: true }));
          else for (const line of [`Domain=${pub.domain}`, `Service UDF=${pub.serviceUdf}`, `Host UDF=${pub.hostUdf}`, `Store=in use by a running meshd (${e.message})`]) writeLine(io.stdout, line);
          return;
        }
        try {
          const st = await store.status();
          const accounts: string[] = [];
          for await (const e of store.accounts()) accounts.push(`${e.address} ${e.profileUdf} ${e.status}`);
          if (x.json) {
            writeLine(io.stdout, JSON.stringify({ domain: pub.domain, serviceUdf: pub.serviceUdf, hostUdf: pub.hostUdf, driver: st.driver, accounts: st.accounts }));
            return;
          }
          for (const line of [`Domain=${pub.domain}`, `Service UDF=${pub.serviceUdf}`, `Host UDF=${pub.hostUdf}`, `Store=${st.driver}`, `Accounts=${st.accounts}`, ...accounts]) writeLine(io.stdout, line);
        } finally {
          await store.close();
        }
      },
    })
    .option('json', { type: 'boolean', describe: 'machine-readable output', global: true })
    .demandCommand(1, 'meshd needs a command: init, serve, status, migrate-db, export or import')
    .strict()
    .help()
    .version(false);
}

export const MESHD: Program = {
  name: 'meshd',
  build,
  passphraseSources: `--passphrase-file F, --passphrase-fd N, --passphrase-command CMD or ${MESHD_PASSPHRASE_ENV}`,
};

export function run(argv: string[], io: Io): Promise<number> {
  return runProgram(MESHD, argv, io);
}
