/**
 * `dare encode FILE`: a file (or stdin) as a DARE Envelope, encrypted to
 * recipients or under a shared secret, signed, with metadata and annotations.
 * @module
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { contentTypeOf, DareError, encodeEnvelope, utf8, type EncodeOptions, type RecipientKey, type SigningKey } from '../../lib/index.js';
import { displayPath, ioError, isStdio, openInput, writeOutput, writeLine, type Io } from '../io.js';
import { loadIdentity, loadRecipients, loadSecret, protectionGiven } from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { progressEnabled, withProgress } from '../progress.js';
import type { Command } from './index.js';

interface Args extends PassphraseArgs {
  file: string;
  output?: string;
  encrypt?: string[];
  key?: string;
  sign?: string[];
  encoding: 'jsonb' | 'json';
  cty?: string;
  annotation?: string[];
  digest: boolean;
  force?: boolean;
  plaintext?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export function encodeCommand(io: Io): Command {
  return {
    command: 'encode <file>',
    describe: 'Encode FILE (- for stdin) as a DARE envelope: encrypt, sign, add metadata',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'input file, - for stdin' })
        .option('output', { alias: 'o', type: 'string', describe: 'output file, - for stdout (default: FILE.dare, or stdout for stdin)' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'encrypt to this public key (dare1... or a file); repeatable' })
        .option('key', { type: 'string', describe: 'encrypt under this shared secret (an E... UDF from `dare key secret`, or a file)' })
        .option('sign', { alias: 's', type: 'string', array: true, describe: 'sign with this private key file; repeatable' })
        .option('encoding', { choices: ['jsonb', 'json'] as const, default: 'jsonb' as const, describe: 'envelope encoding' })
        .option('cty', { type: 'string', describe: 'content type recorded in the metadata (default: from the extension)' })
        .option('annotation', { alias: 'a', type: 'string', array: true, describe: 'an annotation (encrypted separately when encrypting); repeatable' })
        .option('digest', { type: 'boolean', default: true, describe: 'write a payload digest (--no-digest: bare plaintext envelope)' })
        .options(passphraseOptions)
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .option('plaintext', { type: 'boolean', describe: 'write it unencrypted and unsigned on purpose (otherwise -e, --key or -s is required)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' })
        .example('dare encode report.pdf -e bob.pub -s alice.key', 'encrypt to Bob, sign as Alice: report.pdf.dare')
        .example('dare encode notes.txt --key "$(cat team.secret)" -a "Subject: Q3"', 'encrypt under a shared secret with an annotation')
        .example('tar c dir | dare encode - -e bob.pub > dir.tar.dare', 'stream from a pipe')
        .example('dare encode release.tar -s vendor.key', 'signed, not encrypted (said in a note)'),
    handler: async (raw: unknown) => {
      const a = raw as Args;
      protectionGiven(a, 'encode');
      const recipients: RecipientKey[] = await loadRecipients(io, a.encrypt, a);
      const signers: SigningKey[] = [];
      for (const s of a.sign ?? []) {
        const id = await loadIdentity(io, s, a);
        if (!id.signingKeys.length) throw new DareError('KEY_INVALID', `${displayPath(s)}: holds no signature key`);
        signers.push(...id.signingKeys);
      }
      const secret = a.key === undefined ? undefined : await loadSecret(a.key, io);
      const output = a.output ?? (isStdio(a.file) ? '-' : `${a.file}.dare`);
      let payloadLength: number | undefined;
      let modified: string | undefined;
      if (!isStdio(a.file)) {
        try {
          const st = await stat(a.file);
          if (st.isFile()) {
            payloadLength = st.size;
            modified = st.mtime.toISOString();
          }
        } catch (e) {
          throw ioError(e, a.file);
        }
      }
      const options: EncodeOptions = {
        encoding: a.encoding, recipients, signers, secret, digest: a.digest, payloadLength,
        contentMeta: isStdio(a.file)
          ? (a.cty ? { contentType: a.cty } : undefined)
          : { contentType: a.cty ?? contentTypeOf(a.file), filename: basename(a.file), modified },
        annotations: (a.annotation ?? []).map((t) => utf8(t)),
      };
      const input = withProgress(io, await openInput(io, a.file), 'encoding', progressEnabled(io, a) && !isStdio(output), payloadLength);
      await writeOutput(io, output, encodeEnvelope(input, options), a.force === true);
      const encrypted = recipients.length > 0 || secret !== undefined;
      if (a.json) {
        const line = JSON.stringify({ input: displayPath(a.file), output: displayPath(output), encrypted, recipients: recipients.length, signers: signers.length, encoding: a.encoding });
        writeLine(isStdio(output) ? io.stderr : io.stdout, line);
      } else if (!encrypted && !a.quiet) {
        io.stderr.write(`dare: note: ${displayPath(output)}: ${signers.length ? 'signed, ' : ''}not encrypted: anyone who has the file can read it\n`);
      }
    },
  };
}
