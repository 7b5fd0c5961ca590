/**
 * Entry indexes of an account's catalogs (docs/MESH.md §8.3): what lets `mesh password get`
 * read one entry without reading every frame header of the catalog. Opening a catalog
 * recomputes its state from all its frames (lib/catalog); with 10,000 passwords that is
 * most of a second. The index records that state once it is known:
 *
 *   cache/<UDF>/<label>.idx = base64url(MAC) LF JSON
 *   JSON = {"MeshCatalogIndex": {"Version": 1, "Store", "Frames", "Tail", "TreeDigest",
 *           "Entries": [[id, frame index, frame offset], ...]}}
 *   MAC  = HMAC-SHA-256(HKDF-SHA-512(the catalog's secret, info "mesh/store/index/v1", 32), JSON)
 *
 * It is used only while the catalog still ends where it ended (the last frame at `Tail`,
 * with index Frames − 1 and tree digest `TreeDigest`); otherwise, or when its MAC fails, the
 * catalog is read in full and the index written again. An entry is read from its frame,
 * whose index, identifier, event, digest and MAC are checked as a full read checks them.
 * The index is a cache: deleting it loses nothing. It is written atomically (mode 0600)
 * after every change made through the home and by readers that found it stale.
 * @module
 */
import {
  DareError, SequenceReader, base64urlDecode, base64urlEncode, encodeJson, fromUtf8, getBackend, isJsonObject,
  readPrivateFile, removePath, utf8, writePrivateFile, type Catalog, type JsonValue,
} from '../../index.js';
import { hkdf } from '../../crypto/index.js';
import type { StoreLabel } from '../labels.js';
import { joinPath } from './layout.js';

/** Largest index read (about 100 bytes an entry). */
const MAX_INDEX_BYTES = 64 << 20;
const INDEX_INFO = utf8('mesh/store/index/v1');

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

function indexKey(secret: Uint8Array): Uint8Array {
  return hkdf('sha512', secret, undefined, INDEX_INFO, 32);
}

/** Where the index of an account's catalog is kept. */
export function indexPath(home: string, profileUdf: string, label: StoreLabel): string {
  return joinPath(home, 'cache', profileUdf.replace(/-/g, ''), `${label}.idx`);
}

interface Slot {
  readonly index: number;
  readonly position: number;
}

/** Writes the index of `catalog` (its state as a full open computed it). Best effort: a cache. */
export async function saveIndex(path: string, label: StoreLabel, secret: Uint8Array, catalog: Catalog): Promise<void> {
  const tail = catalog.tail;
  if (tail.treeDigest === undefined) return;
  const entries: JsonValue[] = [];
  for (const id of catalog.ids()) {
    const i = catalog.info(id);
    if (i !== undefined) entries.push([id, i.index, i.position]);
  }
  const json = utf8(encodeJson({
    MeshCatalogIndex: { Version: 1, Store: label, Frames: tail.index + 1, Tail: tail.position, TreeDigest: base64urlEncode(tail.treeDigest), Entries: entries },
  }));
  const mac = getBackend().hmac('sha256', indexKey(secret), json);
  const text = new Uint8Array(json.length + 44);
  text.set(utf8(base64urlEncode(mac) + '\n'), 0);
  text.set(json, 44);
  await writePrivateFile(path, text).catch(() => undefined);
}

export async function dropIndex(path: string): Promise<void> {
  await removePath(path).catch(() => undefined);
}

/** A catalog read through its index: identifiers at once, one frame per value. */
export class IndexedCatalog {
  private readonly reader: SequenceReader;
  private readonly slots: Map<string, Slot>;
  private readonly maxValue: number;

  private constructor(reader: SequenceReader, slots: Map<string, Slot>, maxValue: number) {
    this.reader = reader;
    this.slots = slots;
    this.maxValue = maxValue;
  }

  /**
   * Opens `catalogPath` through the index at `path`, or resolves to undefined when there is
   * none, it does not verify, or the catalog no longer ends where the index says.
   */
  static async open(path: string, catalogPath: string, label: StoreLabel, secret: Uint8Array, maxValue: number): Promise<IndexedCatalog | undefined> {
    const text = await readPrivateFile(path, MAX_INDEX_BYTES).catch(() => undefined);
    if (text === undefined || text.length < 44 || text[43] !== 0x0a) return undefined;
    const json = text.subarray(44);
    let mac: Uint8Array;
    try {
      mac = base64urlDecode(fromUtf8(text.subarray(0, 43)));
    } catch {
      return undefined;
    }
    if (!sameMac(mac, getBackend().hmac('sha256', indexKey(secret), json))) return undefined;
    let o: { [k: string]: JsonValue };
    try {
      const v = JSON.parse(fromUtf8(json)) as JsonValue;
      if (!isJsonObject(v) || !isJsonObject(v.MeshCatalogIndex)) return undefined;
      o = v.MeshCatalogIndex;
    } catch {
      return undefined;
    }
    if (o.Version !== 1 || o.Store !== label || typeof o.Frames !== 'number' || typeof o.Tail !== 'number' || typeof o.TreeDigest !== 'string' || !Array.isArray(o.Entries)) return undefined;
    const reader = await SequenceReader.open(catalogPath, { secrets: [secret] });
    try {
      const last = reader.last;
      const tree = last.trailer?.treeDigest;
      if (last.index !== o.Frames - 1 || last.position !== o.Tail || tree === undefined || base64urlEncode(tree) !== o.TreeDigest) {
        await reader.close();
        return undefined;
      }
      const slots = new Map<string, Slot>();
      for (const e of o.Entries) {
        if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number' || typeof e[2] !== 'number') throw new DareError('MALFORMED', `${path}: bad entry`);
        slots.set(e[0], { index: e[1], position: e[2] });
      }
      return new IndexedCatalog(reader, slots, maxValue);
    } catch (e) {
      await reader.close();
      if (e instanceof DareError && e.code === 'MALFORMED') return undefined;
      throw e;
    }
  }

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  ids(): string[] {
    return [...this.slots.keys()];
  }

  /** The current value of `id`, read from its frame and checked (index, identifier, event, digest, MAC). */
  async get(id: string): Promise<Uint8Array | undefined> {
    const s = this.slots.get(id);
    if (s === undefined) return undefined;
    const view = await this.reader.frameAt(s.position);
    if (view.index !== s.index || view.isMeta) throw new DareError('SEQUENCE_ORDER', `frame ${s.index}: the catalog changed under its index`);
    const o = await this.reader.open(view);
    if (!o.opened) throw new DareError('NO_MATCHING_KEY', `frame ${view.index} is encrypted and the key given does not open it`);
    const other = o.contentMeta?.other;
    if (other?.UniqueId !== id || (other.Event !== 'New' && other.Event !== 'Update')) throw new DareError('SEQUENCE_ORDER', `frame ${view.index} does not hold the value of ${JSON.stringify(id.slice(0, 80))}`);
    return this.reader.readPayload(o, this.maxValue);
  }

  async *entries(): AsyncGenerator<[string, Uint8Array]> {
    for (const id of [...this.slots.keys()]) yield [id, (await this.get(id)) as Uint8Array];
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
