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
  ARCHIVE_TYPE, ArchiveReader, SequenceReader, base64urlEncode, isDareError, verifySequence, type ArchiveReadOptions,
} from '../../lib/index.js';
import type { Argv } from 'yargs';
import { displayPath, ioError, isStdio, writeLine, type Io } from '../io.js';
import { UsageError } from '../errors.js';
import { note } from './archive-common.js';

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

export async function verifySequenceFile(io: Io, file: string, options: ArchiveReadOptions, a: { json?: boolean; quiet?: boolean; threads?: number }): Promise<void> {
  const seq = await SequenceReader.open(file, options);
  let report;
  let isArchive: boolean;
  try {
    isArchive = (await seq.open(seq.first)).contentMeta?.contentType === ARCHIVE_TYPE;
    report = await verifySequence(seq, { threads: a.threads });
  } finally {
    await seq.close();
  }
  let archive: { entries?: number; indexed?: boolean; indexChecked: boolean } | undefined;
  if (isArchive) {
    let ar: ArchiveReader | undefined;
    try {
      ar = await ArchiveReader.open(file, options);
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
  if (report.tornBytes) note(io, a, `${displayPath(file)}: ${report.tornBytes} bytes of an interrupted append at the end (not verified)`);
  const sigs = report.signatures.map((s) => ({ frame: s.frame, kid: s.kid, status: s.status, trusted: s.trusted }));
  if (a.json) {
    writeLine(io.stdout, JSON.stringify({
      file: displayPath(file), ok: true, kind: archive ? 'archive' : 'sequence', frames: report.frames, tornBytes: report.tornBytes,
      structureChecked: report.structureChecked, authenticated: report.authenticated, unopened: report.unopened,
      apex: report.apex ? base64urlEncode(report.apex) : undefined, lastSigned: report.lastSigned, signatures: sigs, archive,
    }));
    return;
  }
  const parts = [`${archive ? 'archive' : 'sequence'} of ${report.frames} frames`, report.structureChecked ? 'tree ok' : 'digests ok'];
  if (report.authenticated) parts.push(`${report.authenticated} frames mac ok`);
  if (report.unopened) parts.push(`${report.unopened} encrypted frames not opened (no key)`);
  if (archive) parts.push(archive.indexChecked ? `index of ${archive.entries} entries ok` : archive.indexed === false ? 'no index at the end' : 'index not checked (no key)');
  const last = sigs.filter((s) => s.frame === report.lastSigned);
  for (const g of last) parts.push(`signed on frame ${g.frame} by ${g.kid ?? '?'} ${g.trusted ? 'trusted' : 'valid'}`);
  if (!sigs.length) parts.push('not signed');
  writeLine(io.stdout, `${displayPath(file)}: ok: ${parts.join(', ')}`);
}
