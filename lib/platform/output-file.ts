/**
 * Writing a stream to a named output the way decode, rekey, keygen and `--to-tar` do
 * (README "Security"): a regular file appears only complete, after the stream ended
 * without error (every check passed), by way of a 0600 temporary beside it
 * (temp-file.ts) that is synced, given its mode and renamed into place; nothing is
 * replaced without `force`. An existing device, FIFO or socket (`-o /dev/null`, a named
 * pipe) is written directly, never replaced: like stdout, it gets the bytes before the
 * final check, and the error or exit code tells.
 * @module
 */
import { constants, createWriteStream, fchmodSync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { dirname } from 'node:path';
import { DareError } from '../errors.js';
import { closeQuietly, createTempFileSync, discardTemp, placeTempSync, removeStaleTemporaries, umasked } from './temp-file.js';

export interface OutputFileOptions {
  /** Replace an existing regular file. */
  readonly force?: boolean;
  /** Permission bits of a new file before the umask (default 0644). */
  readonly mode?: number;
  /** Called for each chunk written, with its length (progress). */
  readonly onChunk?: (n: number) => void;
}

/** What is at `path`, following symbolic links: undefined when nothing is. */
function kindAt(path: string): 'file' | 'directory' | 'special' | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'special';
}

function exists(path: string): DareError {
  return new DareError('OUTPUT_EXISTS', `${path}: already exists (use --force to overwrite)`);
}

/**
 * Bytes a file output may have queued before the producer waits: large enough that the
 * write of one chunk (on the thread pool) overlaps the encryption and hashing of the next.
 */
const WRITE_BUFFER = 2 << 20;

async function drainInto(fd: number, source: AsyncIterable<Uint8Array>, onChunk?: (n: number) => void): Promise<number> {
  let n = 0;
  async function* counted() {
    for await (const c of source) {
      n += c.length;
      onChunk?.(c.length);
      yield c;
    }
  }
  await pipeline(counted(), createWriteStream('', { fd, autoClose: false, highWaterMark: WRITE_BUFFER }));
  return n;
}

/**
 * Writes `source` to `path` (see the module comment). Node errors are raised as they come
 * (the caller names the path); OUTPUT_EXISTS when a regular file is there without `force`.
 */
export async function writeFileAtomic(path: string, source: AsyncIterable<Uint8Array>, options: OutputFileOptions = {}): Promise<number> {
  const force = options.force === true;
  const kind = kindAt(path);
  if (kind === 'directory') throw new DareError('IO', `${path}: is a directory`);
  if (kind === 'special') {
    // Opened without O_CREAT: if it vanished meanwhile, nothing regular is created in its place.
    const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY);
    try {
      if (fstatSync(fd).isFile()) throw exists(path);
      return await drainInto(fd, source, options.onChunk);
    } finally {
      closeQuietly(fd);
    }
  }
  if (kind === 'file' && !force) throw exists(path);
  // What a kill -9 left here earlier goes first: it would only be in the way, or hold plaintext.
  removeStaleTemporaries(dirname(path));
  const temp = createTempFileSync(path);
  let placed = false;
  try {
    const n = await drainInto(temp.fd, source, options.onChunk);
    fsyncSync(temp.fd);
    placeTempSync(temp.path, path, force);
    placed = true;
    // The mode once the file has its name: a temporary stays 0600 to the end (a kill between
    // the two leaves the named file 0600, never a readable temporary).
    try {
      fchmodSync(temp.fd, umasked(options.mode ?? 0o644));
    } finally {
      closeQuietly(temp.fd);
    }
    return n;
  } finally {
    if (!placed) {
      closeQuietly(temp.fd);
      discardTemp(temp.path);
    }
  }
}
