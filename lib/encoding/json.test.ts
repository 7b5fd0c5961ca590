import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DareError } from '../errors.js';
import { base64urlEncode } from './base64url.js';
import { asBinary, decodeJson, encodeJson, encodeJsonReference } from './json.js';
import type { JsonValue } from './value.js';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
  return 'OK';
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/jsonb/jbcd-dare-14.1.json', import.meta.url), 'utf8')) as {
  frame0: { headerText: string; headerLength: number };
  frame1: { headerText: string; headerLength: number };
};
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('encodeJsonReference (conformance/dare.md item 12)', () => {
  it('reproduces the 139-byte frame-0 header and the 66-byte frame-1 header of 14.1', () => {
    const h0 = encodeJsonReference({
      policy: {}, ContentMetaData: utf8('{}'),
      SequenceInfo: { DataEncoding: 'JSON', ContainerType: 'List', Index: 0 },
    });
    expect(h0).toBe(fixture.frame0.headerText);
    expect(utf8(h0).length).toBe(139);
    const h1 = encodeJsonReference({ ContentMetaData: utf8('{}'), SequenceInfo: { Index: 1 } });
    expect(h1).toBe(fixture.frame1.headerText);
    expect(utf8(h1).length).toBe(66);
  });

  it('ContentMetaData of the mail example (item 13)', () => {
    const meta = encodeJsonReference({ cty: 'application/example-mail' });
    expect(meta).toBe('{\n  "cty": "application/example-mail"}');
    expect(meta.length).toBe(38);
    expect(base64urlEncode(utf8(meta)).startsWith('ewogICJjdHkiOi')).toBe(true);
  });

  it('breaks base64url where the column passes 63 (item 14: 45 and 48 characters)', () => {
    const digest = new Uint8Array(64).fill(0xab);
    const text = encodeJsonReference({ PayloadDigest: digest, TreeDigest: digest });
    const b64 = base64urlEncode(digest);
    expect(text).toBe(
      `{\n  "PayloadDigest": "${b64.slice(0, 45)}\n  ${b64.slice(45)}",` +
      `\n  "TreeDigest": "${b64.slice(0, 48)}\n  ${b64.slice(48)}"}`,
    );
    const back = decodeJson(text) as Record<string, JsonValue>;
    expect(asBinary(back.PayloadDigest)).toStrictEqual(digest);
    expect(asBinary(back.TreeDigest)).toStrictEqual(digest);
  });

  it('long values break every 62 characters after the first line', () => {
    const b64 = base64urlEncode(new Uint8Array(200).fill(7));
    const text = encodeJsonReference({ k: new Uint8Array(200).fill(7) });
    const lines = [b64.slice(0, 57)];
    for (let i = 57; i < b64.length; i += 62) lines.push(b64.slice(i, i + 62));
    expect(lines.length).toBe(5);
    expect(text).toBe(`{\n  "k": "${lines.join('\n  ')}"}`);
  });

  it('arrays indent one level and separate items with ",\\n" + indent', () => {
    expect(encodeJsonReference({ a: [1, { b: 2 }, 'x'], e: [] })).toBe('{\n  "a": [1,\n    {\n      "b": 2},\n    "x"],\n  "e": []}');
  });
});

describe('encodeJson / decodeJson', () => {
  const value: JsonValue = {
    s: 'a"b\\\n\u0001é😀', b: new Uint8Array([0xfb, 0xff]), i: [0, -1, 2 ** 53 - 1, 2n ** 64n, -(2n ** 100n)],
    f: [0.1, -0, 1e300, 2 ** 53, 1e-7], t: true, n: null, o: { nested: [[]] },
  };

  it('binary is base64url without padding; numbers round-trip exactly', () => {
    const text = encodeJson(value);
    expect(text).toContain('"b":"-_8"');
    const back = decodeJson(text) as Record<string, JsonValue>;
    expect(asBinary(back.b)).toStrictEqual(value.b as Uint8Array);
    expect({ ...back, b: value.b }).toStrictEqual(value);
    expect(Object.is((back.f as number[])[1], -0)).toBe(true);
    expect(decodeJson(encodeJson(value, { indent: 2 }))).toStrictEqual(back);
  });

  it('indent matches JSON.stringify for plain data', () => {
    const plain = { a: [1, 'x', { b: null }], c: {}, d: [] };
    expect(encodeJson(plain, { indent: 2 })).toBe(JSON.stringify(plain, null, 2));
    expect(encodeJson(plain)).toBe(JSON.stringify(plain));
    expect(() => encodeJson(NaN)).toThrow(RangeError);
  });

  it('integers: number when safe, bigint beyond', () => {
    expect(decodeJson('9007199254740991')).toBe(9007199254740991);
    expect(decodeJson('9007199254740992')).toBe(9007199254740992n);
    expect(decodeJson('-123456789012345678901234567890')).toBe(-123456789012345678901234567890n);
    expect(decodeJson('1.0')).toBe(1);
    expect(decodeJson('1E2')).toBe(100);
  });

  it('errors', () => {
    expect(code(() => decodeJson('{"a":1,"a":2}'))).toBe('MALFORMED');
    expect(code(() => decodeJson('[1] 2'))).toBe('TRAILING_DATA');
    expect(code(() => decodeJson('[1,'))).toBe('TRUNCATED');
    expect(code(() => decodeJson('"abc'))).toBe('TRUNCATED');
    expect(code(() => decodeJson('tru'))).toBe('TRUNCATED');
    expect(code(() => decodeJson(''))).toBe('TRUNCATED');
    for (const bad of ['[1,]', '{"a" 1}', '01', '1.x', '-x', '{1:2}', '"\\x"', '"\\u12g4"', 'nulx', '[1 2]', '"\u0001"']) {
      expect(code(() => decodeJson(bad)), bad).toBe('MALFORMED');
    }
    expect(code(() => decodeJson('"a\nb"'))).toBe('OK');
    expect(code(() => decodeJson('"a\nb"', { strict: true }))).toBe('MALFORMED');
    expect(code(() => decodeJson('['.repeat(65) + ']'.repeat(65)))).toBe('LIMIT_EXCEEDED');
    expect(code(() => decodeJson('['.repeat(64) + ']'.repeat(64)))).toBe('OK');
  });

  it('truncation at every offset of a document is a typed error', () => {
    const text = encodeJson(value, { indent: 1 });
    for (let cut = 0; cut < text.length; cut++) {
      const c = code(() => decodeJson(text.slice(0, cut)));
      expect(['TRUNCATED', 'MALFORMED'], `cut ${cut}: ${c}`).toContain(c);
    }
  });

  it('asBinary', () => {
    expect(asBinary('AQID')).toStrictEqual(new Uint8Array([1, 2, 3]));
    expect(asBinary('AQ\n  ID')).toStrictEqual(new Uint8Array([1, 2, 3]));
    expect(asBinary(new Uint8Array([4]))).toStrictEqual(new Uint8Array([4]));
    expect(code(() => asBinary(5))).toBe('MALFORMED');
    expect(code(() => asBinary('A'))).toBe('MALFORMED');
    expect(code(() => asBinary(undefined))).toBe('MALFORMED');
  });
});
