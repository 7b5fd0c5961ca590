/**
 * `dare log create|append|show|verify|prove|check-proof`: encrypted, signed,
 * append-only logs and inclusion proofs of their entries (docs/FORMAT.md §10).
 * Parses arguments and calls lib/log.
 * @module
 */
import type { Argv } from 'yargs';
import {
  base64urlEncode, checkEntryDigest, checkInclusionProof, DareError, digestStream, encodeInclusionProof, fromUtf8, isDareError,
  LogReader, LogWriter, MAX_ENTRY_BYTES, MAX_PROOF_BYTES, parseInclusionProof, proveInclusion, utf8,
  type Extension, type LogSession,
} from '../../lib/index.js';
import { displayPath, isStdio, openInput, readSmallInput, writeLine, writeOutput, type Io } from '../io.js';
import {
  loadReadKeys, loadRecipients, loadSecret, loadSigner, loadTrustedSigners, readKeyOptions, type ReadKeyArgs, type ReadKeySpec,
} from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { progressEnabled } from '../progress.js';
import { HintedError, UsageError } from '../errors.js';
import { trustHint } from './archive-common.js';
import { checkSince, sinceText, SINCE_OPTION } from './checkpoint.js';
import type { Command } from './index.js';
import { expectKind } from '../file-kind.js';
import { appendLines, DEFAULT_SYNC, DRAIN_IDLE_MS, DRAIN_MAX_MS, withStopSignals, type StdinSession, type StopSignal, type SyncPolicy } from './log-stdin.js';
import { threadsOption } from './verify-sequence.js';

interface Common extends PassphraseArgs {
  json?: boolean;
  quiet?: boolean;
}

interface ReadArgs extends Common, ReadKeyArgs {}

/** The key options of show and verify; verify adds --signer. */
const LOG_KEYS: ReadKeySpec = {
  subject: 'the log',
  allowUnauthenticated: 'read encrypted entries that carry no MAC',
};

/** An entry counter on stderr, every 200 ms, only on a terminal (progress.ts rules). */
function counter(io: Io, enabled: boolean, label: string, total?: number) {
  let last = 0;
  let seen = 0;
  const show = () => io.stderr.write(`\r${label}: ${seen}${total ? ` of ${total}` : ''} entries\x1b[K`);
  return {
    tick(): void {
      seen++;
      if (!enabled) return;
      const now = Date.now();
      if (now - last > 200) {
        last = now;
        show();
      }
    },
    done(): void {
      if (enabled && seen > 0) io.stderr.write('\r\x1b[K');
    },
  };
}

