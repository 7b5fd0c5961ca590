// Streaming strings out of JsonBStreamReader: readStringPieces, readBinaryOrBase64, readKey,
// peekKind (JSON text strings and JSON-B strings, split anywhere, never held whole).
import { describe, expect, it } from 'vitest';
import { DareError } from '../errors.js';
import { concatBytes, equalBytes, fromHex, utf8 } from '../internal/bytes.js';
import { base64urlEncode } from './base64url.js';
import { decodeJson } from './json.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB, objectEnd, objectStart, stringChunkHeader } from './jsonb-writer.js';
import { JsonBStreamReader } from './jsonb-stream.js';

async function* pieces(b: Uint8Array, size: number | (() => number)): AsyncGenerator<Uint8Array> {
  let p = 0;
  while (p < b.length) {
    const n = typeof size === 'number' ? size : size();
    yield b.slice(p, p + n);
    p += n;
  }
}

function randomSizes(seed: number, max: number): () => number {
  let s = seed;
  return () => 1 + ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) % max);
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

async function collect<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every way to feed `bytes` that the tests use: whole, 1 byte, 2 bytes, random pieces. */
function feeds(bytes: Uint8Array): [string, () => AsyncGenerator<Uint8Array>][] {
  return [
    ['whole', () => pieces(bytes, bytes.length || 1)],
    ['1 byte', () => pieces(bytes, 1)],
    ['2 bytes', () => pieces(bytes, 2)],
    ['3 bytes', () => pieces(bytes, 3)],
    ['random', () => pieces(bytes, randomSizes(bytes.length, 9))],
  ];
}

// JSON text strings with every escape, surrogate pairs as escapes and as UTF-8, 2/3/4-byte
// UTF-8, raw line breaks and tab (lenient), and lone surrogate escapes.
const TEXTS = [
  '""',
  '"plain ascii"',
  String.raw`"\" \\ \/ \b \f \n \r \t"`,
  String.raw`"\u0041\u00e9\u20AC\uD83D\uDE00x\ud83d\ude00"`,
  '"é€😀 ünïcödé 𝄞"',
  '"Zm9v\nYmFy\r\n\tYg=="',
  String.raw`"lone \uD800 high, lone \uDC00 low, end \uDBFF"`,
  String.raw`"\uD83D\uDE00\uD83D\uDE00\uD83D"`,
  String.raw`"é\u00e9é\n😀\"😀"`,
];

