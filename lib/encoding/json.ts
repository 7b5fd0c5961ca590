/**
 * JSON text encoding of the data model (RFC 8259, the base of draft-hallambaker-jsonbcd-21 §3;
 * binary as base64url without padding, as draft-hallambaker-mesh-dare-12 writes it), and the
 * reference writer's exact layout (CONFORMANCE.md item 10, conformance/dare.md item 12).
 *
 * JSON loses the binary/string distinction: {@link decodeJson} returns base64url text as a
 * string, and a schema-driven reader turns it into bytes with {@link asBinary}.
 *
 * Choices: integer literals (no fraction, no exponent) decode to number when safe and to
 * bigint beyond; other numbers are float64. The writer keeps that round trip exact: an
 * integer-valued float outside the safe range is written with `.0` or an exponent, and -0 as
 * `-0.0`. NaN and ±Infinity have no JSON form (RangeError). Duplicate keys are MALFORMED.
 * By default the reader accepts raw TAB, LF and CR inside strings, because the reference
 * writer breaks long base64url values with a raw line feed; `strict` rejects them.
 * @module
 */
import { DareError } from '../errors.js';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import {
  DEFAULT_MAX_DEPTH, type JsonObject, type JsonValue, hasMember, normalizeInteger, setMember,
} from './value.js';

export interface JsonDecodeOptions {
  /** Maximum nesting of arrays and objects (default 64). */
  maxDepth?: number;
  /** Reject raw control characters inside strings, as RFC 8259 does (default false). */
  strict?: boolean;
}

/** Longest integer literal accepted (enough for any JSON-B bignum16 value). */
const MAX_INTEGER_DIGITS = 160000;

class TextParser {
  pos = 0;
  readonly text: string;
  readonly maxDepth: number;
  readonly strict: boolean;
  constructor(text: string, maxDepth: number, strict: boolean) {
    this.text = text;
    this.maxDepth = maxDepth;
    this.strict = strict;
  }

  fail(what: string, code: 'MALFORMED' | 'TRUNCATED' = 'MALFORMED'): never {
    if (this.pos >= this.text.length) throw new DareError('TRUNCATED', `json: ${what} at end of input`);
    throw new DareError(code, `json: ${what} at offset ${this.pos}`);
  }

  ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  value(depth: number): JsonValue {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.word('true')) return true;
    if (this.word('false')) return false;
    if (this.word('null')) return null;
    return this.fail('unexpected character');
  }

  word(w: string): boolean {
    if (!this.text.startsWith(w, this.pos)) {
      const rest = this.text.length - this.pos;
      if (rest > 0 && rest < w.length && w.startsWith(this.text.slice(this.pos))) this.fail('truncated literal', 'TRUNCATED');
      return false;
    }
    this.pos += w.length;
    return true;
  }

  enter(depth: number): void {
    if (depth > this.maxDepth) throw new DareError('LIMIT_EXCEEDED', `json: nesting deeper than ${this.maxDepth}`);
    this.pos++;
    this.ws();
  }

  object(depth: number): JsonObject {
    this.enter(depth);
    const obj: JsonObject = {};
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const keyAt = this.pos;
      const key = this.string();
      if (hasMember(obj, key)) throw new DareError('MALFORMED', `json: duplicate key ${JSON.stringify(key)} at offset ${keyAt}`);
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail('expected ":"');
      this.pos++;
      setMember(obj, key, this.value(depth));
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return obj;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
  }

  array(depth: number): JsonValue[] {
    this.enter(depth);
    const out: JsonValue[] = [];
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  string(): string {
    const t = this.text;
    let p = this.pos + 1;
    let out = '';
    let from = p;
    for (;;) {
      if (p >= t.length) {
        this.pos = p;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c === 0x5c) {
        out += t.slice(from, p);
        const e = t.charCodeAt(p + 1);
        p += 2;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            const hex = t.slice(p, p + 4);
            if (hex.length < 4 && p + 4 > t.length) {
              this.pos = t.length;
              this.fail('truncated escape');
            }
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              this.pos = p;
              this.fail('invalid \\u escape');
            }
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default:
            this.pos = Math.min(p - 1, t.length);
            this.fail('invalid escape');
        }
        from = p;
        continue;
      }
      if (c < 0x20 && (this.strict || (c !== 0x0a && c !== 0x0d && c !== 0x09))) {
        this.pos = p;
        this.fail('control character in string');
      }
      p++;
    }
    this.pos = p + 1;
    return out + t.slice(from, p);
  }

  number(): number | bigint {
    const t = this.text;
    const start = this.pos;
    let p = start;
    const digits = (): number => {
      const s = p;
      while (p < t.length && t.charCodeAt(p) >= 0x30 && t.charCodeAt(p) <= 0x39) p++;
      if (p === s) {
        this.pos = p;
        this.fail('expected a digit');
      }
      return p - s;
    };
    if (t.charCodeAt(p) === 0x2d) p++;
    const first = t.charCodeAt(p);
    const n = digits();
    if (first === 0x30 && n > 1) {
      this.pos = start;
      this.fail('leading zero in number');
    }
    let integer = true;
    if (t.charCodeAt(p) === 0x2e) {
      p++;
      digits();
      integer = false;
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      p++;
      const s = t.charCodeAt(p);
      if (s === 0x2b || s === 0x2d) p++;
      digits();
      integer = false;
    }
    this.pos = p;
    const raw = t.slice(start, p);
    if (!integer) return Number(raw);
    if (raw.length > MAX_INTEGER_DIGITS) throw new DareError('LIMIT_EXCEEDED', `json: integer literal longer than ${MAX_INTEGER_DIGITS} digits`);
    return raw.length < 16 ? Number(raw) : normalizeInteger(BigInt(raw));
  }
}