/** Text of an entry for a terminal: one line, control characters escaped (never raw escape sequences). */
function printable(data: Uint8Array): string | undefined {
  let text: string;
  try {
    text = fromUtf8(data);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function created(c: string | undefined): string {
  return c ?? '-';
}

export function logCommand(io: Io): Command {
  return {
    command: 'log <command>',
    describe: 'Encrypted, signed, append-only logs and inclusion proofs of their entries',
    builder: (y: Argv) =>
      y
        .command(createCommand(io))
        .command(appendCommand(io))
        .command(showCommand(io))
        .command(verifyLogCommand(io))
        .command(proveCommand(io))
        .command(checkProofCommand(io))
        .demandCommand(1, 'log needs a subcommand: create, append, show, verify, prove or check-proof'),
    handler: () => undefined,
  };
}

function createCommand(io: Io): Command {
  return {
    command: 'create <log>',
    describe: 'Create an empty log, encrypted to recipients or under a shared secret, and signed',
    builder: (y: Argv) =>
      y
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file to create (must not exist)' })
        .option('encrypt', { alias: ['e', 'r'], type: 'string', array: true, describe: 'encrypt every entry to this public key (dare1... or a file); repeatable. Appending needs no key' })
        .option('key', { type: 'string', describe: 'encrypt every entry under this shared secret (E... UDF or a file); appending and reading need it' })
        .option('sign', { alias: 's', type: 'string', describe: 'private key file: its public key goes into the log, and appends given --sign with it sign the apex' })
        .options(passphraseOptions)
        .example('dare log create audit.dlog -e alice.pub --sign alice.key', 'entries encrypted to Alice, sessions signed by Alice')
        .example('dare log create team.dlog --key "$(cat team.secret)"', 'entries encrypted under a shared secret')
        .example('dare log create public.dlog --sign ca.key', 'a plaintext, signed transparency log'),
    handler: async (raw: unknown) => {
      const a = raw as Common & { log: string; encrypt?: string[]; key?: string; sign?: string };
      if (isStdio(a.log)) throw new UsageError('a log is a file: give a path, not -');
      if (a.encrypt?.length && a.key !== undefined) throw new UsageError('use --encrypt or --key, not both');
      const recipients = await loadRecipients(io, a.encrypt, a);
      const secret = a.key === undefined ? undefined : await loadSecret(a.key, io);
      const signer = await loadSigner(io, a.sign, a);
      const w = await LogWriter.create(a.log, { recipients, secret, signer });
      await w.close();
      const encryption = recipients.length ? `encrypted to ${recipients.length} key${recipients.length > 1 ? 's' : ''}` : secret ? 'encrypted under a shared secret' : 'not encrypted';
      if (a.json) writeLine(io.stdout, JSON.stringify({ log: a.log, encrypted: recipients.length > 0 || secret !== undefined, recipients: recipients.length, secret: secret !== undefined, signed: signer !== undefined }));
      else writeLine(io.stdout, `${a.log}: created, ${encryption}, ${signer ? 'signed' : 'not signed'}`);
    },
  };
}

const APPEND_EPILOGUE = [
  'Reading stdin (-) is one session in which every line is an entry. While it runs, a checkpoint writes out and fsyncs every entry read so far and, with --sign, signs the last one over the apex, so that `dare log verify --signer` passes after every checkpoint and no meta frame is added.',
  `Checkpoints happen when stdin has been idle for --sync-interval ms (default ${DEFAULT_SYNC.idleMs}), at the latest --sync-max-delay ms (default ${DEFAULT_SYNC.maxDelayMs}) after an entry was read, and every --sync-entries entries (default ${DEFAULT_SYNC.entries}). A crash, kill -9 or power loss loses at most the entries read since the last checkpoint: under ${DEFAULT_SYNC.maxDelayMs / 1000} s of input by default, plus the time one fsync takes. The next append cuts a torn tail.`,
  `SIGINT, SIGTERM or SIGHUP end the session cleanly: lines already in the pipe are still read (until it is quiet for ${DRAIN_IDLE_MS} ms, at most ${DRAIN_MAX_MS / 1000} s; a second signal stops reading at once), the last entry is written and signed, the file is synced and the count printed. dare then dies of the same signal (exit status 130, 143 or 129), as a shell script expects of an interrupted command.`,
].join('\n\n');

function syncPolicy(a: { syncInterval?: number; syncMaxDelay?: number; syncEntries?: number }, stdinLines: boolean): SyncPolicy {
  const given = [['--sync-interval', a.syncInterval], ['--sync-max-delay', a.syncMaxDelay], ['--sync-entries', a.syncEntries]] as const;
  for (const [name, v] of given) {
    if (v === undefined) continue;
    if (!stdinLines) throw new UsageError(`${name} applies to stdin lines (-) only`);
    const min = name === '--sync-entries' ? 1 : 0;
    if (!Number.isSafeInteger(v) || v < min || v > 86_400_000) throw new UsageError(`${name} must be an integer of at least ${min}${name === '--sync-entries' ? '' : ' (milliseconds)'}`);
  }
  return {
    idleMs: a.syncInterval ?? DEFAULT_SYNC.idleMs,
    maxDelayMs: a.syncMaxDelay ?? DEFAULT_SYNC.maxDelayMs,
    entries: a.syncEntries ?? DEFAULT_SYNC.entries,
  };
}

function appendCommand(io: Io): Command {
  return {
    command: 'append <log> [text]',
    describe: 'Append TEXT, a file (--file), or every line of stdin (-) as entries, in one session',
    builder: (y: Argv) =>
      y
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .positional('text', { type: 'string', describe: 'the entry text; - appends each line of stdin as one entry' })
        .option('file', { alias: 'f', type: 'string', describe: `append the bytes of this file as one entry (at most ${MAX_ENTRY_BYTES >> 20} MiB)` })
        .option('key', { type: 'string', describe: 'the shared secret of a log encrypted under one' })
        .option('sign', { alias: 's', type: 'string', describe: 'the log\'s signing key file: sign the apex at every checkpoint and at the end of this session' })
        .option('signer', { type: 'string', array: true, describe: 'trust the log when this public key (dare1... or a file) signed it: its recipients are followed (without --sign, needed for a log encrypted to public keys, or -e); repeatable' })
        .option('encrypt', { alias: 'e', type: 'string', array: true, describe: 'the log\'s recipients (dare1... or a file), given again: entries are encrypted to exactly these, and the log must name the same; repeatable' })
        .option('adopt', { type: 'boolean', describe: 'with --sign: sign over entries after the last signature by a trusted key, after reviewing them (dare log show --from N)' })
        .option('sync-interval', { type: 'number', describe: `with -: checkpoint after stdin is idle this many ms (default ${DEFAULT_SYNC.idleMs}; 0: whenever no line is waiting)` })
        .option('sync-max-delay', { type: 'number', describe: `with -: checkpoint at the latest this many ms after an entry was read (default ${DEFAULT_SYNC.maxDelayMs}): the loss bound of a crash` })
        .option('sync-entries', { type: 'number', describe: `with -: checkpoint at least every this many entries (default ${DEFAULT_SYNC.entries})` })
        .options(passphraseOptions)
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' })
        .example('dare log append audit.dlog "user alice logged in" --sign alice.key', 'one entry, session signed')
        .example('tail -f app.log | dare log append audit.dlog - --sign alice.key', 'each line an entry; signed and synced at every checkpoint; Ctrl-C or kill to stop')
        .example('grep ERROR app.log | dare log append audit.dlog - --sign alice.key', 'a finite pipe: one key exchange, signed at the end')
        .example('dare log append audit.dlog --file report.json --signer alice.pub', 'a file as one entry, unsigned, to the recipients of the log Alice signed')
        .epilogue(APPEND_EPILOGUE),
    handler: async (raw: unknown) => {
      const a = raw as Common & {
        log: string; text?: string; file?: string; key?: string; sign?: string; signer?: string[]; encrypt?: string[]; adopt?: boolean;
        syncInterval?: number; syncMaxDelay?: number; syncEntries?: number;
      };
      if ((a.text === undefined) === (a.file === undefined)) throw new UsageError('give the entry as TEXT, - (stdin lines) or --file F (exactly one)');
      const stdinLines = a.text !== undefined && isStdio(a.text);
      const policy = syncPolicy(a, stdinLines);
      const secret = a.key === undefined ? undefined : await loadSecret(a.key, io);
      const signer = await loadSigner(io, a.sign, a);
      const entry = a.file !== undefined ? await readSmallInput(io, a.file, MAX_ENTRY_BYTES) : undefined;
      const trustedSigners = await loadTrustedSigners(io, a.signer, a);
      const recipients = a.encrypt?.length ? await loadRecipients(io, a.encrypt, a) : undefined;
      let w: LogWriter;
      try {
        w = await LogWriter.open(a.log, { secret, signer, trustedSigners, recipients, adopt: a.adopt === true });
      } catch (e) {
        if (isDareError(e, 'SIGNATURE_INVALID')) throw new HintedError(e, trustHint(a.log, e.message, 'log'));
        throw e;
      }
      const notes = !a.quiet && !a.json;
      const adopted = w.trust?.adopted ? w.trust.unvouched : undefined;
      if (adopted && notes) io.stderr.write(`dare: note: adopted ${adopted.from === adopted.to ? `entry ${adopted.from}` : `entries ${adopted.from}-${adopted.to}`}: this session's signature covers ${adopted.from === adopted.to ? 'it' : 'them'}\n`);
      if (w.tornBytes > 0) {
        // Said even with --quiet: the file was changed.
        io.stderr.write(`dare: warning: ${a.log}: cut a torn tail of ${w.tornBytes} bytes after entry ${w.lastAtOpen} (an interrupted append)\n`);
      }
      const progress = counter(io, progressEnabled(io, a), 'appending');
      let session: LogSession | undefined;
      let stdin: StdinSession | undefined;
      let signal: StopSignal | undefined;
      const finish = async (work: () => Promise<void>) => {
        try {
          await work();
        } finally {
          progress.done();
          session = await w.close();
        }
      };
      if (stdinLines) {
        // Signals are caught until the file is closed: a signal never cuts a session short.
        await withStopSignals(async (stop) => {
          await finish(async () => {
            stdin = await appendLines(w, io.stdin, policy, stop, () => progress.tick());
          });
          signal = stop.signal;
        });
      } else {
        await finish(() => w.append(entry ?? utf8(a.text as string)).then(() => undefined));
      }
      const s = session as LogSession;
      const range = s.first === undefined ? 'nothing' : s.first === s.last ? `entry ${s.first}` : `entries ${s.first}-${s.last}`;
      if (notes && w.signedLog && !s.signed && s.appended > 0) {
        io.stderr.write(`dare: note: ${a.log} is a signed log but --sign was not given: ${range} not covered by a signature until a signed append\n`);
      }
      if (notes && stdin?.unended && !signal) io.stderr.write(`dare: note: the last line of stdin had no newline (${stdin.unended} bytes): appended as it was\n`);
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({
          log: a.log, appended: s.appended, first: s.first, last: s.last, signed: s.signed, tornBytes: w.tornBytes, apex: s.apex && base64urlEncode(s.apex),
          ...(stdinLines ? { checkpoints: s.checkpoints, signal: signal ?? null } : {}),
        }));
      } else if (!a.quiet) {
        writeLine(io.stdout, `${a.log}: appended ${range}${s.signed ? ', signed' : ''}`);
      }
      if (signal) {
        if (notes) {
          const unended = stdin?.unended ? `; the unended last line (${stdin.unended} bytes) is an entry` : '';
          const open = stdin?.open ? '; stdin was still open: lines sent after that were not read' : '';
          io.stderr.write(`dare: note: stopped by ${signal}: the session was finished and synced${unended}${open}\n`);
        }
        // Die of the signal, so that the parent (a shell running a script) sees the interruption.
        // Not when someone else handles it (the CLI run inside another program).
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      }
    },
  };
}

