/**
 * Extracting an archive into a directory without ever writing outside it
 * (docs/FORMAT.md §9, "Extraction"):
 * - every path is checked first (checkEntryPath, checkTree), before anything is written;
 * - every parent below DEST is created as a directory or checked with lstat to be one,
 *   never followed through a symbolic link, pre-existing or not;
 * - symbolic links are created last, so none made by this extraction can be in the way;
 * - files and links go to a 0600 temporary (O_EXCL|O_NOFOLLOW, named as
 *   lib/platform/temp-file.ts names them) and are linked or renamed into place only after
 *   their digest, MAC and FrameDigest checked, so a name appears only with its whole,
 *   checked content, even after a kill -9; nothing is replaced without `force`; what a
 *   killed run left in a folder is removed when the next extraction writes there;
 * - extraction is per file: when one fails, the files placed before it stay (the folders
 *   this run made and left empty are removed); `atomic` makes it all or nothing;
 * - modes (permission bits only: set-id and sticky bits are dropped) and modification
 *   times are restored, directories' after their contents.
 * @module
 */
import { DareError } from '../errors.js';
import { fileError } from '../platform/fs-error.js';
import { collectBytes } from '../internal/bytes.js';
import { ancestors, checkEntryPath, checkTree, type IndexEntry } from './format.js';
import {
  closeQuietly, createTempFileSync, discardTemp, placeTempSync, removeStaleTemporaries, tempPathFor, trackTemp, untrackTemp,
} from '../platform/temp-file.js';
import {
  absolute, below, finishFolder, isEmptyFolder, kindAt, makeFolder, makeFolders, makeFolderSync, makeLink, parentOf, placeFolder,
  realPathOf, removeFile, removeFolderIfEmpty, removeTree, setFileMode, setFileTime, writeAllSync,
} from '../platform/tree-writer.js';
import type { ArchiveReader } from './reader.js';

export interface ExtractOptions {
  /** Replace existing files and links (never a directory with content, never through a link). */
  force?: boolean;
  /**
   * All or nothing: extract into a temporary folder beside `dest` and rename it to `dest` only
   * when every entry passed its checks (`dest` must not exist or be empty).
   */
  atomic?: boolean;
  /** Called after each entry is in place. */
  onEntry?: (entry: IndexEntry) => void;
}

export interface ExtractReport {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly bytes: number;
}

/**
 * Files up to this size are read whole, so that every check has passed before a byte is
 * written (larger ones stream into their temporary, which is removed if a check fails).
 */
const SMALL_FILE = 1 << 20;

const PERMISSIONS = 0o777;

/** Extracts `entries` (from reader.select) into `dest`, which is created when missing. */
export async function extractArchive(reader: ArchiveReader, dest: string, entries: readonly IndexEntry[], options: ExtractOptions = {}): Promise<ExtractReport> {
  for (const e of entries) checkEntryPath(e.path);
  checkTree(reader.entries());
  // Folder and link frames (and, for a whole archive under a trusted signer, every frame) before anything is written.
  await reader.checkBeforeExtract(entries);
  if (!options.atomic) return extractInto(reader, dest, entries, options);
  // All or nothing: into a temporary folder beside DEST, renamed to DEST when every entry passed.
  const there = kindAt(dest);
  if (there !== undefined && there !== 'directory') throw new DareError('OUTPUT_EXISTS', `${dest}: already exists and is not a folder`);
  if (there === 'directory' && !isEmptyFolder(dest)) throw new DareError('OUTPUT_EXISTS', `${dest}: --atomic extracts into a new or empty folder, and this one has files`);
  await makeFolders(parentOf(dest));
  removeStaleTemporaries(parentOf(dest));
  const temp = tempPathFor(absolute(dest));
  trackTemp(temp);
  try {
    makeFolderSync(temp, 0o700);
  } catch (e) {
    untrackTemp(temp);
    throw e;
  }
  try {
    const report = await extractInto(reader, temp, entries, { ...options, force: false });
    placeFolder(temp, dest, 0o777);
    untrackTemp(temp);
    return report;
  } catch (e) {
    removeTree(temp);
    untrackTemp(temp);
    throw e;
  }
}

async function extractInto(reader: ArchiveReader, dest: string, entries: readonly IndexEntry[], options: ExtractOptions): Promise<ExtractReport> {
  const force = options.force === true;
  /** Folders this extraction made, in the order made: removed again (when empty) if it fails. */
  const made = await makeFolders(dest);
  try {
    return await place(reader, dest, entries, force, options, made);
  } catch (e) {
    for (const d of made.reverse()) removeFolderIfEmpty(d);
    throw e;
  }
}

