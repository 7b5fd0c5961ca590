/**
 * `mesh network add|get|list|delete`: network settings (CatalogedNetwork in MMM_Network,
 * keyed by service: a Wi-Fi network's name, a VPN's host). Its password, when it has one,
 * comes from `--password-file F` (`-` for stdin), never from the command line.
 * @module
 */
import type { Argv } from 'yargs';
import { NETWORKS } from '../../lib/mesh/index.js';
import type { Io } from '../io.js';
import type { GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';
import { addEntry, deleteCommand, getCommand, listCommand, type Shown } from './entries.js';
import { readPassword } from './secret-input.js';

const shown: Shown<'CatalogedNetwork'> = {
  kind: NETWORKS,
  key: 'SERVICE',
  row: async (_ctx, id, e) => [id, e.Protocol ?? '', e.Username ?? ''],
  record: async (_ctx, id, e) => [['Service', id], ['Protocol', e.Protocol], ['Username', e.Username], ['Password', e.Password]],
  json: async (_ctx, id, e) => ({ service: id, protocol: e.Protocol, username: e.Username, password: e.Password }),
  examples: { list: 'mesh network list', get: 'mesh network get home-wifi', delete: 'mesh network delete home-wifi' },
};

export function networkCommand(io: Io): MeshCommand {
  return {
    command: 'network <command>',
    describe: 'Network settings of the account (MMM_Network): Wi-Fi, VPN, ...',
    builder: (y: Argv) =>
      y
        .command({
          command: 'add <service>',
          describe: 'Add a network',
          builder: (b: Argv) => b
            .positional('service', { type: 'string', demandOption: true, describe: 'the network (an SSID, a VPN host)' })
            .option('username', { type: 'string', demandOption: true })
            .option('protocol', { type: 'string', describe: 'wifi, vpn, ...', default: 'wifi' })
            .option('password-file', { type: 'string', describe: 'read its password from the first line of this file (- for stdin)' })
            .option('force', { type: 'boolean', describe: 'replace the settings of a network that has them' })
            .example('mesh network add home-wifi --username alice --password-file wifi.txt', '')
            .example('mesh network add vpn.example.com --protocol vpn --username alice --password-file - < pw', ''),
          handler: async (a: GlobalArgs & { service: string; username: string; protocol: string; passwordFile?: string; force?: boolean }) => {
            const password = a.passwordFile === undefined ? undefined : await readPassword(io, a.passwordFile);
            await addEntry(io, a, NETWORKS, async () => ({
              $type: 'CatalogedNetwork', Service: String(a.service), Username: String(a.username), Protocol: String(a.protocol),
              ...(password !== undefined ? { Password: password } : {}),
            }), a.force === true);
          },
        })
        .command(getCommand(io, shown))
        .command(listCommand(io, shown))
        .command(deleteCommand(io, shown))
        .demandCommand(1, 'network needs a command: add, get, list or delete'),
    handler: () => undefined,
  };
}
