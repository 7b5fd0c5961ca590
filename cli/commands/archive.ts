/**
 * `dare archive`, `dare append`, `dare delete` and `dare index`: writing DARE
 * Archives (docs/FORMAT.md §9). A new archive appears only when complete; a failed
 * append, delete or index leaves the archive as it was.
 * @module
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import {
  isDareError, ArchiveReader, ArchiveWriter, BackupManifest, DareError, addPath, addTar, base64urlEncode, verifySequence,
  type ArchiveSummary, type EntryMeta,
} from '../../lib/index.js';
import { displayPath, isStdio, openInput, writeLine, type Io } from '../io.js';
import { loadReadKeys, loadRecipients, loadSecret, loadSigner, protectionGiven, readKeyOptions } from '../keys.js';
import { passphraseOptions } from '../passphrase.js';
import { HintedError, UsageError } from '../errors.js';
import { ARCHIVE_WRITE_KEYS, entryProgress, inputName, note, trustHint, withArchiveOutput, type ReadArgs } from './archive-common.js';
import type { Command } from './index.js';

interface WriteArgs extends ReadArgs {
  archive: string;
  inputs?: string[];
  fromTar?: string;
  encrypt?: string[];
  sign?: string;
  unsigned?: boolean;
  adopt?: boolean;
  full?: boolean;
  manifest?: string;
  plaintext?: boolean;
}

/** Adds the command-line inputs and the tar stream to `w`. */
async function addInputs(io: Io, a: WriteArgs, w: ArchiveWriter, onEntry: (m: EntryMeta) => void, onUnchanged?: (m: EntryMeta) => void): Promise<number> {
  let skipped = 0;
  const onSkip = (p: string, why: string) => {
    skipped++;
    note(io, a, `skipped ${p}: ${why}`);
  };
  // The archive being written, and its lock: `dare archive x.dare .` does not archive itself.
  const ids = await Promise.all([w.file, `${w.path}.lock`].map((f) => lstat(f).then((s) => `${s.dev}:${s.ino}`, () => undefined)));
  const exclude = new Set(ids.filter((x): x is string => x !== undefined));
  for (const arg of a.inputs ?? []) {
    if (isStdio(arg)) throw new UsageError('"-" is not a file to archive: use --from-tar - to read a tar stream from stdin');
    const name = inputName(arg);
    if (name !== undefined) {
      await addPath(w, arg, name, { onSkip, onEntry, onUnchanged, exclude });
      continue;
    }
    let names: string[];
    try {
      names = (await readdir(arg)).sort();
    } catch (e) {
      throw new DareError('IO', `${arg}: ${(e as Error).message}`, { cause: e });
    }
    for (const n of names) await addPath(w, join(arg, n), n, { onSkip, onEntry, onUnchanged, exclude });
  }
  if (a.fromTar !== undefined) {
    const r = await addTar(w, await openInput(io, a.fromTar), { onNote: (m) => note(io, a, m), onEntry });
    skipped += r.skipped;
  }
  return skipped;
}

function summaryJson(archive: string, s: ArchiveSummary, extra: Record<string, unknown>) {
  return {
    archive: displayPath(archive), ...extra, entries: s.entries, frames: s.frames, signed: s.signed, apex: s.apex ? base64urlEncode(s.apex) : undefined,
    ...(s.writeOnly ? { writeOnly: true } : {}), ...(s.unchanged !== undefined ? { unchanged: s.unchanged } : {}),
  };
}

