/**
 * DARE Archives (draft-hallambaker-mesh-dare-12 §7.3; docs/FORMAT.md §9): a Merkle
 * sequence whose data frames are files, directories and symbolic links, whose meta
 * frames are deletion markers and indexes. This module holds the names and the
 * encodings: entry metadata (ContentMeta with an `ArchiveEntry` member, so it is
 * cloaked with the rest of the metadata when the archive is encrypted), the index
 * payload (JSON-B), and the check of entry paths that extraction relies on.
 * @module
 */
import { DareError } from '../errors.js';
import { contentTypeOf } from '../content-type.js';
import { encodeJsonB } from '../encoding/jsonb-writer.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';
import type { ContentMeta } from '../envelope/content-meta.js';

/** `cty` of frame 0 of an archive. */
export const ARCHIVE_TYPE = 'application/dare-archive';
/** `cty` of an index frame. */
export const INDEX_TYPE = 'application/dare-archive-index';
/**
 * `cty` of the sealing meta frame of a write-only session (docs/FORMAT.md §9): empty, signed
 * when a signer is given, and not an index, so readers rebuild the entries by a scan.
 */
export const SEAL_TYPE = 'application/dare-archive-seal';
/** Version of the index payload written here. */
export const INDEX_VERSION = 1;
/** Largest index payload a reader loads (about two million entries). */
export const MAX_INDEX_BYTES = 256 << 20;
/** Longest entry path, in UTF-8 bytes (PATH_MAX), and longest component (NAME_MAX). */
export const MAX_PATH_BYTES = 4096;
export const MAX_COMPONENT_BYTES = 255;

export type EntryKind = 'file' | 'directory' | 'symlink';

/** What the archive records about a file, directory or symbolic link. */
export interface EntryMeta {
  /** Relative path, '/' separators (checkEntryPath). */
  readonly path: string;
  readonly kind: EntryKind;
  /** Bytes of content (0 for directories and links). */
  readonly size: number;
  /** Permission bits (st_mode & 0o7777). */
  readonly mode: number;
  /** Modification time, RFC 3339 with milliseconds. */
  readonly modified: string;
  /** Target of a symbolic link, as stored in the link (not resolved). */
  readonly target?: string;
}

/** A live entry as the index names it. */
export interface IndexEntry extends EntryMeta {
  /** Frame index and file position of the frame holding it. */
  readonly index: number;
  readonly position: number;
  /** FD(index) (sequence/format.ts): binds the frame's header and payload to the index. */
  readonly frameDigest: Uint8Array;
  /**
   * SHA-256 of a file's content (the plaintext), as the writer that stored it computed it:
   * what an incremental append compares (docs/FORMAT.md §9). Absent for directories, links,
   * and entries an index rebuilt by a scan names.
   */
  readonly digest?: Uint8Array;
}

/** Length of IndexEntry.digest (SHA-256). */
export const CONTENT_DIGEST_LENGTH = 32;

const KIND_NAME: Record<EntryKind | 'deleted', string> = { file: 'File', directory: 'Directory', symlink: 'Symlink', deleted: 'Deleted' };
const KIND_OF: Record<string, EntryKind | 'deleted'> = { File: 'file', Directory: 'directory', Symlink: 'symlink', Deleted: 'deleted' };

function malformed(what: string): never {
  throw new DareError('HEADER_MALFORMED', what);
}

function int(o: JsonObject, k: string, where: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) malformed(`${where}: ${k} must be an integer in 0..${max}`);
  return v;
}

function text(o: JsonObject, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') malformed(`${where}: ${k} must be a string`);
  if (v.length > MAX_PATH_BYTES) malformed(`${where}: ${k} is longer than ${MAX_PATH_BYTES} characters`);
  return v;
}

function checkTime(t: string, where: string): string {
  if (!Number.isFinite(Date.parse(t))) malformed(`${where}: Modified is not a date`);
  return t;
}

