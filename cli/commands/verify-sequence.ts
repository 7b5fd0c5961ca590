/**
 * `dare verify` for sequence files (archives, logs): every frame's digest and (with a
 * key) MAC, the Merkle tree or chain, every signature; with --signer the last frame
 * must carry a trusted signature over the apex (exit 4 otherwise). For an archive the
 * index is also compared with the frames. decode.ts calls this when frame 0 of the
 * file is a sequence frame rather than an envelope.
 * @module
 */
import { open } from 'node:fs/promises';
import {
  ARCHIVE_TYPE, ArchiveReader, DareError, LOG_CONTENT_TYPE, SequenceReader, base64urlEncode, isDareError, verifySequence, type ArchiveReadOptions, type Extension,
} from '../../lib/index.js';
import type { Argv } from 'yargs';
import { displayPath, ioError, isStdio, writeLine, type Io } from '../io.js';
import { UsageError } from '../errors.js';
import { checkSince, sinceText } from './checkpoint.js';

/** --threads of the commands that verify whole sequences. */
export function threadsOption(y: Argv): Argv {
  return y.option('threads', {
    type: 'number',
    describe: 'most threads to verify a large archive or log on (default: the cores available, at most 4; 1 = one thread); sequences under 40,000 frames use one',
  }).check((a) => {
    const t = a.threads as number | undefined;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 64)) throw new UsageError('--threads must be an integer from 1 to 64');
    return true;
  });
}

/** True when FILE starts with a JBCD frame tag (0xF4-0xF7): a sequence, not an envelope. */
export async function looksLikeSequence(file: string): Promise<boolean> {
  if (isStdio(file)) return false;
  let h;
  try {
    h = await open(file, 'r');
  } catch (e) {
    throw ioError(e, file);
  }
  try {
    const b = Buffer.alloc(1);
    const { bytesRead } = await h.read(b, 0, 1, 0);
    return bytesRead === 1 && ((b[0] as number) & 0xfc) === 0xf4;
  } catch (e) {
    throw ioError(e, file);
  } finally {
    await h.close();
  }
}

/** The one line for bytes of an interrupted append after the last frame (exit 3 wherever a signature is checked). */
export function tornMessage(file: string, seq: { tornBytes: number; last: { index: number } }, unit: 'frame' | 'entry' = 'frame'): string {
  return `${file}: ${seq.tornBytes} bytes after ${unit} ${seq.last.index} are a torn append (the ${unit === 'entry' ? 'entries' : 'frames'} before them verify; the next append cuts it)`;
}

export interface VerifySequenceArgs {
  json?: boolean;
  quiet?: boolean;
  threads?: number;
  requireComplete?: boolean;
  /** A checkpoint file (dare checkpoint): the sequence must extend it. */
  since?: string;
}

export async function verifySequenceFile(io: Io, file: string, options: ArchiveReadOptions, a: VerifySequenceArgs): Promise<void> {
  const seq = await SequenceReader.open(file, options);
  let report;
  let kind: 'archive' | 'log' | 'sequence';
  let since: Extension | undefined;
  try {
    const cty = (await seq.open(seq.first)).contentMeta?.contentType;
    kind = cty === ARCHIVE_TYPE ? 'archive' : cty === LOG_CONTENT_TYPE ? 'log' : 'sequence';
    report = await verifySequence(seq, { threads: a.threads, unit: kind === 'log' ? 'entry' : 'frame' });
    // After the full check (the stored tree nodes are the recomputed ones): not rolled back.
    if (a.since !== undefined) since = await checkSince(io, seq, a.since);
  } finally {
    await seq.close();
  }
  let archive: { entries?: number; indexed?: boolean; indexChecked: boolean } | undefined;
  if (kind === 'archive') {
    let ar: ArchiveReader | undefined;
    try {
      // Trust was checked above, over every frame: the index is compared with the frames here.
      ar = await ArchiveReader.open(file, { ...options, trustedSigners: [] });
    } catch (e) {
      // Encrypted and no key: the digests, tree and signatures above still stand.
      if (!isDareError(e, 'NO_MATCHING_KEY')) throw e;
      archive = { indexChecked: false };
    }
    if (ar) {
      try {
        await ar.checkIndex();
        archive = { entries: ar.entries().length, indexed: ar.indexed, indexChecked: ar.indexed };
      } finally {
        await ar.close();
      }
    }
  }
  if (report.tornBytes) throw new DareError('TRUNCATED', tornMessage(displayPath(file), seq, kind === 'log' ? 'entry' : 'frame'));
  const trusting = (options.trustedSigners?.length ?? 0) > 0;
  const sigs = report.signatures.map((s) => ({ frame: s.frame, kid: s.kid, status: s.status, trusted: s.trusted, legacy: s.legacy }));
  const last = sigs.filter((s) => s.frame === report.lastSigned);
  const unchecked: string[] = [];
  if (report.unopened) {
    const what = kind === 'archive' ? 'metadata, index and macs' : 'metadata and macs';
    unchecked.push(report.authenticated ? `${report.unopened} encrypted frames not opened (no key): their ${what} not checked` : `${what} not checked (no key)`);
  }
  const relied = last.filter((s) => s.status === 'valid' && (!trusting || s.trusted));
  if (relied.length && relied.every((s) => s.legacy)) unchecked.push('the signature is a legacy one (no purpose: it covers the apex, and may have been made for something else)');
  const incomplete = a.requireComplete === true && unchecked.length > 0;
  if (a.json) {
    writeLine(io.stdout, JSON.stringify({
      file: displayPath(file), ok: !incomplete, kind: archive ? 'archive' : kind, frames: report.frames, tornBytes: report.tornBytes,
      structureChecked: report.structureChecked, authenticated: report.authenticated, unopened: report.unopened,
      apex: report.apex ? base64urlEncode(report.apex) : undefined, lastSigned: report.lastSigned, signatures: sigs, archive,
      complete: unchecked.length === 0, unchecked,
      ...(since ? { since: { treeSize: since.since, extends: true } } : {}),
    }));
  } else {
    const parts = [`${kind} of ${report.frames} frames`, report.structureChecked ? 'tree ok' : 'digests ok'];
    if (report.authenticated) parts.push(`${report.authenticated} frames mac ok`);
    if (archive?.indexChecked) parts.push(`index of ${archive.entries} entries ok`);
    else if (archive?.indexed === false) parts.push('no index at the end (entries found by a scan)');
    for (const g of last) parts.push(`signed on frame ${g.frame} by ${g.kid ?? '?'} ${g.trusted ? 'trusted' : 'valid'}${g.legacy ? ' (legacy signature)' : ''}`);
    if (!sigs.length) parts.push('not signed');
    if (since) parts.push(sinceText(since));
    parts.push(...unchecked);
    writeLine(io.stdout, `${displayPath(file)}: ${incomplete ? 'incomplete' : 'ok'}: ${parts.join(', ')}`);
  }
  if (incomplete) throw new DareError('UNAUTHENTICATED', `${displayPath(file)}: not everything was checked (--require-complete): ${unchecked.join('; ')}`);
}
