/**
 * `mesh bookmark add|get|list|delete`: the account's bookmarks (CatalogedBookmark in
 * MMM_Bookmark, keyed by URI).
 * @module
 */
import type { Argv } from 'yargs';
import { BOOKMARKS } from '../../lib/mesh/index.js';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';
import type { GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';
import { addEntry, deleteCommand, getCommand, listCommand, type Shown } from './entries.js';

const shown: Shown<'CatalogedBookmark'> = {
  kind: BOOKMARKS,
  key: 'URI',
  row: async (_ctx, id, e) => [id, e.Title ?? '', e.Path ?? ''],
  record: async (_ctx, id, e) => [['Uri', id], ['Title', e.Title], ['Path', e.Path]],
  json: async (_ctx, id, e) => ({ uri: id, title: e.Title, path: e.Path }),
  examples: { list: 'mesh bookmark list', get: 'mesh bookmark get https://example.com/', delete: 'mesh bookmark delete https://example.com/' },
};

export function bookmarkCommand(io: Io): MeshCommand {
  return {
    command: 'bookmark <command>',
    describe: 'Bookmarks of the account (MMM_Bookmark)',
    builder: (y: Argv) =>
      y
        .command({
          command: 'add <uri>',
          describe: 'Add a bookmark',
          builder: (b: Argv) => b
            .positional('uri', { type: 'string', demandOption: true })
            .option('title', { type: 'string' })
            .option('path', { type: 'string', describe: 'the folder it is filed in (e.g. Work/Docs)' })
            .option('force', { type: 'boolean', describe: 'replace a bookmark of the same URI' })
            .example('mesh bookmark add https://example.com/ --title Example --path Work', ''),
          handler: async (a: GlobalArgs & { uri: string; title?: string; path?: string; force?: boolean }) => {
            const uri = String(a.uri);
            if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri)) throw new UsageError(`${JSON.stringify(uri.slice(0, 100))} is not a URI (scheme:...)`);
            await addEntry(io, a, BOOKMARKS, async () => ({
              $type: 'CatalogedBookmark', Uri: uri, ...(a.title ? { Title: a.title } : {}), ...(a.path ? { Path: a.path } : {}),
            }), a.force === true);
          },
        })
        .command(getCommand(io, shown))
        .command(listCommand(io, shown))
        .command(deleteCommand(io, shown))
        .demandCommand(1, 'bookmark needs a command: add, get, list or delete'),
    handler: () => undefined,
  };
}
