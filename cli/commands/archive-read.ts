/**
 * `dare list`, `dare extract` and `dare copy`: reading DARE Archives (docs/FORMAT.md §9).
 * With --signer the signature over the apex and the index are checked before anything
 * is listed or written, and every file extracted is checked against the index.
 * @module
 */
import type { Argv } from 'yargs';
import {
  ArchiveReader, ArchiveWriter, DareError, archiveToTar, copyArchive, extractArchive, verifySequence, type ArchiveReadOptions,
} from '../../lib/index.js';
import { displayPath, isStdio, writeLine, writeOutput, type Io } from '../io.js';
import { loadReadKeys, loadRecipients, loadSecret, loadSigner, readKeyOptions } from '../keys.js';
import { UsageError } from '../errors.js';
import {
  ARCHIVE_READ_KEYS, entryJson, entryProgress, modeString, note, shownPath, withArchiveInput, withArchiveOutput, type ReadArgs,
} from './archive-common.js';
import type { Command } from './index.js';
import { tornMessage } from './verify-sequence.js';
import { expectKind } from '../file-kind.js';

/** Opens ARCHIVE (- for stdin), checks --signer, reports a missing index, runs `fn`. */
async function withReader<T>(io: Io, a: ReadArgs & { archive: string }, command: string, fn: (r: ArchiveReader, options: ArchiveReadOptions) => Promise<T>): Promise<T> {
  await expectKind(a.archive, 'archive', command);
  const options = await loadReadKeys(io, a);
  return withArchiveInput(io, a.archive, async (file) => {
    // With --signer, open() authenticates the signature, the index and frame 0 first.
    const r = await ArchiveReader.open(file, options);
    try {
      if (r.sequence.tornBytes && options.trustedSigners?.length) throw new DareError('TRUNCATED', tornMessage(displayPath(a.archive), r.sequence));
      if (r.sequence.tornBytes) note(io, a, `${displayPath(a.archive)}: ${r.sequence.tornBytes} bytes of an interrupted append at the end are ignored`);
      if (!r.indexed) note(io, a, `${displayPath(a.archive)}: no index after the last frame (an interrupted append?): read by scanning every frame; \`dare index\` writes a new one`);
      return await fn(r, options);
    } finally {
      await r.close();
    }
  });
}

export function listCommand(io: Io): Command {
  return {
    command: 'list <archive>',
    describe: 'List the entries of a DARE archive (path, size, mode, time) from its index',
    builder: (y: Argv) =>
      readKeyOptions(y, ARCHIVE_READ_KEYS)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive file, - for stdin' })
        .example('dare list release.dare --signer vendor.pub', 'list only if the vendor signed it')
        .example('dare list backup.dare -i me.key --json', 'one JSON object with every entry'),
    handler: async (raw: unknown) => {
      const a = raw as ReadArgs & { archive: string };
      await withReader(io, a, 'list', async (r) => {
        const entries = r.entries();
        if (a.json) {
          writeLine(io.stdout, JSON.stringify({ archive: displayPath(a.archive), indexed: r.indexed, entries: entries.map(entryJson) }));
          return;
        }
        const width = Math.max(1, ...entries.map((e) => String(e.size).length));
        for (const e of entries) {
          const name = shownPath(e.path) + (e.kind === 'directory' ? '/' : e.kind === 'symlink' ? ` -> ${shownPath(e.target ?? '')}` : '');
          writeLine(io.stdout, `${modeString(e)} ${String(e.size).padStart(width)} ${e.modified.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} ${name}`);
        }
      });
    },
  };
}

