// Property tests of lib/encoding: JSON-B, JSON-C, JSON, the streaming reader and the
// streaming strings and base64url codecs.
// Fixed seed, 200 runs; SLOW=1 runs 5000.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DareError } from '../lib/errors.js';
import { Base64urlEncoder, base64urlEncode } from '../lib/encoding/base64url.js';
import { decodeJson, encodeJson, encodeJsonReference, asBinary } from '../lib/encoding/json.js';
import { decodeJsonB } from '../lib/encoding/jsonb-reader.js';
import { JsonBStreamReader, decodeJsonBStream } from '../lib/encoding/jsonb-stream.js';
import { encodeJsonB, encodeJsonC } from '../lib/encoding/jsonb-writer.js';
import { type JsonValue, jsonValueEquals } from '../lib/encoding/value.js';

const RUNS = process.env.SLOW ? 5000 : 200;
const params = (seed: number): fc.Parameters<unknown> => ({ seed, numRuns: RUNS });

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Values as the decoders return them (integers normalised, floats never safe integers). */
const jsonValue = (finite: boolean): fc.Arbitrary<JsonValue> =>
  fc.letrec<{ value: JsonValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.oneof(fc.integer({ min: -300, max: 70000 }), fc.maxSafeInteger(), fc.maxSafeNat().map((n) => -n)),
      fc.oneof(fc.bigInt({ min: MAX_SAFE + 1n, max: 1n << 200n }), fc.bigInt({ min: -(1n << 70n), max: -MAX_SAFE - 1n })),
      fc.double({ noNaN: finite, noDefaultInfinity: finite }).filter((d) => !Number.isSafeInteger(d) || Object.is(d, -0)),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 5 }),
    ),
  })).value;

/** JSON has no binary: what decodeJson returns for a value. */
function binaryAsText(v: JsonValue): JsonValue {
  if (v instanceof Uint8Array) return base64urlEncode(v);
  if (Array.isArray(v)) return v.map(binaryAsText);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: binaryAsText(v[k] as JsonValue), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** True when an object in `v` has array-index-like keys (JavaScript enumerates those first). */
function hasIndexKeys(v: JsonValue): boolean {
  if (Array.isArray(v)) return v.some(hasIndexKeys);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.keys(v).some((k) => /^(0|[1-9][0-9]*)$/.test(k)) || Object.values(v).some(hasIndexKeys);
  }
  return false;
}

function tryDecode(bytes: Uint8Array, strict: boolean): JsonValue | DareError {
  try {
    return decodeJsonB(bytes, { strict });
  } catch (e) {
    if (e instanceof DareError) return e;
    throw e;
  }
}

async function* pieces(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let p = 0;
  let i = 0;
  while (p < b.length) {
    const n = sizes.length ? (sizes[i++ % sizes.length] as number) : 1;
    yield b.slice(p, p + n);
    p += n;
  }
}

describe('encoding properties', () => {
  it('JSON-B: decode(encode(x)) = x, strict, and re-encoding is the identity', () => {
    fc.assert(fc.property(jsonValue(false), (x) => {
      const b = encodeJsonB(x);
      const y = decodeJsonB(b, { strict: true });
      expect(jsonValueEquals(y, x)).toBe(true);
      expect(encodeJsonB(y)).toStrictEqual(b);
    }), params(1));
  });

  it('JSON-C: decode(encode(x)) = x, with and without a dictionary', () => {
    fc.assert(fc.property(jsonValue(false), fc.array(fc.string({ maxLength: 4 }), { maxLength: 6 }), fc.boolean(), (x, keys, inline) => {
      const dictionary = [...new Set(keys)];
      expect(jsonValueEquals(decodeJsonB(encodeJsonC(x)), x)).toBe(true);
      const c = encodeJsonC(x, { dictionary, writeDictionary: inline, dictionaryOffset: 250 });
      expect(jsonValueEquals(decodeJsonB(c, inline ? {} : { dictionary, dictionaryOffset: 250 }), x)).toBe(true);
    }), params(2));
  });

  it('JSON: decode(encode(x)) = x with binary as base64url text; reference layout reads back', () => {
    fc.assert(fc.property(jsonValue(true), fc.integer({ min: 0, max: 4 }), (x, indent) => {
      const expected = binaryAsText(x);
      expect(jsonValueEquals(decodeJson(encodeJson(x, { indent })), expected)).toBe(true);
      const ref = decodeJson(encodeJsonReference(x));
      if (x instanceof Uint8Array) expect(asBinary(ref)).toStrictEqual(x);
      else if (typeof x !== 'object' || x === null) expect(jsonValueEquals(ref, expected)).toBe(true);
    }), params(3));
  });

  it('streaming reader, fed in arbitrary pieces, equals the whole-buffer reader', async () => {
    await fc.assert(fc.asyncProperty(jsonValue(false), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }), fc.boolean(), async (x, sizes, compact) => {
      const b = compact ? encodeJsonC(x) : encodeJsonB(x);
      expect(jsonValueEquals(await decodeJsonBStream(pieces(b, sizes)), x)).toBe(true);
    }), params(4));
  });

  it('arbitrary bytes: a DareError or a value; strict values re-encode to the same bytes', () => {
    const mutated = fc.tuple(jsonValue(false), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { maxLength: 3 }))
      .map(([x, edits]) => {
        const b = Array.from(encodeJsonB(x));
        for (const [at, byte, op] of edits) {
          const i = b.length ? at % b.length : 0;
          if (op === 0) b[i] = byte;
          else if (op === 1) b.splice(i, 0, byte);
          else b.splice(i, 1);
        }
        return Uint8Array.from(b);
      });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
      const strict = tryDecode(bytes, true);
      if (!(strict instanceof DareError) && !hasIndexKeys(strict)) expect(encodeJsonB(strict)).toStrictEqual(bytes);
      const lenient = tryDecode(bytes, false);
      if (!(lenient instanceof DareError)) {
        expect(jsonValueEquals(decodeJsonB(encodeJsonB(lenient), { strict: true }), lenient)).toBe(true);
      }
      if (!(strict instanceof DareError)) expect(lenient instanceof DareError ? lenient.code : 'OK').toBe('OK');
    }), params(5));
  });
});

