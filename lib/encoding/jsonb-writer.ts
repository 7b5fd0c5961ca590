/**
 * JSON-B and JSON-C writer (draft-hallambaker-jsonbcd-21 §4 JSON-B, §5 JSON-C).
 *
 * Layout, as the reference writer (Goedel JsonBWriter) and the §3 grammar have it: arrays and
 * objects keep the JSON brackets `[` `]` `{` `}` as single bytes; members and items are
 * binary x-values, which need no `,` or `:` separators and no whitespace; object keys are
 * b-strings (tag x80). Canonical choices of this writer:
 * - every length and integer uses the shortest production (x80/x88/xA0/xA8 + k);
 * - safe integers are p-int/n-int; `bigint` is p-int/n-int below 2^64 and p-bignum16/
 *   n-bignum16 (xA7/xAF, minimal big-endian magnitude) beyond; every other number is binary64
 *   (x92), including -0, NaN (always 7ff8000000000000) and ±Infinity;
 * - strings and binary are single final items (x80/x88), never chunked; the chunk emitters
 *   below serve streaming writers that do not know the length in advance.
 * Strings are UTF-8 and their length counts bytes (the reference counts UTF-16 units, which
 * is wrong for non-ASCII text).
 * @module
 */
import { type JsonValue, utf8Length } from './value.js';
import { allocBytes } from '../internal/pool.js';

/** Tag bytes of draft-hallambaker-jsonbcd-21 Tables 1 to 4 (base codes; add k for the length width). */
export const JSONB = {
  STRING_TERM: 0x80,
  STRING_CHUNK: 0x84,
  DATA_TERM: 0x88,
  DATA_CHUNK: 0x8c,
  FLOAT16: 0x90,
  FLOAT32: 0x91,
  FLOAT64: 0x92,
  FLOAT128: 0x94,
  INTEL80: 0x95,
  DECIMAL32: 0x96,
  DECIMAL64: 0x97,
  DECIMAL128: 0x98,
  POSITIVE_INT: 0xa0,
  POSITIVE_INT128: 0xa4,
  POSITIVE_INT256: 0xa5,
  POSITIVE_INT512: 0xa6,
  POSITIVE_BIGNUM: 0xa7,
  NEGATIVE_INT: 0xa8,
  NEGATIVE_INT128: 0xac,
  NEGATIVE_BIGNUM: 0xaf,
  TRUE: 0xb0,
  FALSE: 0xb1,
  NULL: 0xb2,
  TAG_CODE: 0xc0,
  TAG_DEFINITION: 0xc4,
  TAG_CODE_DEFINITION: 0xc8,
  TAG_DICTIONARY_DEFINITION: 0xcc,
  DICTIONARY_HASH: 0xd0,
  ARRAY_START: 0x5b,
  ARRAY_END: 0x5d,
  OBJECT_START: 0x7b,
  OBJECT_END: 0x7d,
} as const;

const TWO_32 = 4294967296;
const TWO_64 = 1n << 64n;
const MAX_WRITE_DEPTH = 10000;
const SCRATCH = 8192;
const INLINE_MAX = 512;
const encoder = new TextEncoder();

/** k such that `base + k` is the shortest production for `n` (1, 2, 4 or 8 bytes). */
export function lengthCode(n: number): 0 | 1 | 2 | 3 {
  return n < 0x100 ? 0 : n < 0x10000 ? 1 : n < TWO_32 ? 2 : 3;
}

