/**
 * `dare watch SRC DEST`, `dare restore DEST OUT` and `dare status DEST`: the
 * watched-folder mirror of fuse-like-watch/ (docs/FORMAT.md §12). Arguments and
 * output only; the work is in the library.
 * @module
 */
import type { Argv } from 'yargs';
import { DareError, isDareError, publicKeySet, type DecryptionKey, type RecipientKey } from '../../lib/index.js';
import {
  excluder, mirrorHistory, mirrorStatus, restoreMirror, syncOnce, watchFolder, type MirrorEvent, type MirrorKeys, type MirrorStatus,
} from '../../fuse-like-watch/index.js';
import { writeLine, type Io } from '../io.js';
import {
  loadIdentity, loadReadKeys, loadRecipients, loadSecret, loadSigner, readKeyOptions, type ReadKeyArgs, type ReadKeySpec,
} from '../keys.js';
import { HintedError, UsageError } from '../errors.js';
import { trustHint } from './archive-common.js';
import type { Command } from './index.js';

interface KeyArgs extends ReadKeyArgs {
  json?: boolean;
}

/** The mirror's key options: no --allow-unauthenticated (MirrorKeys has no such option), no progress line; --signer for restore and status. */
const MIRROR_KEYS: ReadKeySpec = { subject: 'the mirror', identity: 'that opens the mirror', progress: false };

async function readKeys(io: Io, a: KeyArgs): Promise<MirrorKeys> {
  if (!a.identity?.length && a.key === undefined) throw new HintedError(new DareError('NO_MATCHING_KEY', 'the mirror is encrypted and no key was given'), 'give -i KEYFILE or --key SECRET');
  const k = await loadReadKeys(io, a);
  return { decryptionKeys: k.keys, secret: k.secrets[0], trustedSigners: k.trustedSigners };
}

function size(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${x.toFixed(1)} ${units[i]}`;
}

/** One line per event: JSON on stdout with --json, text on stderr when verbose; problems always. */
function reporter(io: Io, a: { json?: boolean; verbose?: boolean; quiet?: boolean }) {
  const verbose = a.verbose === true || (io.stderrIsTTY && !a.quiet && !a.json);
  return (e: MirrorEvent | { event: string; [k: string]: unknown }) => {
    if (a.json) writeLine(io.stdout, JSON.stringify(e));
    const x = e as MirrorEvent;
    if (x.event === 'skip') {
      // The reason names the path (a file system error message).
      if (!a.quiet) io.stderr.write(`dare: warning: ${x.reason ?? x.path ?? '?'} (skipped; retried later)\n`);
      return;
    }
    if (!verbose || a.json) return;
    const n = x.entry === undefined ? '' : ` [entry ${x.entry}]`;
    switch (x.event as string) {
      case 'put': io.stderr.write(`dare: put ${x.path} (${size(x.size ?? 0)})${n}\n`); break;
      case 'rename': io.stderr.write(`dare: rename ${x.from} -> ${x.path}${n}\n`); break;
      case 'delete': case 'mkdir': case 'rmdir': io.stderr.write(`dare: ${x.event} ${x.path}${n}\n`); break;
      case 'checkpoint': io.stderr.write(`dare: checkpoint: ${x.files} files, ${size(x.bytes ?? 0)}${n}\n`); break;
      case 'opened': {
        const what = x.created ? 'created the mirror' : `opened the mirror: ${x.files} files at entry ${x.entry}`;
        const rec = (x.tornBytes ?? 0) > 0 || (x.orphans ?? 0) > 0 ? `; recovered from an interruption (${x.tornBytes} torn bytes cut, ${x.orphans} unrecorded objects removed)` : '';
        io.stderr.write(`dare: ${what}${rec}\n`);
        break;
      }
      case 'ready': io.stderr.write(`dare: up to date; watching for changes (Ctrl-C to stop)\n`); break;
    }
  };
}

interface WatchArgs extends KeyArgs {
  src: string;
  dest: string;
  encrypt?: string[];
  sign?: string;
  once?: boolean;
  settle: number;
  retry: number;
  verbose?: boolean;
  exclude?: string[];
  adopt?: boolean;
}

async function watchKeys(io: Io, a: WatchArgs): Promise<MirrorKeys> {
  if (a.key !== undefined && (a.identity?.length || a.encrypt?.length)) throw new UsageError('give --key, or --identity and --encrypt, not both');
  if (a.key === undefined && !a.identity?.length) {
    throw new UsageError('dare watch needs --identity KEYFILE (the mirror is encrypted to it, and the watcher reads its journal when it restarts) or --key SECRET');
  }
  const decryptionKeys: DecryptionKey[] = [];
  const recipients: RecipientKey[] = [];
  for (const f of a.identity ?? []) {
    // The mirror is encrypted to the watcher's own key too: it reads its journal when it restarts.
    const id = await loadIdentity(io, f, a);
    decryptionKeys.push(...id.decryptionKeys);
    if (id.keySet) recipients.push(publicKeySet(id.keySet).encryption);
  }
  recipients.push(...(await loadRecipients(io, a.encrypt, a)));
  const signer = await loadSigner(io, a.sign, a);
  return { recipients, decryptionKeys, secret: a.key === undefined ? undefined : await loadSecret(a.key, io), signer };
}

/** Runs `work`, adding how to review and adopt to a refusal of what the watcher does not trust. */
async function hinted<T>(a: WatchArgs, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isDareError(e, 'SIGNATURE_INVALID')) throw new HintedError(e, trustHint(a.dest, e.message, 'mirror'));
    throw e;
  }
}

/** Bad --exclude patterns are usage errors. */
function checkExclude(patterns: string[] | undefined): void {
  try {
    excluder(patterns);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--exclude: ${e.message}`);
    throw e;
  }
}

