/**
 * Property tests of DARE envelopes (draft-hallambaker-mesh-dare-12 §3, §5;
 * docs/FORMAT.md): round trips in every mode, re-encoding between JSON and JSON-B,
 * streaming equivalence, tamper detection and truncation. Fixed seed; 60 to 200 runs per
 * property in `npm test` (fewer for the per-byte sweeps; most of the time is X448/Ed448 in
 * JavaScript), ten times more with SLOW=1.
 * @module
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEnvelopeBytes, decodeEnvelopeBytes } from '../lib/index.js';
import { DareError } from '../lib/errors.js';
import { type Case, type Outcome, SEED, caseArb, expectSame, normalMeta, pieces, reencode, runs, settle } from './support.js';

const encode = (c: Case): Promise<Uint8Array> => encodeEnvelopeBytes(c.payload, c.options);

/** True when a successful decode gave exactly what was encoded. */
function same(o: Outcome, c: Case): boolean {
  if (!o.ok) return false;
  try {
    expectSame(o, c);
    return true;
  } catch {
    return false;
  }
}

describe('envelope round trip', () => {
  it('decode(encode(x)) = x in every mode, encoding and payload length form', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), async (c) => {
      const bytes = await encode(c);
      const d = await decodeEnvelopeBytes(bytes, c.decode);
      expect(d.payload).toStrictEqual(c.payload);
      expect(normalMeta(d.info.contentMeta)).toStrictEqual(normalMeta(c.options.contentMeta));
      expect(d.info.annotations).toStrictEqual([...(c.options.annotations ?? [])]);
      const encrypted = c.mode === 'secret' || c.mode.startsWith('recipients');
      expect(d.info.encrypted).toBe(encrypted);
      expect(d.result.authenticated).toBe(encrypted);
      expect(d.result.digestChecked).toBe(c.mode !== 'plain');
      expect(d.result.signatures.filter((s) => s.status === 'valid' && s.trusted)).toHaveLength(c.options.signers?.length ?? 0);
    }), { seed: SEED, numRuns: runs(100) });
  });

  it('re-encoding between JSON and JSON-B keeps the payload, MAC and signatures valid', async () => {
    await fc.assert(fc.asyncProperty(caseArb(['signed', 'recipients+signed', 'secret', 'digest']), async (c) => {
      const bytes = await encode(c);
      const other = c.options.encoding === 'json' ? 'jsonb' : 'json';
      const moved = await reencode(bytes, other);
      const back = await reencode(moved, c.options.encoding ?? 'jsonb');
      expectSame(await settle(pieces(moved, [moved.length]), c.decode), c);
      expectSame(await settle(pieces(back, [back.length]), c.decode), c);
      // Known-length JSON-B and JSON are written canonically: the round trip is byte-exact.
      if (c.options.payloadLength !== undefined || c.options.encoding === 'json') expect(back).toStrictEqual(bytes);
    }), { seed: SEED + 1, numRuns: runs(60) });
  });

  it('whole buffer, one stream piece, 1-byte pieces and random pieces decode the same', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }), async (c, sizes) => {
      const bytes = await encode(c);
      const whole = await decodeEnvelopeBytes(bytes, c.decode);
      for (const split of [[bytes.length], [], sizes]) {
        const o = await settle(pieces(bytes, split), c.decode);
        expectSame(o, c);
        if (o.ok) expect(o.payload).toStrictEqual(whole.payload);
      }
    }), { seed: SEED + 2, numRuns: runs(60) });
  });
});

/** Flips bit `bit` of byte `at`, or replaces the byte by `value` when a value is given. */
function mutate(b: Uint8Array, at: number, bit: number, value?: number): Uint8Array {
  const m = b.slice();
  m[at] = value === undefined ? (m[at] as number) ^ (1 << bit) : value;
  return m;
}

