/**
 * `mesh account create|list|status|delete|export|import|escrow|recover` (mesh brief §2.1,
 * §2.9; docs/MESH.md §8.3-8.6). Names without `@` are offline accounts; an address names an
 * account bound to a Mesh service, which the service client adds (the next issue) through
 * lib/mesh's ServiceBinding.
 * @module
 */
import type { Argv } from 'yargs';
import { existsSync } from 'node:fs';
import {
  AccountContext, HOME_CATALOGS, checkEscrowParameters, createAccount, deleteAccount, escrowAccount, exportAccount, importAccount, listIds,
  openRecoveryRecord, recoverAccount, type ServiceBinding,
} from '../../lib/mesh/index.js';
import { DareError, readReplicaState } from '../../lib/index.js';
import { UsageError } from '../errors.js';
import { readSmallInput, writeOutput, type Io } from '../io.js';
import { homeDir, note, pickAccount, printRecord, printRows, withAccount, withHome, type GlobalArgs } from './context.js';
import { readShares } from './secret-input.js';
import type { MeshCommand } from './cli.js';
import { KINDS } from './entries.js';
import { bindOffline, bindingFor, noteSync, rebindRecovered, syncBound, unbindAtService, type ServiceArgs } from './service.js';
import { readBinding } from '../../lib/mesh/index.js';

/** How an address (`alice@example.com`) is bound to a service (cli/mesh/service.ts). */
export const serviceBindings: { forAddress?: (io: Io, a: ServiceArgs, address: string) => ServiceBinding & { serviceUdf(): string | undefined } } = {
  forAddress: bindingFor,
};

type CreateArgs = ServiceArgs & { name: string };

