/**
 * `dare decode FILE` and `dare verify FILE`: open a DARE Envelope, check its
 * digest, MAC and signatures; write the payload (decode) or nothing (verify).
 * @module
 */
import { stat } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { base64urlEncode, DareError, EnvelopeReader, type DecodeOptions, type EnvelopeInfo, type EnvelopeResult } from '../../lib/index.js';
import { displayPath, isStdio, openInput, writeLine, writeOutput, type Io } from '../io.js';
import { loadReadKeys, readKeyOptions, type ReadKeyArgs, type ReadKeySpec } from '../keys.js';
import { progressEnabled, withProgress } from '../progress.js';
import { HintedError, UsageError } from '../errors.js';
import type { Command } from './index.js';
import { expectKind } from '../file-kind.js';
import { looksLikeSequence, threadsOption, verifySequenceFile } from './verify-sequence.js';
import { SINCE_OPTION } from './checkpoint.js';

interface KeyArgs extends ReadKeyArgs {
  json?: boolean;
}

const KEYS: ReadKeySpec = {
  allowUnauthenticated: 'decode encrypted data that carries no MAC',
  signer: 'fail unless one of them signed',
};

async function decodeOptions(io: Io, a: KeyArgs, decrypt: boolean): Promise<DecodeOptions> {
  return { ...(await loadReadKeys(io, a)), decrypt };
}

function summary(file: string, info: EnvelopeInfo, r: EnvelopeResult) {
  return {
    file: displayPath(file),
    encrypted: info.encrypted,
    decrypted: info.opened,
    authenticated: r.authenticated,
    digestChecked: r.digestChecked,
    contentType: info.contentMeta?.contentType,
    filename: info.contentMeta?.filename,
    modified: info.contentMeta?.modified,
    annotations: info.annotations.map((x) => base64urlEncode(x)),
    signatures: r.signatures.map((s) => ({ kid: s.kid, status: s.status, trusted: s.trusted, legacy: s.legacy })),
    complete: r.unchecked.length === 0,
    unchecked: r.unchecked,
  };
}

const LEGACY = 'legacy signature: it covers the payload only';

function notes(io: Io, r: EnvelopeResult, quiet: boolean | undefined): void {
  if (quiet) return;
  for (const s of r.signatures) {
    const what = s.status === 'valid' ? (s.trusted ? 'trusted' : 'valid, but not checked against a trusted key (use --signer)') : 'not checked: no key for it';
    io.stderr.write(`dare: note: signed by ${s.kid ?? '?'}: ${what}${s.status === 'valid' && s.legacy ? ` (${LEGACY})` : ''}\n`);
  }
}

/** The size of an input file, for progress; undefined for stdin and non-files. */
async function inputSize(file: string): Promise<number | undefined> {
  if (isStdio(file)) return undefined;
  const st = await stat(file).catch(() => undefined);
  return st?.isFile() ? st.size : undefined;
}

function defaultOutput(file: string): string {
  if (isStdio(file)) return '-';
  if (file.endsWith('.dare')) return file.slice(0, -'.dare'.length);
  throw new UsageError(`cannot guess an output name for ${file} (it does not end in .dare): give -o FILE or -o -`);
}

export function decodeCommand(io: Io): Command {
  return {
    command: 'decode <file>',
    describe: 'Decode a DARE envelope: decrypt and check it, write the payload',
    builder: (y: Argv) =>
      readKeyOptions(y, KEYS)
        .positional('file', { type: 'string', demandOption: true, describe: 'envelope file, - for stdin' })
        .option('output', { alias: 'o', type: 'string', describe: 'output file, - for stdout (default: FILE without .dare). A file appears only after every check passed; on stdout the data precedes the final check, and the exit code tells' })
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .example('dare decode report.pdf.dare -i bob.key', 'writes report.pdf once the MAC and signatures check')
        .example('dare decode msg.dare -i bob.key --signer alice.pub -o -', 'stream to stdout; exit non-zero unless Alice signed')
        .example('dare decode notes.txt.dare --key "$(cat team.secret)" --json', 'metadata and annotations as JSON'),
    handler: async (raw: unknown) => {
      const a = raw as KeyArgs & { file: string; output?: string; force?: boolean };
      const output = a.output ?? defaultOutput(a.file);
      await expectKind(a.file, 'envelope', 'decode');
      // Progress counts the envelope read, of its size when it is a file.
      const input = withProgress(io, await openInput(io, a.file), 'decoding', progressEnabled(io, a) && !isStdio(output), await inputSize(a.file));
      const reader = new EnvelopeReader(input, await decodeOptions(io, a, true));
      const info = await reader.open();
      if (info.encrypted && !info.opened) throw new HintedError(new DareError('NO_MATCHING_KEY', `${displayPath(a.file)}: the envelope is encrypted and no key was given`), 'give -i KEYFILE or --key SECRET');
      await writeOutput(io, output, reader.payload(), a.force === true);
      const r = reader.result;
      if (a.json) writeLine(isStdio(output) ? io.stderr : io.stdout, JSON.stringify({ ...summary(a.file, info, r), output: displayPath(output) }));
      else notes(io, r, a.quiet);
    },
  };
}