/** Writes `n` big-endian in `width` bytes at `out[pos]` (n a safe non-negative integer). */
export function putUint(out: Uint8Array, pos: number, n: number, width: number): void {
  if (width === 8) {
    putUint(out, pos, Math.floor(n / TWO_32), 4);
    putUint(out, pos + 4, n >>> 0, 4);
    return;
  }
  for (let i = width - 1; i >= 0; i--) {
    out[pos + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`length must be a non-negative safe integer, got ${length}`);
}

/** Tag + shortest big-endian length: `base + k`, then 1/2/4/8 bytes. */
export function tagLength(base: number, length: number): Uint8Array {
  checkLength(length);
  const k = lengthCode(length);
  const w = 1 << k;
  const out = new Uint8Array(1 + w);
  out[0] = base + k;
  putUint(out, 1, length, w);
  return out;
}

/** Prefix of one binary chunk: data-chunk (x8C+k) or, when `final`, data-term (x88+k). */
export function binaryChunkHeader(length: number, final: boolean): Uint8Array {
  return tagLength(final ? JSONB.DATA_TERM : JSONB.DATA_CHUNK, length);
}

/** Prefix of one UTF-8 string chunk: string-chunk (x84+k) or, when `final`, string-term (x80+k). */
export function stringChunkHeader(length: number, final: boolean): Uint8Array {
  return tagLength(final ? JSONB.STRING_TERM : JSONB.STRING_CHUNK, length);
}

export function arrayStart(): Uint8Array { return Uint8Array.of(JSONB.ARRAY_START); }
export function arrayEnd(): Uint8Array { return Uint8Array.of(JSONB.ARRAY_END); }
export function objectStart(): Uint8Array { return Uint8Array.of(JSONB.OBJECT_START); }
export function objectEnd(): Uint8Array { return Uint8Array.of(JSONB.OBJECT_END); }

/**
 * Collects output: small writes go to a scratch block, large binary values are kept by
 * reference and copied once, by {@link ByteSink.finish}.
 */
/**
 * The first scratch block of every sink. Encoding is synchronous and {@link ByteSink.finish}
 * copies the output out, so one block serves every call: a fresh zeroed 8 KiB block per
 * small header or trailer was most of the garbage a sequence writer made per frame.
 */
const shared = new Uint8Array(SCRATCH);
let sharedInUse = false;

class ByteSink {
  private parts: Uint8Array[] = [];
  private buf: Uint8Array;
  private view?: DataView;
  private pos = 0;
  private owner: boolean;

  constructor() {
    // A sink made while another is open (never in this module's own calls) gets its own block.
    this.owner = !sharedInUse;
    this.buf = this.owner ? shared : new Uint8Array(SCRATCH);
    if (this.owner) sharedInUse = true;
  }

  private room(n: number): void {
    if (this.buf.length - this.pos < n) this.flush();
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.parts.push(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(SCRATCH);
    this.view = undefined;
    this.pos = 0;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  header(base: number, length: number): void {
    const k = lengthCode(length);
    const w = 1 << k;
    this.room(1 + w);
    this.buf[this.pos] = base + k;
    putUint(this.buf, this.pos + 1, length, w);
    this.pos += 1 + w;
  }

  float64(v: number): void {
    this.room(9);
    this.buf[this.pos] = JSONB.FLOAT64;
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.view.setFloat64(this.pos + 1, v, false);
    this.pos += 9;
  }

  bytes(b: Uint8Array): void {
    if (b.length <= INLINE_MAX) {
      this.room(b.length);
      this.buf.set(b, this.pos);
      this.pos += b.length;
    } else {
      this.flush();
      this.parts.push(b);
    }
  }

  /** Writes the UTF-8 bytes of `s`, whose UTF-8 length is `n`. */
  utf8(s: string, n: number): void {
    if (n <= INLINE_MAX) {
      this.room(n);
      this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
    } else {
      this.flush();
      this.parts.push(encoder.encode(s));
    }
  }

  finish(): Uint8Array {
    // No flush(): it would allocate a fresh block only to drop it.
    const last = this.buf.subarray(0, this.pos);
    let n = last.length;
    for (const p of this.parts) n += p.length;
    const out = allocBytes(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    out.set(last, o);
    this.release();
    return out;
  }

  /** Gives the shared block back (after finish, or when encoding failed). */
  release(): void {
    if (this.owner) sharedInUse = false;
    this.owner = false;
  }
}

/** JSON-C state: the tag code of each known key, the next free code, which keys to define. */
interface Compression {
  codes: Map<string, number>;
  next: number;
  define: Set<string>;
}

function writeUnsigned(sink: ByteSink, base: number, n: bigint): void {
  if (n < TWO_64) {
    const k = n < 0x100n ? 0 : n < 0x10000n ? 1 : n < 0x100000000n ? 2 : 3;
    const w = 1 << k;
    sink.byte(base + k);
    const tmp = new Uint8Array(w);
    let x = n;
    for (let i = w - 1; i >= 0; i--) {
      tmp[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    sink.bytes(tmp);
    return;
  }
  const hex = n.toString(16);
  const len = Math.ceil(hex.length / 2);
  if (len > 0xffff) throw new RangeError('bigint too large for a bignum16 (more than 65535 bytes)');
  sink.byte(base === JSONB.POSITIVE_INT ? JSONB.POSITIVE_BIGNUM : JSONB.NEGATIVE_BIGNUM);
  const tmp = new Uint8Array(2 + len);
  tmp[0] = len >> 8;
  tmp[1] = len & 0xff;
  const padded = hex.length % 2 ? '0' + hex : hex;
  for (let i = 0; i < len; i++) tmp[2 + i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  sink.bytes(tmp);
}

function writeNumber(sink: ByteSink, v: number): void {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) sink.header(JSONB.POSITIVE_INT, v);
    else sink.header(JSONB.NEGATIVE_INT, -v);
    return;
  }
  sink.float64(Number.isNaN(v) ? NaN : v);
}

function writeString(sink: ByteSink, s: string): void {
  const n = utf8Length(s);
  if (n < 0) throw new TypeError('string holds a lone surrogate and has no utf-8 form');
  sink.header(JSONB.STRING_TERM, n);
  sink.utf8(s, n);
}

function writeCode(sink: ByteSink, base: number, code: number): void {
  const w = code < 0x100 ? 1 : code < 0x10000 ? 2 : 4;
  sink.byte(base + (w === 1 ? 0 : w === 2 ? 1 : 2));
  const tmp = new Uint8Array(w);
  putUint(tmp, 0, code, w);
  sink.bytes(tmp);
}

function writeKey(sink: ByteSink, key: string, c: Compression | undefined): void {
  if (c !== undefined) {
    const code = c.codes.get(key);
    if (code !== undefined) {
      writeCode(sink, JSONB.TAG_CODE, code);
      return;
    }
    if (c.define.has(key) && c.next <= 0xffffffff) {
      const fresh = c.next++;
      c.codes.set(key, fresh);
      writeCode(sink, JSONB.TAG_CODE_DEFINITION, fresh);
    }
  }
  writeString(sink, key);
}

function writeValue(sink: ByteSink, v: JsonValue, depth: number, c: Compression | undefined): void {
  if (depth > MAX_WRITE_DEPTH) throw new RangeError('value nested too deeply (or cyclic)');
  if (v === null) sink.byte(JSONB.NULL);
  else if (v === true) sink.byte(JSONB.TRUE);
  else if (v === false) sink.byte(JSONB.FALSE);
  else if (typeof v === 'number') writeNumber(sink, v);
  else if (typeof v === 'bigint') {
    if (v >= 0n) writeUnsigned(sink, JSONB.POSITIVE_INT, v);
    else writeUnsigned(sink, JSONB.NEGATIVE_INT, -v);
  } else if (typeof v === 'string') writeString(sink, v);
  else if (v instanceof Uint8Array) {
    sink.header(JSONB.DATA_TERM, v.length);
    sink.bytes(v);
  } else if (Array.isArray(v)) {
    sink.byte(JSONB.ARRAY_START);
    for (const item of v) writeValue(sink, item, depth + 1, c);
    sink.byte(JSONB.ARRAY_END);
  } else if (typeof v === 'object') {
    sink.byte(JSONB.OBJECT_START);
    for (const key of Object.keys(v)) {
      const item = v[key];
      if (item === undefined) continue;
      writeKey(sink, key, c);
      writeValue(sink, item, depth + 1, c);
    }
    sink.byte(JSONB.OBJECT_END);
  } else {
    throw new TypeError(`cannot encode a value of type ${typeof v}`);
  }
}

/** Encodes a value as canonical JSON-B. TypeError/RangeError for values outside the data model. */
export function encodeJsonB(value: JsonValue): Uint8Array {
  const sink = new ByteSink();
  try {
    writeValue(sink, value, 0, undefined);
    return sink.finish();
  } finally {
    sink.release();
  }
}

/** The JSON-B form of an object key (a string-term b-string), for streaming writers. */
export function encodeJsonBKey(name: string): Uint8Array {
  const sink = new ByteSink();
  try {
    writeString(sink, name);
    return sink.finish();
  } finally {
    sink.release();
  }
}

export interface JsonCOptions {
  /** Keys known to both sides; entry i has tag code `dictionaryOffset + i`. */
  dictionary?: readonly string[];
  /** Code of the first dictionary entry (default 0). */
  dictionaryOffset?: number;
  /**
   * Write the dictionary inline as tag definitions (xC4+k code b-string) before the value,
   * so that a reader needs no out-of-band dictionary. Default false.
   */
  writeDictionary?: boolean;
  /**
   * Keys not in the dictionary that occur at least twice are defined at first use
   * (xC8+k code b-string, "tag code and definition") and referenced afterwards. Default true.
   */
  defineRepeatedKeys?: boolean;
}

function countKeys(v: JsonValue, counts: Map<string, number>, depth: number): void {
  if (depth > MAX_WRITE_DEPTH) throw new RangeError('value nested too deeply (or cyclic)');
  if (Array.isArray(v)) {
    for (const item of v) countKeys(item, counts, depth + 1);
  } else if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    for (const key of Object.keys(v)) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      countKeys(v[key] as JsonValue, counts, depth + 1);
    }
  }
}

/**
 * Encodes a value as JSON-C: JSON-B with object keys replaced by tag codes (§5). Keys in
 * `dictionary` are written as c-tag references (xC0+k, shortest code width); with
 * `writeDictionary` the definitions are written first. Only object keys are compressed.
 */
export function encodeJsonC(value: JsonValue, options: JsonCOptions = {}): Uint8Array {
  const dictionary = options.dictionary ?? [];
  const offset = options.dictionaryOffset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + dictionary.length > 0x100000000) {
    throw new RangeError('dictionary codes must lie in [0, 2^32)');
  }
  const sink = new ByteSink();
  try {
    return writeJsonC(sink, value, options, dictionary, offset);
  } finally {
    sink.release();
  }
}

function writeJsonC(sink: ByteSink, value: JsonValue, options: JsonCOptions, dictionary: readonly string[], offset: number): Uint8Array {
  const c: Compression = { codes: new Map(), next: offset + dictionary.length, define: new Set() };
  dictionary.forEach((key, i) => {
    if (c.codes.has(key)) throw new RangeError(`dictionary entry ${JSON.stringify(key)} is repeated`);
    c.codes.set(key, offset + i);
    if (options.writeDictionary) {
      writeCode(sink, JSONB.TAG_DEFINITION, offset + i);
      writeString(sink, key);
    }
  });
  if (options.defineRepeatedKeys ?? true) {
    const counts = new Map<string, number>();
    countKeys(value, counts, 0);
    for (const [key, n] of counts) if (n >= 2 && !c.codes.has(key)) c.define.add(key);
  }
  writeValue(sink, value, 0, c);
  return sink.finish();
}
