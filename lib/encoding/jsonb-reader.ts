/**
 * JSON-B / JSON-C reader for complete values in memory (draft-hallambaker-jsonbcd-21 §3-§5),
 * and the value assembler the streaming reader shares.
 *
 * Accepted by default (lenient, "JSON-B1/C1"): the binary forms of Tables 1-4 that carry a
 * JavaScript value, JSON text tokens mixed in (the reference writes floats as decimal text),
 * whitespace between tokens, optional `,` after an item and `:` after a key, chunked strings
 * and binary, every length width, and JSON-C tag codes. With `strict: true` only canonical
 * JSON-B is accepted — exactly what {@link encodeJsonB} writes: no text tokens, whitespace,
 * separators, chunks or tag codes; shortest lengths and integers; integers never as binary64;
 * one NaN. Then `encodeJsonB(decodeJsonB(b, {strict: true}))` reproduces `b`, except that
 * JavaScript enumerates array-index-like keys ("0", "1") first, so such keys out of order
 * come back reordered.
 *
 * JSON-C (§5), where the draft is open: a code is defined by the complete string or binary
 * item after the definition (xC4-xC6 and the "dictionary definition" xCC-xCE define only,
 * xC8-xCA define and use); 8, 16 and 32-bit codes share one code space; a later definition of
 * the same code replaces the earlier one; a reference (xC0-xC2) is accepted wherever a key or
 * a value may stand; definitions may stand wherever a value or key may. The dict-hash
 * (xD0: 4-byte offset, 1-byte length, fingerprint) is resolved through `resolveDictionary`;
 * the §5.1 example's fingerprint is SHA-256 of the EMPTY string, so it identifies nothing.
 *
 * Binary values and bignum data are views into the input (no copy): copy them if the input
 * buffer will be reused. Object keys must be strings; a duplicate key is MALFORMED.
 * @module
 */
import { DareError } from '../errors.js';
import { type JsonBHead, decodeAtom, parseHead, skipWhitespace } from './jsonb-head.js';
import {
  type DecodeLimits, type JsonObject, type JsonValue, type ResolvedLimits,
  decodeUtf8, hasMember, resolveLimits, setMember,
} from './value.js';

export interface JsonBDecodeOptions extends DecodeLimits {
  /** Accept canonical JSON-B only (see the module comment). Default false. */
  strict?: boolean;
  /** JSON-C: a dictionary known to both sides; entry i has code `dictionaryOffset + i`. */
  dictionary?: readonly string[];
  dictionaryOffset?: number;
  /** JSON-C: entries of the dictionary named by a dict-hash fingerprint, or undefined if unknown. */
  resolveDictionary?: (fingerprint: Uint8Array) => readonly string[] | undefined;
}

type Entry = string | Uint8Array;

/** JSON-C tag code table, kept across the values of one stream. */
export function initialDictionary(options: JsonBDecodeOptions): Map<number, Entry> {
  const dict = new Map<number, Entry>();
  const offset = options.dictionaryOffset ?? 0;
  options.dictionary?.forEach((key, i) => dict.set(offset + i, key));
  return dict;
}

interface Container {
  array: JsonValue[] | undefined;
  object: JsonObject | undefined;
  key: string | undefined;
  /** 0: just opened; 1: an item (or key+value) done; 2: after `,`; 3: key read; 4: after `:`. */
  state: number;
}

interface Pending {
  kind: 'string' | 'binary';
  parts: Uint8Array[];
  total: number;
}

function fail(code: 'MALFORMED' | 'LIMIT_EXCEEDED', what: string): never {
  throw new DareError(code, `json-b: ${what}`);
}

/**
 * Builds one value from tokens. Feed it heads with their data through {@link Assembler.push}
 * until `done`.
 */
export class Assembler {
  done = false;
  result: JsonValue = null;
  private stack: Container[] = [];
  private pending: Pending | undefined;
  private chunks = 0;
  private definition: { code: number; use: boolean } | undefined;
  private valueBytes = 0;

  private readonly limits: ResolvedLimits;
  private readonly strict: boolean;
  private readonly dict: Map<number, Entry>;
  private readonly resolveDictionary: ((fingerprint: Uint8Array) => readonly string[] | undefined) | undefined;

