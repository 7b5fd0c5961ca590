import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DareError, isDareError } from '../errors.js';
import { fromHex, toHex } from '../internal/bytes.js';
import {
  arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB, encodeJsonBKey, encodeJsonC, objectEnd,
  objectStart, stringChunkHeader, tagLength,
} from './jsonb-writer.js';
import { decodeJsonB } from './jsonb-reader.js';
import { type JsonValue, jsonValueEquals } from './value.js';

const hex = (b: Uint8Array): string => toHex(b);
const enc = (v: JsonValue): string => hex(encodeJsonB(v));

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
  return 'OK';
}

type Typed =
  | { integer: string } | { float: number } | { string: string } | { binary: string }
  | { true: true } | { false: true } | { null: true } | { array: Typed[] };

function typed(t: Typed): JsonValue {
  if ('integer' in t) {
    const n = BigInt(t.integer);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  if ('float' in t) return t.float;
  if ('string' in t) return t.string;
  if ('binary' in t) return fromHex(t.binary);
  if ('true' in t) return true;
  if ('false' in t) return false;
  if ('null' in t) return null;
  return t.array.map(typed);
}

interface Case { section: string; hex: string; value?: Typed; error?: string; canonical?: boolean; note: string }
const examples = JSON.parse(readFileSync(new URL('../../fixtures/jsonb/jsonbcd-21-examples.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('jsonbcd-21 printed examples (fixtures/jsonb)', () => {
  for (const c of examples.cases) {
    it(`${c.section}: ${c.hex}`, () => {
      const bytes = fromHex(c.hex);
      if (c.error !== undefined) {
        expect(code(() => decodeJsonB(bytes))).toBe(c.error);
        return;
      }
      const v = decodeJsonB(bytes);
      expect(jsonValueEquals(v, typed(c.value as Typed))).toBe(true);
      expect(code(() => decodeJsonB(bytes, { strict: true }))).toBe(c.canonical ? 'OK' : 'MALFORMED');
      if (c.canonical) expect(hex(encodeJsonB(v))).toBe(hex(bytes));
    });
  }

  it('5.1 dict-hash fingerprint is SHA-256 of the empty string, not of the dictionary', () => {
    const printed = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(createHash('sha256').update(new Uint8Array(0)).digest('hex')).toBe(printed);
    expect(createHash('sha256').update(fromHex('C4 21 80 05 48 65 6c 6c 6f')).digest('hex')).not.toBe(printed);
  });
});

describe('encodeJsonB: every tag, shortest forms', () => {
  it('atoms', () => {
    expect(enc(true)).toBe('b0');
    expect(enc(false)).toBe('b1');
    expect(enc(null)).toBe('b2');
  });

  it('integer widths at their boundaries', () => {
    const cases: [number | bigint, string][] = [
      [0, 'a000'], [255, 'a0ff'], [256, 'a10100'], [65535, 'a1ffff'], [65536, 'a200010000'],
      [4294967295, 'a2ffffffff'], [4294967296, 'a30000000100000000'],
      [Number.MAX_SAFE_INTEGER, 'a3001fffffffffffff'],
      [-1, 'a801'], [-255, 'a8ff'], [-256, 'a90100'], [-65536, 'aa00010000'], [-4294967296, 'ab0000000100000000'],
      [2n ** 64n - 1n, 'a3ffffffffffffffff'], [-(2n ** 64n - 1n), 'abffffffffffffffff'],
      [2n ** 64n, 'a70009010000000000000000'], [-(2n ** 64n), 'af0009010000000000000000'],
    ];
    for (const [v, h] of cases) {
      expect(enc(v)).toBe(h);
      expect(decodeJsonB(fromHex(h), { strict: true })).toStrictEqual(typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v);
    }
    expect(decodeJsonB(encodeJsonB(5n))).toBe(5);
  });

  it('floats are binary64, -0/NaN/Infinity included', () => {
    expect(enc(1.5)).toBe('923ff8000000000000');
    expect(enc(-0)).toBe('928000000000000000');
    expect(enc(NaN)).toBe('927ff8000000000000');
    expect(enc(Infinity)).toBe('927ff0000000000000');
    expect(enc(2 ** 53)).toBe('924340000000000000');
    expect(Object.is(decodeJsonB(fromHex('928000000000000000'), { strict: true }), -0)).toBe(true);
    expect(decodeJsonB(fromHex('927ff0000000000000'))).toBe(Infinity);
  });

  it('strings and binary at boundary lengths', () => {
    for (const n of [0, 1, 255, 256, 65535, 65536, 70000]) {
      const s = 'x'.repeat(n);
      const b = new Uint8Array(n).fill(7);
      const es = encodeJsonB(s);
      const eb = encodeJsonB(b);
      const k = n < 256 ? 0 : n < 65536 ? 1 : 2;
      expect(es[0]).toBe(0x80 + k);
      expect(eb[0]).toBe(0x88 + k);
      expect(es.length).toBe(1 + (1 << k) + n);
      expect(decodeJsonB(es, { strict: true })).toBe(s);
      expect(decodeJsonB(eb, { strict: true })).toStrictEqual(b);
    }
    expect(enc('é€😀')).toBe('8009c3a9e282ac' + 'f09f9880');
    expect(() => encodeJsonB('\ud800')).toThrow(TypeError);
  });

  it('arrays and objects keep JSON brackets, keys are b-strings, no separators', () => {
    expect(enc([])).toBe('5b5d');
    expect(enc({})).toBe('7b7d');
    expect(enc({ a: [1, 'b'], c: {} })).toBe('7b' + '8001' + '61' + '5b' + 'a001' + '800162' + '5d' + '800163' + '7b7d' + '7d');
  });

  it('low-level emitters', () => {
    expect(hex(binaryChunkHeader(0, true))).toBe('8800');
    expect(hex(binaryChunkHeader(65536, false))).toBe('8e00010000');
    expect(hex(binaryChunkHeader(2 ** 32, true))).toBe('8b0000000100000000');
    expect(hex(stringChunkHeader(300, false))).toBe('85012c');
    expect(hex(tagLength(0x88, Number.MAX_SAFE_INTEGER))).toBe('8b001fffffffffffff');
    expect(() => binaryChunkHeader(-1, true)).toThrow(RangeError);
    expect(hex(arrayStart()) + hex(arrayEnd()) + hex(objectStart()) + hex(objectEnd())).toBe('5b5d7b7d');
    expect(hex(encodeJsonBKey('kid'))).toBe('80036b6964');
    // a payload of unknown length written in one pass as chunks
    const streamed = new Uint8Array([
      ...arrayStart(), ...binaryChunkHeader(3, false), 1, 2, 3, ...binaryChunkHeader(2, false), 4, 5,
      ...binaryChunkHeader(0, true), ...arrayEnd(),
    ]);
    expect(decodeJsonB(streamed)).toStrictEqual([new Uint8Array([1, 2, 3, 4, 5])]);
  });

  it('rejects values outside the data model', () => {
    expect(() => encodeJsonB(undefined as unknown as JsonValue)).toThrow(TypeError);
    const cyclic: JsonValue[] = [];
    cyclic.push(cyclic);
    expect(() => encodeJsonB(cyclic)).toThrow(RangeError);
  });
});

describe('decodeJsonB: reading', () => {
  it('reads the reference writer forms: text floats, separators, whitespace', () => {
    expect(decodeJsonB(new TextEncoder().encode(' { "a" : 1.25 , "b": [true, null, "x\\n"] } '))).toStrictEqual({ a: 1.25, b: [true, null, 'x\n'] });
    expect(decodeJsonB(fromHex('7b 8001 61 312e35 8001 62 a0 02 7d'))).toStrictEqual({ a: 1.5, b: 2 });
    expect(decodeJsonB(new TextEncoder().encode('-12'))).toBe(-12);
  });

  it('float16, float32 and float128', () => {
    expect(decodeJsonB(fromHex('90 3c00'))).toBe(1);
    expect(decodeJsonB(fromHex('90 c000'))).toBe(-2);
    expect(decodeJsonB(fromHex('90 0001'))).toBe(2 ** -24);
    expect(decodeJsonB(fromHex('90 7c00'))).toBe(Infinity);
    expect(decodeJsonB(fromHex('90 7e00'))).toBeNaN();
    expect(decodeJsonB(fromHex('91 3fc00000'))).toBe(1.5);
    expect(decodeJsonB(fromHex('94 3fff 8000 0000 0000 0000 0000 0000 0000'))).toBe(1.5);
    expect(decodeJsonB(fromHex('94 4000 921f b544 42d1 8469 898c c517 01b8'))).toBe(Math.PI);
    expect(decodeJsonB(fromHex('94 c000 0000 0000 0000 0000 0000 0000 0000'))).toBe(-2);
    expect(decodeJsonB(fromHex('94 7fff 0000 0000 0000 0000 0000 0000 0000'))).toBe(Infinity);
    expect(decodeJsonB(fromHex('94 3bcd 0000 0000 0000 0000 0000 0000 0000'))).toBe(2 ** -1074);
    expect(decodeJsonB(fromHex('94 3bcc 0000 0000 0000 0000 0000 0000 0000'))).toBe(0);
    expect(decodeJsonB(fromHex('94 43ff 0000 0000 0000 0000 0000 0000 0000'))).toBe(Infinity);
    for (const t of ['95', '96', '97', '98']) expect(code(() => decodeJsonB(fromHex(t + '00'.repeat(16))))).toBe('MALFORMED');
  });

  it('fixed-width big integers of section 6 and 7', () => {
    expect(decodeJsonB(fromHex('a4' + '00'.repeat(15) + '2a'))).toBe(42);
    expect(decodeJsonB(fromHex('ac' + '01' + '00'.repeat(15)))).toBe(-(2n ** 120n));
    expect(decodeJsonB(fromHex('a5' + '00'.repeat(31) + '01'))).toBe(1);
    expect(decodeJsonB(fromHex('a6' + 'ff'.repeat(64)))).toBe(2n ** 512n - 1n);
    expect(decodeJsonB(fromHex('a7 0000'))).toBe(0);
  });

  it('strict mode rejects every non-canonical form', () => {
    const bad = [
      'a10001', 'a800', 'a90100'.replace('0100', '0001'), '8100 01 61', '840161 8000', '8c0101 8800', ' b0'.trim() + '20',
      '923ff0000000000000', '927ff8000000000001', '90 3c00', 'a4' + '00'.repeat(16), 'a7 0001 01', 'a7 0009 00 ff ff ff ff ff ff ff ff',
      'c0 01', '5b a001 2c a002 5d', '20 b0',
    ];
    for (const h of bad) expect(code(() => decodeJsonB(fromHex(h), { strict: true })), h).not.toBe('OK');
    expect(code(() => decodeJsonB(new TextEncoder().encode('[1]'), { strict: true }))).toBe('MALFORMED');
  });

  it('object keys must be strings and unique; __proto__ is an ordinary key', () => {
    expect(code(() => decodeJsonB(fromHex('7b a001 a002 7d')))).toBe('MALFORMED');
    expect(code(() => decodeJsonB(fromHex('7b 880161 a002 7d')))).toBe('MALFORMED');
    expect(code(() => decodeJsonB(fromHex('7b 800161 a001 800161 a002 7d')))).toBe('MALFORMED');
    const v = decodeJsonB(encodeJsonB(JSON.parse('{"__proto__": 1}') as JsonValue)) as Record<string, JsonValue>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('structure errors', () => {
    for (const h of ['5d', '7d', '5b 7d', '7b 5d', '7b 800161 7d', '2c', '5b 2c a001 5d', '5b a001 2c 5d', '7b 800161 3a 3a a001 7d', '5b 3a 5d', 'c3 00', 'f0 00', 'ff', '99', 'c4 01 b0']) {
      expect(code(() => decodeJsonB(fromHex(h))), h).toBe('MALFORMED');
    }
  });

  it('trailing data and truncation', () => {
    expect(code(() => decodeJsonB(fromHex('b0 b0')))).toBe('TRAILING_DATA');
    expect(code(() => decodeJsonB(fromHex('5b a001 5d 00')))).toBe('TRAILING_DATA');
    expect(code(() => decodeJsonB(new Uint8Array(0)))).toBe('TRUNCATED');
    // a huge declared length is refused, not allocated
    expect(code(() => decodeJsonB(fromHex('8b ffffffffffffffff')))).toBe('TRUNCATED');
    expect(code(() => decodeJsonB(fromHex('8a ffffffff 00')))).toBe('TRUNCATED');
  });

  it('truncation at every offset is a typed error', () => {
    const value: JsonValue = {
      s: 'hello', b: new Uint8Array(300).fill(1), i: [0, 255, 65536, -70000, 2 ** 40, 2n ** 70n, -(2n ** 70n)],
      f: [1.5, -0, NaN], t: true, n: null, nest: { a: [[], {}] },
    };
    const forms = [encodeJsonB(value), encodeJsonC(value), encodeJsonC({ list: [value, value] })];
    for (const full of forms) {
      for (let cut = 0; cut < full.length; cut++) {
        const c = code(() => decodeJsonB(full.subarray(0, cut)));
        expect(c, `cut at ${cut}`).toBe('TRUNCATED');
      }
      expect(code(() => decodeJsonB(full))).toBe('OK');
    }
  });

  it('limits', () => {
    const deep = (n: number): JsonValue => (n === 0 ? 1 : [deep(n - 1)]);
    expect(code(() => decodeJsonB(encodeJsonB(deep(64))))).toBe('OK');
    expect(code(() => decodeJsonB(encodeJsonB(deep(65))))).toBe('LIMIT_EXCEEDED');
    expect(code(() => decodeJsonB(encodeJsonB(deep(3)), { maxDepth: 2 }))).toBe('LIMIT_EXCEEDED');
    expect(code(() => decodeJsonB(encodeJsonB(new Uint8Array(100)), { maxItemBytes: 99 }))).toBe('LIMIT_EXCEEDED');
    const chunks = fromHex('8c00'.repeat(10) + '8800');
    expect(code(() => decodeJsonB(chunks, { maxChunks: 11 }))).toBe('OK');
    expect(code(() => decodeJsonB(chunks, { maxChunks: 10 }))).toBe('LIMIT_EXCEEDED');
    expect(code(() => decodeJsonB(new Uint8Array(100000).fill(0x5b)))).toBe('LIMIT_EXCEEDED');
  });

  it('invalid utf-8 is MALFORMED; a leading U+FEFF is kept', () => {
    expect(code(() => decodeJsonB(fromHex('8001ff')))).toBe('MALFORMED');
    expect(decodeJsonB(encodeJsonB('\ufeffx'))).toBe('\ufeffx');
  });
});

describe('JSON-C', () => {
  const doc: JsonValue = { items: [{ first: 1, second: 2 }, { first: 3, second: 4 }, { first: 5, second: 6 }], once: true };

  it('defines repeated keys at first use and references them afterwards', () => {
    const c = encodeJsonC(doc);
    expect(c.length).toBeLessThan(encodeJsonB(doc).length);
    expect(hex(c)).toContain('c800' + '8005' + hex(new TextEncoder().encode('first')));
    expect(hex(c)).toContain('c000');
    expect(decodeJsonB(c)).toStrictEqual(doc);
  });

  it('uses a shared dictionary, inline or out of band', () => {
    const dictionary = ['items', 'first', 'second'];
    const outOfBand = encodeJsonC(doc, { dictionary, dictionaryOffset: 300 });
    expect(hex(outOfBand).startsWith('7b' + 'c1012c')).toBe(true);
    expect(code(() => decodeJsonB(outOfBand))).toBe('MALFORMED');
    expect(decodeJsonB(outOfBand, { dictionary, dictionaryOffset: 300 })).toStrictEqual(doc);
    const inline = encodeJsonC(doc, { dictionary, writeDictionary: true });
    expect(hex(inline).startsWith('c400' + '8005')).toBe(true);
    expect(decodeJsonB(inline)).toStrictEqual(doc);
  });

  it('resolves a dict-hash through the resolver', () => {
    const fp = new Uint8Array(32).fill(9);
    const bytes = fromHex('d0 00000100 20' + hex(fp) + '7b c10100 a001 7d');
    expect(decodeJsonB(bytes, { resolveDictionary: (f) => (hex(f) === hex(fp) ? ['key'] : undefined) })).toStrictEqual({ key: 1 });
    expect(code(() => decodeJsonB(bytes))).toBe('MALFORMED');
  });

  it('a code may stand for binary data in value position', () => {
    expect(decodeJsonB(fromHex('5b c8 05 8802 0102 c0 05 5d'))).toStrictEqual([new Uint8Array([1, 2]), new Uint8Array([1, 2])]);
  });

  it('errors are typed', () => {
    expect(isDareError(((): unknown => { try { decodeJsonB(fromHex('c0 07')); } catch (e) { return e; } return undefined; })(), 'MALFORMED')).toBe(true);
    expect(code(() => decodeJsonB(fromHex('c4 01 5b 5d')))).toBe('MALFORMED');
  });
});
