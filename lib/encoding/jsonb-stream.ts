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
 * - {@link JsonBStreamReader.readStringPieces} streams a string, JSON-B (fixed or chunked) or
 *   JSON text (`"..."`, escapes decoded), yielding decoded pieces as they arrive.
 * - {@link JsonBStreamReader.readBinaryOrBase64} streams a payload: JSON-B binary as is, or a
 *   JSON text string decoded as base64url on the fly (the JSON encoding of DARE).
 * - {@link JsonBStreamReader.expect} consumes a bracket and {@link JsonBStreamReader.readKey}
 *   an object key (with its `:` in JSON text), for readers that walk a structure.
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
import { Base64urlDecoder } from './base64url.js';

function truncated(what: string): never {
  throw new DareError('TRUNCATED', `json-b stream: ${what}`);
}

function malformed(what: string): never {
  throw new DareError('MALFORMED', `json-b stream: ${what}`);
}

/** UTF-8 of string content, fed in pieces; a sequence may be split between pieces. */
class Utf8Pieces {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  /** Decodes `b`; with `more`, an incomplete sequence at its end is held for the next call. */
  decode(b: Uint8Array, more: boolean): string {
    try {
      return this.decoder.decode(b, { stream: more });
    } catch (e) {
      throw new DareError('MALFORMED', 'invalid utf-8 in string', { cause: e });
    }
  }
}

