/**
 * Test helper: writes an archive frame by frame with the sequence engine, bypassing
 * every check ArchiveWriter makes, so tests can hand extraction what only a hostile
 * writer would produce (paths with "..", a file below a symbolic link, ...).
 * @module
 */
import { SequenceWriter } from '../sequence/writer.js';
import { ARCHIVE_TYPE, encodeIndex, entryContentMeta, indexContentMeta, type EntryMeta, type IndexEntry } from './format.js';

export interface CraftedEntry {
  path: string;
  kind?: EntryMeta['kind'];
  data?: string;
  target?: string;
}

export async function craftArchive(file: string, entries: readonly CraftedEntry[]): Promise<void> {
  const w = await SequenceWriter.create(file, { type: 'Merkle', contentMeta: { contentType: ARCHIVE_TYPE } });
  const index: IndexEntry[] = [];
  for (const c of entries) {
    const data = Buffer.from(c.data ?? '');
    const kind = c.kind ?? 'file';
    const meta: EntryMeta = { path: c.path, kind, size: kind === 'file' ? data.length : 0, mode: 0o644, modified: new Date(0).toISOString(), target: c.target };
    const f = await w.append(kind === 'file' ? data : new Uint8Array(0), { contentMeta: entryContentMeta(meta) });
    index.push({ ...meta, index: f.index, position: f.position, frameDigest: f.frameDigest });
  }
  await w.seal(encodeIndex(index), { contentMeta: indexContentMeta(index.length) });
  await w.close();
}