export function extractCommand(io: Io): Command {
  return {
    command: 'extract <archive> [dest]',
    describe: 'Extract a DARE archive (or some entries) into DEST, or as a tar stream',
    builder: (y: Argv) =>
      readKeyOptions(y, ARCHIVE_READ_KEYS)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive file, - for stdin' })
        .positional('dest', { type: 'string', default: '.', describe: 'directory to extract into (created if missing)' })
        .option('file', { alias: 'f', type: 'string', describe: 'extract only this entry (a directory: with its contents); repeatable. Reads only the frames it needs' })
        .option('to-tar', { type: 'string', describe: 'write the entries as a tar file instead (- for stdout)' })
        .option('force', { type: 'boolean', describe: 'replace existing files (never writes through a symbolic link)' })
        .option('atomic', { type: 'boolean', describe: 'all or nothing: extract into a temporary folder beside DEST and rename it to DEST only when every file passed (DEST new or empty)' })
        .example('dare extract release.dare out/ --signer vendor.pub', 'verify the vendor\'s signature, then extract')
        .example('dare extract backup.dare -i me.key --file docs/report.pdf', 'one file: reads the index and that file\'s frame only')
        .example('dare extract backup.dare -i me.key --to-tar - | tar t', 'as a tar stream')
        .epilogue('Each file appears under its name only once its digest, MAC and the signature checked (a 0600 temporary beside it until then, removed on failure, on Ctrl-C and, after a kill -9, by the next extraction there). Extraction is per file: if a later file fails (exit 4), the earlier ones stay; --atomic makes it all or nothing.'),
    handler: async (raw: unknown) => {
      // --file takes one value each time (not a greedy array), so DEST may follow it.
      const a = raw as ReadArgs & { archive: string; dest: string; file?: string | string[]; toTar?: string; atomic?: boolean };
      if (a.toTar !== undefined && a.dest !== '.') throw new UsageError('give either DEST or --to-tar, not both');
      if (a.atomic && (a.toTar !== undefined || a.force)) throw new UsageError('--atomic makes a new DEST: not with --to-tar or --force');
      await withReader(io, a, 'extract', async (r) => {
        const entries = r.select(a.file === undefined ? [] : [a.file].flat());
        if (a.toTar !== undefined) {
          await writeOutput(io, a.toTar, archiveToTar(r, entries), a.force === true);
          if (a.json) writeLine(isStdio(a.toTar) ? io.stderr : io.stdout, JSON.stringify({ archive: displayPath(a.archive), tar: displayPath(a.toTar), entries: entries.length }));
          return;
        }
        const progress = entryProgress(io, a, 'extracting', { entries: entries.length, bytes: entries.reduce((t, e) => t + e.size, 0) });
        let rep;
        try {
          rep = await extractArchive(r, a.dest, entries, { force: a.force === true, atomic: a.atomic === true, onEntry: (e) => progress.tick(e.size) });
        } finally {
          progress.done();
        }
        if (a.json) writeLine(io.stdout, JSON.stringify({ archive: displayPath(a.archive), dest: a.dest, ...rep }));
      });
    },
  };
}

interface CopyArgs extends ReadArgs {
  archive: string;
  output: string;
  purge?: boolean;
  decrypt?: boolean;
  encrypt?: string[];
  newKey?: string;
  sign?: string;
}

export function copyCommand(io: Io): Command {
  return {
    command: 'copy <archive> <output>',
    describe: 'Copy a DARE archive: re-encrypt, re-sign, and with --purge drop deleted and superseded data',
    builder: (y: Argv) =>
      readKeyOptions(y, ARCHIVE_READ_KEYS)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive to read, - for stdin' })
        .positional('output', { type: 'string', demandOption: true, describe: 'archive to write, - for stdout' })
        .option('purge', { type: 'boolean', describe: 'copy only the live entries: deleted and superseded versions are not in the copy' })
        .option('decrypt', { type: 'boolean', describe: 'write the copy unencrypted' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'encrypt the copy to this public key instead (repeatable)' })
        .option('new-key', { type: 'string', describe: 'encrypt the copy under this shared secret instead' })
        .option('sign', { alias: 's', type: 'string', describe: 'sign the copy with this private key file' })
        .option('force', { type: 'boolean', describe: 'replace an existing output file' })
        .example('dare copy backup.dare clean.dare --purge -i me.key', 'redact: deleted files are gone from the copy')
        .example('dare copy backup.dare for-carol.dare -i me.key -e carol.pub', 're-encrypt to Carol')
        .example('dare copy release.dare signed.dare -s vendor.key', 'sign an unsigned archive'),
    handler: async (raw: unknown) => {
      const a = raw as CopyArgs;
      if (a.decrypt && (a.encrypt?.length || a.newKey !== undefined)) throw new UsageError('--decrypt and --encrypt/--new-key exclude each other');
      const signer = await loadSigner(io, a.sign, a);
      const recipients = await loadRecipients(io, a.encrypt, a);
      const newSecret = a.newKey === undefined ? undefined : await loadSecret(a.newKey, io);
      await withReader(io, a, 'copy', async (r, options) => {
        // Without --purge older versions are copied too: with --signer check every frame first.
        if (options.trustedSigners?.length && !a.purge) await verifySequence(r.sequence);
        const policy = r.sequence.policy;
        const sameSecret = policy.secretKid !== undefined ? options.secrets?.[0] : undefined;
        const keep = !a.decrypt && !recipients.length && newSecret === undefined;
        const keys = keep ? { recipients: policy.encryptKeys, secret: sameSecret } : { recipients, secret: newSecret };
        if (!signer && policy.signKeys.length) note(io, a, 'the copy is not signed (give --sign KEYFILE to sign it)');
        const progress = entryProgress(io, a, 'copying');
        const s = await withArchiveOutput(io, a.output, async (file) => {
          const w = await ArchiveWriter.create(file, { ...keys, signer, force: a.force === true });
          try {
            const rep = await copyArchive(r, w, { purge: a.purge === true, onEntry: (e) => progress.tick(e.size) });
            return { ...rep, ...(await w.finish()) };
          } catch (e) {
            await w.abort();
            throw e;
          } finally {
            progress.done();
          }
        });
        if (a.json) {
          const line = JSON.stringify({ archive: displayPath(a.archive), output: displayPath(a.output), purged: a.purge === true, entries: s.entries, deletions: s.deletions, frames: s.frames, signed: s.signed, encrypted: keys.recipients.length > 0 || keys.secret !== undefined });
          writeLine(isStdio(a.output) ? io.stderr : io.stdout, line);
        }
      });
    },
  };
}