function showCommand(io: Io): Command {
  return {
    command: 'show <log>',
    describe: 'Print entries: number, time appended, text (one line each, control characters escaped)',
    builder: (y: Argv) =>
      readKeyOptions(y, LOG_KEYS)
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .option('from', { type: 'number', describe: 'first entry to show (default 1)' })
        .option('to', { type: 'number', describe: 'last entry to show (default the last)' })
        .example('dare log show audit.dlog -i alice.key', 'every entry, decrypted')
        .example('dare log show audit.dlog -i alice.key --from 100 --to 120 --json', 'JSON lines: {"index","created","text"}'),
    handler: async (raw: unknown) => {
      const a = raw as ReadArgs & { log: string; from?: number; to?: number };
      for (const [name, v] of [['--from', a.from], ['--to', a.to]] as const) {
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new UsageError(`${name} must be an entry number (1 or more)`);
      }
      await expectKind(a.log, 'log', 'log show');
      const log = await LogReader.open(a.log, await loadReadKeys(io, a));
      try {
        if (log.tornBytes > 0 && !a.quiet) io.stderr.write(`dare: warning: ${a.log}: ${log.tornBytes} bytes after entry ${log.lastEntry} are a torn append; showing the entries before them\n`);
        for await (const e of log.entries(a.from ?? 1, a.to ?? Number.MAX_SAFE_INTEGER)) {
          if (!e.opened) throw new HintedError(new DareError('NO_MATCHING_KEY', `${a.log}: the log is encrypted and no key was given`), 'give -i KEYFILE or --key SECRET');
          const data = e.data as Uint8Array;
          const text = printable(data);
          if (a.json) {
            const value = text === undefined ? { data: base64urlEncode(data) } : { text: fromUtf8(data) };
            writeLine(io.stdout, JSON.stringify({ index: e.index, created: e.created, ...value }));
          } else {
            writeLine(io.stdout, `${e.index}\t${created(e.created)}\t${text ?? `[${data.length} bytes, not UTF-8 text: use --json]`}`);
          }
        }
      } finally {
        await log.close();
      }
    },
  };
}

