/**
 * Copying an archive into a new one (docs/FORMAT.md §9, "Copy and purge"): every frame
 * is decrypted, checked and written again, so the copy can be encrypted to other keys,
 * under another secret, or not at all, and signed by another key. With `purge` only
 * the live entries are copied: deleted entries and superseded versions, and their
 * bytes, are not in the copy (the redaction the append-only original cannot do).
 * @module
 */
import type { ArchiveReader } from './reader.js';
import { entryMeta } from './reader.js';
import type { ArchiveWriter } from './writer.js';
import type { IndexEntry } from './format.js';

export interface CopyOptions {
  /** Copy only the live entries. */
  purge?: boolean;
  onEntry?: (entry: IndexEntry) => void;
}

export interface CopyReport {
  readonly entries: number;
  readonly deletions: number;
}

export async function copyArchive(from: ArchiveReader, to: ArchiveWriter, options: CopyOptions = {}): Promise<CopyReport> {
  let entries = 0;
  let deletions = 0;
  const copy = async (e: IndexEntry) => {
    await to.add(entryMeta(e), e.kind === 'file' ? from.content(e) : undefined);
    entries++;
    options.onEntry?.(e);
  };
  if (options.purge) {
    for (const e of from.entries()) await copy(e);
  } else {
    for await (const h of from.history()) {
      if (h.kind === 'entry') await copy(h.entry);
      else if (to.get(h.path)) {
        await to.remove(h.path);
        deletions++;
      }
    }
  }
  return { entries, deletions };
}
