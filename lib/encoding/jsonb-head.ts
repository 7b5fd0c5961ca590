/**
 * JSON-B/C/D lexer: recognises one token at a position (draft-hallambaker-jsonbcd-21 §3 grammar,
 * §4 Tables 1-2, §5 Table 3, §6 Table 4, §7 p-int128/256/512) and decodes atoms. Shared by the
 * in-memory reader and the streaming reader; it never allocates for a length it has not seen
 * the bytes of.
 *
 * A token is a head (`headerLength` bytes: the tag plus its fixed or length field) followed by
 * `dataLength` data bytes. JSON text tokens (JSON-B1: quoted strings, numbers, `true`, `false`,
 * `null`) have no header: the whole token is the data.
 *
 * Errata handled here: the §4.1 example `A5 00 01 42` ("42 as Bignum") matches neither table;
 * we follow the tables (xA7/xAF bignum16 with a 2-byte length; xA5 is the 32-byte p-int256 of §7).
 * Not supported (MALFORMED): Intel80 and the decimal floats (x95-x98).
 * @module
 */
import { DareError } from '../errors.js';
import { toHex } from '../internal/bytes.js';
import { JSONB } from './jsonb-writer.js';
import { decodeJson } from './json.js';
import { decodeUtf8, normalizeInteger } from './value.js';

export type JsonBHeadKind =
  | 'array-start' | 'array-end' | 'object-start' | 'object-end' | 'comma' | 'colon'
  | 'string' | 'binary' | 'integer' | 'bignum' | 'float' | 'true' | 'false' | 'null'
  | 'text-string' | 'text-number'
  | 'tag-ref' | 'tag-define' | 'tag-code-define' | 'dictionary-hash';

export interface JsonBHead {
  kind: JsonBHeadKind;
  /** The first byte of the token. */
  tag: number;
  /** Bytes of tag and length/fixed fields (0 for JSON text tokens). */
  headerLength: number;
  /** Bytes of data after the header. Infinity when a 64-bit length exceeds 2^53 - 1. */
  dataLength: number;
  /** For string and binary: this is the terminal chunk (x80-x83, x88-x8B). */
  final: boolean;
  /** For tag codes and definitions: the code; for the dictionary hash: the offset. */
  code: number;
}

const TWO_32 = 4294967296;

/** Big-endian unsigned read; values above 2^53 - 1 become Infinity. */
function readLength(b: Uint8Array, pos: number, width: number): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + (b[pos + i] as number);
  return n > Number.MAX_SAFE_INTEGER ? Infinity : n;
}

function head(kind: JsonBHeadKind, tag: number, headerLength: number, dataLength: number, final = true, code = 0): JsonBHead {
  return { kind, tag, headerLength, dataLength, final, code };
}

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Skips JSON whitespace; returns the new position. */
export function skipWhitespace(b: Uint8Array, pos: number, end: number): number {
  while (pos < end && isWhitespace(b[pos] as number)) pos++;
  return pos;
}

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

const FIXED_FLOAT: Record<number, number> = { 0x90: 2, 0x91: 4, 0x92: 8, 0x94: 16 };
const FIXED_BIG: Record<number, number> = { 0xa4: 16, 0xa5: 32, 0xa6: 64, 0xac: 16 };

function malformed(what: string, tag: number): never {
  throw new DareError('MALFORMED', `json-b: ${what} (tag 0x${tag.toString(16).padStart(2, '0')})`);
}

/**
 * Reads the token head at `pos` (the byte there is not whitespace). Returns the head, or
 * a number: how many bytes from `pos` must be available to know it (at least one more
 * than `end - pos`). `eof` says no byte follows `end` (a JSON text number may end there). Throws MALFORMED for an unknown tag, or for any lexical extension in
 * `strict` mode (canonical JSON-B only).
 */
