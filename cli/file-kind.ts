/**
 * The wrong kind of file for a command (issue 13 item 8): an archive given to decode, an
 * envelope given to list, a text file given to either. Said in words, with the command that
 * reads it, before any parser meets bytes it was not made for.
 * @module
 */
import { open } from 'node:fs/promises';
import { classifyHead, DareError, inspectSequence, NOT_DARE_MESSAGE } from '../lib/index.js';
import { HintedError } from './errors.js';
import { isStdio } from './io.js';

/** 'dare' for a command that reads any DARE envelope or sequence (verify). */
export type Wanted = 'envelope' | 'archive' | 'log' | 'dare';

/** What reads each kind of DARE file. */
const READERS: Record<string, string> = {
  envelope: 'dare decode or dare verify',
  archive: 'dare extract or dare list',
  log: 'dare log show or dare log verify',
  catalog: 'dare inspect',
  spool: 'dare inspect',
  'watch journal': 'dare status or dare restore (on the mirror folder)',
  'public-key': '-e or --signer',
  'key-file': '-i or -s',
};

const A: Record<string, string> = { envelope: 'an envelope', archive: 'an archive', log: 'a log', 'public-key': 'a public key', 'key-file': 'a key file', 'watch journal': 'a watch journal' };

/** What the file at `path` is: a FileKind, or for a sequence its type (archive, log, ...); undefined when unknown. */
async function kindOf(path: string): Promise<string | undefined> {
  let head: Uint8Array;
  try {
    const h = await open(path, 'r');
    try {
      const b = Buffer.alloc(64);
      const { bytesRead } = await h.read(b, 0, 64, 0);
      head = b.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  } catch {
    return undefined; // Missing or unreadable: the command says so itself.
  }
  const kind = classifyHead(head);
  if (kind !== 'sequence') return kind ?? (head.length === 0 ? 'empty' : 'other');
  try {
    return (await inspectSequence(path)).type;
  } catch {
    return 'sequence';
  }
}

/** Throws a HintedError (exit 3) when `path` is plainly not what `wanted` reads; stdin is left to the parser. */
export async function expectKind(path: string, wanted: Wanted, command: string): Promise<void> {
  if (isStdio(path)) return;
  const kind = await kindOf(path);
  if (kind === undefined || kind === wanted) return;
  if (wanted === 'dare' && kind !== 'other' && kind !== 'empty' && kind !== 'public-key' && kind !== 'key-file') return;
  // Logs and archives are sequences: a sequence of another type is reported by its type.
  if (kind === 'sequence' && wanted !== 'envelope') return;
  if (kind === 'other' || kind === 'empty') {
    throw new HintedError(new DareError('MALFORMED', `${path}: ${NOT_DARE_MESSAGE}${kind === 'empty' ? ': it is empty' : ''}`), `dare inspect ${path} says what a file is`);
  }
  const what = A[kind] ?? `a DARE ${kind}`;
  const use = READERS[kind];
  const not = wanted === 'dare' ? 'not an envelope, archive or log' : `not ${A[wanted]}`;
  throw new HintedError(new DareError('MALFORMED', `${path} is ${what}, ${not}: dare ${command} does not read it`), use ? `use ${use}` : `dare inspect ${path} says what it is`);
}