describe('readStringPieces: JSON text strings', () => {
  for (const text of TEXTS) {
    it(`${JSON.stringify(text).slice(0, 50)} fed in every way equals the whole-text decoder`, async () => {
      const bytes = utf8(text);
      const want = decodeJson(text);
      const wantWellFormed = !LONE_SURROGATE.test(want as string);
      for (const [how, feed] of feeds(bytes)) {
        const got = await collect(new JsonBStreamReader(feed()).readStringPieces());
        expect(got.join(''), how).toBe(want);
        expect(got.every((p) => p.length > 0), how).toBe(true);
        // A surrogate pair is never split between pieces.
        if (wantWellFormed) expect(got.some((p) => LONE_SURROGATE.test(p)), how).toBe(false);
        // The same as what readValue returns.
        expect(await new JsonBStreamReader(feed()).readValue(), how).toBe(want);
      }
    });
  }

  it('a piece is at most what arrived (plus a held-back high surrogate)', async () => {
    const text = '"' + 'abc\\u00e9\\n'.repeat(500) + '\\uD83D\\uDE00'.repeat(50) + '"';
    for (const size of [1, 5, 7, 64]) {
      const got = await collect(new JsonBStreamReader(pieces(utf8(text), size)).readStringPieces());
      expect(got.join('')).toBe(JSON.parse(text));
      expect(Math.max(...got.map((p) => p.length))).toBeLessThanOrEqual(size + 1);
    }
  });

  it('the reader continues normally after the string (separators, values, brackets)', async () => {
    const text = ' [ "ab\\ncd" , "" ,"x\\u0041", {"k": "v"}, "last"] ';
    for (const [how, feed] of feeds(utf8(text))) {
      const r = new JsonBStreamReader(feed());
      await r.expect('array-start');
      expect((await collect(r.readStringPieces())).join(''), how).toBe('ab\ncd');
      expect(await collect(r.readStringPieces()), how).toEqual([]);
      expect((await collect(r.readStringPieces())).join(''), how).toBe('xA');
      expect(await r.readValue(), how).toStrictEqual({ k: 'v' });
      expect((await collect(r.readStringPieces())).join(''), how).toBe('last');
      await r.expect('array-end');
      await r.expectEnd();
    }
  });

  it('rejects bad escapes, raw control characters and invalid UTF-8 with MALFORMED', async () => {
    const bad: Uint8Array[] = [
      utf8('"a\\x"'), utf8('"\\u12G4"'), utf8('"\\u00"'), utf8('"\\ "'), utf8('"a\u0001b"'), utf8('"\u0000"'),
      utf8('"\u001f"'), utf8('"\u000b"'), utf8('"\u000c"'),
      fromHex('22 ff 22'), fromHex('22 c3 22'), fromHex('22 e2 82 5c 6e ac 22'), fromHex('22 ed a0 80 22'),
      fromHex('22 f0 9f 98 22'), utf8('"\\u00eZ"'),
    ];
    for (const b of bad) {
      for (const [how, feed] of feeds(b)) {
        expect(await code(() => collect(new JsonBStreamReader(feed()).readStringPieces())), `${[...b]} ${how}`).toBe('MALFORMED');
      }
    }
  });

  it('input ending inside the string is TRUNCATED', async () => {
    for (const text of ['"', '"abc', '"ab\\', '"\\u00', '"\\uD83D', '"\\uD83D\\uDE0', '"é'.slice(0, 2)]) {
      for (const [how, feed] of feeds(utf8(text))) {
        expect(await code(() => collect(new JsonBStreamReader(feed()).readStringPieces())), `${text} ${how}`).toBe('TRUNCATED');
      }
    }
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('22 c3'), 1)).readStringPieces()))).toBe('TRUNCATED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(new Uint8Array(0), 1)).readStringPieces()))).toBe('TRUNCATED');
  });

  it('other items are MALFORMED, and strict mode refuses JSON text', async () => {
    for (const t of ['12', 'true', 'null', '[]', '{}']) {
      expect(await code(() => collect(new JsonBStreamReader(pieces(utf8(t), 1)).readStringPieces())), t).toBe('MALFORMED');
    }
    expect(await code(() => collect(new JsonBStreamReader(pieces(encodeJsonB(new Uint8Array(3)), 1)).readStringPieces()))).toBe('MALFORMED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(utf8('"a"'), 1), { strict: true }).readStringPieces()))).toBe('MALFORMED');
  });
});

describe('readStringPieces: JSON-B strings', () => {
  it('fixed and chunked strings, UTF-8 split across chunks and source pieces', async () => {
    const s = 'ab€😀 é'.repeat(40);
    const u = utf8(s);
    // Chunk boundaries inside multi-byte sequences: chunks of 1..5 bytes.
    const parts: Uint8Array[] = [];
    const sizes = randomSizes(3, 5);
    let p = 0;
    while (p < u.length) {
      const n = Math.min(sizes(), u.length - p);
      parts.push(stringChunkHeader(n, false), u.subarray(p, p + n));
      p += n;
    }
    parts.push(stringChunkHeader(0, true));
    const chunked = concatBytes(...parts);
    for (const bytes of [encodeJsonB(s), chunked, concatBytes(stringChunkHeader(u.length - 1, false), u.subarray(0, -1), stringChunkHeader(1, true), u.subarray(-1))]) {
      for (const [how, feed] of feeds(bytes)) {
        const got = await collect(new JsonBStreamReader(feed()).readStringPieces());
        expect(got.join(''), how).toBe(s);
        expect(got.some((x) => x.length === 0 || LONE_SURROGATE.test(x)), how).toBe(false);
      }
    }
    const strict = new JsonBStreamReader(pieces(encodeJsonB(s), 1), { strict: true });
    expect((await collect(strict.readStringPieces())).join('')).toBe(s);
    expect(await code(() => collect(new JsonBStreamReader(pieces(chunked, 1), { strict: true }).readStringPieces()))).toBe('MALFORMED');
  });

  it('invalid or unfinished UTF-8, a non-string chunk and truncation', async () => {
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('80 02 c3 28'), 1)).readStringPieces()))).toBe('MALFORMED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('84 01 c3 80 00'), 1)).readStringPieces()))).toBe('MALFORMED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('84 01 61 88 01 62'), 1)).readStringPieces()))).toBe('MALFORMED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('80 03 61 62'), 1)).readStringPieces()))).toBe('TRUNCATED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(fromHex('84 01 61'), 1)).readStringPieces()))).toBe('TRUNCATED');
  });
});

