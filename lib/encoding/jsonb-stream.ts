/**
 * Streaming pull reader for JSON-B / JSON-C (draft-hallambaker-jsonbcd-21 §4-§5) over an
 * async byte source fed in pieces of any size, down to one byte.
 *
 * - {@link JsonBStreamReader.readValue} reads one complete value under limits (defaults for
 *   streams: maxItemBytes 16 MiB, maxValueBytes 64 MiB, maxDepth 64, maxChunks 65536). A
 *   length field beyond a limit is LIMIT_EXCEEDED before any byte of the item is buffered.
 * - {@link JsonBStreamReader.peekHead} returns the next token head without consuming it.
 * - {@link JsonBStreamReader.readBinary} streams a (possibly chunked) binary item, yielding
 *   pieces as they arrive and holding none of them: items of any length (multi-GiB payloads).
 * - {@link JsonBStreamReader.expect} consumes a bracket, for readers that walk a structure.
 *
 * Pieces and binary values are views into the source's chunks (a source must not reuse a
 * buffer it has yielded, which holds for Node streams). In lenient mode one `,` is skipped
 * before an item that follows a complete item, as the JSON-B1 grammar permits.
 * @module
 */
import { DareError } from '../errors.js';
import { Assembler, type JsonBDecodeOptions, initialDictionary } from './jsonb-reader.js';
import { type JsonBHead, type JsonBHeadKind, isWhitespace, parseHead } from './jsonb-head.js';
import { type JsonValue, type ResolvedLimits, resolveLimits } from './value.js';

function truncated(what: string): never {
  throw new DareError('TRUNCATED', `json-b stream: ${what}`);
}

