/**
 * `dare keygen`: a key set for one person or device, in a private key file.
 * @module
 */
import type { Argv } from 'yargs';
import { encodeKeyFile, formatPublicKeySet, generateKeySet, keySetFingerprint, publicKeySet, type AgreementCurve, type SignatureCurve } from '../../lib/index.js';
import { isStdio, writeLine, writeOutput, type Io } from '../io.js';
import { loadPublicKey } from '../keys.js';
import { passphraseOptions, passphraseSource, type PassphraseArgs } from '../passphrase.js';
import type { Command } from './index.js';

interface Args extends PassphraseArgs {
  output?: string;
  public?: string;
  encryption: string;
  signature: string;
  force?: boolean;
  json?: boolean;
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

export function keygenCommand(io: Io): Command {
  return {
    command: 'keygen',
    describe: 'Create a key set (encryption and signature key pairs), or print the public key of one',
    builder: (y: Argv) =>
      y
        .option('output', { alias: 'o', type: 'string', describe: 'write the private key file (with --public: the public key) here (default: stdout)' })
        .option('public', { type: 'string', describe: 'print the public key of this key file instead' })
        .option('encryption', { choices: ['x25519', 'x448'], default: 'x25519', describe: 'encryption key curve' })
        .option('signature', { choices: ['ed25519', 'ed448'], default: 'ed25519', describe: 'signature key curve' })
        .options(passphraseOptions)
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .example('dare keygen -o alice.key', 'write a key file and print its public key')
        .example('dare keygen -o alice.key --passphrase', 'protect it with a passphrase (asked on the terminal)')
        .example('dare keygen --public alice.key > alice.pub', 'the public key, for --encrypt and --signer'),
    handler: async (raw: unknown) => {
      const a = raw as Args;
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