export function parseHead(b: Uint8Array, pos: number, end: number, strict: boolean, eof: boolean): JsonBHead | number {
  if (pos >= end) return 1;
  const t = b[pos] as number;
  const have = end - pos;
  if (t < 0x80) {
    switch (t) {
      case 0x5b: return head('array-start', t, 1, 0);
      case 0x5d: return head('array-end', t, 1, 0);
      case 0x7b: return head('object-start', t, 1, 0);
      case 0x7d: return head('object-end', t, 1, 0);
      default: break;
    }
    if (strict) malformed('json text token in strict mode', t);
    if (t === 0x2c) return head('comma', t, 1, 0);
    if (t === 0x3a) return head('colon', t, 1, 0);
    if (t === 0x22) {
      for (let p = pos + 1; p < end; p++) {
        const c = b[p] as number;
        if (c === 0x5c) p++;
        else if (c === 0x22) return head('text-string', t, 0, p + 1 - pos);
      }
      return have + 1;
    }
    if (t === 0x2d || (t >= 0x30 && t <= 0x39)) {
      let p = pos + 1;
      while (p < end && isNumberByte(b[p] as number)) p++;
      return p < end || eof ? head('text-number', t, 0, p - pos) : have + 1;
    }
    const word = t === 0x74 ? 'true' : t === 0x66 ? 'false' : t === 0x6e ? 'null' : undefined;
    if (word === undefined) malformed('unexpected character', t);
    if (have < word.length) return word.length;
    for (let i = 1; i < word.length; i++) if (b[pos + i] !== word.charCodeAt(i)) malformed('invalid literal', t);
    return head(word as 'true' | 'false' | 'null', t, word.length, 0);
  }
  if (t <= 0x8f) {
    const w = 1 << (t & 3);
    if (have < 1 + w) return 1 + w;
    const len = readLength(b, pos + 1, w);
    const kind = t < 0x88 ? 'string' : 'binary';
    const final = (t & 4) === 0;
    if (strict && !final) malformed('chunked item in strict mode', t);
    if (strict && w > 1 && len < 2 ** (4 * w)) malformed('non-shortest length', t);
    return head(kind, t, 1 + w, len, final);
  }
  if (t >= 0xa0 && t <= 0xab && (t & 4) === 0) {
    const w = 1 << (t & 3);
    return head('integer', t, 1, w);
  }
  if (t === JSONB.POSITIVE_BIGNUM || t === JSONB.NEGATIVE_BIGNUM) {
    if (have < 3) return 3;
    return head('bignum', t, 3, readLength(b, pos + 1, 2));
  }
  const big = FIXED_BIG[t];
  if (big !== undefined) {
    if (strict) malformed('fixed-width big integer in strict mode', t);
    return head('bignum', t, 1, big);
  }
  const flt = FIXED_FLOAT[t];
  if (flt !== undefined) {
    if (strict && t !== JSONB.FLOAT64) malformed('float other than binary64 in strict mode', t);
    return head('float', t, 1, flt);
  }
  if (t === JSONB.TRUE) return head('true', t, 1, 0);
  if (t === JSONB.FALSE) return head('false', t, 1, 0);
  if (t === JSONB.NULL) return head('null', t, 1, 0);
  if (t >= 0xc0 && t <= 0xce && (t & 3) !== 3) {
    if (strict) malformed('json-c tag code in strict mode', t);
    const w = 1 << (t & 3);
    if (have < 1 + w) return 1 + w;
    const code = readLength(b, pos + 1, w);
    const group = t & 0xfc;
    const kind = group === JSONB.TAG_CODE ? 'tag-ref' : group === JSONB.TAG_CODE_DEFINITION ? 'tag-code-define' : 'tag-define';
    return head(kind, t, 1 + w, 0, true, code);
  }
  if (t === JSONB.DICTIONARY_HASH) {
    if (strict) malformed('json-c dictionary in strict mode', t);
    if (have < 6) return 6;
    return head('dictionary-hash', t, 6, b[pos + 5] as number, true, readLength(b, pos + 1, 4));
  }
  if (t >= 0xf0) malformed('jbcd frame or record tag inside a value', t);
  if (t >= 0x95 && t <= 0x98) malformed('unsupported json-d float type', t);
  return malformed('unknown tag', t);
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** x >> s rounded to nearest, ties to even. */
function roundShift(x: bigint, s: number): bigint {
  if (s <= 0) return x << BigInt(-s);
  if (s > 240) return 0n;
  const sb = BigInt(s);
  const q = x >> sb;
  const r = x - (q << sb);
  const half = 1n << (sb - 1n);
  return r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
}

/** IEEE 754 binary128 to the nearest binary64 (round to nearest even, one rounding). */
function float128(d: Uint8Array): number {
  const hi = ((d[0] as number) << 8) | (d[1] as number);
  const sign = hi & 0x8000 ? -1 : 1;
  const e = hi & 0x7fff;
  const m = BigInt('0x' + toHex(d.subarray(2)));
  if (e === 0x7fff) return m === 0n ? sign * Infinity : NaN;
  if (e === 0 && m === 0n) return sign * 0;
  const full = e === 0 ? m : m | (1n << 112n);
  const lsb = (e === 0 ? 1 : e) - 16383 - 112;
  const bits = full.toString(2).length;
  if (bits - 1 + lsb >= -1022) {
    let mant = roundShift(full, bits - 53);
    let exp = lsb + bits - 53;
    if (mant === 1n << 53n) {
      mant >>= 1n;
      exp += 1;
    }
    if (exp + 52 > 1023) return sign * Infinity;
    return sign * Number(mant) * 2 ** exp;
  }
  return sign * Number(roundShift(full, -1074 - lsb)) * 2 ** -1074;
}

/**
 * Decodes an atom token from its data bytes. `strict` rejects every form the canonical
 * writer would not produce, so that re-encoding gives the same bytes.
 */
export function decodeAtom(h: JsonBHead, data: Uint8Array, strict: boolean): number | bigint | string | boolean | null {
  switch (h.kind) {
    case 'true': return true;
    case 'false': return false;
    case 'null': return null;
    case 'integer': {
      const negative = h.tag >= JSONB.NEGATIVE_INT;
      const w = data.length;
      let v: number | bigint;
      if (w <= 4) v = readLength(data, 0, w);
      else {
        const hiWord = readLength(data, 0, 4);
        const loWord = readLength(data, 4, 4);
        v = hiWord < 0x200000 ? hiWord * TWO_32 + loWord : (BigInt(hiWord) << 32n) | BigInt(loWord);
      }
      if (strict) {
        if (w > 1 && v < 2 ** (4 * w)) malformed('non-shortest integer', h.tag);
        if (negative && v === 0) malformed('negative zero integer', h.tag);
      }
      if (!negative) return v;
      return typeof v === 'number' ? (v === 0 ? 0 : -v) : normalizeInteger(-v);
    }
    case 'bignum': {
      const negative = h.tag === JSONB.NEGATIVE_BIGNUM || h.tag === JSONB.NEGATIVE_INT128;
      const mag = data.length === 0 ? 0n : BigInt('0x' + toHex(data));
      if (strict && (data[0] === 0 || mag < 1n << 64n)) malformed('non-canonical bignum', h.tag);
      return normalizeInteger(negative ? -mag : mag);
    }
    case 'float': {
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      if (h.tag === JSONB.FLOAT16) return float16(dv.getUint16(0, false));
      if (h.tag === JSONB.FLOAT32) return dv.getFloat32(0, false);
      if (h.tag === JSONB.FLOAT128) return float128(data);
      const v = dv.getFloat64(0, false);
      if (strict) {
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) malformed('integer written as binary64', h.tag);
        if (Number.isNaN(v) && (dv.getUint32(0, false) !== 0x7ff80000 || dv.getUint32(4, false) !== 0)) malformed('non-canonical nan', h.tag);
      }
      return v;
    }
    case 'text-string':
    case 'text-number': {
      const v = decodeJson(decodeUtf8(data));
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') malformed('invalid json text token', h.tag);
      return v;
    }
    default:
      return malformed(`token ${h.kind} is not an atom`, h.tag);
  }
}