/** Parses JSON text (a single value, surrounding whitespace allowed). */
export function decodeJson(text: string, options: JsonDecodeOptions = {}): JsonValue {
  if (typeof text !== 'string') throw new TypeError('decodeJson expects a string');
  const p = new TextParser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH, options.strict ?? false);
  const v = p.value(0);
  p.ws();
  if (p.pos !== text.length) throw new DareError('TRAILING_DATA', `json: data after the value at offset ${p.pos}`);
  return v;
}

/**
 * Bytes of a binary field: a Uint8Array as is, or a base64url string (whitespace inside
 * ignored, `=` padding tolerated). Anything else is MALFORMED.
 */
export function asBinary(value: JsonValue | undefined): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return base64urlDecode(value);
  throw new DareError('MALFORMED', 'expected binary data (base64url string)');
}

function numberText(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError('json cannot represent NaN or Infinity');
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  if (Number.isInteger(v) && !Number.isSafeInteger(v) && !s.includes('e')) return s + '.0';
  return s;
}

function scalarText(v: JsonValue): string | undefined {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return '"' + base64urlEncode(v) + '"';
  if (typeof v !== 'object') throw new TypeError(`cannot encode a value of type ${typeof v}`);
  return undefined;
}

const MAX_WRITE_DEPTH = 10000;

function writeJson(v: JsonValue, indent: string, level: number, out: string[]): void {
  if (level > MAX_WRITE_DEPTH) throw new RangeError('value nested too deeply (or cyclic)');
  const s = scalarText(v);
  if (s !== undefined) {
    out.push(s);
    return;
  }
  const nl = indent === '' ? '' : '\n' + indent.repeat(level + 1);
  const close = indent === '' ? '' : '\n' + indent.repeat(level);
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push('[]');
    out.push('[');
    v.forEach((item, i) => {
      out.push(i ? ',' + nl : nl);
      writeJson(item, indent, level + 1, out);
    });
    out.push(close + ']');
    return;
  }
  const obj = v as JsonObject;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (keys.length === 0) return void out.push('{}');
  out.push('{');
  keys.forEach((k, i) => {
    out.push((i ? ',' + nl : nl) + JSON.stringify(k) + (indent === '' ? ':' : ': '));
    writeJson(obj[k] as JsonValue, indent, level + 1, out);
  });
  out.push(close + '}');
}

/** Encodes as JSON text: compact, or indented like JSON.stringify with `indent` spaces. */
export function encodeJson(value: JsonValue, options: { indent?: number } = {}): string {
  const n = options.indent ?? 0;
  if (!Number.isSafeInteger(n) || n < 0 || n > 10) throw new RangeError('indent must be an integer in [0, 10]');
  const out: string[] = [];
  writeJson(value, ' '.repeat(n), 0, out);
  return out.join('');
}

/** Column past which the reference writer breaks base64url text (conformance/dare.md item 12). */
const REFERENCE_WRAP_COLUMN = 63;

class ReferenceWriter {
  out: string[] = [];
  level = 0;
  col = 0;

  value(v: JsonValue): void {
    if (this.level > MAX_WRITE_DEPTH) throw new RangeError('value nested too deeply (or cyclic)');
    if (v instanceof Uint8Array) return this.binary(v);
    const s = scalarText(v);
    if (s !== undefined) return void this.out.push(s);
    if (Array.isArray(v)) {
      this.out.push('[');
      this.level++;
      v.forEach((item, i) => {
        if (i) this.out.push(',\n' + '  '.repeat(this.level));
        this.value(item);
      });
      this.level--;
      return void this.out.push(']');
    }
    const obj = v as JsonObject;
    this.out.push('{');
    this.level++;
    let first = true;
    for (const k of Object.keys(obj)) {
      const item = obj[k];
      if (item === undefined) continue;
      this.out.push((first ? '' : ',') + '\n' + '  '.repeat(this.level) + JSON.stringify(k) + ': ');
      first = false;
      this.col = 5 + k.length;
      this.value(item);
    }
    this.level--;
    this.out.push('}');
  }

  binary(b: Uint8Array): void {
    const text = base64urlEncode(b);
    let col = this.col;
    let s = '"';
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      col++;
      if (col > REFERENCE_WRAP_COLUMN) {
        s += text.slice(from, i) + '\n  ';
        from = i;
        col = 2;
      }
    }
    this.out.push(s + text.slice(from) + '"');
  }
}

/**
 * The reference writer's layout (conformance/dare.md item 12): each member on a new line as
 * `\n` + two spaces per level + `"name": value`, members separated by `,`, closing brackets
 * right after the last value, array items separated by `,\n` + indent, and base64url text
 * broken by `\n  ` whenever the running column (starting at 5 + name length) passes 63.
 * The output is not strict JSON (raw LF inside strings); {@link decodeJson} reads it.
 */
export function encodeJsonReference(value: JsonValue): string {
  const w = new ReferenceWriter();
  w.value(value);
  return w.out.join('');
}