export function accountCommand(io: Io): MeshCommand {
  return {
    command: 'account <command>',
    describe: 'Accounts on this device: create, list, status, delete, export, import, escrow, recover',
    builder: (y: Argv) =>
      y
        .command({
          command: 'create <name>',
          describe: 'Create an account (a name without @ is an offline account); this device becomes its administrator',
          builder: (b: Argv) => b.positional('name', { type: 'string', demandOption: true, describe: 'the account name (letters, digits, . _ -), or an address name@domain bound to the Mesh service of domain' })
            .option('service', { type: 'string', describe: 'the service URL (default: --resolve, MESH_RESOLVE, DNS SRV _mmm._tcp.DOMAIN, https://DOMAIN/.well-known/mmm/)' })
            .example('mesh account create alice', 'Account=alice, Profile UDF=MB2Q-...')
            .example('mesh account create alice@example.com --service http://127.0.0.1:8443', 'Account=alice@example.com, Profile UDF=..., Service UDF=...')
            .example('mesh account create alice --passphrase-file ~/.mesh-pass', 'the first command on a home: its key store is sealed under the passphrase'),
          handler: async (a: CreateArgs) => {
            // An address is canonical in lower case (PROTOCOL.md §7; brief §6 #12).
            const name = String(a.name).includes('@') ? String(a.name).toLowerCase() : String(a.name);
            let binding: (ServiceBinding & { serviceUdf(): string | undefined }) | undefined;
            if (name.includes('@')) {
              if (!serviceBindings.forAddress) throw new UsageError(`${name}: accounts bound to a Mesh service are not supported by this version; give a name without @ for an offline account`);
              binding = serviceBindings.forAddress(io, a, name);
            } else if (a.service !== undefined) {
              throw new UsageError(`--service needs an address name@domain, not ${name}`);
            }
            const created = await withHome(io, a, true, (h) => createAccount(h, { name, binding }));
            const r = created.record;
            const serviceUdf = binding?.serviceUdf();
            printRecord(io, a, [['Account', r.name], ['Profile UDF', r.profileUdf], ['Service UDF', serviceUdf], ['Device UDF', created.deviceUdf]], {
              account: r.name, profileUdf: r.profileUdf, serviceUdf, deviceUdf: created.deviceUdf,
            });
          },
        })
        .command({
          command: 'bind <name> <address>',
          describe: 'Bind an offline account to the Mesh service of ADDRESS\'s domain and upload its catalogs',
          builder: (b: Argv) => b.positional('name', { type: 'string', demandOption: true }).positional('address', { type: 'string', demandOption: true })
            .option('service', { type: 'string', describe: 'the service URL (default: discovery)' })
            .example('mesh account bind alice alice@example.com', 'Account=alice@example.com, Service UDF=...'),
          handler: async (a: ServiceArgs & { name: string; address: string }) => {
            const r = await withHome(io, a, true, async (h) => bindOffline(io, a, h, await h.account(String(a.name)), String(a.address)));
            printRecord(io, a, [['Account', r.record.name], ['Profile UDF', r.record.profileUdf], ['Service UDF', r.serviceUdf]], {
              account: r.record.name, profileUdf: r.record.profileUdf, serviceUdf: r.serviceUdf,
            });
          },
        })
        .command({
          command: 'sync',
          describe: 'Download what the service holds that this device has not seen, and upload what it has not (catalog commands do this themselves)',
          builder: (b: Argv) => b.example('mesh account sync', 'MMM_Credential downloaded 2 uploaded 1'),
          handler: async (a: ServiceArgs) => {
            const report = await withHome(io, a, true, async (h) => {
              const ctx = new AccountContext(h, await pickAccount(h, a));
              if (ctx.record.service === undefined) throw new DareError('NOT_FOUND', `${ctx.record.name} is an offline account: bind it first (mesh account bind NAME ADDRESS)`);
              return { name: ctx.record.name, r: await syncBound(io, a, ctx) };
            });
            const r = report.r;
            printRecord(io, a, [['Account', report.name], ['Downloaded', JSON.stringify(r?.downloaded ?? {})], ['Uploaded', JSON.stringify(r?.uploaded ?? {})], ['Rebased', r?.rebased.join(',') || undefined]], {
              account: report.name, downloaded: r?.downloaded, uploaded: r?.uploaded, rebased: r?.rebased, rounds: r?.rounds,
            });
          },
        })
        .command({
          command: 'list',
          describe: 'List the accounts on this device',
          builder: (b: Argv) => b.example('mesh account list', 'alice  MB2Q-...  offline  super'),
          handler: async (a: GlobalArgs) => {
            const accounts = await withHome(io, a, false, (h) => h.accounts());
            printRows(io, a, accounts.map((r) => [r.name, r.profileUdf, r.service ? 'service' : 'offline', r.roles.join(',')]),
              accounts.map((r) => ({ account: r.name, profileUdf: r.profileUdf, bound: r.service !== undefined, roles: r.roles, created: r.created })));
          },
        })
        .command({
          command: 'status',
          describe: 'Show an account: its profile, this device, the keys held and the entries of each catalog',
          builder: (b: Argv) => b.example('mesh account status', 'Account=alice ... MMM_Credential=3 entries').example('mesh account status --account bob --json', ''),
          handler: async (a: GlobalArgs) => {
            await withHome(io, a, false, async (h) => {
              const ctx = new AccountContext(h, await pickAccount(h, a));
              const r = ctx.record;
              const device = await h.device();
              const keys = (await h.keyStore()).account(r.profileUdf);
              const counts: Record<string, number> = {};
              for (const kind of Object.values(KINDS)) {
                if (r.stores.includes(kind.label)) counts[kind.label] = (await listIds(ctx, kind)).length;
              }
              counts.MMM_Device = (await listIds(ctx, { noun: 'device', label: 'MMM_Device', cls: 'CatalogedDevice', idOf: (e) => e.DeviceUdf })).length;
              const sealed = (await h.keyStore()).protected;
              const binding = readBinding(r);
              const heads: [string, string][] = [];
              const headsJson: Record<string, { local: number; service: number; pending: number }> = {};
              if (binding !== undefined) {
                for (const label of r.stores) {
                  const local = (await readReplicaState(ctx.catalogPath(label))).state.index;
                  const seen = binding.heads.get(label)?.index ?? -1;
                  heads.push([`${label} head`, `${local} (service ${seen}${local > seen ? `, ${local - seen} pending` : ''})`]);
                  headsJson[label] = { local, service: seen, pending: Math.max(0, local - seen) };
                }
              }
              printRecord(io, a, [
                ['Service', binding?.url], ['Service UDF', binding?.serviceUdf], ...heads,
                ['Account', r.name], ['Profile UDF', r.profileUdf], ['Device UDF', device?.udf], ['Roles', r.roles.join(',')],
                ['Bound', r.service ? 'service' : 'offline'], ['Key store', sealed ? 'sealed under a passphrase' : 'not sealed (mode 0600)'],
                ['Account seed', keys?.accountSeed() ? 'held (mesh account escrow can run here)' : 'not held'],
                ...Object.entries(counts).map(([l, c]): [string, string] => [l, `${c} entr${c === 1 ? 'y' : 'ies'}`]),
              ], {
                account: r.name, profileUdf: r.profileUdf, deviceUdf: device?.udf, roles: r.roles, bound: r.service !== undefined,
                service: binding?.url, serviceUdf: binding?.serviceUdf, heads: binding ? headsJson : undefined,
                keyStoreSealed: sealed, accountSeedHeld: keys?.accountSeed() !== undefined, entries: counts, signers: r.signers.length,
              });
            });
          },
        })
        .command({
          command: 'delete <name>',
          describe: 'Delete an account from this device: its catalogs and its keys (needs --yes)',
          builder: (b: Argv) => b.positional('name', { type: 'string', demandOption: true }).option('yes', { type: 'boolean', describe: 'yes, destroy the account\'s keys on this device' })
            .example('mesh account delete alice --yes', 'escrow or export first: nothing of it is left here'),
          handler: async (a: GlobalArgs & { name: string; yes?: boolean }) => {
            if (!a.yes) throw new UsageError(`deleting ${a.name} destroys its keys and catalogs on this device: give --yes`);
            const r = await withHome(io, a, true, async (h) => {
              const record = await h.account(String(a.name));
              if (record.service !== undefined && !a.offline) await unbindAtService(io, a, new AccountContext(h, record));
              await deleteAccount(h, record);
              return record;
            });
            printRecord(io, a, [['Deleted', r.name], ['Profile UDF', r.profileUdf]], { deleted: r.name, profileUdf: r.profileUdf });
          },
        })
        .command({
          command: 'export <file>',
          describe: 'Write the account\'s catalogs, still encrypted under their keys, into one DARE archive',
          builder: (b: Argv) => b.positional('file', { type: 'string', demandOption: true }).option('force', { type: 'boolean', describe: 'replace FILE if it exists' })
            .example('mesh account export alice.mesh', 'a backup that only the account\'s keys open (keep the escrow shares too)'),
          handler: async (a: GlobalArgs & { file: string; force?: boolean }) => {
            const report = await withAccount(io, a, true, (ctx) => exportAccount(ctx, String(a.file), a.force === true));
            printRecord(io, a, [['Exported', report.path], ['Catalogs', report.stores.join(',')]], { exported: report.path, stores: report.stores });
          },
        })
        .command({
          command: 'import <file>',
          describe: 'Bring back the entries of an export of this account (after a recovery, say); entries held here are kept',
          builder: (b: Argv) => b.positional('file', { type: 'string', demandOption: true }).example('mesh account import alice.mesh', 'MMM_Credential: replaced (12 entries) ...'),
          handler: async (a: GlobalArgs & { file: string }) => {
            const report = await withAccount(io, a, true, (ctx) => importAccount(ctx, String(a.file)));
            printRows(io, a, report.stores.map((s) => [s.label, s.action, `${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}`, s.action === 'merged' ? `${s.added} added` : '']),
              report.stores.map((s) => ({ store: s.label, action: s.action, entries: s.entries, added: s.added })));
          },
        })
        .command({
          command: 'escrow',
          describe: 'Write a recovery record of the account and print N Shamir shares, K of which recover it (shown once, stored nowhere)',
          builder: (b: Argv) => b
            .option('shares', { type: 'number', demandOption: true, describe: 'number of shares N (2 to 16)' })
            .option('quorum', { type: 'number', demandOption: true, describe: 'shares K needed to recover (2 to N, at most 15)' })
            .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the recovery record file' })
            .option('force', { type: 'boolean', describe: 'replace the record file if it exists' })
            .example('mesh account escrow --shares 5 --quorum 3 -o alice.escrow', 'the record, then 5 shares on stdout: give them to 5 people or places'),
          handler: async (a: GlobalArgs & { shares: number; quorum: number; output: string; force?: boolean }) => {
            try {
              checkEscrowParameters(a.shares, a.quorum);
            } catch (e) {
              throw new UsageError(`--shares ${a.shares} --quorum ${a.quorum}: ${(e as Error).message}`);
            }
            const out = String(a.output);
            if (!a.force && existsSync(out)) throw new DareError('OUTPUT_EXISTS', `${out}: already exists (use --force to overwrite)`);
            const { record, escrow } = await withAccount(io, a, false, async (ctx) => ({ record: ctx.record, escrow: await escrowAccount(ctx, a.shares, a.quorum) }));
            await writeOutput(io, out, (async function* () { yield escrow.record; })(), a.force === true, 0o600);
            if (a.json) {
              io.stdout.write(JSON.stringify({ account: record.name, profileUdf: record.profileUdf, record: out, quorum: a.quorum, shares: escrow.shares }) + '\n');
            } else {
              note(io, `recovery record of ${record.name} (${record.profileUdf}) written to ${out}; any ${a.quorum} of these ${a.shares} shares recover the account. They are shown this once: keep each apart from the others and from the record`);
              for (const s of escrow.shares) io.stdout.write(s + '\n');
            }
          },
        })
        .command({
          command: 'recover [shares..]',
          describe: 'Recover an account from its recovery record and a quorum of shares (in a home that does not hold it)',
          builder: (b: Argv) => b
            .positional('shares', { type: 'string', array: true, describe: 'share UDFs (better: --shares-file, or stdin)' })
            .option('record', { type: 'string', demandOption: true, describe: 'the recovery record written by mesh account escrow' })
            .option('shares-file', { type: 'string', describe: 'read the shares from this file, one a line (- for stdin)' })
            .option('verify', { type: 'boolean', describe: 'only check that the shares open the record and give the account\'s profile; change nothing' })
            .option('name', { type: 'string', describe: 'the name of the account here (default: its name in the record)' })
            .example('mesh account recover --record alice.escrow --shares-file shares.txt', 'then: mesh account import alice.mesh')
            .example('mesh account recover --record alice.escrow --verify < shares.txt', 'ok: the shares reach the record; nothing is changed'),
          handler: async (a: GlobalArgs & { shares?: string[]; record: string; sharesFile?: string; verify?: boolean; name?: string }) => {
            const record = await readSmallInput(io, String(a.record), 1 << 20);
            const shares = await readShares(io, (a.shares ?? []).map(String), a.sharesFile);
            const content = await openRecoveryRecord(record, shares);
            if (a.verify) {
              printRecord(io, a, [['Verified', 'the shares open the recovery record and the seed gives the account\'s profile'], ['Account', content.name], ['Profile UDF', content.profileUdf]], {
                verified: true, account: content.name, profileUdf: content.profileUdf,
              });
              return;
            }
            const { created, synced } = await withHome(io, a, true, async (h) => {
              const created = await recoverAccount(h, content, a.name);
              // A bound account: the catalogs come back from the service (unless --offline).
              const synced = a.offline ? undefined : await rebindRecovered(io, a as ServiceArgs, h, created.record);
              return { created, synced };
            });
            printRecord(io, a, [['Account', created.record.name], ['Profile UDF', created.record.profileUdf], ['Device UDF', created.deviceUdf]], {
              account: created.record.name, profileUdf: created.record.profileUdf, deviceUdf: created.deviceUdf, catalogs: HOME_CATALOGS,
            });
            noteSync(io, a, synced);
            if (!a.json && synced === undefined) note(io, `recovered into ${homeDir(io, a)}; its catalogs are empty: bring the entries back with \`mesh account import EXPORT\``);
          },
        })
        .demandCommand(1, 'account needs a command: create, bind, sync, list, status, delete, export, import, escrow or recover'),
    handler: () => undefined,
  };
}
