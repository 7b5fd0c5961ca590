/**
 * Typed catalogs: entries of type T stored as JSON text (UTF-8, content type
 * application/json), through a codec the caller defines (the Mesh's CatalogedContact,
 * CatalogedDevice, ... each bring theirs). Binary fields travel as base64url strings,
 * as in every JSON Mesh object; a codec's decode turns them back (asBinary).
 * A value that does not parse, or that the codec rejects, is a MALFORMED DareError.
 * @module
 */
import { DareError } from '../errors.js';
import { decodeJson, encodeJson } from '../encoding/json.js';
import { decodeUtf8, type JsonValue } from '../encoding/value.js';
import { utf8 } from '../internal/bytes.js';
import { Catalog, type CatalogCopyOptions, type CatalogCreateOptions, type CatalogEntryInfo, type CatalogOpenOptions } from './catalog.js';

/** Converts entries to and from the JSON data model. `decode` throws on a bad value. */
export interface JsonCodec<T> {
  encode(value: T): JsonValue;
  decode(json: JsonValue): T;
}

/** The codec of plain JSON values. */
export const JSON_VALUE_CODEC: JsonCodec<JsonValue> = { encode: (v) => v, decode: (j) => j };

export const JSON_CONTENT_TYPE = 'application/json';

export interface JsonCatalogVersion<T> {
  readonly index: number;
  readonly event: 'New' | 'Update' | 'Delete';
  readonly value?: T;
  readonly modified?: string;
}

export class JsonCatalog<T> {
  /** The byte-level catalog underneath. */
  readonly raw: Catalog;
  private readonly codec: JsonCodec<T>;

  private constructor(raw: Catalog, codec: JsonCodec<T>) {
    this.raw = raw;
    this.codec = codec;
  }

  static async create<T>(path: string, codec: JsonCodec<T>, options: CatalogCreateOptions = {}): Promise<JsonCatalog<T>> {
    return new JsonCatalog(await Catalog.create(path, options), codec);
  }

  static async open<T>(path: string, codec: JsonCodec<T>, options: CatalogOpenOptions = {}): Promise<JsonCatalog<T>> {
    return new JsonCatalog(await Catalog.open(path, options), codec);
  }

  private encode(value: T): Uint8Array {
    return utf8(encodeJson(this.codec.encode(value)));
  }

  private decode(id: string, bytes: Uint8Array): T {
    try {
      return this.codec.decode(decodeJson(decodeUtf8(bytes)));
    } catch (e) {
      // Parse errors and whatever the codec throws: the stored value is bad data.
      const code = e instanceof DareError && e.code === 'LIMIT_EXCEEDED' ? 'LIMIT_EXCEEDED' : 'MALFORMED';
      throw new DareError(code, `catalog entry ${JSON.stringify(id)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  get size(): number {
    return this.raw.size;
  }

  has(id: string): boolean {
    return this.raw.has(id);
  }

  ids(): string[] {
    return this.raw.ids();
  }

  info(id: string): CatalogEntryInfo | undefined {
    return this.raw.info(id);
  }

  async get(id: string): Promise<T | undefined> {
    const b = await this.raw.get(id);
    return b === undefined ? undefined : this.decode(id, b);
  }

  async *entries(): AsyncGenerator<[string, T]> {
    for await (const [id, b] of this.raw.entries()) yield [id, this.decode(id, b)];
  }

  async add(id: string, value: T): Promise<CatalogEntryInfo> {
    return this.raw.add(id, this.encode(value), { contentType: JSON_CONTENT_TYPE });
  }

  async update(id: string, value: T): Promise<CatalogEntryInfo> {
    return this.raw.update(id, this.encode(value), { contentType: JSON_CONTENT_TYPE });
  }

  async put(id: string, value: T): Promise<CatalogEntryInfo> {
    return this.raw.put(id, this.encode(value), { contentType: JSON_CONTENT_TYPE });
  }

  async delete(id: string): Promise<void> {
    return this.raw.delete(id);
  }

  async history(id: string): Promise<JsonCatalogVersion<T>[]> {
    return (await this.raw.history(id)).map((v) => ({
      index: v.index, event: v.event, modified: v.modified,
      value: v.value === undefined ? undefined : this.decode(id, v.value),
    }));
  }

  /** {@link Catalog.batch} with typed values: several changes as one atomic append. */
  async batch(changes: readonly ({ op: 'add' | 'update' | 'put'; id: string; value: T } | { op: 'delete'; id: string })[]): Promise<(CatalogEntryInfo | undefined)[]> {
    return this.raw.batch(changes.map((c) => (c.op === 'delete' ? c : { op: c.op, id: c.id, value: this.encode(c.value), contentType: JSON_CONTENT_TYPE })));
  }

  /** {@link Catalog.refresh}: the entries another writer appended since. */
  refresh(): Promise<number> {
    return this.raw.refresh();
  }

  /** {@link Catalog.appendFrames}: another copy's frames, verbatim, checked without keys. */
  appendFrames(frames: readonly Uint8Array[]): Promise<number> {
    return this.raw.appendFrames(frames);
  }

  copyTo(path: string, options?: CatalogCopyOptions): Promise<void> {
    return this.raw.copyTo(path, options);
  }

  seal(): Promise<void> {
    return this.raw.seal();
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}
