/**
 * `dare log create|append|show|verify|prove|check-proof`: encrypted, signed,
 * append-only logs and inclusion proofs of their entries (docs/FORMAT.md §10).
 * Parses arguments and calls lib/log.
 * @module
 */
import type { Argv } from 'yargs';
import {
  base64urlEncode, checkEntryDigest, checkInclusionProof, DareError, digestStream, encodeInclusionProof, fromUtf8,
  LogReader, LogWriter, MAX_ENTRY_BYTES, MAX_PROOF_BYTES, parseInclusionProof, proveInclusion, utf8,
  type DecryptionKey, type RecipientKey, type SigningKey, type VerificationKey,
} from '../../lib/index.js';
import { displayPath, isStdio, openInput, readSmallInput, writeLine, writeOutput, type Io } from '../io.js';
import { loadIdentity, loadPublicKey, loadSecret } from '../keys.js';
import { passphraseOptions, type PassphraseArgs } from '../passphrase.js';
import { progressEnabled } from '../progress.js';
import { UsageError } from '../errors.js';
import type { Command } from './index.js';

interface Common extends PassphraseArgs {
  json?: boolean;
  quiet?: boolean;
}

interface ReadKeys extends Common {
  identity?: string[];
  key?: string;
  allowUnauthenticated?: boolean;
}

async function signingKey(io: Io, file: string | undefined, a: PassphraseArgs): Promise<SigningKey | undefined> {
  if (file === undefined) return undefined;
  const key = (await loadIdentity(io, file, a)).signingKeys[0];
  if (!key) throw new UsageError(`${file}: holds no signature key`);
  return key;
}

async function trusted(io: Io, signers: string[] | undefined, a: PassphraseArgs): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (const s of signers ?? []) out.push((await loadPublicKey(io, s, a)).signature);
  return out;
}

async function readOptions(io: Io, a: ReadKeys) {
  const keys: DecryptionKey[] = [];
  for (const f of a.identity ?? []) keys.push(...(await loadIdentity(io, f, a)).decryptionKeys);
  const secrets = a.key === undefined ? [] : [await loadSecret(a.key)];
  return { keys, secrets, allowUnauthenticated: a.allowUnauthenticated === true };
}

function readKeyOptions(y: Argv): Argv {
  return y
    .option('identity', { alias: 'i', type: 'string', array: true, describe: 'private key file to decrypt with; repeatable' })
    .option('key', { type: 'string', describe: 'shared secret of the log (E... UDF, or a file holding one)' })
    .option('allow-unauthenticated', { type: 'boolean', describe: 'read encrypted entries that carry no MAC (written by other implementations)' })
    .options(passphraseOptions)
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' });
}

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

/**
 * Lines of a stream, without their `\n` (and a `\r` before it), each copied out of the
 * chunks. A line longer than MAX_ENTRY_BYTES is LIMIT_EXCEEDED before it is buffered whole.
 */