/** Opens the session: keyed (the index is read), or write-only when no key reads it. */
async function openSession(io: Io, a: WriteArgs, options: { rescan?: boolean; writeOnly?: boolean; incremental?: boolean }): Promise<ArchiveWriter> {
  const read = await loadReadKeys(io, a);
  const signer = await loadSigner(io, a.sign, a);
  const recipients = a.encrypt?.length ? await loadRecipients(io, a.encrypt, a) : undefined;
  const noKey = !read.keys?.length && !read.secrets?.length;
  const trust = { trustedSigners: read.trustedSigners, adopt: a.adopt === true };
  const incremental = options.incremental === true && !a.full;
  let w: ArchiveWriter;
  try {
    try {
      w = await ArchiveWriter.open(a.archive, { ...read, ...trust, recipients, signer, secret: read.secrets?.[0], rescan: options.rescan, incremental });
    } catch (e) {
      // No key reads the index of an archive encrypted to public keys: append write-only.
      if (!(options.writeOnly && noKey && isDareError(e, 'NO_MATCHING_KEY'))) throw e;
      // What this host sent before is in its manifest (keyed with its signing key).
      const manifest = options.incremental && signer ? await BackupManifest.load(a.manifest ?? await manifestPath(io, a.archive), signer) : undefined;
      if (manifest && a.full) manifest.clear('--full');
      w = await ArchiveWriter.openWriteOnly(a.archive, { ...trust, recipients, signer, manifest });
      note(io, a, 'write-only append (no key reads the index): new entries are sealed without an index; readers scan the frames until `dare index -i KEY` writes one');
      if (manifest?.stale) note(io, a, `every file is sent again: ${manifest.stale} (manifest ${manifest.path})`);
      if (options.incremental && !signer) note(io, a, 'every file is sent: without --sign there is no manifest of what this host sent');
    }
  } catch (e) {
    if (isDareError(e, 'SIGNATURE_INVALID')) throw new HintedError(e, trustHint(a.archive, e.message, 'archive'));
    throw e;
  }
  const u = w.trust?.unvouched;
  if (u && w.trust?.adopted) note(io, a, `adopted frames ${u.from}-${u.to}: the new ${w.writeOnly ? 'seal' : 'index'}${signer ? ' signs over them' : ' builds on them'}`);
  return w;
}

/** Runs a session on an existing archive: aborted (cut back) on any error. */
async function session(io: Io, a: WriteArgs, options: { rescan?: boolean; writeOnly?: boolean; incremental?: boolean }, work: (w: ArchiveWriter) => Promise<Record<string, unknown>>, forceIndex = false): Promise<void> {
  if (isStdio(a.archive)) throw new UsageError('an archive is changed in place: give its file name, not -');
  const w = await openSession(io, a, options);
  let extra: Record<string, unknown>;
  let s: ArchiveSummary;
  try {
    if (w.policy.signKeys.length && !a.sign && !a.unsigned) {
      throw new UsageError('this archive is signed: give --sign KEYFILE to sign the new index, or --unsigned to leave it unsigned');
    }
    extra = await work(w);
    s = await w.finish({ forceIndex });
  } catch (e) {
    await w.abort();
    throw e;
  }
  if (a.json) writeLine(io.stdout, JSON.stringify(summaryJson(a.archive, s, extra)));
  else if (s.unchanged) note(io, a, `${s.unchanged} ${s.unchanged === 1 ? 'entry' : 'entries'} unchanged in the archive, not stored again`);
}

/**
 * Where a write-only host keeps the manifest of what it sent to ARCHIVE:
 * $XDG_STATE_HOME/dare/backups (default ~/.local/state/dare/backups), one file per archive,
 * named by a digest of the archive's absolute path.
 */
async function manifestPath(io: Io, archive: string): Promise<string> {
  const base = io.env.XDG_STATE_HOME || join(io.env.HOME || homedir(), '.local', 'state');
  // The folder's real path and the file's name: the same before the archive exists (dare archive) and after.
  const abs = resolve(archive);
  const where = join(await realpath(dirname(abs)).catch(() => dirname(abs)), basename(abs));
  return join(base, 'dare', 'backups', `${createHash('sha256').update(where).digest('hex').slice(0, 32)}.json`);
}