  constructor(
    limits: ResolvedLimits,
    strict: boolean,
    dict: Map<number, Entry>,
    resolveDictionary?: (fingerprint: Uint8Array) => readonly string[] | undefined,
  ) {
    this.limits = limits;
    this.strict = strict;
    this.dict = dict;
    this.resolveDictionary = resolveDictionary;
  }

  /** True inside a chunked string or binary item, where no whitespace may stand. */
  get inChunk(): boolean {
    return this.pending !== undefined;
  }

  /** Rejects a head whose data would exceed the limits, before anything is read or held. */
  checkHead(h: JsonBHead): void {
    if (h.kind !== 'string' && h.kind !== 'binary' && h.kind !== 'bignum' && h.kind !== 'text-string') return;
    const total = (this.pending?.total ?? 0) + h.dataLength;
    if (total > this.limits.maxItemBytes) fail('LIMIT_EXCEEDED', `item longer than ${this.limits.maxItemBytes} bytes`);
    if (this.valueBytes + h.dataLength > this.limits.maxValueBytes) fail('LIMIT_EXCEEDED', `value holds more than ${this.limits.maxValueBytes} bytes`);
  }

  push(h: JsonBHead, data: Uint8Array): void {
    this.checkHead(h);
    if (this.pending !== undefined) {
      if (h.kind !== this.pending.kind) fail('MALFORMED', `chunked ${this.pending.kind} interrupted by ${h.kind}`);
      return this.chunk(h, data);
    }
    switch (h.kind) {
      case 'array-start':
      case 'object-start':
        return this.open(h.kind === 'array-start');
      case 'array-end':
      case 'object-end':
        return this.close(h.kind === 'array-end');
      case 'comma':
        return this.separator(1, 2, '","');
      case 'colon':
        return this.separator(3, 4, '":"');
      case 'string':
      case 'binary':
        if (h.final) {
          // One chunk (the common case): no pending item to assemble.
          if (this.limits.maxChunks < 1) fail('LIMIT_EXCEEDED', `more than ${this.limits.maxChunks} chunks in one item`);
          this.valueBytes += data.length;
          return this.item(h.kind === 'string' ? decodeUtf8(data) : data);
        }
        this.pending = { kind: h.kind, parts: [], total: 0 };
        this.chunks = 0;
        return this.chunk(h, data);
      case 'tag-ref': {
        const v = this.dict.get(h.code);
        if (v === undefined) fail('MALFORMED', `tag code ${h.code} used before its definition`);
        return this.item(typeof v === 'string' ? v : v.slice());
      }
      case 'tag-define':
      case 'tag-code-define':
        if (this.definition !== undefined) fail('MALFORMED', 'tag definition without a string');
        this.definition = { code: h.code, use: h.kind === 'tag-code-define' };
        return;
      case 'dictionary-hash':
        return this.insertDictionary(h.code, data);
      case 'bignum':
      case 'text-string':
        this.valueBytes += data.length;
        return this.item(decodeAtom(h, data, this.strict));
      default:
        return this.item(decodeAtom(h, data, this.strict));
    }
  }

  private chunk(h: JsonBHead, data: Uint8Array): void {
    const p = this.pending as Pending;
    if (++this.chunks > this.limits.maxChunks) fail('LIMIT_EXCEEDED', `more than ${this.limits.maxChunks} chunks in one item`);
    p.parts.push(data);
    p.total += data.length;
    this.valueBytes += data.length;
    if (!h.final) return;
    this.pending = undefined;
    let bytes: Uint8Array;
    if (p.parts.length === 1) bytes = p.parts[0] as Uint8Array;
    else {
      bytes = new Uint8Array(p.total);
      let o = 0;
      for (const part of p.parts) {
        bytes.set(part, o);
        o += part.length;
      }
    }
    this.item(p.kind === 'string' ? decodeUtf8(bytes) : bytes);
  }

  private insertDictionary(offset: number, fingerprint: Uint8Array): void {
    const entries = this.resolveDictionary?.(fingerprint);
    if (entries === undefined) fail('MALFORMED', 'unknown json-c dictionary');
    entries.forEach((key, i) => this.dict.set(offset + i, key));
  }