describe('readBinaryOrBase64', () => {
  const data = new Uint8Array(1000).map((_, i) => (i * 37 + 5) & 0xff);
  const b64 = base64urlEncode(data);

  it('decodes a JSON text string with line breaks and padding, and streams JSON-B binary', async () => {
    const broken = b64.replace(/.{1,76}/g, '$&\r\n');
    const jsonBChunked = concatBytes(binaryChunkHeader(600, false), data.subarray(0, 600), binaryChunkHeader(400, true), data.subarray(600));
    for (const bytes of [utf8(`"${b64}"`), utf8(`"${broken}"`), utf8(`  "${b64}=="`), encodeJsonB(data), jsonBChunked]) {
      for (const [how, feed] of feeds(bytes)) {
        const got = await collect(new JsonBStreamReader(feed()).readBinaryOrBase64());
        expect(equalBytes(concatBytes(...got), data), how).toBe(true);
        expect(got.every((p) => p.length > 0), how).toBe(true);
      }
    }
  });

  it('bad base64url is MALFORMED, an unterminated string TRUNCATED, another item MALFORMED', async () => {
    for (const t of ['"ab+c"', '"abcde"', '"Zg=g"', '"Zm\\u00e9"', '"Zm9v\u0001"']) {
      expect(await code(() => collect(new JsonBStreamReader(pieces(utf8(t), 1)).readBinaryOrBase64())), t).toBe('MALFORMED');
    }
    expect(await code(() => collect(new JsonBStreamReader(pieces(utf8('"Zm9v'), 1)).readBinaryOrBase64()))).toBe('TRUNCATED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(utf8('"Zm9v"'), 1)).readBinaryOrBase64()))).toBe('OK');
    expect(await code(() => collect(new JsonBStreamReader(pieces(encodeJsonB('Zm9v'), 1)).readBinaryOrBase64()))).toBe('MALFORMED');
    expect(await code(() => collect(new JsonBStreamReader(pieces(utf8('{}'), 1)).readBinaryOrBase64()))).toBe('MALFORMED');
  });

  it('a 32 MiB base64url string streams in small pieces, never held', async () => {
    const blockBytes = 48 * 1024;
    const block = new Uint8Array(blockBytes).map((_, i) => (Math.imul(i, 2654435761) >>> 24) ^ i);
    const blockText = utf8(base64urlEncode(block)); // 64 KiB of text
    const blocks = 512; // 32 MiB of base64url text
    let produced = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield utf8('[{"enc":"none"}, "');
      for (let i = 0; i < blocks; i++) {
        produced++;
        // A line break every block, split so that source pieces do not align with 4-character groups.
        yield blockText.subarray(0, 30001);
        yield concatBytes(blockText.subarray(30001), utf8('\n'));
      }
      yield utf8('"  ,{"digest":"x"}]');
    }
    const r = new JsonBStreamReader(source(), { maxItemBytes: 1024 });
    await r.expect('array-start');
    expect(await r.readValue()).toStrictEqual({ enc: 'none' });
    expect(await r.peekKind()).toBe('text-string');
    let seen = 0;
    let largest = 0;
    let ok = true;
    let lagging = 0;
    for await (const p of r.readBinaryOrBase64()) {
      // Compare against the repeating block as we go; keep nothing.
      for (let i = 0; i < p.length; i += 997) if (p[i] !== block[(seen + i) % blockBytes]) ok = false;
      if (p[p.length - 1] !== block[(seen + p.length - 1) % blockBytes]) ok = false;
      seen += p.length;
      largest = Math.max(largest, p.length);
      // The reader pulls at most one source piece ahead of what it has yielded.
      lagging = Math.max(lagging, produced * blockBytes - seen);
    }
    expect(ok).toBe(true);
    expect(seen).toBe(blocks * blockBytes);
    expect(largest).toBeLessThanOrEqual(blockBytes);
    expect(lagging).toBeLessThanOrEqual(blockBytes);
    expect(await r.readValue()).toStrictEqual({ digest: 'x' });
    await r.expect('array-end');
    await r.expectEnd();
  }, 60_000);
});

