/**
 * The data model shared by the JSON, JSON-B and JSON-C codecs
 * (draft-hallambaker-jsonbcd-21 §3: the JSON grammar with binary lexical forms added).
 *
 * - Integers are `number` when safe (|n| ≤ 2^53 − 1) and `bigint` beyond; decoders always
 *   normalise, so a `bigint` inside the safe range comes back as a `number`.
 * - Every other `number` (fractions, -0, ±2^53 and beyond, NaN, ±Infinity) is a binary64 float.
 * - `Uint8Array` is binary data (JSON-B data items, base64url strings in JSON).
 * - Objects keep member order as JavaScript does: note that JavaScript enumerates
 *   array-index-like keys ("0", "17") first, in ascending order, whatever the input order.
 * @module
 */
import { DareError } from '../errors.js';

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | JsonValue[]
  | { [k: string]: JsonValue };

export type JsonObject = { [k: string]: JsonValue };

/** Reader limits. Every reader refuses (LIMIT_EXCEEDED) before allocating past them. */
export interface DecodeLimits {
  /** Maximum nesting of arrays and objects (default 64). */
  maxDepth?: number;
  /** Maximum bytes of one string or binary item, all chunks together (streams: 16 MiB). */
  maxItemBytes?: number;
  /** Maximum chunks in one chunked string or binary item (default 65536). */
  maxChunks?: number;
  /** Maximum bytes of string and binary data held for one complete value (streams: 64 MiB). */
  maxValueBytes?: number;
}

export interface ResolvedLimits {
  maxDepth: number;
  maxItemBytes: number;
  maxChunks: number;
  maxValueBytes: number;
}

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_STREAM_MAX_ITEM_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_CHUNKS = 65536;
export const DEFAULT_STREAM_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Fills in defaults; in-memory readers need no byte limits (the input bounds them). */
export function resolveLimits(limits: DecodeLimits | undefined, stream: boolean): ResolvedLimits {
  // The common case (no limits given) needs no checks: one shared object per reader kind.
  if (limits === undefined || (limits.maxDepth === undefined && limits.maxItemBytes === undefined && limits.maxChunks === undefined && limits.maxValueBytes === undefined)) {
    return stream ? STREAM_DEFAULTS : MEMORY_DEFAULTS;
  }
  const r: ResolvedLimits = {
    maxDepth: limits?.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxItemBytes: limits?.maxItemBytes ?? (stream ? DEFAULT_STREAM_MAX_ITEM_BYTES : Infinity),
    maxChunks: limits?.maxChunks ?? DEFAULT_MAX_CHUNKS,
    maxValueBytes: limits?.maxValueBytes ?? (stream ? DEFAULT_STREAM_MAX_VALUE_BYTES : Infinity),
  };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new RangeError(`limit ${k} must be a non-negative number`);
  }
  return r;
}

const MEMORY_DEFAULTS: ResolvedLimits = Object.freeze({ maxDepth: DEFAULT_MAX_DEPTH, maxItemBytes: Infinity, maxChunks: DEFAULT_MAX_CHUNKS, maxValueBytes: Infinity });
const STREAM_DEFAULTS: ResolvedLimits = Object.freeze({
  maxDepth: DEFAULT_MAX_DEPTH, maxItemBytes: DEFAULT_STREAM_MAX_ITEM_BYTES, maxChunks: DEFAULT_MAX_CHUNKS, maxValueBytes: DEFAULT_STREAM_MAX_VALUE_BYTES,
});

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A decoded integer in the data model: number when safe, bigint otherwise. */
export function normalizeInteger(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** Sets a member, safely for the key `__proto__` (which a plain assignment would not store). */
export function setMember(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function hasMember(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * UTF-8 length of a string, or -1 when it holds a lone surrogate (which has no UTF-8
 * form: writers raise TypeError rather than silently writing U+FFFD).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      n += 4;
      i++;
    } else return -1;
  }
  return n;
}

// Our own decoder: the shared one in lib/internal/bytes.ts strips a leading U+FEFF
// (TextDecoder's default ignoreBOM: false), which would corrupt strings that begin with it.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 string content (a leading U+FEFF is kept); MALFORMED on invalid UTF-8. */
export function decodeUtf8(b: Uint8Array): string {
  // Short ASCII (keys, algorithm names, kids) by hand: TextDecoder costs a native call.
  const n = b.length;
  if (n <= 32) {
    let s = '';
    let i = 0;
    for (; i < n; i++) {
      const c = b[i] as number;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === n) return s;
  }
  try {
    return strictDecoder.decode(b);
  } catch (e) {
    throw new DareError('MALFORMED', 'invalid utf-8 in string', { cause: e });
  }
}

/** Deep equality of two values in the data model (floats compared with Object.is). */
export function jsonValueEquals(a: JsonValue, b: JsonValue): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonValueEquals(a[i] as JsonValue, b[i] as JsonValue)) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!hasMember(b, k) || !jsonValueEquals(a[k] as JsonValue, b[k] as JsonValue)) return false;
  }
  return true;
}