/** ContentMeta of an entry frame (cty, Filename, Modified and the ArchiveEntry member). */
export function entryContentMeta(e: EntryMeta): ContentMeta {
  const entry: JsonObject = { Kind: KIND_NAME[e.kind], Mode: e.mode, Size: e.size };
  if (e.target !== undefined) entry.Target = e.target;
  const cty = e.kind === 'file' ? contentTypeOf(e.path) : e.kind === 'directory' ? 'inode/directory' : 'inode/symlink';
  return { contentType: cty, filename: e.path, modified: e.modified, other: { ArchiveEntry: entry } };
}

/** ContentMeta of a deletion marker (a meta frame). */
export function deletionContentMeta(path: string): ContentMeta {
  return { filename: path, other: { ArchiveEntry: { Kind: KIND_NAME.deleted } } };
}

/** ContentMeta of an index frame (a meta frame, the sealed last frame). */
export function indexContentMeta(entries: number): ContentMeta {
  return { contentType: INDEX_TYPE, other: { ArchiveIndex: { Version: INDEX_VERSION, Entries: entries } } };
}

export type FrameRole =
  | { role: 'entry'; meta: EntryMeta }
  | { role: 'deleted'; path: string }
  | { role: 'index' }
  | { role: 'other' };

/** What a frame of an archive is, from its (opened) ContentMeta. */
export function frameRole(cm: ContentMeta | undefined, isMeta: boolean, where: string): FrameRole {
  if (cm?.contentType === INDEX_TYPE && isMeta) return { role: 'index' };
  const ae = cm?.other?.ArchiveEntry;
  if (ae === undefined) return { role: 'other' };
  if (!isJsonObject(ae)) malformed(`${where}: ArchiveEntry must be an object`);
  const kind = KIND_OF[typeof ae.Kind === 'string' ? ae.Kind : ''];
  if (kind === undefined) malformed(`${where}: unknown ArchiveEntry Kind`);
  const path = cm?.filename;
  if (path === undefined) malformed(`${where}: entry without Filename`);
  if (kind === 'deleted') {
    if (!isMeta) malformed(`${where}: a deletion marker must be a meta frame`);
    return { role: 'deleted', path };
  }
  if (isMeta) malformed(`${where}: an entry must be a data frame`);
  const target = kind === 'symlink' ? text(ae, 'Target', where) : undefined;
  return {
    role: 'entry',
    meta: {
      path, kind, target,
      size: kind === 'file' ? int(ae, 'Size', where) : 0,
      mode: int(ae, 'Mode', where, 0o7777),
      modified: checkTime(cm?.modified ?? malformed(`${where}: entry without Modified`), where),
    },
  };
}

/**
 * The index payload: JSON-B `{"ArchiveIndex": {"Version": 1, "FrameZero": FD(0), "Entries": [...]}}`.
 * FrameZero (frame 0's Merkle leaf, docs/FORMAT.md §9) lets a reader that authenticated the
 * index authenticate frame 0 (the policy) without an audit path; readers that do not know it
 * ignore it.
 */
export function encodeIndex(entries: readonly IndexEntry[], frameZero?: Uint8Array): Uint8Array {
  const list: JsonValue[] = entries.map((e) => {
    const o: JsonObject = {
      Path: e.path, Kind: KIND_NAME[e.kind], Size: e.size, Mode: e.mode, Modified: e.modified,
    };
    if (e.target !== undefined) o.Target = e.target;
    o.Index = e.index;
    o.Position = e.position;
    o.FrameDigest = e.frameDigest;
    if (e.digest !== undefined) o.Digest = e.digest;
    return o;
  });
  const index: JsonObject = { Version: INDEX_VERSION };
  if (frameZero !== undefined) index.FrameZero = frameZero;
  index.Entries = list;
  return encodeJsonB({ ArchiveIndex: index });
}

export function decodeIndex(bytes: Uint8Array): IndexEntry[] {
  return decodeIndexPayload(bytes).entries;
}