describe('walking an envelope-like structure', () => {
  const payload = new Uint8Array(40).map((_, i) => i * 7);
  const b64 = base64urlEncode(payload);
  const json = utf8(`{"DareEnvelope": [{"enc":"A256CBC","Salt":"AAEC"},\n"${b64.slice(0, 20)}\n${b64.slice(20)}",\n{"digest":"\\u0041x"}]}`);
  const jsonB = concatBytes(
    objectStart(), encodeJsonB('DareEnvelope'), arrayStart(), encodeJsonB({ enc: 'A256CBC', Salt: 'AAEC' }),
    binaryChunkHeader(25, false), payload.subarray(0, 25), binaryChunkHeader(15, true), payload.subarray(25),
    encodeJsonB({ digest: 'Ax' }), arrayEnd(), objectEnd(),
  );

  async function walk(feed: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const r = new JsonBStreamReader(feed);
    await r.expect('object-start');
    expect(await r.readKey()).toBe('DareEnvelope');
    await r.expect('array-start');
    expect(await r.readValue()).toStrictEqual({ enc: 'A256CBC', Salt: 'AAEC' });
    const body = concatBytes(...(await collect(r.readBinaryOrBase64())));
    expect(await r.readValue()).toStrictEqual({ digest: 'Ax' });
    await r.expect('array-end');
    await r.expect('object-end');
    await r.expectEnd();
    return body;
  }

  it('reads the JSON and the JSON-B form fed in every way', async () => {
    for (const bytes of [json, jsonB]) {
      for (const [how, feed] of feeds(bytes)) expect(equalBytes(await walk(feed()), payload), how).toBe(true);
    }
  });

  it('truncation at every offset is TRUNCATED', async () => {
    for (const bytes of [json, jsonB]) {
      for (let cut = 0; cut < bytes.length; cut++) {
        for (const size of [1, 4]) {
          expect(await code(() => walk(pieces(bytes.subarray(0, cut), size))), `cut ${cut} of ${bytes.length}`).toBe('TRUNCATED');
        }
      }
    }
  });

  it('readKey: a non-string key is MALFORMED; no colon is needed in JSON-B', async () => {
    const r = new JsonBStreamReader(pieces(utf8('{1: 2}'), 1));
    await r.expect('object-start');
    expect(await code(() => r.readKey())).toBe('MALFORMED');
    const s = new JsonBStreamReader(pieces(concatBytes(objectStart(), encodeJsonB('k'), encodeJsonB('v'), objectEnd()), 1), { strict: true });
    await s.expect('object-start');
    expect(await s.readKey()).toBe('k');
    expect((await collect(s.readStringPieces())).join('')).toBe('v');
    await s.expect('object-end');
  });

  it('peekKind does not buffer a long JSON text string; peekHead does', async () => {
    const long = utf8('"' + 'A'.repeat(5000) + '"');
    const r = new JsonBStreamReader(pieces(long, 100), { maxItemBytes: 100 });
    expect(await r.peekKind()).toBe('text-string');
    expect((await collect(r.readStringPieces())).join('')).toHaveLength(5000);
    expect(await code(() => new JsonBStreamReader(pieces(long, 100), { maxItemBytes: 100 }).peekHead())).toBe('LIMIT_EXCEEDED');
    expect(await new JsonBStreamReader(pieces(encodeJsonB(new Uint8Array(3)), 1)).peekKind()).toBe('binary');
    expect(await new JsonBStreamReader(pieces(utf8('  '), 1)).peekKind()).toBeUndefined();
  });
});
