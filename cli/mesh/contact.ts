/**
 * `mesh contact self|add|list|get|delete|export`: contacts (CatalogedContact in MMM_Contact).
 * The account's own card is signed by its AccountSignature key and carries its signed
 * profile; a card added from a file is checked the same way (lib/mesh/home/cards.ts: the
 * profile valid under the card's anchor, the card signed by that profile), and a plain
 * tagged contact is kept as unverified.
 * @module
 */
import type { Argv } from 'yargs';
import {
  CONTACTS, catalogedCard, getEntry, makeSelfCard, putEntry, readCard, type AccountContext, type MeshObject,
} from '../../lib/mesh/index.js';
import { DareError, encodeJson, type JsonValue } from '../../lib/index.js';
import { readSmallInput, writeOutput, type Io } from '../io.js';
import { printRecord, withAccount, type GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';
import { addEntry, deleteCommand, getCommand, listCommand, type Shown } from './entries.js';

type Entry = MeshObject<'CatalogedContact'>;

function nameOf(e: Entry): string {
  const c = e.Contact as { CommonNames?: { FullName?: string; RegisteredName?: string }[] } | undefined;
  const n = c?.CommonNames?.[0];
  return n?.FullName ?? n?.RegisteredName ?? '';
}

function addressesOf(e: Entry): string[] {
  const c = e.Contact as { NetworkAddresses?: { Address?: string }[] } | undefined;
  return (c?.NetworkAddresses ?? []).map((n) => n.Address).filter((x): x is string => x !== undefined);
}

function statusOf(e: Entry): string {
  if (e.Self) return 'self';
  const src = (e.Contact as { Sources?: { EnvelopedSource?: unknown }[] } | undefined)?.Sources;
  return src?.some((s) => s.EnvelopedSource !== undefined) ? 'signed' : 'unverified';
}

const shown: Shown<'CatalogedContact'> = {
  kind: CONTACTS,
  key: 'ID',
  row: async (_ctx, id, e) => [id, statusOf(e), nameOf(e), addressesOf(e).join(',')],
  record: async (_ctx, id, e) => [['Id', id], ['Name', nameOf(e)], ['Status', statusOf(e)], ...addressesOf(e).map((x): [string, string] => ['Address', x])],
  json: async (_ctx, id, e) => ({ id, name: nameOf(e), status: statusOf(e), addresses: addressesOf(e) }),
  examples: { list: 'mesh contact list', get: 'mesh contact get MB2Q-...', delete: 'mesh contact delete MB2Q' },
};

/** The card of a contact as a file: its signed source, or (unsigned) its tagged Contact. */
function cardBytes(e: Entry): Uint8Array {
  const src = (e.Contact as { Sources?: { EnvelopedSource?: { $envelope: JsonValue[] } }[] } | undefined)?.Sources?.find((s) => s.EnvelopedSource !== undefined);
  if (src?.EnvelopedSource) return new TextEncoder().encode(encodeJson(src.EnvelopedSource.$envelope) + '\n');
  throw new DareError('NOT_FOUND', `contact ${e.Key ?? ''} has no signed card to export`);
}

export function contactCommand(io: Io): MeshCommand {
  return {
    command: 'contact <command>',
    describe: 'Contacts of the account (MMM_Contact), and its own signed card',
    builder: (y: Argv) =>
      y
        .command({
          command: 'self',
          describe: "Write this account's own card, signed by the account (replaces the previous one)",
          builder: (b: Argv) => b
            .option('name', { type: 'string', demandOption: true, describe: 'your full name' })
            .option('email', { type: 'string', array: true, describe: 'an e-mail address (repeat for several)' })
            .example('mesh contact self --name "Alice Example" --email alice@example.com', 'then: mesh contact export -o alice.card'),
          handler: async (a: GlobalArgs & { name: string; email?: string[] }) => {
            const id = await withAccount(io, a, true, async (ctx: AccountContext) => {
              const { card, envelope } = await makeSelfCard(ctx, { name: String(a.name), emails: (a.email ?? []).map(String) });
              await putEntry(ctx, CONTACTS, catalogedCard(ctx.record.profileUdf, card, envelope, true), true);
              return ctx.record.profileUdf;
            });
            printRecord(io, a, [['Card', id]], { card: id });
          },
        })
        .command({
          command: 'add <file>',
          describe: 'Add a contact from a card file (a signed card is checked; exit 4 if it does not verify)',
          builder: (b: Argv) => b
            .positional('file', { type: 'string', demandOption: true, describe: 'a card written by mesh contact export, or a tagged contact (- for stdin)' })
            .option('force', { type: 'boolean', describe: 'replace the contact of the same account' })
            .example('mesh contact add bob.card', 'Added=MCXY-... (Bob\'s profile UDF: compare it with Bob)'),
          handler: async (a: GlobalArgs & { file: string; force?: boolean }) => {
            const checked = await readCard(await readSmallInput(io, String(a.file), 1 << 20));
            await addEntry(io, a, CONTACTS, async (ctx) => {
              if (checked.profileUdf === ctx.record.profileUdf) throw new DareError('CONFLICT', 'that is this account\'s own card (use mesh contact self)');
              return catalogedCard(checked.id, checked.card, checked.envelope, false);
            }, a.force === true);
          },
        })
        .command(getCommand(io, shown))
        .command(listCommand(io, shown))
        .command(deleteCommand(io, shown))
        .command({
          command: 'export [id]',
          describe: "Write a contact's card to a file (default: this account's own card)",
          builder: (b: Argv) => b
            .positional('id', { type: 'string', describe: 'the contact (default: self)' })
            .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the card file (- for stdout)' })
            .option('force', { type: 'boolean', describe: 'replace the file if it exists' })
            .example('mesh contact export -o alice.card', 'give it to Bob: mesh contact add alice.card'),
          handler: async (a: GlobalArgs & { id?: string; output: string; force?: boolean }) => {
            const bytes = await withAccount(io, a, false, async (ctx) => {
              const { entry } = await getEntry(ctx, CONTACTS, a.id ?? ctx.record.profileUdf).catch((e: unknown) => {
                if (a.id === undefined && e instanceof DareError && e.code === 'NOT_FOUND') throw new DareError('NOT_FOUND', 'this account has no card yet: write it with mesh contact self --name NAME');
                throw e;
              });
              return cardBytes(entry);
            });
            await writeOutput(io, String(a.output), (async function* () { yield bytes; })(), a.force === true);
          },
        })
        .demandCommand(1, 'contact needs a command: self, add, list, get, delete or export'),
    handler: () => undefined,
  };
}
