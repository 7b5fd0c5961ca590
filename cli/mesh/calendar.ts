/**
 * `mesh calendar add|get|list|delete`: calendar entries (CatalogedTask in MMM_Task, keyed by a
 * fresh identifier). Each holds the Task signed by the account's AccountSignature key,
 * checked against the account's profile whenever it is shown (exit 4 when it fails).
 * @module
 */
import type { Argv } from 'yargs';
import { TASKS, formatDateTime, makeTask, readTask } from '../../lib/mesh/index.js';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';
import type { GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';
import { addEntry, deleteCommand, getCommand, listCommand, type Shown } from './entries.js';

/** A date from the command line: RFC 3339, or YYYY-MM-DD[ HH:MM[:SS]] in local time. */
export function parseWhen(text: string, option: string): Date {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    throw new UsageError(`${option} ${JSON.stringify(text.slice(0, 40))}: expected a date such as 2027-01-05T09:00:00Z or "2027-01-05 09:00"`);
  }
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00` : t.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) throw new UsageError(`${option} ${JSON.stringify(text.slice(0, 40))} is not a date`);
  return d;
}

const when = (d: Date | undefined) => (d === undefined ? undefined : formatDateTime(d));

const shown: Shown<'CatalogedTask'> = {
  kind: TASKS,
  key: 'ID',
  row: async (ctx, id, e) => {
    const t = await readTask(ctx, e);
    return [id, when(t.Start) ?? '', t.Title ?? ''];
  },
  record: async (ctx, id, e) => {
    const t = await readTask(ctx, e);
    return [['Id', id], ['Title', t.Title], ['Start', when(t.Start)], ['Finish', when(t.Finish)], ['Location', t.Location]];
  },
  json: async (ctx, id, e) => {
    const t = await readTask(ctx, e);
    return { id, title: t.Title, start: when(t.Start), finish: when(t.Finish), location: t.Location };
  },
  examples: { list: 'mesh calendar list', get: 'mesh calendar get NB4F-...', delete: 'mesh calendar delete NB4F' },
};

export function calendarCommand(io: Io): MeshCommand {
  return {
    command: 'calendar <command>',
    describe: 'Calendar entries of the account (MMM_Task)',
    builder: (y: Argv) =>
      y
        .command({
          command: 'add <title>',
          describe: 'Add a calendar entry; prints its Id',
          builder: (b: Argv) => b
            .positional('title', { type: 'string', demandOption: true })
            .option('start', { type: 'string', demandOption: true, describe: 'when it starts (2027-01-05T09:00:00Z, or "2027-01-05 09:00" local time)' })
            .option('finish', { type: 'string', describe: 'when it ends' })
            .option('location', { type: 'string' })
            .example('mesh calendar add "Dentist" --start "2027-01-05 09:00" --finish "2027-01-05 09:30" --location "Main St 1"', 'Added=NB4F-...'),
          handler: async (a: GlobalArgs & { title: string; start: string; finish?: string; location?: string }) => {
            const start = parseWhen(a.start, '--start');
            const finish = a.finish === undefined ? undefined : parseWhen(a.finish, '--finish');
            if (finish !== undefined && finish < start) throw new UsageError('--finish is before --start');
            await addEntry(io, a, TASKS, (ctx) => makeTask(ctx, { title: String(a.title), start, finish, location: a.location }), false);
          },
        })
        .command(getCommand(io, shown))
        .command(listCommand(io, shown))
        .command(deleteCommand(io, shown))
        .demandCommand(1, 'calendar needs a command: add, get, list or delete'),
    handler: () => undefined,
  };
}