function verifyLogCommand(io: Io): Command {
  return {
    command: 'verify <log>',
    describe: 'Check every entry, the Merkle tree and the signatures (and with a key, every MAC)',
    builder: (y: Argv) =>
      threadsOption(readKeyOptions(y, { ...LOG_KEYS, signer: 'fail unless the last entry carries its signature over the apex' }))
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .example('dare log verify audit.dlog --signer alice.pub', 'exit 0 only if nothing changed and Alice signed the latest apex')
        .example('dare log verify audit.dlog -i alice.key --json', 'also checks every entry\'s MAC; JSON report')
        .option('since', SINCE_OPTION)
        .example('dare log verify audit.dlog --signer alice.pub --since audit.cp', 'and the log extends the checkpoint kept earlier (dare checkpoint)'),
    handler: async (raw: unknown) => {
      const a = raw as ReadArgs & { log: string; threads?: number; since?: string };
      await expectKind(a.log, 'log', 'log verify');
      const log = await LogReader.open(a.log, await loadReadKeys(io, a));
      let report;
      let since: Extension | undefined;
      const progress = counter(io, progressEnabled(io, a), 'verifying', log.lastEntry);
      try {
        report = await log.verify(() => progress.tick(), { threads: a.threads });
        if (a.since !== undefined) since = await checkSince(io, log.sequence, a.since);
      } finally {
        progress.done();
        await log.close();
      }
      if (report.tornBytes > 0) {
        throw new DareError('TRUNCATED', `${a.log}: ${report.tornBytes} bytes after entry ${report.lastEntry} are a torn append (the entries before them verify; the next append cuts it)`);
      }
      const last = report.signatures.filter((s) => s.frame === report.lastSigned);
      const signer = last.map((s) => `${s.kid ?? '?'}${s.trusted ? ' (trusted)' : ''}`).join(', ');
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({
          log: a.log, ok: true, entries: report.entries, lastEntry: report.lastEntry, encrypted: log.encrypted,
          authenticated: report.authenticated, unopened: report.unopened, apex: report.apex && base64urlEncode(report.apex),
          lastSigned: report.lastSigned, signatures: last.map((s) => ({ kid: s.kid, trusted: s.trusted })),
          ...(since ? { since: { treeSize: since.since, extends: true } } : {}),
        }));
        return;
      }
      const parts = [`${report.entries} entries`, 'tree ok'];
      if (log.encrypted) parts.push(report.unopened ? `macs not checked (no key) for ${report.unopened} entries` : 'macs ok');
      if (report.lastSigned > 0) parts.push(`signed through entry ${report.lastSigned} by ${signer}`);
      else parts.push('not signed');
      if (since) parts.push(sinceText(since));
      writeLine(io.stdout, `${a.log}: ok: ${parts.join(', ')}`);
      if (!a.quiet && log.policy.signKeys.length > 0 && report.lastSigned < report.lastEntry) {
        const from = Math.max(report.lastSigned + 1, 1);
        io.stderr.write(`dare: note: ${from === report.lastEntry ? `entry ${from} is` : `entries ${from}-${report.lastEntry} are`} not covered by a signature yet\n`);
      }
    },
  };
}

