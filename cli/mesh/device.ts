/**
 * `mesh device show`: this device's profile UDF, its profile created on first use
 * (docs/MESH.md §8.1).
 * @module
 */
import type { Argv } from 'yargs';
import type { Io } from '../io.js';
import { homeDir, printRecord, withHome, type GlobalArgs } from './context.js';
import type { MeshCommand } from './cli.js';

export function deviceCommand(io: Io): MeshCommand {
  return {
    command: 'device <command>',
    describe: 'This device: its Mesh profile',
    builder: (y: Argv) =>
      y
        .command({
          command: 'show',
          describe: "Print this device's profile UDF (the profile is created on first use)",
          builder: (b: Argv) => b.example('mesh device show', 'Device UDF=MDK2-...').example('mesh device show --json', '{"deviceUdf":"MDK2-...","home":"/home/alice/.mesh"}'),
          handler: async (a: GlobalArgs) => {
            // Read first; the lock (and a new key store) only when the device must be made.
            let device = await withHome(io, a, false, (h) => h.device());
            device ??= await withHome(io, a, true, (h) => h.ensureDevice());
            const home = homeDir(io, a);
            printRecord(io, a, [['Device UDF', device.udf], ['Home', home], ['Created', device.created]], { deviceUdf: device.udf, home, created: device.created });
          },
        })
        .demandCommand(1, 'device needs a command: show'),
    handler: () => undefined,
  };
}