describe('tamper and truncation', () => {
  /*
   * An authenticated envelope (encrypted: PayloadMac; signed: a trusted signature over the
   * digest) that was modified either fails with a DareError, or decodes to exactly what was
   * encoded: a few header bytes are not authenticated by the format and not used for
   * anything but hints (recipient kid, master key kid with recipients, the unused low bits
   * of the last base64url character). A DareError is raised by the payload generator, never
   * after it ended normally.
   */
  it('any single-bit flip or byte substitution is detected or harmless (decode and verify)', async () => {
    const mutation = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }));
    await fc.assert(fc.asyncProperty(caseArb(['secret', 'recipients', 'recipients+signed']), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (c, ms) => {
      const bytes = await encode(c);
      const carried = await settle(pieces(bytes, [bytes.length]), { ...c.decode, decrypt: false });
      if (!carried.ok) throw carried.error;
      for (const [n, bit, value] of ms) {
        const at = n % bytes.length;
        if (value === bytes[at]) continue;
        const bad = mutate(bytes, at, bit, value);
        const o = await settle(pieces(bad, [97]), c.decode);
        if (o.ok) expect(same(o, c), `mutation at ${at} of ${bytes.length} decoded to other data`).toBe(true);
        // verify (no decryption: digest and signatures only) must not accept a changed payload either.
        const v = await settle(pieces(bad, [bad.length]), { ...c.decode, decrypt: false });
        if (v.ok) expect(v.payload).toStrictEqual(carried.payload);
      }
    }), { seed: SEED + 3, numRuns: runs(120) });
  });

  it('bit flips in the second half of a small encrypted envelope (payload, trailer) are detected', async () => {
    await fc.assert(fc.asyncProperty(caseArb(['secret', 'recipients+signed']), fc.nat(), async (c0, start) => {
      const payload = c0.payload.subarray(0, 40);
      const c: Case = { ...c0, payload, options: { ...c0.options, payloadLength: c0.options.payloadLength === undefined ? undefined : payload.length } };
      const bytes = await encode(c);
      const half = Math.floor(bytes.length / 2);
      const step = Math.max(1, Math.ceil(half / 60));
      for (let at = half + (start % step); at < bytes.length; at += step) {
        const o = await settle(pieces(mutate(bytes, at, at % 8), [bytes.length]), c.decode);
        if (o.ok) expect(same(o, c), `flip at ${at} of ${bytes.length}`).toBe(true);
      }
    }), { seed: SEED + 4, numRuns: runs(8) });
  });

  it('a signed plaintext envelope detects every change of its payload', async () => {
    await fc.assert(fc.asyncProperty(caseArb(['signed']), fc.nat(), fc.integer({ min: 1, max: 255 }), async (c, n, x) => {
      const bytes = await encode(c);
      const at = n % bytes.length;
      const o = await settle(pieces(mutate(bytes, at, 0, (bytes[at] as number) ^ x)), c.decode);
      if (o.ok) expect(o.payload).toStrictEqual(c.payload);
    }), { seed: SEED + 5, numRuns: runs(300) });
  });

  it('truncation at any offset is a typed error, never a value', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), async (c, cuts) => {
      const bytes = await encode(c);
      for (const n of [0, 1, bytes.length - 1, ...cuts]) {
        const at = n % bytes.length;
        const o = await settle(pieces(bytes.subarray(0, at), [7]), c.decode);
        expect(o.ok, `cut at ${at} of ${bytes.length} decoded`).toBe(false);
        if (!o.ok) expect(['TRUNCATED', 'MALFORMED']).toContain(o.error.code);
      }
    }), { seed: SEED + 6, numRuns: runs(120) });
  });

  it('appended bytes are TRAILING_DATA (or MALFORMED), never ignored', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (c, extra) => {
      const bytes = await encode(c);
      const o = await settle(pieces(Uint8Array.from([...bytes, ...extra]), [64]), c.decode);
      // Whitespace after the envelope is allowed (JSON text may end with a newline).
      if (extra.every((x) => x === 0x20 || x === 0x0a || x === 0x0d || x === 0x09)) expectSame(o, c);
      else {
        expect(o.ok).toBe(false);
        if (!o.ok) expect(o.error).toBeInstanceOf(DareError);
      }
    }), { seed: SEED + 7, numRuns: runs(200) });
  });
});
