/**
 * `dare keygen`: a key set for one person or device, in a private key file.
 * @module
 */
import type { Argv } from 'yargs';
import { DareError, encodeKeyFile, formatPublicKeySet, generateKeySet, keySetFingerprint, publicKeySet, type AgreementCurve, type SignatureCurve } from '../../lib/index.js';
import { isStdio, writeLine, writeOutput, type Io } from '../io.js';
import { loadIdentity, loadPublicKey } from '../keys.js';
import { UsageError } from '../errors.js';
import { passphraseOptions, passphraseSource, type PassphraseArgs } from '../passphrase.js';
import type { Command } from './index.js';

interface Args extends PassphraseArgs {
  output?: string;
  public?: string;
  changePassphrase?: string;
  newPassphrase?: boolean;
  newPassphraseFile?: string;
  newPassphraseCommand?: string;
  unprotect?: boolean;
  encryption: string;
  signature: string;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Reseals a dare key file under a new passphrase (or none with --unprotect), replacing it atomically, mode 0600. */
async function changePassphrase(io: Io, file: string, a: Args): Promise<void> {
  if (isStdio(file)) throw new UsageError('--change-passphrase changes a file in place: give its name');
  const id = await loadIdentity(io, file, a);
  if (!id.keySet) throw new DareError('KEY_INVALID', `${file}: a single reference key cannot be protected; only dare key sets (dare keygen) can`);
  const sources = [a.newPassphrase && '--new-passphrase', a.newPassphraseFile !== undefined && '--new-passphrase-file', a.newPassphraseCommand !== undefined && '--new-passphrase-command', a.unprotect && '--unprotect'].filter(Boolean);
  if (sources.length > 1) throw new UsageError(`give one new passphrase source, not ${sources.join(' and ')}`);
  let passphrase: string | undefined;
  if (!a.unprotect) {
    // The new passphrase comes from the same kinds of source as the current one, under their --new- names.
    const newSource = passphraseSource({ ...io, env: { DARE_PASSPHRASE: io.env.DARE_NEW_PASSPHRASE } }, {
      passphrase: a.newPassphrase || (sources.length === 0 && io.stdinIsTTY && io.env.DARE_NEW_PASSPHRASE === undefined),
      passphraseFile: a.newPassphraseFile, passphraseCommand: a.newPassphraseCommand,
    }, true);
    if (newSource === undefined) throw new UsageError('no new passphrase: give --new-passphrase (prompt), --new-passphrase-file, --new-passphrase-command or DARE_NEW_PASSPHRASE, or --unprotect');
    passphrase = await newSource();
  }
  await writeOutput(io, file, once(await encodeKeyFile(id.keySet, passphrase)), true, 0o600);
  if (!a.quiet) writeLine(io.stderr, `dare: note: ${file}: ${passphrase === undefined ? 'no longer protected by a passphrase' : 'protected by the new passphrase'}`);
}

export function keygenCommand(io: Io): Command {
  return {
    command: 'keygen',
    describe: 'Create a key set (encryption and signature key pairs), or print the public key of one',
    builder: (y: Argv) =>
      y
        .option('output', { alias: 'o', type: 'string', describe: 'write the private key file (with --public: the public key) here (default: stdout)' })
        .option('public', { type: 'string', describe: 'print the public key of this key file instead (- for stdin; a protected file needs no passphrase)' })
        .option('change-passphrase', { type: 'string', describe: 'give this key file a new passphrase (the current one from the usual sources), in place' })
        .option('new-passphrase', { type: 'boolean', describe: 'with --change-passphrase: prompt for the new passphrase (the default on a terminal)' })
        .option('new-passphrase-file', { type: 'string', describe: 'with --change-passphrase: the new passphrase is the first line of this file' })
        .option('new-passphrase-command', { type: 'string', describe: 'with --change-passphrase: the new passphrase is the first line of this command\'s output (or DARE_NEW_PASSPHRASE)' })
        .option('unprotect', { type: 'boolean', describe: 'with --change-passphrase: remove the passphrase (the key file is then plaintext, mode 0600)' })
        .option('encryption', { choices: ['x25519', 'x448'], default: 'x25519', describe: 'encryption key curve' })
        .option('signature', { choices: ['ed25519', 'ed448'], default: 'ed25519', describe: 'signature key curve' })
        .options(passphraseOptions)
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no note on stderr' })
        .example('dare keygen -o alice.key', 'write a key file and print its public key')
        .example('dare keygen -o alice.key --passphrase', 'protect it with a passphrase (asked on the terminal)')
        .example('dare keygen --public alice.key > alice.pub', 'the public key, for --encrypt and --signer')
        .example('dare keygen --change-passphrase alice.key --passphrase-file old.txt --new-passphrase-file new.txt', 'a new passphrase for an existing key file'),
    handler: async (raw: unknown) => {
      const a = raw as Args;
      const newGiven = a.newPassphrase || a.newPassphraseFile !== undefined || a.newPassphraseCommand !== undefined || a.unprotect;
      if (a.changePassphrase !== undefined) {
        if (a.public !== undefined || a.output !== undefined) throw new UsageError('--change-passphrase changes the file in place: no --public or -o');
        await changePassphrase(io, a.changePassphrase, a);
        return;
      }
      if (newGiven) throw new UsageError('--new-passphrase*, --unprotect go with --change-passphrase FILE');
      if (a.public !== undefined) {
        const pub = await loadPublicKey(io, a.public, a);
        const text = formatPublicKeySet(pub);
        const line = a.json ? JSON.stringify({ fingerprint: keySetFingerprint(pub), publicKey: text }) : text;
        if (a.output === undefined || isStdio(a.output)) writeLine(io.stdout, line);
        else await writeOutput(io, a.output, once(line + '\n'), a.force === true, 0o644);
        return;
      }
      const keySet = generateKeySet({ encryption: a.encryption.toUpperCase() as AgreementCurve, signature: (a.signature === 'ed448' ? 'Ed448' : 'Ed25519') as SignatureCurve });
      const source = passphraseSource(io, a, true);
      const file = await encodeKeyFile(keySet, source ? await source() : undefined);
      const pub = publicKeySet(keySet);
      const identity = { fingerprint: keySetFingerprint(pub), publicKey: formatPublicKeySet(pub) };
      const toStdout = a.output === undefined || isStdio(a.output);
      await writeOutput(io, a.output ?? '-', once(file), a.force === true, 0o600);
      const report = a.json ? JSON.stringify(identity) : `# fingerprint: ${identity.fingerprint}\n# public key: ${identity.publicKey}`;
      // With the private key on stdout, the public identity goes to stderr.
      writeLine(toStdout ? io.stderr : io.stdout, report);
    },
  };
}