async function* lines(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  let parts: Buffer[] = [];
  let size = 0;
  const take = (piece: Buffer) => {
    size += piece.length;
    if (size > MAX_ENTRY_BYTES + 1) throw new DareError('LIMIT_EXCEEDED', `a line of stdin is longer than ${MAX_ENTRY_BYTES} bytes`);
    parts.push(piece);
  };
  const line = (): Uint8Array => {
    let b = parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts);
    if (b.length > 0 && b[b.length - 1] === 13) b = b.subarray(0, b.length - 1);
    parts = [];
    size = 0;
    return b;
  };
  for await (const c of source) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let start = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      take(b.subarray(start, nl));
      yield line();
      start = nl + 1;
    }
    if (start < b.length) take(b.subarray(start));
  }
  if (size > 0) yield line();
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
      const recipients: RecipientKey[] = [];
      for (const r of a.encrypt ?? []) recipients.push((await loadPublicKey(io, r, a)).encryption);
      const secret = a.key === undefined ? undefined : await loadSecret(a.key);
      const signer = await signingKey(io, a.sign, a);
      const w = await LogWriter.create(a.log, { recipients, secret, signer });
      await w.close();
      const encryption = recipients.length ? `encrypted to ${recipients.length} key${recipients.length > 1 ? 's' : ''}` : secret ? 'encrypted under a shared secret' : 'not encrypted';
      if (a.json) writeLine(io.stdout, JSON.stringify({ log: a.log, encrypted: recipients.length > 0 || secret !== undefined, recipients: recipients.length, secret: secret !== undefined, signed: signer !== undefined }));
      else writeLine(io.stdout, `${a.log}: created, ${encryption}, ${signer ? 'signed' : 'not signed'}`);
    },
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
        .option('sign', { alias: 's', type: 'string', describe: 'the log\'s signing key file: sign the apex at the end of this session' })
        .options(passphraseOptions)
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress or notes on stderr' })
        .example('dare log append audit.dlog "user alice logged in" --sign alice.key', 'one entry, session signed')
        .example('grep ERROR app.log | dare log append audit.dlog - --sign alice.key', 'each line of stdin is an entry; one key exchange, one signature at the end')
        .example('dare log append audit.dlog --file report.json', 'a file as one entry'),
    handler: async (raw: unknown) => {
      const a = raw as Common & { log: string; text?: string; file?: string; key?: string; sign?: string };
      if ((a.text === undefined) === (a.file === undefined)) throw new UsageError('give the entry as TEXT, - (stdin lines) or --file F (exactly one)');
      const secret = a.key === undefined ? undefined : await loadSecret(a.key);
      const signer = await signingKey(io, a.sign, a);
      const entry = a.file !== undefined ? await readSmallInput(io, a.file, MAX_ENTRY_BYTES) : undefined;
      const w = await LogWriter.open(a.log, { secret, signer });
      const notes = !a.quiet && !a.json;
      if (w.tornBytes > 0) {
        // Said even with --quiet: the file was changed.
        io.stderr.write(`dare: warning: ${a.log}: cut a torn tail of ${w.tornBytes} bytes after entry ${w.lastAtOpen} (an interrupted append)\n`);
      }
      const progress = counter(io, progressEnabled(io, a), 'appending');
      let session;
      try {
        if (entry !== undefined) await w.append(entry);
        else if (isStdio(a.text as string)) await w.appendMany(lines(io.stdin), () => progress.tick());
        else await w.append(utf8(a.text as string));
      } finally {
        progress.done();
        session = await w.close();
      }
      const range = session.first === undefined ? 'nothing' : session.first === session.last ? `entry ${session.first}` : `entries ${session.first}-${session.last}`;
      if (notes && w.signedLog && !session.signed && session.appended > 0) {
        io.stderr.write(`dare: note: ${a.log} is a signed log but --sign was not given: ${range} not covered by a signature until a signed append\n`);
      }
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({ log: a.log, appended: session.appended, first: session.first, last: session.last, signed: session.signed, tornBytes: w.tornBytes, apex: session.apex && base64urlEncode(session.apex) }));
      } else if (!a.quiet) {
        writeLine(io.stdout, `${a.log}: appended ${range}${session.signed ? ', signed' : ''}`);
      }
    },
  };
}

function showCommand(io: Io): Command {
  return {
    command: 'show <log>',
    describe: 'Print entries: number, time appended, text (one line each, control characters escaped)',
    builder: (y: Argv) =>
      readKeyOptions(y)
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .option('from', { type: 'number', describe: 'first entry to show (default 1)' })
        .option('to', { type: 'number', describe: 'last entry to show (default the last)' })
        .example('dare log show audit.dlog -i alice.key', 'every entry, decrypted')
        .example('dare log show audit.dlog -i alice.key --from 100 --to 120 --json', 'JSON lines: {"index","created","text"}'),
    handler: async (raw: unknown) => {
      const a = raw as ReadKeys & { log: string; from?: number; to?: number };
      for (const [name, v] of [['--from', a.from], ['--to', a.to]] as const) {
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new UsageError(`${name} must be an entry number (1 or more)`);
      }
      const log = await LogReader.open(a.log, await readOptions(io, a));
      try {
        if (log.tornBytes > 0 && !a.quiet) io.stderr.write(`dare: warning: ${a.log}: ${log.tornBytes} bytes after entry ${log.lastEntry} are a torn append; showing the entries before them\n`);
        for await (const e of log.entries(a.from ?? 1, a.to ?? Number.MAX_SAFE_INTEGER)) {
          if (!e.opened) throw new UsageError('the log is encrypted: give --identity or --key');
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
      readKeyOptions(y)
        .positional('log', { type: 'string', demandOption: true, describe: 'the log file' })
        .option('signer', { type: 'string', array: true, describe: 'trusted signer public key (dare1... or file): fail unless the last entry carries its signature over the apex; repeatable' })
        .example('dare log verify audit.dlog --signer alice.pub', 'exit 0 only if nothing changed and Alice signed the latest apex')
        .example('dare log verify audit.dlog -i alice.key --json', 'also checks every entry\'s MAC; JSON report'),
    handler: async (raw: unknown) => {
      const a = raw as ReadKeys & { log: string; signer?: string[] };
      const trustedSigners = await trusted(io, a.signer, a);
      const log = await LogReader.open(a.log, { ...(await readOptions(io, a)), trustedSigners });
      let report;
      const progress = counter(io, progressEnabled(io, a), 'verifying', log.lastEntry);
      try {
        report = await log.verify(() => progress.tick());
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
        }));
        return;
      }
      const parts = [`${report.entries} entries`, 'tree ok'];
      if (log.encrypted) parts.push(report.unopened ? `macs not checked (no key) for ${report.unopened} entries` : 'macs ok');
      if (report.lastSigned > 0) parts.push(`signed through entry ${report.lastSigned} by ${signer}`);
      else parts.push('not signed');
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
      const trustedSigners = await trusted(io, a.signer, a);
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