function writeOptions(y: Argv): Argv {
  return readKeyOptions(y, ARCHIVE_WRITE_KEYS)
    .option('sign', { alias: 's', type: 'string', describe: 'sign the index (the apex of the whole archive) with this private key file' })
    .option('unsigned', { type: 'boolean', describe: 'allow leaving a signed archive with an unsigned index' })
    .option('adopt', { type: 'boolean', describe: 'build on (and with --sign, sign over) frames after the last signature by a trusted key, after reviewing them' });
}

export function archiveCommand(io: Io): Command {
  return {
    command: 'archive <archive> [inputs..]',
    describe: 'Create a DARE archive of files and directories (encrypted, signed), or from a tar stream',
    builder: (y: Argv) =>
      y
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive to create, - for stdout' })
        .positional('inputs', { type: 'string', array: true, describe: 'files and directories (stored by their last name; DIR/. stores the contents of DIR)' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'encrypt to this public key (dare1... or a file); repeatable' })
        .option('key', { type: 'string', describe: 'encrypt under this shared secret (E... UDF, or a file)' })
        .option('sign', { alias: 's', type: 'string', describe: 'sign the index (the apex of the whole archive) with this private key file' })
        .option('from-tar', { type: 'string', describe: 'add the entries of this tar file (- for stdin)' })
        .options(passphraseOptions)
        .option('force', { type: 'boolean', describe: 'replace an existing archive file' })
        .option('manifest', { type: 'string', describe: 'with -e and -s: where this host records what it stored, for later write-only appends (default $XDG_STATE_HOME/dare/backups/<digest of the archive path>.json)' })
        .option('plaintext', { type: 'boolean', describe: 'write it unencrypted and unsigned on purpose (otherwise -e, --key or -s is required)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' })
        .example('dare archive release.dare dist/ -s vendor.key', 'signed archive of dist/ (stored as dist/...)')
        .example('dare archive backup.dare ~/docs -e bob.pub -e me.pub', 'encrypted to two keys, names and metadata included')
        .example('tar c src | dare archive src.dare --from-tar - --key "$(cat team.secret)"', 'from a tar stream, under a shared secret'),
    handler: async (raw: unknown) => {
      const a = raw as WriteArgs;
      if (!a.inputs?.length && a.fromTar === undefined) throw new UsageError('nothing to archive: give files or directories, or --from-tar FILE');
      protectionGiven(a, 'archive');
      const recipients = await loadRecipients(io, a.encrypt, a);
      const secret = a.key === undefined ? undefined : await loadSecret(a.key, io);
      const signer = await loadSigner(io, a.sign, a);
      const progress = entryProgress(io, a, 'archiving');
      let skipped = 0;
      // A host that signs an archive encrypted to others' keys appends to it write-only later:
      // it records what it stored, so that those appends send only what changed.
      const manifest = signer && recipients.length && !isStdio(a.archive) ? BackupManifest.empty(a.manifest ?? await manifestPath(io, a.archive), signer) : undefined;
      const s = await withArchiveOutput(io, a.archive, async (file) => {
        const w = await ArchiveWriter.create(file, { recipients, secret, signer, force: a.force === true, manifest });
        try {
          skipped = await addInputs(io, a, w, (m) => progress.tick(m.size));
          return await w.finish();
        } catch (e) {
          await w.abort();
          throw e;
        } finally {
          progress.done();
        }
      });
      const encrypted = recipients.length > 0 || secret !== undefined;
      if (a.json) {
        const line = JSON.stringify(summaryJson(a.archive, s, { encrypted, skipped }));
        writeLine(isStdio(a.archive) ? io.stderr : io.stdout, line);
      } else if (!encrypted) note(io, a, `${displayPath(a.archive)}: ${signer ? 'signed, ' : ''}not encrypted: names and contents are readable by anyone who has the file`);
    },
  };
}