  private separator(from: number, to: number, what: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || top.state !== from || (from === 3 && top.object === undefined)) fail('MALFORMED', `unexpected ${what}`);
    top.state = to;
  }

  private open(array: boolean): void {
    if (this.definition !== undefined) fail('MALFORMED', 'tag definition followed by a container');
    this.expectValue();
    if (this.stack.length >= this.limits.maxDepth) fail('LIMIT_EXCEEDED', `nesting deeper than ${this.limits.maxDepth}`);
    this.stack.push({ array: array ? [] : undefined, object: array ? undefined : {}, key: undefined, state: 0 });
  }

  private close(array: boolean): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || (top.array !== undefined) !== array) fail('MALFORMED', `unexpected ${array ? '"]"' : '"}"'}`);
    if (this.definition !== undefined) fail('MALFORMED', 'tag definition without a string');
    if (top.state !== 0 && top.state !== 1) fail('MALFORMED', `unexpected ${array ? '"]"' : '"}"'}`);
    this.stack.pop();
    this.complete(top.array ?? (top.object as JsonObject));
  }

  /** Checks that a value (not a key) may start here. */
  private expectValue(): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (this.done) fail('MALFORMED', 'second top-level value');
      return;
    }
    if (top.object !== undefined && top.state !== 3 && top.state !== 4) fail('MALFORMED', 'object member without a key');
  }

  /** A string, binary or atom has been read. */
  private item(v: JsonValue): void {
    const def = this.definition;
    if (def !== undefined) {
      this.definition = undefined;
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) fail('MALFORMED', 'tag definition must define a string or binary');
      this.dict.set(def.code, v);
      if (!def.use) return;
    }
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined && top.object !== undefined && (top.state === 0 || top.state === 1 || top.state === 2)) {
      if (typeof v !== 'string') fail('MALFORMED', 'object key must be a string');
      if (hasMember(top.object, v)) fail('MALFORMED', `duplicate key ${JSON.stringify(v)}`);
      top.key = v;
      top.state = 3;
      return;
    }
    this.expectValue();
    this.complete(v);
  }

  private complete(v: JsonValue): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.result = v;
      this.done = true;
    } else if (top.array !== undefined) {
      top.array.push(v);
      top.state = 1;
    } else {
      setMember(top.object as JsonObject, top.key as string, v);
      top.key = undefined;
      top.state = 1;
    }
  }
}

/**
 * Decodes one complete JSON-B (or JSON-C) value that fills `bytes` exactly. TRUNCATED when the
 * input ends early or a length runs past its end, TRAILING_DATA when bytes follow the value,
 * MALFORMED for bad syntax, LIMIT_EXCEEDED past `maxDepth`/`maxChunks`/byte limits.
 */
export function decodeJsonB(bytes: Uint8Array, options: JsonBDecodeOptions = {}): JsonValue {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeJsonB expects a Uint8Array');
  const strict = options.strict ?? false;
  const asm = new Assembler(resolveLimits(options, false), strict, initialDictionary(options), options.resolveDictionary);
  const end = bytes.length;
  let pos = 0;
  while (!asm.done) {
    if (!strict && !asm.inChunk) pos = skipWhitespace(bytes, pos, end);
    const h = parseHead(bytes, pos, end, strict, true);
    if (typeof h === 'number') throw new DareError('TRUNCATED', `json-b: input ends inside a token at offset ${pos}`);
    const start = pos + h.headerLength;
    asm.checkHead(h);
    if (h.dataLength > end - start) throw new DareError('TRUNCATED', `json-b: item at offset ${pos} runs past the end of the input`);
    pos = start + h.dataLength;
    asm.push(h, bytes.subarray(start, pos));
  }
  if (!strict) pos = skipWhitespace(bytes, pos, end);
  if (pos !== end) throw new DareError('TRAILING_DATA', `json-b: ${end - pos} bytes after the value`);
  return asm.result;
}

/** JSON-C is read by the same reader (JSON-C is a superset of JSON-B). */
export const decodeJsonC = decodeJsonB;
