/**
 * Catalogs (draft-hallambaker-mesh-dare-12 §7.1; docs/FORMAT.md §11): a set of entries,
 * each named by a unique identifier, kept as a persistent DARE Merkle sequence. Add,
 * update and delete append one frame each (Event New, Update, Delete; the valid
 * histories of an identifier are (New Update* Delete)*); the state is computed on open
 * from the frames' metadata alone.
 *
 * Memory: the catalog holds an index of the live entries (identifier -> frame position
 * and a few numbers) and the identifiers of deleted entries; values are read from the
 * file on demand, never cached.
 * @module
 */
import { DareError } from '../errors.js';
import { removePath } from '../platform/directory.js';
import { checkId, type StoreMeta } from './meta.js';
import { Store, type StoreCreateOptions, type StoreFrame, type StoreOpenOptions } from './store.js';

/** Content type of frame 0 of a catalog (as the reference writes it). */
export const CATALOG_CONTENT_TYPE = 'application/mmm-catalog';

export type CatalogCreateOptions = StoreCreateOptions;
export type CatalogOpenOptions = StoreOpenOptions;

/** What the index knows about a live entry, without reading its value. */
export interface CatalogEntryInfo {
  readonly id: string;
  /** Frame index of the current value. */
  readonly index: number;
  /** File offset of that frame (what an index of the catalog kept elsewhere points at). */
  readonly position: number;
  /** Frame index where this instance of the identifier was added. */
  readonly first: number;
  /** Values this instance has had: 1 after add, +1 per update. */
  readonly versions: number;
  readonly contentType?: string;
  /** When the current value was written (RFC 3339). */
  readonly modified?: string;
}

/** One frame of an identifier's history. */
export interface CatalogVersion {
  readonly index: number;
  readonly event: 'New' | 'Update' | 'Delete';
  /** The value written; absent for Delete. */
  readonly value?: Uint8Array;
  readonly contentType?: string;
  readonly modified?: string;
}

export interface CatalogCopyOptions {
  /** Keys and signer of the copy (default: this catalog's). */
  keys?: CatalogCreateOptions;
}

export interface EntryOptions {
  /** Media type of the value, kept in the frame's metadata. */
  contentType?: string;
}

/** One change of a {@link Catalog.batch}. */
export type CatalogChange =
  | { readonly op: 'add' | 'update' | 'put'; readonly id: string; readonly value: Uint8Array; readonly contentType?: string }
  | { readonly op: 'delete'; readonly id: string };

interface Slot {
  index: number;
  position: number;
  first: number;
  versions: number;
  contentType?: string;
  modified?: string;
}

function inconsistent(index: number, what: string): never {
  throw new DareError('SEQUENCE_ORDER', `frame ${index}: ${what}`);
}

function checkValue(v: unknown): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError('a catalog value must be a Uint8Array');
}

/** The state computed from the frames: the live index and the deleted identifiers. */
class CatalogState {
  readonly live = new Map<string, Slot>();
  /** Deleted identifiers -> their Delete frame, so a re-add links its history. */
  readonly gone = new Map<string, number>();
  /** False when some frame lacks the Previous link (another writer): history() scans. */
  linked = true;

  /** Applies one frame; SEQUENCE_ORDER when it is not a valid transition. */
  apply(f: StoreFrame): void {
    const m = f.meta;
    const id = m.uniqueId;
    const s = this.live.get(id);
    if (m.event === 'New') {
      if (s) inconsistent(f.index, `New for the live entry ${JSON.stringify(id)}`);
      if (m.first !== undefined) inconsistent(f.index, 'a New frame has no First');
      const before = this.gone.get(id);
      if (m.previous !== before) {
        if (m.previous !== undefined) inconsistent(f.index, `Previous ${m.previous} should be ${before ?? 'absent'}`);
        this.linked = false;
      }
      this.gone.delete(id);
      this.live.set(id, { index: f.index, position: f.position, first: f.index, versions: 1, contentType: m.contentType, modified: m.modified });
      return;
    }
    if (m.event !== 'Update' && m.event !== 'Delete') inconsistent(f.index, `a catalog has no ${m.event} frames`);
    if (!s) inconsistent(f.index, `${m.event} of the missing entry ${JSON.stringify(id)}`);
    if (m.previous === undefined || m.first === undefined) this.linked = false;
    if (m.previous !== undefined && m.previous !== s.index) inconsistent(f.index, `Previous ${m.previous} should be ${s.index}`);
    if (m.first !== undefined && m.first !== s.first) inconsistent(f.index, `First ${m.first} should be ${s.first}`);
    if (m.event === 'Delete') {
      this.live.delete(id);
      this.gone.set(id, f.index);
    } else {
      this.live.set(id, { index: f.index, position: f.position, first: s.first, versions: s.versions + 1, contentType: m.contentType, modified: m.modified });
    }
  }
}