function proveCommand(io: Io): Command {
  return {
    command: 'prove <log> <entry>',
    describe: 'Write an inclusion proof of an entry against the latest signed apex, as a self-contained JSON file',
    builder: (y: Argv) =>
      y
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .positional('entry', { type: 'number', demandOption: true, describe: 'the entry number (as `dare log show` prints it)' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the proof here (default: stdout)' })
        .option('force', { type: 'boolean', describe: 'overwrite an existing output file' })
        .option('allow-unsigned', { type: 'boolean', describe: 'in a signed log, prove against the latest apex even if no signature covers the entry yet' })
        .example('dare log prove audit.dlog 42 -o entry42.proof', 'no key needed, not even for an encrypted log')
        .example('dare log prove audit.dlog 42 | dare log check-proof - --signer alice.pub', 'prove and check'),
    handler: async (raw: unknown) => {
      const a = raw as Common & { log: string; entry: number; output?: string; force?: boolean; allowUnsigned?: boolean };
      if (!Number.isSafeInteger(a.entry) || a.entry < 1) throw new UsageError('ENTRY must be an entry number (1 or more)');
      await expectKind(a.log, 'log', 'log prove');
      const proof = await proveInclusion(a.log, a.entry, { allowUnsigned: a.allowUnsigned === true });
      const text = encodeInclusionProof(proof);
      await writeOutput(io, a.output ?? '-', (async function* () {
        yield utf8(text);
      })(), a.force === true);
      if (a.output !== undefined && !isStdio(a.output) && !a.quiet) {
        const what = a.json
          ? JSON.stringify({ log: a.log, entry: a.entry, treeSize: proof.treeSize, signed: proof.signatures.length > 0, output: a.output })
          : `${a.log}: proof of entry ${a.entry} against the apex of ${proof.treeSize} frames${proof.signatures.length ? ' (signed)' : ' (not signed)'} written to ${a.output}`;
        writeLine(io.stdout, what);
      }
    },
  };
}

function checkProofCommand(io: Io): Command {
  return {
    command: 'check-proof <proof>',
    describe: 'Check an inclusion proof file (no log needed): exit 0 only if it holds',
    builder: (y: Argv) =>
      y
        .positional('proof', { type: 'string', demandOption: true, describe: 'the proof file, - for stdin' })
        .option('signer', { type: 'string', array: true, describe: 'trusted signer public key (dare1... or file): fail unless it signed the apex; repeatable' })
        .option('entry', { type: 'string', describe: 'also check that this file holds the entry\'s bytes (unencrypted logs)' })
        .options(passphraseOptions)
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no notes on stderr' })
        .example('dare log check-proof entry42.proof --signer alice.pub', 'exit 0: entry 42 is in the log Alice signed')
        .example('dare log check-proof entry42.proof --entry line42.txt', 'and the entry is exactly line42.txt'),
    handler: async (raw: unknown) => {
      const a = raw as Common & { proof: string; signer?: string[]; entry?: string };
      const trustedSigners = await loadTrustedSigners(io, a.signer, a);
      const proof = parseInclusionProof(await readSmallInput(io, a.proof, MAX_PROOF_BYTES));
      const r = checkInclusionProof(proof, trustedSigners);
      if (a.entry !== undefined) checkEntryDigest(proof, await digestStream(await openInput(io, a.entry), 'sha512'));
      const sigs = r.signatures.filter((s) => s.status === 'valid').map((s) => `${s.kid ?? '?'}${s.trusted ? ' (trusted)' : ''}`);
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({
          proof: displayPath(a.proof), ok: true, index: r.index, treeSize: r.treeSize, apex: base64urlEncode(r.apex), created: r.created,
          encrypted: r.encrypted, entryChecked: a.entry !== undefined, signatures: r.signatures.map((s) => ({ kid: s.kid, status: s.status, trusted: s.trusted })),
        }));
        return;
      }
      const when = r.created ? ` (appended ${r.created})` : '';
      const signed = sigs.length ? `signed by ${sigs.join(', ')}` : 'not signed';
      writeLine(io.stdout, `${displayPath(a.proof)}: ok: entry ${r.index}${when}${a.entry !== undefined ? ', bytes match' : ''} is in the tree of ${r.treeSize} frames, ${signed}`);
      if (!a.quiet && trustedSigners.length === 0) {
        io.stderr.write(sigs.length
          ? 'dare: note: the signature was not checked against a trusted key (use --signer)\n'
          : 'dare: note: the proof is not signed: it shows consistency with its apex only (use --signer with a signed log)\n');
      }
    },
  };
}
