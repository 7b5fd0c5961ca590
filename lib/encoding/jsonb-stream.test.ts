import { describe, expect, it } from 'vitest';
import { DareError } from '../errors.js';
import { concatBytes, fromHex } from '../internal/bytes.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB, encodeJsonC } from './jsonb-writer.js';
import { decodeJsonB } from './jsonb-reader.js';
import { JsonBStreamReader, decodeJsonBStream } from './jsonb-stream.js';
import type { JsonValue } from './value.js';

async function* pieces(b: Uint8Array, size: number | (() => number)): AsyncGenerator<Uint8Array> {
  let p = 0;
  while (p < b.length) {
    const n = typeof size === 'number' ? size : size();
    yield b.slice(p, p + n);
    p += n;
  }
}

async function code(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
  return 'OK';
}

const sample: JsonValue = {
  header: { enc: 'A256CBC', Salt: new Uint8Array(16).fill(3), Index: 70000, big: -(2n ** 80n), f: 0.1 },
  list: ['x'.repeat(300), true, false, null, [], {}],
  blob: new Uint8Array(1000).map((_, i) => i & 0xff),
};

describe('JsonBStreamReader', () => {
  it('fed one byte at a time equals the whole-buffer reader', async () => {
    for (const bytes of [encodeJsonB(sample), encodeJsonC(sample), new TextEncoder().encode(' {"a": [1, 2.5, "x"], "b" : null } ')]) {
      const whole = decodeJsonB(bytes);
      expect(await decodeJsonBStream(pieces(bytes, 1))).toStrictEqual(whole);
      let seed = 7;
      const random = (): number => 1 + ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 50);
      expect(await decodeJsonBStream(pieces(bytes, random))).toStrictEqual(whole);
    }
  });

  it('reads a sequence of values and tokens', async () => {
    const bytes = concatBytes(encodeJsonB(1), encodeJsonB('two'), arrayStart(), encodeJsonB({ h: 1 }), binaryChunkHeader(2, true), Uint8Array.of(8, 9), arrayEnd());
    const r = new JsonBStreamReader(pieces(bytes, 1));
    expect(await r.readValue()).toBe(1);
    expect((await r.peekHead())?.kind).toBe('string');
    expect(await r.readValue()).toBe('two');
    await r.expect('array-start');
    expect(await r.readValue()).toStrictEqual({ h: 1 });
    const h = await r.peekHead();
    expect(h).toMatchObject({ kind: 'binary', final: true, dataLength: 2 });
    const got: number[] = [];
    for await (const p of r.readBinary()) got.push(...p);
    expect(got).toEqual([8, 9]);
    await r.expect('array-end');
    expect(await r.atEnd()).toBe(true);
    expect(r.position).toBe(bytes.length);
  });

  it('streams chunked binary in pieces without assembling it', async () => {
    const parts: Uint8Array[] = [arrayStart()];
    const total = 5 * 65536 + 17;
    let written = 0;
    while (written < total) {
      const n = Math.min(65536, total - written);
      parts.push(binaryChunkHeader(n, false), new Uint8Array(n).fill(written / 65536 + 1));
      written += n;
    }
    parts.push(binaryChunkHeader(0, true), arrayEnd());
    const bytes = concatBytes(...parts);
    const r = new JsonBStreamReader(pieces(bytes, 4096), { maxItemBytes: 1000 });
    await r.expect('array-start');
    let seen = 0;
    let largest = 0;
    for await (const p of r.readBinary()) {
      seen += p.length;
      largest = Math.max(largest, p.length);
    }
    expect(seen).toBe(total);
    expect(largest).toBeLessThanOrEqual(4096);
    await r.expect('array-end');
    await r.expectEnd();
  });

  it('accepts the separators of the JSON-B1 grammar between items', async () => {
    const bytes = new TextEncoder().encode('[{"a":1} , "\\u0041"]');
    const r = new JsonBStreamReader(pieces(bytes, 1));
    await r.expect('array-start');
    expect(await r.readValue()).toStrictEqual({ a: 1 });
    expect(await r.readValue()).toBe('A');
    await r.expect('array-end');
  });

  it('a length beyond the limit is refused before buffering', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield fromHex('8a 7fffffff');
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
        if (pulled > 1000) return;
      }
    }
    expect(await code(() => new JsonBStreamReader(source()).readValue())).toBe('LIMIT_EXCEEDED');
    expect(pulled).toBe(0);
    expect(await code(() => new JsonBStreamReader(pieces(fromHex('8b ffffffffffffffff'), 1)).readValue())).toBe('LIMIT_EXCEEDED');
    expect(await code(() => new JsonBStreamReader(pieces(encodeJsonB(new Uint8Array(33)), 5), { maxItemBytes: 32 }).readValue())).toBe('LIMIT_EXCEEDED');
    expect(await code(() => new JsonBStreamReader(pieces(encodeJsonB([new Uint8Array(20), new Uint8Array(20)]), 5), { maxValueBytes: 39 }).readValue())).toBe('LIMIT_EXCEEDED');
    const longText = new TextEncoder().encode('"' + 'a'.repeat(5000));
    expect(await code(() => new JsonBStreamReader(pieces(longText, 7), { maxItemBytes: 100 }).readValue())).toBe('LIMIT_EXCEEDED');
    const deep = new Uint8Array(70).fill(0x5b);
    expect(await code(() => new JsonBStreamReader(pieces(deep, 1)).readValue())).toBe('LIMIT_EXCEEDED');
  });

  it('truncation at every offset is TRUNCATED, never a hang or a RangeError', async () => {
    const full = encodeJsonB(sample);
    for (let cut = 0; cut < full.length; cut += cut < 200 ? 1 : 37) {
      expect(await code(() => decodeJsonBStream(pieces(full.subarray(0, cut), 3))), `cut ${cut}`).toBe('TRUNCATED');
    }
    expect(await code(() => decodeJsonBStream(pieces(concatBytes(full, Uint8Array.of(0xb0)), 3)))).toBe('TRAILING_DATA');
    const r = new JsonBStreamReader(pieces(fromHex('5b 8c03 0102'), 1));
    await r.expect('array-start');
    expect(await code(async () => { for await (const _ of r.readBinary()) void _; })).toBe('TRUNCATED');
  });

  it('a JSON text number at the very end of the source is complete, not truncated', async () => {
    for (const t of ['12', '-0.5e3', ' 7', '[1,2]']) {
      const b = new TextEncoder().encode(t);
      for (const size of [1, 2, b.length]) expect(await decodeJsonBStream(pieces(b, size)), `${t} ${size}`).toStrictEqual(JSON.parse(t));
    }
    expect(await code(() => decodeJsonBStream(pieces(new TextEncoder().encode('"ab'), 1)))).toBe('TRUNCATED');
    expect(await code(() => decodeJsonBStream(pieces(new TextEncoder().encode('tru'), 1)))).toBe('TRUNCATED');
  });

  it('readBinary rejects other items and expect rejects other tokens', async () => {
    expect(await code(async () => { for await (const _ of new JsonBStreamReader(pieces(encodeJsonB('s'), 1)).readBinary()) void _; })).toBe('MALFORMED');
    expect(await code(() => new JsonBStreamReader(pieces(encodeJsonB({}), 1)).expect('array-start'))).toBe('MALFORMED');
    expect(await code(() => new JsonBStreamReader(pieces(new Uint8Array(0), 1)).expect('array-start'))).toBe('TRUNCATED');
  });

  it('keeps JSON-C definitions across values and rejects non-byte chunks', async () => {
    const bytes = fromHex('c8 01 8001 61 c0 01');
    const r = new JsonBStreamReader(pieces(bytes, 1));
    expect(await r.readValue()).toBe('a');
    expect(await r.readValue()).toBe('a');
    async function* bad(): AsyncGenerator<Uint8Array> {
      yield 'text' as unknown as Uint8Array;
    }
    await expect(new JsonBStreamReader(bad()).readValue()).rejects.toThrow(TypeError);
  });
});