/** Characters of the one-character JSON escapes, by the byte after the backslash. */
const SIMPLE_ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/** Value of a hex digit byte, or -1. */
function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
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
      // Parsed with every byte there is: the input ends inside the token. (Before the source
      // reports its end, a JSON text number at the very end still needs one more look.)
      if (this.eof && k === this.avail) truncated(`input ends inside a token at offset ${this.consumed}`);
      const target = Math.max(r, 2 * k);
      await this.fill(target);
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

  /**
   * The next token's head without consuming it (whitespace before it is skipped); undefined at
   * the end. A JSON text token is buffered whole to know its length, so a JSON text string
   * longer than maxItemBytes is LIMIT_EXCEEDED here: use {@link peekKind} before a string
   * that may be long.
   */
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

  /**
   * The kind of the next token without consuming it; undefined at the end. Unlike
   * {@link peekHead} it reads only the first byte of a JSON text string (`'text-string'`).
   */
  async peekKind(): Promise<JsonBHeadKind | undefined> {
    await this.skipSeparator();
    if (!this.strict) {
      await this.skipWhitespace();
      if ((await this.fill(1)) && this.view(1)[0] === 0x22) return 'text-string';
    }
    return (await this.nextHead(false))?.kind;
  }

  /**
   * Streams the next item, which must be a string, as decoded pieces in the order of the
   * content; their concatenation is the string {@link readValue} would return. Accepts a
   * JSON-B string (one data-term, or data-chunks ending with a data-term; UTF-8 may be split
   * between chunks) and, in lenient mode, a JSON text string `"..."` with every JSON escape.
   *
   * Nothing is held beyond what the source has delivered: a piece holds at most the characters
   * of one source chunk, plus (from the previous chunk) a high surrogate written as `\uXXXX`,
   * held back so that a surrogate pair is never split between pieces. No piece is empty.
   *
   * Leniency, as in the JSON decoder's default (non-strict) mode: raw line feed, carriage
   * return and tab are accepted inside a JSON text string (and kept in the content), because
   * the reference writer breaks long base64url strings across lines; other control characters
   * are MALFORMED. A lone surrogate escape is passed through, as JSON.parse does.
   *
   * Input ending inside the string is TRUNCATED; a bad escape, control character, invalid
   * UTF-8 or a token other than a string is MALFORMED. A JSON-C tag reference to a string is
   * not a string item here (MALFORMED). Consume it to the end before calling the reader again.
   */
  async *readStringPieces(): AsyncGenerator<string, void, undefined> {
    if ((await this.peekKind()) === 'text-string') yield* this.readTextString();
    else yield* this.readJsonBString();
    this.afterItem = true;
  }

  /**
   * Streams a payload: a JSON-B binary item through {@link readBinary}, or a JSON text string
   * (lenient mode) decoded as base64url on the fly through {@link Base64urlDecoder} (whitespace
   * inside ignored, trailing `=` accepted; MALFORMED on any other character or an impossible
   * length). Yields no empty piece. Consume it to the end before calling the reader again.
   */
  async *readBinaryOrBase64(): AsyncGenerator<Uint8Array, void, undefined> {
    if ((await this.peekKind()) !== 'text-string') {
      yield* this.readBinary();
      return;
    }
    const decoder = new Base64urlDecoder();
    for await (const text of this.readStringPieces()) {
      const bytes = decoder.push(text);
      if (bytes.length > 0) yield bytes;
    }
    const last = decoder.end();
    if (last.length > 0) yield last;
  }

  /**
   * Reads an object key (a string under the reader's limits) and, in JSON text, the `:` after
   * it; the value follows. MALFORMED if the next token is not a string.
   */
  async readKey(): Promise<string> {
    const kind = await this.peekKind();
    if (kind === undefined) truncated(`input ends where a key was expected at offset ${this.consumed}`);
    if (kind !== 'string' && kind !== 'text-string') malformed(`expected a key, found ${kind}`);
    const key = await this.readValue();
    if (typeof key !== 'string') malformed('expected a key');
    this.afterItem = false;
    if (!this.strict) {
      await this.skipWhitespace();
      if ((await this.fill(1)) && this.view(1)[0] === 0x3a) this.skip(1);
    }
    return key;
  }

  /** A JSON-B string item, fixed or chunked. */
  private async *readJsonBString(): AsyncGenerator<string, void, undefined> {
    const utf8 = new Utf8Pieces();
    let inChunk = false;
    for (;;) {
      const h = await this.nextHead(inChunk);
      if (h === undefined) truncated(`input ends inside a string at offset ${this.consumed}`);
      if (h.kind !== 'string') malformed(`expected a string, found ${h.kind}`);
      if (!Number.isFinite(h.dataLength)) throw new DareError('LIMIT_EXCEEDED', 'json-b stream: length beyond 2^53');
      this.skip(h.headerLength);
      let left = h.dataLength;
      while (left > 0) {
        if (!(await this.fill(1))) truncated(`input ends inside a string at offset ${this.consumed}`);
        const c = this.chunks[this.first] as Uint8Array;
        const n = Math.min(left, c.length - this.off);
        const piece = utf8.decode(c.subarray(this.off, this.off + n), true);
        this.skip(n);
        left -= n;
        if (piece.length > 0) yield piece;
      }
      if (h.final) break;
      inChunk = true;
    }
    const last = utf8.decode(EMPTY, false);
    if (last.length > 0) yield last;
  }

  /** A JSON text string; its opening quote is the next byte. */
  private async *readTextString(): AsyncGenerator<string, void, undefined> {
    this.skip(1);
    const utf8 = new Utf8Pieces();
    /** 0: content; 1: after a backslash; 2-5: after `\u` and (state - 2) hex digits. */
    let state = 0;
    let code = 0;
    /** A high surrogate held back from the previous piece. */
    let carry = '';
    for (;;) {
      if (!(await this.fill(1))) truncated(`input ends inside a string at offset ${this.consumed}`);
      const c = this.chunks[this.first] as Uint8Array;
      const end = c.length;
      const parts: string[] = carry === '' ? [] : [carry];
      let p = this.off;
      let from = p;
      let closed = false;
      while (p < end) {
        const b = c[p] as number;
        if (state === 0) {
          if (b === 0x22 || b === 0x5c) {
            // Flush the run, also when empty: a UTF-8 sequence left open by the previous chunk
            // must end before an escape or the closing quote (MALFORMED otherwise).
            const run = utf8.decode(c.subarray(from, p), false);
            if (run.length > 0) parts.push(run);
            if (b === 0x22) {
              closed = true;
              break;
            }
            state = 1;
            from = ++p;
          } else if (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
            malformed(`control character in string at offset ${this.consumed + p - this.off}`);
          } else p++;
          continue;
        }
        if (state === 1) {
          if (b === 0x75) {
            state = 2;
            code = 0;
          } else {
            const e = SIMPLE_ESCAPES[b];
            if (e === undefined) malformed(`invalid escape in string at offset ${this.consumed + p - this.off}`);
            parts.push(e);
            state = 0;
          }
        } else {
          const v = hexValue(b);
          if (v < 0) malformed(`invalid \\u escape in string at offset ${this.consumed + p - this.off}`);
          code = (code << 4) | v;
          if (++state === 6) {
            parts.push(String.fromCharCode(code));
            state = 0;
          }
        }
        from = ++p;
      }
      if (!closed && state === 0 && p > from) parts.push(utf8.decode(c.subarray(from, p), true));
      this.skip(p - this.off + (closed ? 1 : 0));
      let piece = parts.length === 1 ? (parts[0] as string) : parts.join('');
      carry = '';
      if (!closed && piece.length > 0) {
        const last = piece.charCodeAt(piece.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          carry = piece.slice(-1);
          piece = piece.slice(0, -1);
        }
      }
      if (piece.length > 0) yield piece;
      if (closed) return;
    }
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