/** JSON text for `s`, each code point escaped as \\uXXXX where `escape` says (and where it must be). */
function jsonTextOf(s: string, escape: boolean[]): string {
  let out = '"';
  let i = 0;
  for (const cp of s) {
    const u = cp.codePointAt(0) as number;
    const lone = u >= 0xd800 && u <= 0xdfff;
    if (escape[i++ % Math.max(1, escape.length)] === true || lone || u < 0x20 || u === 0x22 || u === 0x5c) {
      for (let k = 0; k < cp.length; k++) out += '\\u' + cp.charCodeAt(k).toString(16).padStart(4, '0');
    } else out += cp;
  }
  return out + '"';
}

async function collectAll<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('streaming strings and base64url', () => {
  it('base64url in a JSON text string with random line breaks streams back to the bytes', async () => {
    const breaks = fc.array(fc.tuple(fc.nat(), fc.constantFrom('\n', '\r\n', ' ', '\t', '\n    ')), { maxLength: 6 });
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), breaks, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 }), async (b, at, sizes) => {
      let text = base64urlEncode(b);
      for (const [p, ws] of at) {
        const i = text.length ? p % (text.length + 1) : 0;
        text = text.slice(0, i) + ws + text.slice(i);
      }
      const source = pieces(new TextEncoder().encode('"' + text + '"'), sizes);
      const got = await collectAll(new JsonBStreamReader(source).readBinaryOrBase64());
      const all = Uint8Array.from(got.flatMap((x) => [...x]));
      expect(all).toStrictEqual(b);
    }), params(6));
  });

  it('Base64urlEncoder over random splits equals base64urlEncode', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 8 }), (b, sizes) => {
      const steps = [...sizes, 1]; // some piece size is not 0
      const e = new Base64urlEncoder();
      let out = '';
      let p = 0;
      for (let i = 0; p < b.length; i++) {
        const n = steps[i % steps.length] as number;
        out += e.push(b.subarray(p, p + n));
        p += n;
      }
      expect(out + e.end()).toBe(base64urlEncode(b));
    }), params(7));
  });

  it('readStringPieces of JSON text with random escapes and JSON-B strings gives the string back', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 8 }), async (s, escape, sizes) => {
      const text = jsonTextOf(s, escape);
      expect(JSON.parse(text)).toBe(s);
      const got = await collectAll(new JsonBStreamReader(pieces(new TextEncoder().encode(text), sizes)).readStringPieces());
      expect(got.join('')).toBe(s);
      expect(got.every((x) => x.length > 0)).toBe(true);
      if (!LONE_SURROGATE.test(s)) {
        expect(got.some((x) => LONE_SURROGATE.test(x))).toBe(false);
        const viaB = await collectAll(new JsonBStreamReader(pieces(encodeJsonB(s), sizes)).readStringPieces());
        expect(viaB.join('')).toBe(s);
      }
    }), params(8));
  });
});
