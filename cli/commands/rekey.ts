/**
 * `dare rekey ENVELOPE`: a new recipient list for an encrypted envelope, without
 * re-encrypting it (USER-REQUESTS #3). lib/envelope/rekey.ts does the work.
 * @module
 */
import { stat } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { EnvelopeRekey, keyFingerprint, PUBLIC_KEY_PREFIX, type DecryptionKey, type RecipientKey } from '../../lib/index.js';
import { displayPath, ioError, isStdio, openInput, writeLine, writeOutput, type Io } from '../io.js';
import { loadIdentity, loadRecipients } from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { UsageError } from '../errors.js';
import type { Command } from './index.js';

interface Args extends PassphraseArgs {
  file: string;
  identity?: string[];
  encrypt?: string[];
  remove?: string[];
  replace?: boolean;
  output?: string;
  inPlace?: boolean;
  force?: boolean;
  allowUnauthenticated?: boolean;
  quiet?: boolean;
  json?: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Key ids to remove: given as one, or the recipient ids of public keys (dare1..., a file of them, -, JSON). */
async function removalIds(io: Io, arg: string, a: Args): Promise<string[]> {
  const t = arg.trim();
  if (t.toLowerCase().startsWith(PUBLIC_KEY_PREFIX) || t.startsWith('{') || isStdio(arg) || (await isFile(arg))) {
    return (await loadRecipients(io, [arg], a)).map((k) => keyFingerprint(k.crv, k.publicKey));
  }
  return [t];
}

const NOT_REVOKED = 'Removing a recipient does not revoke access they already had: they may have kept a copy of the envelope (or of its master key), which still opens. Rotate keys for future data.';

export function rekeyCommand(io: Io): Command {
  return {
    command: 'rekey <file>',
    describe: 'Add or remove recipients of an encrypted envelope without re-encrypting its payload',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'envelope file, - for stdin (with -o)' })
        .option('identity', { alias: 'i', type: 'string', array: true, demandOption: 'give -i KEYFILE: a private key that opens the envelope', describe: 'private key file that opens the envelope (proof of access); repeatable' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'add this recipient public key (dare1... or a file); repeatable' })
        .option('remove', { type: 'string', array: true, describe: 'remove the recipient with this key id (as `dare inspect` lists it) or public key (dare1... or a file); repeatable' })
        .option('replace', { type: 'boolean', describe: 'drop every existing recipient: the new recipients are exactly the -e keys' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the rekeyed envelope here (- for stdout)' })
        .option('in-place', { type: 'boolean', describe: 'replace FILE atomically (a temporary file renamed over it)' })
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .option('allow-unauthenticated', { type: 'boolean', describe: 'rekey an envelope that carries no MAC (written by other implementations)' })
        .options(passphraseOptions)
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no summary on stderr' })
        .example('dare rekey report.dare -i alice.key -e carol.pub --in-place', 'let Carol open it too')
        .example('dare rekey report.dare -i alice.key --remove bob.pub -o report2.dare', 'a copy Bob cannot open')
        .example('dare rekey report.dare -i alice.key --replace -e team.pub --in-place', 'only the team key opens it from now on')
        .epilogue(`The payload, the metadata, the annotations, the MAC and the signatures are copied unchanged: only the list of key wraps changes, and nothing authenticates that list. The envelope is checked (digest, MAC, signatures) while it is copied, and nothing is written if a check fails.\n\n${NOT_REVOKED}`),
    handler: async (raw: unknown) => {
      const a = raw as Args;
      if (a.inPlace && a.output !== undefined) throw new UsageError('give -o OUT or --in-place, not both');
      if (!a.inPlace && a.output === undefined) throw new UsageError('give -o OUT (- for stdout) or --in-place');
      if (a.inPlace && isStdio(a.file)) throw new UsageError('--in-place needs a file, not stdin');
      if (!a.encrypt?.length && !a.remove?.length && !a.replace) throw new UsageError('nothing to change: give -e KEY, --remove KID or --replace');
      if (a.replace && a.remove?.length) throw new UsageError('--replace drops every recipient already: --remove is not needed');
      const keys: DecryptionKey[] = [];
      for (const f of a.identity ?? []) keys.push(...(await loadIdentity(io, f, a)).decryptionKeys);
      const add: RecipientKey[] = await loadRecipients(io, a.encrypt, a);
      const remove: string[] = [];
      for (const r of a.remove ?? []) remove.push(...(await removalIds(io, r, a)));
      let mode: number | undefined;
      if (a.inPlace) {
        try {
          mode = (await stat(a.file)).mode & 0o777;
        } catch (e) {
          throw ioError(e, a.file);
        }
      }
      const rekey = await EnvelopeRekey.open(await openInput(io, a.file), { keys, add, remove, replace: a.replace === true, allowUnauthenticated: a.allowUnauthenticated === true });
      const output = a.inPlace ? a.file : (a.output as string);
      await writeOutput(io, output, rekey.output(), a.inPlace === true || a.force === true, mode);
      const p = rekey.plan;
      const report = isStdio(output) ? io.stderr : io.stdout;
      if (a.json) {
        writeLine(report, JSON.stringify({ input: displayPath(a.file), output: displayPath(output), ...p }));
        return;
      }
      if (a.quiet) return;
      const parts = [`${p.recipients.length} recipient${p.recipients.length === 1 ? '' : 's'}`];
      if (p.added.length) parts.push(`added ${p.added.join(', ')}`);
      if (p.removed.length) parts.push(`removed ${p.removed.join(', ')}`);
      if (p.unchanged.length) parts.push(`already recipients: ${p.unchanged.join(', ')}`);
      writeLine(report, `${displayPath(output)}: rekeyed: ${parts.join('; ')}`);
      if (p.removed.length) io.stderr.write(`dare: note: ${NOT_REVOKED}\n`);
    },
  };
}
