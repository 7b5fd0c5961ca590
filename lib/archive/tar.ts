/**
 * tar interoperability (docs/FORMAT.md §9, "tar"): importing a tar stream into an
 * archive and exporting archive entries as a tar stream, both streaming (tar-stream).
 * Import sanitizes what is harmless (a leading '/', './' prefixes, a trailing '/'),
 * refuses what could escape or confuse a later extraction ('..' components,
 * backslashes, control characters such as a NUL in a PAX path, an entry below a file or
 * a symbolic link, sizes beyond 2^53), refuses names it cannot keep exactly (not UTF-8:
 * two names would become one) and an entry whose name was already another kind (a folder
 * after a file of that name), reports a name given twice (the later entry is kept, as
 * tar does) and skips, with a note, what an archive does not hold (hard links, devices,
 * FIFOs). Nothing is renamed or dropped silently.
 * @module
 */
import tar from 'tar-stream';
import { DareError } from '../errors.js';
import { feedStream, writeOrWait } from '../platform/streams.js';
import { checkEntryPath, type EntryMeta, type IndexEntry } from './format.js';
import type { ArchiveReader } from './reader.js';
import type { ArchiveWriter } from './writer.js';

export interface TarImportOptions {
  /** Sanitized names and skipped entries, one message each. */
  onNote?: (message: string) => void;
  onEntry?: (meta: EntryMeta) => void;
}

export interface TarImportReport {
  readonly added: number;
  readonly skipped: number;
}

function tarError(e: unknown): unknown {
  if (e instanceof DareError || !(e instanceof Error)) return e;
  const truncated = /unexpected end/i.test(e.message);
  return new DareError(truncated ? 'TRUNCATED' : 'MALFORMED', `tar: ${e.message.toLowerCase()}`, { cause: e });
}

/** The archive name of a tar entry name, or undefined for the root ("./"). */
function entryName(raw: string, note: (m: string) => void): string | undefined {
  let n = raw;
  if (n.startsWith('/')) {
    n = n.replace(/^\/+/, '');
    note(`tar entry ${JSON.stringify(raw)}: removed the leading "/"`);
  }
  n = n.replace(/^(\.\/+)+/, '').replace(/\/+$/, '');
  if (n === '' || n === '.') return undefined;
  try {
    checkEntryPath(n);
  } catch (e) {
    if (e instanceof DareError) throw new DareError('MALFORMED', `tar entry ${JSON.stringify(raw)} refused: ${e.message}`);
    throw e;
  }
  return n;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A name or link target exactly as the tar stream has it. The stream is read with names as
 * latin1 (one character per byte), so the bytes of a ustar field survive and are decoded as
 * strict UTF-8 here; a PAX record (always UTF-8) was decoded by tar-stream, which puts U+FFFD
 * where the bytes were not UTF-8. Either way a name that is not UTF-8 is refused.
 */
function exactName(h: tar.Header & { pax?: unknown }, field: 'name' | 'linkname'): string {
  const pax = (h.pax as Record<string, string> | undefined)?.[field === 'name' ? 'path' : 'linkpath'];
  const raw = field === 'name' ? h.name : h.linkname ?? '';
  const shown = (s: string) => JSON.stringify(s);
  if (pax !== undefined) {
    if (pax.includes('\uFFFD')) throw new DareError('MALFORMED', `tar entry ${shown(pax)} refused: its PAX ${field === 'name' ? 'path' : 'linkpath'} is not UTF-8`);
    return pax;
  }
  try {
    return STRICT_UTF8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw new DareError('MALFORMED', `tar entry ${shown(raw)} refused: its ${field === 'name' ? 'name' : 'link target'} is not UTF-8 (archive names are UTF-8; two such names could become one)`);
  }
}

async function drain(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) {
    // Skipped entries are read to the end: the tar stream moves on only then.
  }
}

