/**
 * The explicit limits of docs/LIMITS.md: hostile length fields, deep nesting, endless
 * chunk runs and oversized lists fail fast with LIMIT_EXCEEDED (or TRUNCATED), without
 * allocating what the input claims or looping without bound.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { DareError } from '../lib/errors.js';
import { decodeEnvelopeBytes, decodeKeyFile, encodeKeyFile, generateKeySet, parseUdf, MAX_UDF_CHARS, utf8 } from '../lib/index.js';
import { decodeJsonB } from '../lib/encoding/jsonb-reader.js';
import { decodeJsonBStream, JsonBStreamReader } from '../lib/encoding/jsonb-stream.js';
import { decodeJson } from '../lib/encoding/json.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB } from '../lib/encoding/jsonb-writer.js';
import { concatBytes } from '../lib/internal/bytes.js';
import { MAX_ANNOTATIONS, MAX_RECIPIENTS, MAX_SIGNATURES } from '../lib/envelope/schema.js';
import type { JsonValue } from '../lib/encoding/value.js';
import { collect, pieces } from './support.js';

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
}

/** Runs `f` and returns [result code, ms, bytes of ArrayBuffer + heap growth]. */
async function measure(f: () => unknown): Promise<[string, number, number]> {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const code = await codeOf(f);
  const m1 = process.memoryUsage();
  return [code, performance.now() - t0, m1.arrayBuffers + m1.heapUsed - m0.arrayBuffers - m0.heapUsed];
}

const MiB = 1 << 20;
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** A plaintext envelope (no digest) with the given header bytes and payload item bytes. */
const envelope = (header: Uint8Array, payload: Uint8Array) => concatBytes(arrayStart(), header, payload, arrayEnd());

