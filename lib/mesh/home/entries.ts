/**
 * Typed catalog entries of an account (schema-08 §10.4; mesh brief §1.4, §2.11): passwords
 * (CatalogedCredential in MMM_Credential, keyed by Service), bookmarks (CatalogedBookmark in
 * MMM_Bookmark, keyed by Uri), calendar entries (CatalogedTask in MMM_Task, keyed by Key),
 * network settings (CatalogedNetwork in MMM_Network, keyed by Service) and contacts
 * (CatalogedContact in MMM_Contact, keyed by Key). Each value is the entry's tagged JSON
 * (content type application/mmm/object), read back within the Mesh object limits; an entry
 * of another class is MALFORMED.
 *
 * Adding, replacing and deleting append one frame; a command that fails appends nothing.
 * @module
 */
import { DareError, generateNonce, type Catalog } from '../../index.js';
import { decodeMeshObject, encodeMeshObject, type ClassName, type MeshObject } from '../schema/index.js';
import { MESH_OBJECT_CONTENT_TYPE } from '../enveloped.js';
import type { StoreLabel } from '../labels.js';
import { MAX_ENTRY_BYTES, type AccountContext, type CatalogReader } from './account.js';

export interface EntryKind<C extends ClassName> {
  /** What the user calls it ("password"). */
  readonly noun: string;
  readonly label: StoreLabel;
  readonly cls: C;
  /** The catalog identifier of an entry. */
  idOf(e: MeshObject<C>): string | undefined;
}

export const CREDENTIALS: EntryKind<'CatalogedCredential'> = { noun: 'password', label: 'MMM_Credential', cls: 'CatalogedCredential', idOf: (e) => e.Service };
export const BOOKMARKS: EntryKind<'CatalogedBookmark'> = { noun: 'bookmark', label: 'MMM_Bookmark', cls: 'CatalogedBookmark', idOf: (e) => e.Uri };
export const TASKS: EntryKind<'CatalogedTask'> = { noun: 'calendar entry', label: 'MMM_Task', cls: 'CatalogedTask', idOf: (e) => e.Key };
export const NETWORKS: EntryKind<'CatalogedNetwork'> = { noun: 'network', label: 'MMM_Network', cls: 'CatalogedNetwork', idOf: (e) => e.Service };
export const CONTACTS: EntryKind<'CatalogedContact'> = { noun: 'contact', label: 'MMM_Contact', cls: 'CatalogedContact', idOf: (e) => e.Key };

/** A fresh identifier for entries that have no natural one (calendar entries, contacts): a nonce UDF of 80 bits. */
export function newEntryId(): string {
  return generateNonce(80);
}

function decodeEntry<C extends ClassName>(kind: EntryKind<C>, id: string, bytes: Uint8Array): MeshObject<C> {
  const o = decodeMeshObject(bytes, kind.cls, { maxBytes: MAX_ENTRY_BYTES }) as unknown as MeshObject<C>;
  if (kind.idOf(o) !== id) throw new DareError('MALFORMED', `${kind.label} entry ${JSON.stringify(id.slice(0, 80))} holds the entry of ${JSON.stringify(String(kind.idOf(o)).slice(0, 80))}`);
  return o;
}

const norm = (s: string) => s.replace(/-/g, '').toUpperCase();

/**
 * The identifier `given` names among `ids`: itself, the same without regard to case and
 * dashes, or (4 characters at least) the one identifier it begins. NOT_FOUND otherwise;
 * CONFLICT when it begins several.
 */
export function resolveId(ids: readonly string[], given: string, noun: string): string {
  if (ids.includes(given)) return given;
  const g = norm(given);
  const same = ids.filter((i) => norm(i) === g);
  if (same.length === 1) return same[0] as string;
  const lower = ids.filter((i) => i.toLowerCase() === given.toLowerCase());
  if (lower.length === 1) return lower[0] as string;
  if (g.length >= 4) {
    const starts = ids.filter((i) => norm(i).startsWith(g));
    if (starts.length === 1) return starts[0] as string;
    if (starts.length > 1) throw new DareError('CONFLICT', `${JSON.stringify(given)} begins ${starts.length} ${noun} identifiers; give more of it`);
  }
  throw new DareError('NOT_FOUND', `no ${noun} ${JSON.stringify(given.slice(0, 120))}`);
}

