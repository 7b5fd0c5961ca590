/**
 * Reading an envelope's header while keeping the raw bytes that follow it: what `rekey`
 * copies verbatim and `inspect` reads past (docs/FORMAT.md §1). Nothing is decrypted or
 * verified here.
 * @module
 */
import { DareError } from '../errors.js';
import { JsonBStreamReader } from '../encoding/jsonb-stream.js';
import { isWhitespace } from '../encoding/jsonb-head.js';
import { isJsonObject, type JsonObject } from '../encoding/value.js';
import { parseHeader, parseTrailer, type DareHeader, type DareTrailer } from './schema.js';
import { unwrapEnvelope } from './wrapper.js';

/**
 * Passes a source through to a reader and keeps what the reader pulled: everything
 * until {@link copyFrom} is called (the header, bounded by the reader's limits), then
 * the bytes after the given offset and, once asked to {@link keep}, every byte pulled
 * after them, until {@link take}n. Not keeping, it holds at most the one chunk that
 * the header ended in, so inspecting never holds the payload.
 */
class RawTap implements AsyncIterable<Uint8Array> {
  private readonly source: AsyncIterable<Uint8Array>;
  private held: Uint8Array[] = [];
  private heldStart = 0;
  private pulled = 0;
  private keeping = true;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for await (const c of this.source) {
      if (c.length === 0) continue;
      if (this.keeping) this.held.push(c);
      this.pulled += c.length;
      yield c;
    }
  }

  /** The first bytes pulled (up to n), for telling JSON from JSON-B. */
  head(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.pulled - this.heldStart));
    let o = 0;
    for (const c of this.held) {
      if (o >= out.length) break;
      const t = c.subarray(0, out.length - o);
      out.set(t, o);
      o += t.length;
    }
    return out;
  }

  /**
   * Drops the bytes before `offset`; with `keep`, what is pulled from then on is kept
   * for {@link take}, else it is not kept (until {@link keep}).
   */
  copyFrom(offset: number, keep: boolean): void {
    this.keeping = keep;
    let start = this.heldStart;
    const kept: Uint8Array[] = [];
    for (const c of this.held) {
      const end = start + c.length;
      if (end > offset) kept.push(start >= offset ? c : c.subarray(offset - start));
      start = end;
    }
    this.held = kept;
    this.heldStart = offset;
  }

  /** Keeps what is pulled from now on. */
  keep(): void {
    this.keeping = true;
  }

  /** The bytes kept since the last take, up to the absolute offset `limit` (views of the source's chunks). */
  take(limit = Infinity): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.held.length && this.heldStart < limit) {
      const c = this.held[0] as Uint8Array;
      const n = Math.min(c.length, limit - this.heldStart);
      out.push(n === c.length ? c : c.subarray(0, n));
      if (n === c.length) this.held.shift();
      else this.held[0] = c.subarray(n);
      this.heldStart += n;
    }
    return out;
  }
}

export type EnvelopeEncodingName = 'json' | 'jsonb';

/** The header of an envelope, and a reader positioned right after it. */
export interface EnvelopeHead {
  readonly encoding: EnvelopeEncodingName;
  /** The input had the drafts' `{"DareEnvelope": ...}` wrapper. */
  readonly wrapped: boolean;
  /** The header as read, field order kept. */
  readonly raw: JsonObject;
  readonly header: DareHeader;
  /** The reader, positioned after the header. */
  readonly reader: JsonBStreamReader;
  /**
   * Starts keeping every byte after the header exactly as read; each call of the
   * returned function hands over (and forgets) the bytes kept since the last call, up
   * to what the reader has consumed (`all`: every byte pulled from the source).
   */
  copyRest(): (all?: boolean) => Uint8Array[];
}

function detectEncoding(head: Uint8Array): EnvelopeEncodingName {
  let i = 0;
  const skip = () => {
    while (i < head.length && isWhitespace(head[i] as number)) i++;
  };
  skip();
  if (head[i] === 0x5b) i++;
  skip();
  if (head[i] === 0x7b) i++;
  skip();
  // JSON text keys start with a quote; JSON-B keys with a string tag (0x80-0x87).
  return head[i] === 0x22 || head[i] === 0x7d ? 'json' : 'jsonb';
}

/** Reads the opening bracket and the header of an envelope from `source`. */
export async function readEnvelopeHead(source: AsyncIterable<Uint8Array>): Promise<EnvelopeHead> {
  const { source: inner, wrapped } = await unwrapEnvelope(source);
  const tap = new RawTap(inner);
  const reader = new JsonBStreamReader(tap);
  await reader.expect('array-start');
  const value = await reader.readValue();
  if (!isJsonObject(value)) throw new DareError('HEADER_MALFORMED', 'header must be an object');
  const header = parseHeader(value);
  const encoding = detectEncoding(tap.head(256));
  // From here on the tap holds only what follows the header, and only once asked to.
  tap.copyFrom(reader.position, false);
  return {
    encoding, wrapped, raw: value, header, reader,
    copyRest: () => {
      tap.keep();
      return (all = false) => tap.take(all ? Infinity : reader.position);
    },
  };
}

/**
 * The payload after the header, as carried (ciphertext when encrypted), in pieces;
 * nothing when the envelope has no payload item. Call {@link readEnvelopeEnd} after it.
 */
export async function* envelopePayload(head: EnvelopeHead): AsyncGenerator<Uint8Array, void, undefined> {
  const r = head.reader;
  const kind = await r.peekKind();
  if (kind === undefined) throw new DareError('TRUNCATED', 'envelope ends after its header');
  if (kind !== 'array-end') yield* r.readBinaryOrBase64();
}

/** Reads the trailer (when present) and the closing brackets, and checks that nothing follows. */
export async function readEnvelopeEnd(head: EnvelopeHead): Promise<DareTrailer | undefined> {
  const r = head.reader;
  const next = await r.peekKind();
  if (next === undefined) throw new DareError('TRUNCATED', 'envelope ends before its trailer');
  let trailer: DareTrailer | undefined;
  if (next !== 'array-end') trailer = parseTrailer(await r.readValue());
  await r.expect('array-end');
  if (head.wrapped) await r.expect('object-end');
  await r.expectEnd();
  return trailer;
}