export function verifyCommand(io: Io): Command {
  return {
    command: 'verify <file>',
    describe: 'Check a DARE envelope, archive or sequence (digests, tree, signatures; with a key also the MAC) without writing anything',
    builder: (y: Argv) =>
      threadsOption(readKeyOptions(y, KEYS))
        .positional('file', { type: 'string', demandOption: true, describe: 'envelope, archive or sequence file; - for stdin (envelopes only)' })
        .example('dare verify release.tar.dare --signer vendor.pub', 'exit 0 only if the vendor signed it and nothing changed')
        .example('dare verify release.dare --signer vendor.pub', 'an archive: every frame, the tree, the index; the vendor signed the apex of the last frame')
        .example('dare verify backup.dare -i me.key --json', 'also checks the MAC; JSON report')
        .example('dare verify msg.dare -i bob.key --signer alice.pub --require-complete', 'exit 4 unless the MAC, metadata, annotations and a signature by Alice over all of them were checked')
        .option('require-complete', { type: 'boolean', describe: 'exit 4 unless everything was checked: with an encrypted file, the key is needed (MAC, metadata, annotations); a legacy signature (no purpose) is not enough' })
        .option('since', SINCE_OPTION)
        .example('dare verify backup.dare --signer host.pub --since backup.cp', 'and it extends the checkpoint kept earlier (not rolled back)'),
    handler: async (raw: unknown) => {
      const a = raw as KeyArgs & { file: string; threads?: number; requireComplete?: boolean; since?: string };
      await expectKind(a.file, 'dare', 'verify');
      const opts = await decodeOptions(io, a, true);
      if (await looksLikeSequence(a.file)) {
        await verifySequenceFile(io, a.file, opts, a);
        return;
      }
      if (a.since !== undefined) throw new UsageError('--since applies to archives, logs and other sequences, not to an envelope');
      const haveKey = (opts.keys?.length ?? 0) + (opts.secrets?.length ?? 0) > 0;
      // verify reports a legacy signature for what it covers and exits 0, unless --require-complete.
      const acceptLegacySignatures = opts.acceptLegacySignatures ?? (a.requireComplete ? undefined : true);
      const input = withProgress(io, await openInput(io, a.file), 'verifying', progressEnabled(io, a), await inputSize(a.file));
      const reader = new EnvelopeReader(input, { ...opts, decrypt: haveKey, acceptLegacySignatures });
      const info = await reader.open();
      for await (const _ of reader.payload()) {
        // Only the checks matter.
      }
      const s = summary(a.file, info, reader.result);
      const incomplete = a.requireComplete && s.unchecked.length > 0;
      const parts = [s.digestChecked ? 'digest ok' : 'no digest', info.encrypted ? (s.authenticated ? 'mac ok' : info.opened ? 'no mac' : 'mac not checked (no key)') : 'not encrypted'];
      for (const g of s.signatures) {
        parts.push(`signature by ${g.kid ?? '?'} ${g.status === 'valid' ? (g.trusted ? 'trusted' : 'valid') : 'not checked (no key)'}${g.status === 'valid' && g.legacy ? ` (${LEGACY})` : ''}`);
      }
      parts.push(...s.unchecked.filter((u) => !u.startsWith('the signature covers')));
      if (a.json) writeLine(io.stdout, JSON.stringify({ ...s, ok: !incomplete }));
      else writeLine(io.stdout, `${s.file}: ${incomplete ? 'incomplete' : 'ok'}: ${parts.join(', ')}`);
      if (incomplete) throw new DareError('UNAUTHENTICATED', `${s.file}: not everything was checked (--require-complete): ${s.unchecked.join('; ')}`);
    },
  };
}