export function watchCommand(io: Io): Command {
  return {
    command: 'watch <src> <dest>',
    describe: 'Keep an encrypted, signed, journaled mirror of folder SRC in DEST (catch up, then follow changes)',
    builder: (y: Argv) =>
      readKeyOptions(y, MIRROR_KEYS)
        .positional('src', { type: 'string', demandOption: true, describe: 'plaintext folder to watch' })
        .positional('dest', { type: 'string', demandOption: true, describe: 'mirror folder (new or empty the first time; e.g. in a synced cloud folder)' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'also encrypt to this public key (dare1... or a file); repeatable' })
        .option('sign', { alias: 's', type: 'string', describe: 'sign every object and checkpoint with this private key file' })
        .option('once', { type: 'boolean', describe: 'one catch-up pass, then exit (for cron)' })
        .option('adopt', { type: 'boolean', describe: 'with --sign: go on from journal entries after the last one your key signed (review them with dare status --log first)' })
        .option('settle', { type: 'number', default: 1000, describe: 'milliseconds a file must stay unchanged before it is encrypted' })
        .option('retry', { type: 'number', default: 30, describe: 'seconds between retries of files that could not be read' })
        .option('verbose', { alias: 'v', type: 'boolean', describe: 'one line per change on stderr (the default on a terminal)' })
        .option('exclude', { alias: 'x', type: 'string', array: true, describe: 'leave out what matches this glob (a name at any depth, e.g. node_modules or \'*.tmp\'; with a slash, a path from SRC); repeatable; a mirrored path that matches is recorded as deleted' })
        .example('dare watch ~/docs /mnt/cloud/docs-enc -i ~/.dare/me.key', 'mirror ~/docs, encrypted to me; Ctrl-C or kill to stop, run again to resume')
        .example('dare watch ~/src /mnt/cloud/src-enc -i me.key -x node_modules -x .git -x \'*.tmp\'', 'without dependencies, git objects and temporary files')
        .example('dare watch ~/docs /mnt/cloud/docs-enc --key "$(cat team.secret)" --once', 'one pass from cron'),
    handler: async (raw: unknown) => {
      const a = raw as WatchArgs;
      if (!(a.settle >= 0) || !(a.retry > 0)) throw new UsageError('--settle must be >= 0 and --retry > 0');
      checkExclude(a.exclude);
      const keys = await watchKeys(io, a);
      const onEvent = reporter(io, a);
      if (a.once) {
        const r = await hinted(a, () => syncOnce(a.src, a.dest, { keys, settleMs: a.settle, onEvent, exclude: a.exclude, adopt: a.adopt }));
        if (a.json) writeLine(io.stdout, JSON.stringify({ event: 'done', changes: r.changes, files: r.files, failed: r.failed.size }));
        if (r.failed.size) throw new DareError('IO', `${r.failed.size} path(s) could not be read (warnings above); the next run retries them`);
        return;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await hinted(a, () => watchFolder(a.src, a.dest, { keys, settleMs: a.settle, retryMs: a.retry * 1000, signal: stop.signal, onEvent, exclude: a.exclude, adopt: a.adopt }));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}

interface RestoreArgs extends KeyArgs {
  dest: string;
  out: string;
  at?: string;
  entry?: number;
  file?: string;
  force?: boolean;
}

export function restoreCommand(io: Io): Command {
  return {
    command: 'restore <dest> <out>',
    describe: 'Rebuild the folder mirrored in DEST into OUT, as of now or an earlier entry or time',
    builder: (y: Argv) =>
      readKeyOptions(y, { ...MIRROR_KEYS, signer: 'only entries and objects it signed are restored' })
        .positional('dest', { type: 'string', demandOption: true, describe: 'mirror folder written by dare watch' })
        .positional('out', { type: 'string', demandOption: true, describe: 'folder to restore into (created if missing)' })
        .option('at', { type: 'string', describe: 'the state at this time (ISO 8601, e.g. 2025-01-31T12:00:00Z)' })
        .option('entry', { type: 'number', describe: 'the state after this journal entry (see dare status --log)' })
        .option('file', { type: 'string', describe: 'restore only this path (a file, or a folder and what is below it)' })
        .option('force', { type: 'boolean', describe: 'replace files that exist in OUT' })
        .example('dare restore /mnt/cloud/docs-enc ~/docs-restored -i ~/.dare/me.key', 'the folder as it is now')
        .example('dare restore /mnt/cloud/docs-enc old -i me.key --at 2025-01-31T12:00:00Z --file notes/plan.md', 'one file as it was then'),
    handler: async (raw: unknown) => {
      const a = raw as RestoreArgs;
      let at: Date | undefined;
      if (a.at !== undefined) {
        at = new Date(a.at);
        if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${a.at}: not a date and time (use ISO 8601, e.g. 2025-01-31T12:00:00Z)`);
      }
      if (a.entry !== undefined && (!Number.isSafeInteger(a.entry) || a.entry < 0)) throw new UsageError('--entry must be a non-negative integer');
      const keys = await readKeys(io, a);
      const verbose = io.stderrIsTTY && !a.quiet && !a.json;
      const r = await restoreMirror(a.dest, a.out, {
        keys, at, entry: a.entry, file: a.file, force: a.force === true,
        onEvent: (e) => {
          if (e.event === 'failed' && !a.quiet) io.stderr.write(`dare: warning: ${e.path}: ${e.reason} (not written)\n`);
          if (e.event === 'unsigned' && !a.quiet) io.stderr.write(`dare: warning: ${e.entries} entries after the last trusted signature are left out\n`);
          if (e.event === 'restored' && verbose) io.stderr.write(`dare: restored ${e.path}\n`);
        },
      });
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({ entry: r.upTo, files: r.files, bytes: r.bytes, unsigned: r.unsigned, failed: r.failed.map((f) => ({ path: f.path, code: f.error.code, reason: f.error.message })) }));
      } else if (!a.quiet) io.stderr.write(`dare: restored ${r.files} files (${size(r.bytes)}) as of entry ${r.upTo} into ${a.out}\n`);
      const first = r.failed[0];
      if (first) throw new DareError(first.error.code, `${r.failed.length} file(s) failed verification and were not written (first: ${first.path}: ${first.error.message})`);
    },
  };
}

function statusText(dest: string, s: MirrorStatus): string[] {
  const lines = [`mirror: ${dest}`];
  lines.push(`journal: ${s.entries} entries, verified (digests, MACs, Merkle tree${s.signed ? ', signatures' : ''})${s.tornBytes ? `; ${s.tornBytes} bytes of an interrupted entry at the end` : ''}`);
  lines.push(`mirrored: ${s.files} files (${size(s.bytes)}), ${s.dirs} folders; last change ${s.lastChange ?? 'never'}`);
  lines.push(`last checkpoint: ${s.checkpoint ? `entry ${s.checkpoint.entry} at ${s.checkpoint.time}` : 'none'}`);
  lines.push(`signed: ${s.signed ? `up to entry ${s.signed.entry} by ${s.signed.by ?? '?'}` : 'no'}`);
  lines.push(`watcher: ${s.watcher ? `running (pid ${s.watcher.pid} on ${s.watcher.host} since ${s.watcher.started})` : 'not running'}`);
  if (s.pending) {
    const n = s.pending.put.length + s.pending.delete.length;
    lines.push(`pending: ${n === 0 ? 'nothing' : `${s.pending.put.length} to encrypt, ${s.pending.delete.length} to delete`} (source ${s.source})`);
    for (const p of s.pending.put.slice(0, 20)) lines.push(`  + ${p}`);
    for (const p of s.pending.delete.slice(0, 20)) lines.push(`  - ${p}`);
  } else lines.push(`pending: unknown (source ${s.source ?? '?'} not found here; give --source)`);
  lines.push(`objects: ${s.missing.length} missing${s.deepChecked ? `, ${s.damaged.length} damaged (every object decrypted and checked)` : ' (--deep decrypts and checks each)'}`);
  for (const p of s.missing) lines.push(`  missing: ${p}`);
  for (const d of s.damaged) lines.push(`  damaged: ${d.path}: ${d.reason}`);
  return lines;
}

export function statusCommand(io: Io): Command {
  return {
    command: 'status <dest>',
    describe: 'Show what a dare watch mirror holds: files, pending changes, last checkpoint and signature, history',
    builder: (y: Argv) =>
      readKeyOptions(y, { ...MIRROR_KEYS, signer: '' })
        .positional('dest', { type: 'string', demandOption: true, describe: 'mirror folder written by dare watch' })
        .option('source', { type: 'string', describe: 'source folder to compare with (default: the one the mirror was made from)' })
        .option('deep', { type: 'boolean', describe: 'decrypt and check every current object' })
        .option('exclude', { alias: 'x', type: 'string', array: true, describe: 'the watcher\'s --exclude patterns, so that excluded files do not count as pending' })
        .option('log', { type: 'boolean', describe: 'list every journal entry (the history) instead' })
        .example('dare status /mnt/cloud/docs-enc -i me.key', 'summary')
        .example('dare status /mnt/cloud/docs-enc -i me.key --log', 'history, to pick --entry for dare restore'),
    handler: async (raw: unknown) => {
      const a = raw as KeyArgs & { dest: string; source?: string; deep?: boolean; log?: boolean; exclude?: string[] };
      checkExclude(a.exclude);
      const keys = await readKeys(io, a);
      if (a.log) {
        for (const h of await mirrorHistory(a.dest, keys)) {
          if (a.json) writeLine(io.stdout, JSON.stringify(h));
          else {
            const what = h.op === 'rename' ? `${h.from} -> ${h.path}` : h.path ?? '';
            writeLine(io.stdout, `${String(h.entry).padStart(6)}  ${h.time ?? ''}  ${h.op.padEnd(10)} ${what}${h.size !== undefined && h.op !== 'checkpoint' ? ` (${size(h.size)})` : ''}`);
          }
        }
        return;
      }
      const s = await mirrorStatus(a.dest, { keys, source: a.source, deep: a.deep === true, exclude: a.exclude });
      if (a.json) writeLine(io.stdout, JSON.stringify(s));
      else for (const l of statusText(a.dest, s)) writeLine(io.stdout, l);
      if (s.missing.length || s.damaged.length) {
        throw new DareError('DIGEST_MISMATCH', `${s.missing.length} object(s) missing and ${s.damaged.length} damaged: restore cannot rebuild those files`);
      }
    },
  };
}
