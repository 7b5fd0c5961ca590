/**
 * Adding files from the file system to an archive: a depth-first walk that records
 * directories (so empty ones survive) and symbolic links as what they are (never
 * followed), and streams each file's bytes with a check that its size did not change
 * while it was read (docs/FORMAT.md §9).
 * @module
 */
import { DareError } from '../errors.js';
import { readFileExactly, readFolder, readLinkTarget, statPath, type PathStat } from '../platform/tree.js';
import { checkEntryPath, type EntryMeta } from './format.js';
import type { ArchiveWriter } from './writer.js';

export interface AddPathOptions {
  /** Called for what is left out (sockets, devices, unrepresentable names), with the reason. */
  onSkip?: (fsPath: string, why: string) => void;
  /** Called after each entry is written. */
  onEntry?: (meta: EntryMeta) => void;
  /** Called for each entry an incremental session skips: the archive holds it unchanged. */
  onUnchanged?: (meta: EntryMeta) => void;
  /** dev:ino of files never to add (the archive being written). */
  exclude?: ReadonlySet<string>;
}

function metaOf(name: string, st: PathStat): Pick<EntryMeta, 'path' | 'mode' | 'modified'> {
  return { path: name, mode: st.mode, modified: st.modified.toISOString() };
}

/**
 * Adds the file, directory (recursively, names sorted) or symbolic link at `fsPath`
 * to the archive under the name `name`.
 */
export async function addPath(writer: ArchiveWriter, fsPath: string, name: string, options: AddPathOptions = {}): Promise<void> {
  const st = statPath(fsPath);
  if (options.exclude?.has(st.identity)) return;
  try {
    checkEntryPath(name);
  } catch (e) {
    if (!(e instanceof DareError)) throw e;
    options.onSkip?.(fsPath, e.message);
    return;
  }
  let meta: EntryMeta;
  if (st.kind === 'directory') {
    meta = { ...metaOf(name, st), kind: 'directory', size: 0 };
    if (await writer.update(meta)) options.onEntry?.(meta);
    else options.onUnchanged?.(meta);
    for (const n of await readFolder(fsPath)) {
      if (!n.utf8) options.onSkip?.(n.path, 'the name is not valid UTF-8');
      else await addPath(writer, n.path, `${name}/${n.name}`, options);
    }
    return;
  }
  if (st.kind === 'symlink') {
    meta = { ...metaOf(name, st), kind: 'symlink', size: 0, target: await readLinkTarget(fsPath) };
  } else if (st.kind === 'file') {
    meta = { ...metaOf(name, st), kind: 'file', size: st.size };
  } else {
    options.onSkip?.(fsPath, 'not a regular file, directory or symbolic link');
    return;
  }
  // An incremental session reads the file for its digest first when nothing else changed.
  const size = meta.size;
  if (await writer.update(meta, meta.kind === 'file' ? () => readFileExactly(fsPath, size) : undefined)) options.onEntry?.(meta);
  else options.onUnchanged?.(meta);
}