export function appendCommand(io: Io): Command {
  return {
    command: 'append <archive> [inputs..]',
    describe: 'Add or replace files in a DARE archive (skipping what it holds unchanged) and write a new (signed) index',
    builder: (y: Argv) =>
      writeOptions(y)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive file' })
        .positional('inputs', { type: 'string', array: true, describe: 'files and directories, named as in dare archive' })
        .option('from-tar', { type: 'string', describe: 'add the entries of this tar file (- for stdin)' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'the archive\'s recipients (dare1... or a file), given again: new frames are encrypted to exactly these, and the archive must name the same; repeatable' })
        .option('full', { type: 'boolean', describe: 'store every file again, changed or not (by default what the archive holds unchanged is skipped)' })
        .option('manifest', { type: 'string', describe: 'write-only: the file where this host records what it sent (default $XDG_STATE_HOME/dare/backups/<digest of the archive path>.json)' })
        .example('dare append release.dare CHANGES.md -s vendor.key', 'add a file and re-sign')
        .example('dare append backup.dare notes/ -i me.key', 'encrypted archive: the key reads the index; new frames go to the same recipients')
        .example('dare append backup.dare notes/ -s host.key', 'no private key: write-only (sealed and signed, no index until `dare index -i me.key`)')
        .example('dare append backup.dare notes/ -s host.key --signer owner.pub', 'the archive was last signed by the owner: trust that key too'),
    handler: async (raw: unknown) => {
      const a = raw as WriteArgs;
      if (!a.inputs?.length && a.fromTar === undefined) throw new UsageError('nothing to append: give files or directories, or --from-tar FILE');
      const progress = entryProgress(io, a, 'appending');
      await session(io, a, { writeOnly: true, incremental: true }, async (w) => {
        let added = 0;
        try {
          const skipped = await addInputs(io, a, w, (m) => {
            added++;
            progress.tick(m.size);
          }, (m) => progress.tick(m.size));
          return { added, skipped };
        } finally {
          progress.done();
        }
      });
    },
  };
}

export function deleteCommand(io: Io): Command {
  return {
    command: 'delete <archive> <paths..>',
    describe: 'Mark entries of a DARE archive deleted (their data stays until dare copy --purge)',
    builder: (y: Argv) =>
      writeOptions(y)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive file' })
        .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'entries to delete (a directory: with everything in it)' })
        .example('dare delete backup.dare docs/old.txt -i me.key', 'append a deletion marker and a new index')
        .example('dare delete backup.dare docs/old.txt -i me.key && dare copy backup.dare clean.dare --purge -i me.key', 'and remove the bytes for good'),
    handler: async (raw: unknown) => {
      const a = raw as WriteArgs & { paths: string[] };
      await session(io, a, {}, async (w) => {
        const deleted: string[] = [];
        for (const p of a.paths) deleted.push(...(await w.remove(p)));
        return { deleted };
      });
    },
  };
}

export function indexCommand(io: Io): Command {
  return {
    command: 'index <archive>',
    describe: 'Check a DARE archive and append a fresh index built from all its frames (after an interrupted append)',
    builder: (y: Argv) =>
      writeOptions(y)
        .positional('archive', { type: 'string', demandOption: true, describe: 'archive file' })
        .example('dare index backup.dare -i me.key', 'cut a torn tail, verify every frame, write a new index')
        .example('dare index release.dare -s vendor.key', 'and sign it'),
    handler: async (raw: unknown) => {
      const a = raw as WriteArgs;
      if (isStdio(a.archive)) throw new UsageError('an archive is changed in place: give its file name, not -');
      const read = await loadReadKeys(io, a);
      // Every frame is checked before a new index (perhaps signed) vouches for them; which frames
      // the index may vouch for (--signer, --adopt) the session decides.
      const r = await ArchiveReader.open(a.archive, { ...read, trustedSigners: [] });
      let torn: number;
      try {
        torn = r.sequence.tornBytes;
        await verifySequence(r.sequence);
      } finally {
        await r.close();
      }
      if (torn) note(io, a, `cut ${torn} bytes of an interrupted append from the end`);
      await session(io, a, { rescan: true }, async () => ({ tornBytes: torn }), true);
    },
  };
}