export class Catalog {
  private readonly store: Store;
  private readonly options: CatalogOpenOptions;
  private readonly state: CatalogState;
  private readonly live: Map<string, Slot>;
  private readonly gone: Map<string, number>;

  private constructor(store: Store, options: CatalogOpenOptions, state: CatalogState) {
    this.store = store;
    this.options = options;
    this.state = state;
    this.live = state.live;
    this.gone = state.gone;
  }

  /** Creates a new, empty catalog file (OUTPUT_EXISTS if the path exists). */
  static async create(path: string, options: CatalogCreateOptions = {}): Promise<Catalog> {
    const store = await Store.create(path, options.contentType ?? CATALOG_CONTENT_TYPE, options);
    return new Catalog(store, options, new CatalogState());
  }

  /**
   * Opens a catalog and computes its state. Typed errors: IO (no file), MISMATCH (not
   * a catalog), NO_MATCHING_KEY (encrypted, no key opens it), MERKLE_MISMATCH,
   * SIGNATURE_INVALID, SEQUENCE_ORDER (a history that is not (New Update* Delete)*),
   * HEADER_MALFORMED.
   */
  static async open(path: string, options: CatalogOpenOptions = {}): Promise<Catalog> {
    const state = new CatalogState();
    const store = await Store.open(path, options.contentType ?? CATALOG_CONTENT_TYPE, options, (f) => state.apply(f));
    return new Catalog(store, options, state);
  }

  /** The file's path. */
  get path(): string {
    return this.store.path;
  }

  /** Bytes of a torn last frame cut off (or, read-only, ignored) at open. */
  get tornBytes(): number {
    return this.store.tornBytes;
  }

  /** The last frame: its index, its offset and the Merkle tree digest it carries. */
  get tail(): { index: number; position: number; treeDigest?: Uint8Array } {
    return this.store.lastFrame();
  }

  /** Frames in the file, frame 0 and seals included. */
  get frameCount(): number {
    return this.store.frameCount;
  }