describe('limits', () => {
  it('nesting: 64 levels of JSON-B, JSON-B streams and JSON text are read, 65 are LIMIT_EXCEEDED', async () => {
    const nest = (n: number) => utf8('['.repeat(n) + ']'.repeat(n));
    expect(await codeOf(() => decodeJsonB(nest(64)))).toBe('ok');
    expect(await codeOf(() => decodeJsonB(nest(65)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonB(nest(1_000_000)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonBStream(pieces(nest(65), [7])))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJson('['.repeat(64) + ']'.repeat(64)))).toBe('ok');
    expect(await codeOf(() => decodeJson('['.repeat(100_000)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(envelope(nest(200), binaryChunkHeader(0, true))))).toBe('LIMIT_EXCEEDED');
  });

  it('hostile length fields: nothing is allocated for bytes that are not there', async () => {
    const claims = ['8B ffffffffffffffff', '8B 001fffffffffffff', '8A 7fffffff', '8A ffffffff', '89 ffff', '83 ffffffffffffffff', 'A7 ffff'];
    for (const c of claims) {
      const b = concatBytes(hex(c), new Uint8Array(10));
      const [mem, , grown] = await measure(() => decodeJsonB(b));
      expect(['TRUNCATED', 'LIMIT_EXCEEDED'], c).toContain(mem);
      expect(grown, c).toBeLessThan(8 * MiB);
      // Streams refuse an item over 16 MiB from its length field alone, before buffering.
      const [str, ms, g2] = await measure(() => decodeJsonBStream(pieces(b, [3])));
      expect(['LIMIT_EXCEEDED', 'TRUNCATED'], c).toContain(str);
      expect(ms).toBeLessThan(1000);
      expect(g2).toBeLessThan(8 * MiB);
    }
    expect(await codeOf(() => decodeJsonBStream(pieces(hex('8A 01000001'), [5])))).toBe('LIMIT_EXCEEDED');
    // In the envelope header (read as a value) and as a payload (streamed: TRUNCATED at the end).
    expect(await codeOf(() => decodeEnvelopeBytes(concatBytes(arrayStart(), hex('8A 7fffffff 00'))))).toBe('LIMIT_EXCEEDED');
    const [pay, , g3] = await measure(() => decodeEnvelopeBytes(concatBytes(arrayStart(), encodeJsonB({}), hex('8B 00000000ffffffff'), new Uint8Array(1000))));
    expect(pay).toBe('TRUNCATED');
    expect(g3).toBeLessThan(8 * MiB);
  });

  it('chunk runs: 65536 chunks per value item; a payload of a million empty chunks streams in constant memory', async () => {
    const chunks = (n: number) => {
      const b = new Uint8Array(2 * n + 2);
      for (let i = 0; i < n; i++) b[2 * i] = 0x8c;
      b[2 * n] = 0x88;
      return b;
    };
    expect(await codeOf(() => decodeJsonB(chunks(65535)))).toBe('ok');
    expect(await codeOf(() => decodeJsonB(chunks(65536)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonBStream(pieces(chunks(70000), [4096])))).toBe('LIMIT_EXCEEDED');
    const run = envelope(encodeJsonB({}), chunks(1_000_000));
    const [code, ms, grown] = await measure(async () => {
      const d = await decodeEnvelopeBytes(run);
      expect(d.payload.length).toBe(0);
    });
    expect(code).toBe('ok');
    expect(ms).toBeLessThan(10_000);
    expect(grown).toBeLessThan(64 * MiB);
  });

  it('stream byte limits: 16 MiB per item and 64 MiB per value by default, checked from the length field', async () => {
    expect(await codeOf(() => decodeJsonBStream(pieces(concatBytes(hex('8A 01000000'), new Uint8Array(16 * MiB)), [MiB])))).toBe('ok');
    const r = new JsonBStreamReader(pieces(encodeJsonB(['a'.repeat(100), 'b'.repeat(100)]), [64]), { maxValueBytes: 150 });
    expect(await codeOf(() => r.readValue())).toBe('LIMIT_EXCEEDED');
    const t = new JsonBStreamReader(pieces(utf8('"' + 'x'.repeat(2000) + '"'), [64]), { maxItemBytes: 1000 });
    expect(await codeOf(() => t.readValue())).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => collect(new JsonBStreamReader(pieces(hex('8B 000000007fffffff'), [9])).readBinary()))).toBe('TRUNCATED');
    expect(await codeOf(() => collect(new JsonBStreamReader(pieces(hex('8B 7fffffffffffffff'), [9])).readBinary()))).toBe('LIMIT_EXCEEDED');
  });

  it('header lists: recipients, signatures and annotations have a maximum count', async () => {
    const wmk = new Uint8Array(40);
    const recipient = { kid: 'x', epk: { PublicKeyECDH: { crv: 'X25519', Public: new Uint8Array(32).fill(9) } }, wmk };
    const header = (h: { [k: string]: JsonValue }) => envelope(encodeJsonB(h), binaryChunkHeader(16, true));
    const base = { enc: 'A256CBC', Salt: new Uint8Array(16) };
    const keys = [{ crv: 'X25519' as const, privateKey: generateKeySet().encryption.privateKey }];
    expect(await codeOf(() => decodeEnvelopeBytes(header({ ...base, recipients: Array(MAX_RECIPIENTS + 1).fill(recipient) }), { keys }))).toBe('LIMIT_EXCEEDED');
    // The maximum is affordable: every entry is tried with the key, and fails.
    const [code, ms] = await measure(() => decodeEnvelopeBytes(header({ ...base, recipients: Array(MAX_RECIPIENTS).fill(recipient) }), { keys }));
    expect(code).toBe('NO_MATCHING_KEY');
    expect(ms).toBeLessThan(10_000);
    const sig = { alg: 'S512', signature: new Uint8Array(64) };
    expect(await codeOf(() => decodeEnvelopeBytes(header({ signatures: Array(MAX_SIGNATURES + 1).fill(sig) })))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(header({ annotations: Array(MAX_ANNOTATIONS + 1).fill(new Uint8Array(4)) })))).toBe('LIMIT_EXCEEDED');
  }, 30_000);

  it('text limits: UDF presentations, JSON integer literals', async () => {
    expect(await codeOf(() => parseUdf('A'.repeat(MAX_UDF_CHARS * 2 + 1)))).toBe('UDF_INVALID');
    expect(await codeOf(() => decodeJson('1'.repeat(160_001)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(utf8(' '.repeat(100) + '[{},""]')))).toBe('MALFORMED');
  });

  it('scrypt parameters of a key file are capped before scrypt runs', async () => {
    const file = JSON.parse(await encodeKeyFile(generateKeySet(), 'pw', { N: 2, r: 1, p: 1 })) as { DareKeySetProtected: { kdf: Record<string, number> } };
    for (const [k, v] of [['N', 2 ** 21], ['r', 17], ['p', 5]] as const) {
      const f = structuredClone(file);
      f.DareKeySetProtected.kdf[k] = v;
      const [code, ms] = await measure(() => decodeKeyFile(JSON.stringify(f), async () => 'pw'));
      expect(code, k).toBe('LIMIT_EXCEEDED');
      expect(ms).toBeLessThan(1000);
    }
  });
});
