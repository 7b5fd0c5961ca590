/**
 * The list, get and delete commands every catalog group has (password, bookmark, calendar,
 * network, contact), built from one description of how an entry is shown.
 * @module
 */
import type { Argv, CommandModule } from 'yargs';
import {
  BOOKMARKS, CONTACTS, CREDENTIALS, NETWORKS, TASKS, deleteEntry, getEntry, listEntries, putEntry, type AccountContext, type ClassName, type EntryKind,
  type MeshObject,
} from '../../lib/mesh/index.js';
import type { Io } from '../io.js';
import { printRecord, printRows, withAccount, type GlobalArgs } from './context.js';

export const KINDS = { password: CREDENTIALS, bookmark: BOOKMARKS, calendar: TASKS, network: NETWORKS, contact: CONTACTS } as const;

/** How a group shows its entries. */
export interface Shown<C extends ClassName> {
  readonly kind: EntryKind<C>;
  /** The positional argument naming an entry (SERVICE, URI, ID). */
  readonly key: string;
  /** Columns of `list` (text), after whatever checks the entry needs. */
  readonly row: (ctx: AccountContext, id: string, e: MeshObject<C>) => Promise<string[]>;
  /** Key=Value lines of `get`, after whatever checks the entry needs (signatures). */
  readonly record: (ctx: AccountContext, id: string, e: MeshObject<C>) => Promise<[string, string | undefined][]>;
  /** The JSON of an entry (list and get). */
  readonly json: (ctx: AccountContext, id: string, e: MeshObject<C>) => Promise<object>;
  readonly examples: { list: string; get: string; delete: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Command = CommandModule<any, any>;

export function listCommand<C extends ClassName>(io: Io, s: Shown<C>): Command {
  return {
    command: 'list',
    describe: `List the ${s.kind.noun} entries`,
    builder: (b: Argv) => b.example(s.examples.list, ''),
    handler: async (a: GlobalArgs) => {
      await withAccount(io, a, false, async (ctx) => {
        const all = await listEntries(ctx, s.kind);
        const rows: string[][] = [];
        const json: object[] = [];
        for (const x of all) {
          if (a.json) json.push(await s.json(ctx, x.id, x.entry));
          else rows.push(await s.row(ctx, x.id, x.entry));
        }
        printRows(io, a, rows, json);
      });
    },
  };
}

export function getCommand<C extends ClassName>(io: Io, s: Shown<C>): Command {
  const key = s.key.toLowerCase();
  return {
    command: `get <${key}>`,
    describe: `Show one ${s.kind.noun}`,
    builder: (b: Argv) => b.positional(key, { type: 'string' }).example(s.examples.get, ''),
    handler: async (a: GlobalArgs & Record<string, unknown>) => {
      await withAccount(io, a, false, async (ctx) => {
        const { id, entry } = await getEntry(ctx, s.kind, String(a[key]));
        printRecord(io, a, await s.record(ctx, id, entry), await s.json(ctx, id, entry));
      });
    },
  };
}

export function deleteCommand<C extends ClassName>(io: Io, s: Shown<C>): Command {
  const key = s.key.toLowerCase();
  return {
    command: `delete <${key}>`,
    describe: `Delete a ${s.kind.noun}`,
    builder: (b: Argv) => b.positional(key, { type: 'string' }).example(s.examples.delete, ''),
    handler: async (a: GlobalArgs & Record<string, unknown>) => {
      const id = await withAccount(io, a, true, (ctx) => deleteEntry(ctx, s.kind, String(a[key])));
      printRecord(io, a, [['Deleted', id]], { deleted: id });
    },
  };
}

/** Adds (or with `force` replaces) an entry and says which. */
export async function addEntry<C extends ClassName>(io: Io, a: GlobalArgs, kind: EntryKind<C>, make: (ctx: AccountContext) => Promise<MeshObject<C>>, force: boolean): Promise<void> {
  const { id, action } = await withAccount(io, a, true, async (ctx) => {
    const entry = await make(ctx);
    return { id: kind.idOf(entry) as string, action: await putEntry(ctx, kind, entry, force) };
  });
  printRecord(io, a, [[action === 'added' ? 'Added' : 'Replaced', id]], { [action]: id });
}