  /** Number of live entries. */
  get size(): number {
    return this.live.size;
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  /** Live identifiers, in the order their current instance was added. */
  ids(): string[] {
    return [...this.live.keys()];
  }

  info(id: string): CatalogEntryInfo | undefined {
    const s = this.live.get(id);
    return s && { id, index: s.index, position: s.position, first: s.first, versions: s.versions, contentType: s.contentType, modified: s.modified };
  }

  /** The current value, read from the file (digest and MAC checked), or undefined. */
  async get(id: string): Promise<Uint8Array | undefined> {
    const s = this.live.get(id);
    if (!s) return undefined;
    const f = await this.store.readAt(s.position);
    if (f.meta.uniqueId !== id) inconsistent(f.index, 'the file changed under the catalog');
    return f.payload;
  }

  /** Live entries with their values, read one at a time (a snapshot of the index at the call). */
  async *entries(): AsyncGenerator<[string, Uint8Array]> {
    for (const [id, s] of [...this.live]) {
      const f = await this.store.readAt(s.position);
      if (f.meta.uniqueId !== id) inconsistent(f.index, 'the file changed under the catalog');
      yield [id, f.payload];
    }
  }

  /** Adds an entry; CONFLICT if the identifier is live. */
  async add(id: string, value: Uint8Array, options: EntryOptions = {}): Promise<CatalogEntryInfo> {
    checkId(id);
    checkValue(value);
    return this.store.exclusive(async () => {
      if (this.live.has(id)) throw new DareError('CONFLICT', `catalog entry ${JSON.stringify(id)} exists`);
      return this.write({ uniqueId: id, event: 'New', previous: this.gone.get(id), contentType: options.contentType }, value);
    });
  }

  /** Replaces an entry's value; NOT_FOUND if the identifier is not live. */
  async update(id: string, value: Uint8Array, options: EntryOptions = {}): Promise<CatalogEntryInfo> {
    checkId(id);
    checkValue(value);
    return this.store.exclusive(async () => {
      const s = this.slot(id);
      return this.write({ uniqueId: id, event: 'Update', first: s.first, previous: s.index, contentType: options.contentType }, value);
    });
  }

  /** Adds or updates. */
  async put(id: string, value: Uint8Array, options: EntryOptions = {}): Promise<CatalogEntryInfo> {
    checkId(id);
    checkValue(value);
    return this.store.exclusive(async () => {
      const s = this.live.get(id);
      const meta: StoreMeta = s
        ? { uniqueId: id, event: 'Update', first: s.first, previous: s.index, contentType: options.contentType }
        : { uniqueId: id, event: 'New', previous: this.gone.get(id), contentType: options.contentType };
      return this.write(meta, value);
    });
  }

  /**
   * Applies several changes as one atomic append (one write, one fsync; after a crash all
   * of them or none are there, store.ts "Batches"). Each change sees the ones before it
   * (add then update of one identifier is fine). CONFLICT or NOT_FOUND as the single
   * operations, before anything is written. Returns the entries' state after each change
   * (undefined for a delete).
   */
  async batch(changes: readonly CatalogChange[]): Promise<(CatalogEntryInfo | undefined)[]> {
    if (!Array.isArray(changes) || changes.length === 0) throw new RangeError('a batch holds at least one change');
    for (const c of changes) {
      checkId(c.id);
      if (c.op !== 'delete') checkValue(c.value);
    }
    return this.store.exclusive(async () => {
      // The changes against the index as it will be: an overlay, so nothing changes on failure.
      const live = new Map<string, Slot | undefined>();
      const gone = new Map<string, number | undefined>();
      const cur = (id: string) => (live.has(id) ? live.get(id) : this.live.get(id));
      const goneAt = (id: string) => (gone.has(id) ? gone.get(id) : this.gone.get(id));
      const modified = new Date().toISOString();
      const frames = changes.map((c, k) => {
        const index = this.store.frameCount + k;
        const s = cur(c.id);
        let meta: StoreMeta;
        if (c.op === 'delete' || c.op === 'update' || (c.op === 'put' && s)) {
          if (!s) throw new DareError('NOT_FOUND', `no catalog entry ${JSON.stringify(c.id)}`);
          meta = { uniqueId: c.id, event: c.op === 'delete' ? 'Delete' : 'Update', first: s.first, previous: s.index, modified };
          if (c.op !== 'delete') meta.contentType = c.contentType;
        } else if (c.op === 'add' || c.op === 'put') {
          if (s) throw new DareError('CONFLICT', `catalog entry ${JSON.stringify(c.id)} exists`);
          meta = { uniqueId: c.id, event: 'New', previous: goneAt(c.id), contentType: c.contentType, modified };
        } else throw new RangeError('unknown batch operation');
        if (meta.event === 'Delete') {
          live.set(c.id, undefined);
          gone.set(c.id, index);
        } else {
          live.set(c.id, { index, position: -1, first: meta.first ?? index, versions: (s?.versions ?? 0) + 1 });
        }
        return { meta, payload: c.op === 'delete' ? new Uint8Array(0) : c.value };
      });
      const written = await this.store.appendBatch(frames);
      return written.map((f, k) => {
        const { meta, payload } = frames[k] as (typeof frames)[number];
        this.state.apply({ index: f.index, position: f.position, meta, carried: payload.length });
        return meta.event === 'Delete' ? undefined : this.info(meta.uniqueId);
      });
    });
  }

  /**
   * Applies the entries another writer appended to the file since open or the last
   * refresh (a read-only catalog beside a writer; frames appended by {@link appendFrames}).
   * Returns the number of frames applied.
   */
  refresh(): Promise<number> {
    return this.store.refresh();
  }

  /**
   * Appends frames written by another copy of this catalog (another device, a service's
   * Download), verbatim, after checking them without keys (lib/sequence/replica.ts), and
   * applies them with the keys. Returns the number of frames applied.
   */
  appendFrames(frames: readonly Uint8Array[]): Promise<number> {
    return this.store.appendFrames(frames);
  }

  /** Deletes an entry (a Delete frame; the old values stay in the file until copyTo). */
  async delete(id: string): Promise<void> {
    checkId(id);
    return this.store.exclusive(async () => {
      const s = this.slot(id);
      const f = await this.store.append({ uniqueId: id, event: 'Delete', first: s.first, previous: s.index, modified: new Date().toISOString() }, new Uint8Array(0));
      this.live.delete(id);
      this.gone.set(id, f.index);
    });
  }

  private slot(id: string): Slot {
    const s = this.live.get(id);
    if (!s) throw new DareError('NOT_FOUND', `no catalog entry ${JSON.stringify(id)}`);
    return s;
  }

  private async write(meta: StoreMeta, value: Uint8Array, modified = new Date().toISOString()): Promise<CatalogEntryInfo> {
    const f = await this.store.append({ ...meta, modified }, value);
    this.state.apply({ index: f.index, position: f.position, meta: { ...meta, modified }, carried: value.length });
    return this.info(meta.uniqueId) as CatalogEntryInfo;
  }

  /**
   * Every frame about `id`, oldest first, across deletes and re-adds. Follows the
   * Previous links (one frame read per version); scans the file when a frame written
   * elsewhere lacks them.
   */
  async history(id: string): Promise<CatalogVersion[]> {
    const out: CatalogVersion[] = [];
    const version = (index: number, m: StoreMeta, payload: Uint8Array): CatalogVersion => ({
      index, event: m.event as CatalogVersion['event'], value: m.event === 'Delete' ? undefined : payload,
      contentType: m.contentType, modified: m.modified,
    });
    if (!this.state.linked) {
      const frames: StoreFrame[] = [];
      for await (const f of this.store.scan()) if (f.meta.uniqueId === id) frames.push(f);
      for (const f of frames) out.push(version(f.index, f.meta, (await this.store.readAt(f.position)).payload));
      return out;
    }
    let at = this.live.get(id)?.index ?? this.gone.get(id);
    while (at !== undefined) {
      const f = await this.store.readIndex(at);
      if (f.meta.uniqueId !== id) inconsistent(f.index, `Previous leads to the entry ${JSON.stringify(f.meta.uniqueId)}`);
      out.push(version(f.index, f.meta, f.payload));
      at = f.meta.previous; // fromContentMeta: always an earlier frame, so this ends
    }
    return out.reverse();
  }

  /**
   * Writes a new catalog at `path` holding only the live entries (one New frame each,
   * values and metadata kept; history dropped): compaction and redaction. The copy's
   * keys and signer: `keys` exactly when given (`{}`: plaintext; new keys: re-keying),
   * else this catalog's (its policy's recipients or its secret, and its signer).
   * A failed copy leaves no file.
   */
  async copyTo(path: string, options: CatalogCopyOptions = {}): Promise<void> {
    const o: CatalogCreateOptions = options.keys ?? {
      recipients: this.options.recipients ?? this.store.policyRecipients,
      secret: this.options.secret, signer: this.options.signer, signFrames: this.options.signFrames,
      contentType: this.options.contentType, maxValueBytes: this.options.maxValueBytes,
    };
    const copy = await Catalog.create(path, o);
    try {
      for (const [id, s] of [...this.live]) {
        const f = await this.store.readAt(s.position);
        if (f.meta.uniqueId !== id) inconsistent(f.index, 'the file changed under the catalog');
        await copy.store.exclusive(() => copy.write({ uniqueId: id, event: 'New', contentType: s.contentType }, f.payload, s.modified));
      }
      await copy.close();
    } catch (e) {
      await copy.close().catch(() => undefined);
      await removePath(path).catch(() => undefined);
      throw e;
    }
  }

  /** Signs the apex now (a meta frame); needs a signer. close() does it after changes. */
  seal(): Promise<void> {
    return this.store.seal();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
