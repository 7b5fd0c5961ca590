/**
 * Journal entries of a watched-folder mirror and the folder state they add up to.
 * Each data frame of DEST/journal.dares carries one entry as JSON text; replaying
 * the entries in order gives the mirrored folder at any point of its history.
 * Everything read from a journal is hostile until checked here: paths must be
 * relative and stay inside the restore folder, numbers must be in range.
 * @module
 */
import { DareError, fromUtf8, utf8 } from '../lib/index.js';

/** What one file looks like in the mirror. */
export interface FileRecord {
  /** Object name (objects/XY/NAME.dare). */
  readonly object: string;
  readonly size: number;
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  /** Modification time in nanoseconds since the epoch, as a decimal string (exact). */
  readonly mtimeNs: string;
  /** SHA-512 of the plaintext, base64url. */
  readonly digest: string;
}

export type Entry =
  | { op: 'init'; version: number; nameKey: string; time: string; source?: string }
  | ({ op: 'put'; path: string; time: string } & FileRecord)
  | ({ op: 'rename'; from: string; path: string; time: string } & FileRecord)
  | { op: 'delete'; path: string; time: string }
  | { op: 'mkdir'; path: string; mode: number; time: string }
  | { op: 'rmdir'; path: string; time: string };

/** The payload of a sealed checkpoint frame: the mirror matched the source at `time`. */
export interface Checkpoint {
  op: 'checkpoint';
  time: string;
  files: number;
  bytes: number;
}

export const JOURNAL_VERSION = 1;

/**
 * A relative path as recorded: '/'-separated, no empty, '.' or '..' segment, no NUL.
 * Anything else would let a forged journal write outside the restore folder.
 */
export function checkPath(p: unknown, what = 'path'): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096) throw new DareError('MALFORMED', `journal ${what} is not a path`);
  if (p.includes('\0') || p.startsWith('/')) throw new DareError('MALFORMED', `journal ${what} ${JSON.stringify(p)} is not a relative path`);
  for (const s of p.split('/')) {
    if (s === '' || s === '.' || s === '..') throw new DareError('MALFORMED', `journal ${what} ${JSON.stringify(p)} leaves the folder`);
  }
  return p;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new DareError('MALFORMED', `journal entry field ${k} must be a string`);
  return v;
}

function int(o: Record<string, unknown>, k: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new DareError('MALFORMED', `journal entry field ${k} must be an integer in 0..${max}`);
  return v;
}

function fileRecord(o: Record<string, unknown>): FileRecord {
  const object = str(o, 'object');
  if (!/^[A-Z2-7]{20,120}$/.test(object)) throw new DareError('MALFORMED', 'journal entry names an object that is not a fingerprint');
  const mtimeNs = str(o, 'mtimeNs');
  if (!/^-?\d{1,25}$/.test(mtimeNs)) throw new DareError('MALFORMED', 'journal entry field mtimeNs is not a number');
  const digest = str(o, 'digest');
  if (!/^[A-Za-z0-9_-]{86}$/.test(digest)) throw new DareError('MALFORMED', 'journal entry field digest is not a SHA-512 value');
  return { object, size: int(o, 'size'), mode: int(o, 'mode', 0o7777), mtimeNs, digest };
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(bytes));
  } catch (e) {
    throw new DareError('MALFORMED', 'journal entry is not json', { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DareError('MALFORMED', 'journal entry is not a json object');
  return v as Record<string, unknown>;
}

export function encodeEntry(e: Entry | Checkpoint): Uint8Array {
  return utf8(JSON.stringify(e));
}

/** Parses and checks one entry. */
export function decodeEntry(bytes: Uint8Array): Entry {
  const o = parseJson(bytes);
  const time = str(o, 'time');
  switch (o.op) {
    case 'init': {
      const version = int(o, 'version');
      if (version !== JOURNAL_VERSION) throw new DareError('UNSUPPORTED_ALGORITHM', `journal version ${version} is not supported`);
      const source = typeof o.source === 'string' ? o.source : undefined;
      return { op: 'init', version, nameKey: str(o, 'nameKey'), time, source };
    }
    case 'put':
      return { op: 'put', path: checkPath(o.path), time, ...fileRecord(o) };
    case 'rename':
      return { op: 'rename', from: checkPath(o.from, 'from'), path: checkPath(o.path), time, ...fileRecord(o) };
    case 'delete':
      return { op: 'delete', path: checkPath(o.path), time };
    case 'mkdir':
      return { op: 'mkdir', path: checkPath(o.path), mode: int(o, 'mode', 0o7777), time };
    case 'rmdir':
      return { op: 'rmdir', path: checkPath(o.path), time };
    default:
      throw new DareError('MALFORMED', `journal entry has an unknown op ${JSON.stringify(o.op)}`);
  }
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint | undefined {
  try {
    const o = parseJson(bytes);
    if (o.op !== 'checkpoint') return undefined;
    return { op: 'checkpoint', time: str(o, 'time'), files: int(o, 'files'), bytes: int(o, 'bytes') };
  } catch {
    return undefined;
  }
}

/** The mirrored folder after some prefix of the journal. */
export class FolderState {
  readonly files = new Map<string, FileRecord>();
  /** Directories and their permission bits. */
  readonly dirs = new Map<string, number>();
  nameKey?: string;
  /** The source folder the mirror was created from (absolute path on that machine). */
  source?: string;
  /** Index of the last frame applied. */
  lastFrame = 0;
  lastTime?: string;

  apply(e: Entry, frame: number): void {
    switch (e.op) {
      case 'init':
        this.nameKey ??= e.nameKey;
        this.source ??= e.source;
        break;
      case 'put':
        this.files.set(e.path, recordOf(e));
        break;
      case 'rename':
        this.files.delete(e.from);
        this.files.set(e.path, recordOf(e));
        break;
      case 'delete':
        this.files.delete(e.path);
        break;
      case 'mkdir':
        this.dirs.set(e.path, e.mode);
        break;
      case 'rmdir':
        this.dirs.delete(e.path);
        break;
    }
    this.lastFrame = frame;
    this.lastTime = e.time;
  }

  get bytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.size;
    return n;
  }
}

function recordOf(r: FileRecord): FileRecord {
  return { object: r.object, size: r.size, mode: r.mode, mtimeNs: r.mtimeNs, digest: r.digest };
}