export class JsonBStreamReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private readonly limits: ResolvedLimits;
  private readonly strict: boolean;
  private readonly options: JsonBDecodeOptions;
  private readonly dict: Map<number, string | Uint8Array>;
  /** Buffered chunks; `chunks[first]` starts at byte `off`. */
  private chunks: Uint8Array[] = [];
  private first = 0;
  private off = 0;
  private avail = 0;
  private eof = false;
  private consumed = 0;
  private afterItem = false;

  constructor(source: AsyncIterable<Uint8Array>, options: JsonBDecodeOptions = {}) {
    this.it = source[Symbol.asyncIterator]();
    this.limits = resolveLimits(options, true);
    this.strict = options.strict ?? false;
    this.options = options;
    this.dict = initialDictionary(options);
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.consumed;
  }

  /** Buffers until `n` bytes are available; false if the source ends first. */
  private async fill(n: number): Promise<boolean> {
    while (this.avail < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) {
        this.eof = true;
        break;
      }
      const c: unknown = r.value;
      if (!(c instanceof Uint8Array)) throw new TypeError('byte source must yield Uint8Array chunks');
      if (c.length === 0) continue;
      this.chunks.push(c);
      this.avail += c.length;
    }
    return this.avail >= n;
  }

  /** The first `n` buffered bytes (n ≤ avail) as one view; merges chunks if needed. */
  private view(n: number): Uint8Array {
    const c0 = this.chunks[this.first];
    if (n === 0) return new Uint8Array(0);
    if (c0 !== undefined && c0.length - this.off >= n) return c0.subarray(this.off, this.off + n);
    const out = new Uint8Array(n);
    let o = 0;
    let i = this.first;
    let off = this.off;
    while (o < n) {
      const c = this.chunks[i] as Uint8Array;
      const take = Math.min(c.length - off, n - o);
      out.set(c.subarray(off, off + take), o);
      o += take;
      if (take === c.length - off) {
        i++;
        off = 0;
      } else off += take;
    }
    // Replace the merged bytes by `out`: chunks[i] keeps its unread tail from `off`.
    if (off > 0) {
      this.chunks[i] = (this.chunks[i] as Uint8Array).subarray(off);
    }
    this.chunks[i - 1] = out;
    for (let j = this.first; j < i - 1; j++) this.chunks[j] = EMPTY;
    this.first = i - 1;
    this.off = 0;
    return out;
  }

  private skip(n: number): void {
    this.avail -= n;
    this.consumed += n;
    while (n > 0) {
      const c = this.chunks[this.first] as Uint8Array;
      const left = c.length - this.off;
      if (n < left) {
        this.off += n;
        return;
      }
      n -= left;
      this.chunks[this.first++] = EMPTY;
      this.off = 0;
    }
    if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  private async skipWhitespace(): Promise<void> {
    while (await this.fill(1)) {
      const c = this.chunks[this.first] as Uint8Array;
      let p = this.off;
      while (p < c.length && isWhitespace(c[p] as number)) p++;
      if (p === this.off) return;
      this.skip(p - this.off);
    }
  }

  /** The next head, not consumed; undefined at the end of the input. */
  private async nextHead(inChunk: boolean): Promise<JsonBHead | undefined> {
    if (!this.strict && !inChunk) await this.skipWhitespace();
    if (!(await this.fill(1))) return undefined;
    let k = Math.min(this.avail, 16);
    for (;;) {
      const r = parseHead(this.view(k), 0, k, this.strict, this.eof && k === this.avail);
      if (typeof r !== 'number') return r;
      if (r > this.limits.maxItemBytes + 16) throw new DareError('LIMIT_EXCEEDED', `json-b stream: token longer than ${this.limits.maxItemBytes} bytes`);
      const target = Math.max(r, 2 * k);
      await this.fill(target);
      if (this.avail < r) truncated(`input ends inside a token at offset ${this.consumed}`);
      k = Math.min(this.avail, target);
    }
  }

  /** Skips one `,` (and whitespace) after a complete item, in lenient mode. */
  private async skipSeparator(): Promise<void> {
    if (this.strict || !this.afterItem) return;
    await this.skipWhitespace();
    if ((await this.fill(1)) && this.view(1)[0] === 0x2c) this.skip(1);
    this.afterItem = false;
  }

  /** The next token's head without consuming it (whitespace before it is skipped); undefined at the end. */
  async peekHead(): Promise<JsonBHead | undefined> {
    await this.skipSeparator();
    const h = await this.nextHead(false);
    return h === undefined ? undefined : { ...h };
  }

  /** Reads one complete value under the reader's limits. */
  async readValue(): Promise<JsonValue> {
    await this.skipSeparator();
    const asm = new Assembler(this.limits, this.strict, this.dict, this.options.resolveDictionary);
    while (!asm.done) {
      const h = await this.nextHead(asm.inChunk);
      if (h === undefined) truncated(`input ends inside a value at offset ${this.consumed}`);
      asm.checkHead(h);
      const total = h.headerLength + h.dataLength;
      if (!Number.isFinite(total)) throw new DareError('LIMIT_EXCEEDED', 'json-b stream: length beyond 2^53');
      if (!(await this.fill(total))) truncated(`item at offset ${this.consumed} runs past the end of the input`);
      const data = this.view(total).subarray(h.headerLength);
      this.skip(total);
      asm.push(h, data);
    }
    this.afterItem = true;
    return asm.result;
  }

  /**
   * Streams the next item, which must be binary (one data-term, or data-chunks ending with a
   * data-term), as pieces of whatever size the source delivers. Consume it to the end before
   * calling the reader again.
   */
  async *readBinary(): AsyncGenerator<Uint8Array, void, undefined> {
    await this.skipSeparator();
    let inChunk = false;
    for (;;) {
      const h = await this.nextHead(inChunk);
      if (h === undefined) truncated(`input ends inside binary data at offset ${this.consumed}`);
      if (h.kind !== 'binary') throw new DareError('MALFORMED', `json-b stream: expected binary data, found ${h.kind}`);
      if (!Number.isFinite(h.dataLength)) throw new DareError('LIMIT_EXCEEDED', 'json-b stream: length beyond 2^53');
      this.skip(h.headerLength);
      let left = h.dataLength;
      while (left > 0) {
        if (!(await this.fill(1))) truncated(`input ends inside binary data at offset ${this.consumed}`);
        const c = this.chunks[this.first] as Uint8Array;
        const n = Math.min(left, c.length - this.off);
        const piece = c.subarray(this.off, this.off + n);
        this.skip(n);
        left -= n;
        yield piece;
      }
      if (h.final) break;
      inChunk = true;
    }
    this.afterItem = true;
  }

  /** Consumes `[`, `]`, `{` or `}`; MALFORMED if the next token is anything else. */
  async expect(kind: Extract<JsonBHeadKind, 'array-start' | 'array-end' | 'object-start' | 'object-end'>): Promise<void> {
    if (kind === 'array-start' || kind === 'object-start') await this.skipSeparator();
    const h = await this.nextHead(false);
    if (h === undefined) truncated(`input ends where ${kind} was expected`);
    if (h.kind !== kind) throw new DareError('MALFORMED', `json-b stream: expected ${kind}, found ${h.kind}`);
    this.skip(1);
    this.afterItem = kind === 'array-end' || kind === 'object-end';
  }

  /** True when only whitespace (lenient mode) remains. */
  async atEnd(): Promise<boolean> {
    if (!this.strict) await this.skipWhitespace();
    return !(await this.fill(1));
  }

  /** TRAILING_DATA unless the input is exhausted. */
  async expectEnd(): Promise<void> {
    if (!(await this.atEnd())) throw new DareError('TRAILING_DATA', `json-b stream: data after offset ${this.consumed}`);
  }
}

const EMPTY = new Uint8Array(0);

/** Reads one complete value from an async byte source; TRAILING_DATA if more follows. */
export async function decodeJsonBStream(source: AsyncIterable<Uint8Array>, options: JsonBDecodeOptions = {}): Promise<JsonValue> {
  const r = new JsonBStreamReader(source, options);
  const v = await r.readValue();
  await r.expectEnd();
  return v;
}
