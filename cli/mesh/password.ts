/**
 * `mesh password add|get|list|delete`: the account's passwords (CatalogedCredential in
 * MMM_Credential, keyed by service; mesh brief §2.11). The password is read from
 * `--password-file F`, else from stdin when it is not a terminal, else asked on the
 * terminal: never from the command line.
 * @module
 */
import type { Argv } from 'yargs';
import { CREDENTIALS } from '../../lib/mesh/index.js';
import type { Io } from '../io.js';
import type { GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';
import { addEntry, deleteCommand, getCommand, listCommand, type Shown } from './entries.js';
import { readPassword } from './secret-input.js';

const shown: Shown<'CatalogedCredential'> = {
  kind: CREDENTIALS,
  key: 'SERVICE',
  row: async (_ctx, id, e) => [id, e.Username ?? '', e.Protocol ?? ''],
  record: async (_ctx, id, e) => [['Service', id], ['Username', e.Username], ['Password', e.Password], ['Protocol', e.Protocol]],
  json: async (_ctx, id, e) => ({ service: id, username: e.Username, password: e.Password, protocol: e.Protocol }),
  examples: {
    list: 'mesh password list',
    get: 'mesh password get ftp.example.com',
    delete: 'mesh password delete ftp.example.com',
  },
};

export function passwordCommand(io: Io): MeshCommand {
  return {
    command: 'password <command>',
    describe: 'Passwords of the account (MMM_Credential)',
    builder: (y: Argv) =>
      y
        .command({
          command: 'add <service> <username>',
          describe: 'Add a password for a service (from --password-file, stdin, or the terminal)',
          builder: (b: Argv) => b
            .positional('service', { type: 'string', demandOption: true, describe: 'the service (a host name, say)' })
            .positional('username', { type: 'string', demandOption: true })
            .option('password-file', { type: 'string', describe: 'read the password from the first line of this file (- for stdin)' })
            .option('protocol', { type: 'string', describe: 'the protocol (ftp, imap, https, ...)' })
            .option('force', { type: 'boolean', describe: 'replace the password of a service that has one' })
            .example('mesh password add ftp.example.com alice1', 'asks for the password twice')
            .example('pass show ftp | mesh password add ftp.example.com alice1', 'from stdin')
            .example('mesh password add ftp.example.com alice1 --password-file pw.txt --force', 'replace it'),
          handler: async (a: GlobalArgs & { service: string; username: string; passwordFile?: string; protocol?: string; force?: boolean }) => {
            const password = await readPassword(io, a.passwordFile);
            await addEntry(io, a, CREDENTIALS, async () => ({
              $type: 'CatalogedCredential', Service: String(a.service), Username: String(a.username), Password: password,
              ...(a.protocol ? { Protocol: a.protocol } : {}),
            }), a.force === true);
          },
        })
        .command(getCommand(io, shown))
        .command(listCommand(io, shown))
        .command(deleteCommand(io, shown))
        .demandCommand(1, 'password needs a command: add, get, list or delete'),
    handler: () => undefined,
  };
}