async function place(reader: ArchiveReader, dest: string, entries: readonly IndexEntry[], force: boolean, options: ExtractOptions, made: string[]): Promise<ExtractReport> {
  const root = await realPathOf(dest);
  const checked = new Set<string>();
  /** Folders whose leftovers of a killed run were removed already. */
  const swept = new Set<string>();
  const sweep = (dir: string) => {
    if (swept.has(dir)) return;
    swept.add(dir);
    removeStaleTemporaries(dir);
  };
  sweep(root);

  /** Makes sure every ancestor of `path` below root is a real directory (created when missing). */
  const parents = async (path: string) => {
    for (const a of ancestors(path)) {
      if (checked.has(a)) continue;
      const full = below(root, a);
      const kind = kindAt(full);
      if (kind === undefined) {
        await makeFolder(full, 0o755);
        made.push(full);
      } else if (kind !== 'directory') {
        throw new DareError('IO', `${full}: is ${kind === 'symlink' ? 'a symbolic link' : 'not a directory'}; refusing to write through it`);
      }
      checked.add(a);
    }
  };

  const order = (k: IndexEntry['kind']) => (k === 'directory' ? 0 : k === 'file' ? 1 : 2);
  const sorted = [...entries].sort((a, b) => order(a.kind) - order(b.kind) || (a.kind === 'directory' ? a.path.localeCompare(b.path) : a.index - b.index));
  const dirs: IndexEntry[] = [];
  let files = 0;
  let symlinks = 0;
  let bytes = 0;
  for (const e of sorted) {
    await parents(e.path);
    const target = below(root, e.path);
    const existing = kindAt(target);
    if (e.kind === 'directory') {
      if (existing !== undefined && existing !== 'directory') {
        if (!force) throw new DareError('OUTPUT_EXISTS', `${target}: already exists (use --force to overwrite)`);
        await removeFile(target);
      }
      if (existing !== 'directory') {
        await makeFolder(target, 0o700);
        made.push(target);
      }
      checked.add(e.path);
      dirs.push(e);
      options.onEntry?.(e);
      continue;
    }
    if (existing !== undefined) {
      if (!force) throw new DareError('OUTPUT_EXISTS', `${target}: already exists (use --force to overwrite)`);
      if (existing === 'directory') throw new DareError('IO', `${target}: is a directory`);
    }
    sweep(parentOf(target));
    const time = new Date(e.modified);
    // A name appears only with its whole, checked content: every file and link goes to a 0600
    // temporary first and is linked (renamed with --force) into place after its checks.
    let temp: string | undefined;
    let fd: number | undefined;
    try {
      if (e.kind === 'file') {
        // Small files are checked whole before a byte is written; larger ones stream into the temporary.
        const data = e.size <= SMALL_FILE ? await collectBytes(reader.content(e), SMALL_FILE, `${e.path}: the content`) : undefined;
        const t = createTempFileSync(target);
        temp = t.path;
        fd = t.fd;
        bytes += data ? writeChecked(fd, data) : await writeStream(fd, reader.content(e));
        setFileTime(fd, time);
        files++;
      } else {
        temp = tempPathFor(target);
        trackTemp(temp);
        await makeLink(e.target as string, temp, time);
        symlinks++;
      }
      placeTempSync(temp, target, force);
      // The mode once the file has its name: a temporary stays 0600 to the end, so a kill
      // between the two leaves the named file 0600, never a readable temporary.
      if (fd !== undefined) setFileMode(fd, e.mode & PERMISSIONS);
    } catch (x) {
      if (temp !== undefined) discardTemp(temp);
      throw fileError(x, target);
    } finally {
      if (fd !== undefined) closeQuietly(fd);
    }
    options.onEntry?.(e);
  }
  // Directories last, deepest first: writing into them changed their times.
  for (const d of dirs.sort((a, b) => b.path.localeCompare(a.path))) {
    const full = below(root, d.path);
    if (kindAt(full) !== 'directory') continue;
    await finishFolder(full, d.mode & PERMISSIONS, new Date(d.modified));
  }
  return { files, directories: dirs.length, symlinks, bytes };
}

/** Writes checked bytes to the temporary; returns their length. */
function writeChecked(fd: number, data: Uint8Array): number {
  writeAllSync(fd, data);
  return data.length;
}

/**
 * Streams content into the temporary. The file system calls are synchronous: pieces are at
 * most 1 MiB, and for the many small files of a tree each asynchronous call's trip through
 * the thread pool cost more than the write (extracting 3,000 files of 1-64 KiB: measured
 * about twice as fast).
 */
async function writeStream(fd: number, source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const piece of source) {
    writeAllSync(fd, piece);
    n += piece.length;
  }
  return n;
}