/** The entries of an index payload, and its FrameZero when it has one (64 bytes). */
export function decodeIndexPayload(bytes: Uint8Array): { entries: IndexEntry[]; frameZero?: Uint8Array } {
  let v: JsonValue;
  try {
    v = decodeJsonB(bytes, { maxDepth: 8 });
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', 'archive index is not json-b', { cause: e });
  }
  const ai = isJsonObject(v) ? v.ArchiveIndex : undefined;
  if (!isJsonObject(ai)) malformed('archive index: no ArchiveIndex object');
  if (ai.Version !== INDEX_VERSION) throw new DareError('UNSUPPORTED_ALGORITHM', `archive index version ${String(ai.Version)} is not supported`);
  if (!Array.isArray(ai.Entries)) malformed('archive index: Entries must be a list');
  const frameZero = ai.FrameZero;
  if (frameZero !== undefined && !(frameZero instanceof Uint8Array && frameZero.length === 64)) malformed('archive index: FrameZero must be 64 bytes');
  const seen = new Set<string>();
  const entries = ai.Entries.map((x, i) => {
    const where = `archive index entry ${i}`;
    if (!isJsonObject(x)) malformed(`${where}: not an object`);
    const kind = KIND_OF[typeof x.Kind === 'string' ? x.Kind : ''];
    if (kind === undefined || kind === 'deleted') malformed(`${where}: bad Kind`);
    const path = text(x, 'Path', where);
    if (seen.has(path)) malformed(`${where}: path ${JSON.stringify(path)} is listed twice`);
    seen.add(path);
    const fd = x.FrameDigest;
    if (!(fd instanceof Uint8Array) || fd.length !== 64) malformed(`${where}: FrameDigest must be 64 bytes`);
    const digest = x.Digest;
    if (digest !== undefined && (!(digest instanceof Uint8Array) || digest.length !== CONTENT_DIGEST_LENGTH || kind !== 'file')) {
      malformed(`${where}: Digest must be ${CONTENT_DIGEST_LENGTH} bytes, of a file`);
    }
    return {
      path, kind,
      size: int(x, 'Size', where),
      mode: int(x, 'Mode', where, 0o7777),
      modified: checkTime(text(x, 'Modified', where), where),
      target: kind === 'symlink' ? text(x, 'Target', where) : undefined,
      index: int(x, 'Index', where),
      position: int(x, 'Position', where),
      frameDigest: fd,
      ...(digest instanceof Uint8Array ? { digest } : {}),
    };
  });
  return { entries, frameZero };
}

/**
 * Throws unless `path` is safe to create below a destination directory: relative,
 * '/'-separated, no empty, `.` or `..` component, no NUL, backslash or other control
 * character, within PATH_MAX/NAME_MAX. Archive writers refuse such paths too, so only a
 * crafted archive carries one.
 */
export function checkEntryPath(path: string): void {
  const bad = (why: string): never => {
    throw new DareError('MALFORMED', `unsafe entry path ${JSON.stringify(path)}: ${why}`);
  };
  if (path.length === 0) bad('empty');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) bad(`longer than ${MAX_PATH_BYTES} bytes`);
  if (path.startsWith('/')) bad('absolute');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) bad('control character');
  if (path.includes('\\')) bad('backslash (a separator on Windows)');
  if (/^[A-Za-z]:/.test(path)) bad('drive letter');
  for (const c of path.split('/')) {
    if (c === '') bad('empty component');
    if (c === '.' || c === '..') bad(`"${c}" component`);
    if (Buffer.byteLength(c, 'utf8') > MAX_COMPONENT_BYTES) bad(`component longer than ${MAX_COMPONENT_BYTES} bytes`);
  }
}

/** True when `path` is `prefix` or below it. */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + '/');
}

/** The ancestors of a path, nearest last: "a/b/c" gives ["a", "a/b"]. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/**
 * Throws MALFORMED when the entries cannot all exist at once: an entry below a file
 * or a symbolic link (the "symlink, then a file through it" attack).
 */
export function checkTree(entries: Iterable<EntryMeta>): void {
  const kinds = new Map<string, EntryKind>();
  for (const e of entries) kinds.set(e.path, e.kind);
  for (const [path] of kinds) {
    for (const a of ancestors(path)) {
      const k = kinds.get(a);
      if (k !== undefined && k !== 'directory') {
        throw new DareError('MALFORMED', `entry ${JSON.stringify(path)} lies below ${k === 'symlink' ? 'the symbolic link' : 'the file'} ${JSON.stringify(a)}`);
      }
    }
  }
}
