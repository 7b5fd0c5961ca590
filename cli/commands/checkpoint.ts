/**
 * `dare checkpoint FILE -o CP` and the `--since CP` of `dare verify` and `dare log verify`
 * (docs/FORMAT.md §8, "Checkpoints"): record the latest signed state of an archive, log or
 * mirror journal in a small file, and later check that the file still extends it. A
 * signature cannot tell whether a file was cut back to an earlier signed state; a kept
 * checkpoint can.
 * @module
 */
import type { Argv } from 'yargs';
import {
  SequenceReader, base64urlEncode, checkCheckpoint, checkExtends, encodeCheckpoint, makeCheckpoint, parseCheckpoint, utf8, verifySequence,
  MAX_CHECKPOINT_BYTES, type Extension,
} from '../../lib/index.js';
import { displayPath, isStdio, readSmallInput, writeLine, writeOutput, type Io } from '../io.js';
import { loadTrustedSigners } from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { UsageError } from '../errors.js';
import { note } from './archive-common.js';
import { threadsOption } from './verify-sequence.js';
import type { Command } from './index.js';

/** The --since option of the commands that verify a sequence. */
export const SINCE_OPTION = {
  type: 'string',
  describe: 'a checkpoint file (dare checkpoint): fail (exit 4) unless FILE extends the state it recorded (it was not cut back or replaced)',
} as const;

/**
 * Checks that the verified sequence `seq` extends the checkpoint in `cpPath`: the checkpoint
 * itself (its apex leaf, path and signatures), then the consistency proof. Exit 4 when not.
 */
export async function checkSince(io: Io, seq: SequenceReader, cpPath: string): Promise<Extension> {
  const cp = parseCheckpoint(await readSmallInput(io, cpPath, MAX_CHECKPOINT_BYTES));
  checkCheckpoint(cp);
  return checkExtends(seq, cp);
}

/** "extends the checkpoint of 12 frames (now 15)", for the verify lines. */
export function sinceText(e: Extension): string {
  return `extends the checkpoint of ${e.since} frames${e.treeSize > e.since ? ` (now ${e.treeSize})` : ' (unchanged)'}`;
}

interface CheckpointArgs extends PassphraseArgs {
  file: string;
  output?: string;
  force?: boolean;
  signer?: string[];
  allowUnsigned?: boolean;
  json?: boolean;
  quiet?: boolean;
  threads?: number;
}

export function checkpointCommand(io: Io): Command {
  return {
    command: 'checkpoint <file>',
    describe: 'Record the latest signed state of an archive, log or mirror journal in a small file, to detect a rollback later',
    builder: (y: Argv) =>
      threadsOption(y)
        .positional('file', { type: 'string', demandOption: true, describe: 'archive, log or journal file' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the checkpoint here (default: stdout)' })
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .option('signer', { type: 'string', array: true, describe: 'record the latest state signed by this public key (dare1... or a file); repeatable' })
        .option('allow-unsigned', { type: 'boolean', describe: 'record the last frame when no frame is signed' })
        .options(passphraseOptions)
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no notes on stderr' })
        .example('dare checkpoint backup.dare -o backup.cp --signer host.pub', 'after the backup: keep backup.cp where the backup storage cannot change it')
        .example('dare verify backup.dare --signer host.pub --since backup.cp', 'later: exit 4 if backup.dare was cut back to an earlier state')
        .example('dare log verify audit.dlog --signer alice.pub --since audit.cp', 'the same for a log'),
    handler: async (raw: unknown) => {
      const a = raw as CheckpointArgs;
      if (isStdio(a.file)) throw new UsageError('give the file to checkpoint by name, not -');
      const trustedSigners = await loadTrustedSigners(io, a.signer, a);
      const seq = await SequenceReader.open(a.file);
      let text: string;
      let size: number;
      let last: number;
      let signed: string[];
      try {
        // A damaged file gets no checkpoint: every frame, the tree and every signature first.
        await verifySequence(seq, { threads: a.threads });
        if (seq.tornBytes) note(io, a, `${displayPath(a.file)}: ${seq.tornBytes} bytes of an interrupted append at the end are not part of the checkpoint`);
        const cp = await makeCheckpoint(seq, { trustedSigners, allowUnsigned: a.allowUnsigned === true });
        const c = checkCheckpoint(cp, trustedSigners);
        text = encodeCheckpoint(cp);
        size = cp.treeSize;
        last = seq.last.index;
        signed = c.signatures.filter((s) => s.status === 'valid').map((s) => `${s.kid ?? '?'}${s.trusted ? ' (trusted)' : ''}`);
        await writeOutput(io, a.output ?? '-', (async function* () {
          yield utf8(text);
        })(), a.force === true);
        if (a.output !== undefined && !isStdio(a.output) && !a.quiet) {
          writeLine(io.stdout, a.json
            ? JSON.stringify({ file: a.file, output: a.output, treeSize: size, apex: base64urlEncode(cp.apex), signatures: c.signatures.map((s) => ({ kid: s.kid, trusted: s.trusted })) })
            : `${displayPath(a.file)}: checkpoint of ${size} frames${signed.length ? `, signed by ${signed.join(', ')}` : ', not signed'}, written to ${a.output}`);
        }
      } finally {
        await seq.close();
      }
      if (last > size - 1) note(io, a, `frames ${size}-${last} are after the last signed frame: not in the checkpoint`);
    },
  };
}