async function withCatalog<T>(ctx: AccountContext, label: StoreLabel, f: (c: Catalog) => Promise<T>): Promise<T> {
  const c = await ctx.openCatalog(label, true);
  try {
    const r = await f(c);
    await ctx.indexChanged(label, c);
    return r;
  } finally {
    await c.close();
  }
}

async function withReader<T>(ctx: AccountContext, label: StoreLabel, f: (c: CatalogReader) => Promise<T>): Promise<T> {
  const c = await ctx.readCatalog(label);
  try {
    return await f(c);
  } finally {
    await c.close();
  }
}

/** One entry by identifier (see resolveId), or NOT_FOUND. */
export async function getEntry<C extends ClassName>(ctx: AccountContext, kind: EntryKind<C>, given: string): Promise<{ id: string; entry: MeshObject<C> }> {
  return withReader(ctx, kind.label, async (c) => {
    const id = resolveId(c.has(given) ? [given] : c.ids(), given, kind.noun);
    return { id, entry: decodeEntry(kind, id, (await c.get(id)) as Uint8Array) };
  });
}

/** Every live entry, in the order they were added. */
export async function listEntries<C extends ClassName>(ctx: AccountContext, kind: EntryKind<C>): Promise<{ id: string; entry: MeshObject<C> }[]> {
  return withReader(ctx, kind.label, async (c) => {
    const out: { id: string; entry: MeshObject<C> }[] = [];
    for await (const [id, bytes] of c.entries()) out.push({ id, entry: decodeEntry(kind, id, bytes) });
    return out;
  });
}

/** Identifiers only (no value is read or decrypted beyond the frame headers). */
export async function listIds<C extends ClassName>(ctx: AccountContext, kind: EntryKind<C>): Promise<string[]> {
  return withReader(ctx, kind.label, async (c) => c.ids());
}

/**
 * Adds an entry; with `replace` an entry of the same identifier is replaced (a new version),
 * else that is CONFLICT. Returns whether it was added or replaced.
 */
export async function putEntry<C extends ClassName>(ctx: AccountContext, kind: EntryKind<C>, entry: MeshObject<C>, replace = false): Promise<'added' | 'replaced'> {
  const id = kind.idOf(entry);
  if (id === undefined || id.length === 0) throw new TypeError(`a ${kind.cls} needs its identifier`);
  const bytes = encodeMeshObject(entry as never);
  if (bytes.length > MAX_ENTRY_BYTES) throw new DareError('LIMIT_EXCEEDED', `${kind.noun} entry of ${bytes.length} bytes is larger than ${MAX_ENTRY_BYTES}`);
  return withCatalog(ctx, kind.label, async (c) => {
    if (c.has(id)) {
      if (!replace) throw new DareError('CONFLICT', `${kind.noun} ${JSON.stringify(id.slice(0, 120))} exists (use --force to replace it)`);
      await c.update(id, bytes, { contentType: MESH_OBJECT_CONTENT_TYPE });
      return 'replaced';
    }
    await c.add(id, bytes, { contentType: MESH_OBJECT_CONTENT_TYPE });
    return 'added';
  });
}

/** Deletes an entry (see resolveId); returns its identifier. */
export async function deleteEntry<C extends ClassName>(ctx: AccountContext, kind: EntryKind<C>, given: string): Promise<string> {
  return withCatalog(ctx, kind.label, async (c) => {
    const id = resolveId(c.has(given) ? [given] : c.ids(), given, kind.noun);
    await c.delete(id);
    return id;
  });
}