/** Adds every entry of a tar stream to `writer`. */
export async function addTar(writer: ArchiveWriter, source: AsyncIterable<Uint8Array>, options: TarImportOptions = {}): Promise<TarImportReport> {
  const note = options.onNote ?? (() => undefined);
  // filenameEncoding is a tar-stream option its types do not list.
  const ex = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  /** The kind each name was given as, to refuse a change of kind and report duplicates. */
  const seen = new Map<string, string>();
  const feeding = feedStream(source, ex);
  feeding.catch(() => undefined);
  let added = 0;
  let skipped = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const rawName = exactName(h, 'name');
      const name = entryName(rawName, note);
      const type = h.type ?? 'file';
      if (name === undefined || !['file', 'contiguous-file', 'directory', 'symlink'].includes(type)) {
        if (name !== undefined) {
          note(`tar entry ${JSON.stringify(rawName)} skipped: ${type === 'link' ? `a hard link (to ${JSON.stringify(h.linkname ?? '')})` : `a ${type}`} is not archived`);
          skipped++;
        }
        await drain(entry);
        continue;
      }
      const size = h.size ?? 0;
      if (!Number.isSafeInteger(size) || size < 0) throw new DareError('MALFORMED', `tar entry ${JSON.stringify(rawName)}: size ${String(size)} is not a safe integer`);
      const kind = type === 'directory' ? 'directory' : type === 'symlink' ? 'symbolic link' : 'file';
      const before = seen.get(name);
      if (before !== undefined && before !== kind) {
        throw new DareError('MALFORMED', `tar entry ${JSON.stringify(rawName)} refused: ${JSON.stringify(name)} came before as a ${before}, now as a ${kind}`);
      }
      if (before !== undefined) note(`tar entry ${JSON.stringify(rawName)}: ${JSON.stringify(name)} appears again; the later ${kind} is kept`);
      seen.set(name, kind);
      const time = h.mtime instanceof Date && Number.isFinite(h.mtime.getTime()) ? h.mtime : new Date(0);
      const base = { path: name, mode: (h.mode ?? 0o644) & 0o7777, modified: time.toISOString() };
      let meta: EntryMeta;
      if (type === 'symlink') {
        const target = exactName(h, 'linkname');
        // eslint-disable-next-line no-control-regex
        if (target === '' || /\u0000/.test(target)) throw new DareError('MALFORMED', `tar entry ${JSON.stringify(rawName)}: bad link target`);
        meta = { ...base, kind: 'symlink', size: 0, target };
      } else meta = type === 'directory' ? { ...base, kind: 'directory', size: 0 } : { ...base, kind: 'file', size };
      try {
        await writer.add(meta, meta.kind === 'file' ? (entry as AsyncIterable<Uint8Array>) : undefined);
      } catch (e) {
        if (e instanceof DareError && e.code === 'CONFLICT') throw new DareError('MALFORMED', `tar entry ${JSON.stringify(rawName)} refused: ${e.message}`);
        throw e;
      }
      if (meta.kind !== 'file') await drain(entry);
      added++;
      options.onEntry?.(meta);
    }
    await feeding;
  } catch (e) {
    ex.destroy();
    await feeding.catch(() => undefined);
    throw tarError(e);
  }
  return { added, skipped };
}

/** The entries as a tar stream (POSIX ustar, pax headers for long names). */
export function archiveToTar(reader: ArchiveReader, entries: readonly IndexEntry[]): AsyncIterable<Uint8Array> {
  const pack = tar.pack();
  const write = async (e: IndexEntry) => {
    checkEntryPath(e.path);
    const header: tar.Header = {
      name: e.kind === 'directory' ? `${e.path}/` : e.path,
      mode: e.mode, mtime: new Date(e.modified), size: e.size,
      type: e.kind, linkname: e.target ?? '', uid: 0, gid: 0, uname: '', gname: '', devmajor: 0, devminor: 0,
    };
    const done = new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.kind !== 'file') {
        pack.entry(header, new Uint8Array(0), cb);
        return;
      }
      const sink = pack.entry(header, cb);
      (async () => {
        for await (const piece of reader.content(e)) await writeOrWait(sink, piece);
        (sink as unknown as { end(): void }).end();
      })().catch((err: unknown) => {
        reject(err);
        sink.destroy(err as Error);
      });
    });
    await done;
  };
  (async () => {
    await reader.checkBeforeExtract(entries);
    for (const e of entries) await write(e);
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return pack as AsyncIterable<Uint8Array>;
}
