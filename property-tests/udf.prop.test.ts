/**
 * Property tests of the UDF module (draft-hallambaker-mesh-udf-13 §3.1, §4.5): parsing
 * arbitrary strings, presentation round trips, and Shamir split/recover. Fixed seed;
 * about 200 runs per property, 2000 with SLOW=1.
 * @module
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDareError } from '../lib/errors.js';
import {
  contentDigest, formatUdf, normalizeUdf, parseUdf, recoverSecret, splitSecret, udfTypeCodes,
} from '../lib/udf/index.js';

const RUNS = process.env.SLOW === '1' ? 2000 : 200;
const SEED = 20210805;
const params = { numRuns: RUNS, seed: SEED };

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const noisyChar = fc.constantFrom(...(B32 + B32.toLowerCase() + '---018 _:é').split(''));
const codes = udfTypeCodes();

/** Re-cases, re-dashes and prefixes a presentation the ways a parser must accept. */
const disguise = (udf: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .record({ s: udf, lower: fc.boolean(), dashes: fc.constantFrom('none', 'four', 'five'), prefix: fc.boolean() })
    .map(({ s, lower, dashes, prefix }) => {
      let t = s.replace(/-/g, '');
      if (dashes !== 'none') t = (t.match(new RegExp(`.{1,${dashes === 'four' ? 4 : 5}}`, 'g')) ?? []).join('-');
      if (lower) t = t.toLowerCase();
      return (prefix ? 'udf:' : '') + t;
    });

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });

/** Well-formed presentations of every kind (digests and secrets at random precisions). */
const validUdf = fc.oneof(
  fc.tuple(fc.constantFrom(80, 81, 82, 83, 84, 96, 97, 98, 99, 100), bytes(64, 64), fc.integer({ min: 20, max: 104 }))
    .map(([t, b, c]) => formatUdf(Uint8Array.of(t, ...b), c * 5)),
  fc.tuple(fc.constantFrom(0, 1), bytes(63, 63), fc.integer({ min: 20, max: 102 }))
    .map(([t, b, c]) => formatUdf(Uint8Array.of(t, ...b), c * 5)),
  bytes(1, 64).map((b) => formatUdf(Uint8Array.of(104, ...b))),
  fc.tuple(fc.constantFrom(32, 33), bytes(16, 64), fc.nat())
    .map(([t, b, c]) => formatUdf(Uint8Array.of(t, ...b), 136 + (c % ((b.length + 1) * 8 - 135)))),
  fc.tuple(fc.integer({ min: 2, max: 15 }), fc.integer({ min: 0, max: 15 }), bytes(1, 64))
    .map(([k, x, b]) => formatUdf(Uint8Array.of(144, (k << 4) | x, ...b))),
  bytes(3, 66).map((b) => formatUdf(Uint8Array.of(200, ...b))),
  bytes(0, 100).map((b) => formatUdf(Uint8Array.of(112, 0x30, b.length, ...b))),
);

/** A well-formed presentation with one character replaced. */
const mutated = fc.tuple(validUdf, fc.nat(), noisyChar).map(([s, i, c]) => {
  const at = i % s.length;
  return s.slice(0, at) + c + s.slice(at + 1);
});

/** Arbitrary binary values with an assigned type, cut anywhere. */
const nearUdf = fc
  .record({ type: fc.constantFrom(...codes), body: bytes(0, 70), chars: fc.integer({ min: 1, max: 120 }) })
  .map(({ type, body, chars }) => {
    const bin = Uint8Array.of(type, ...body);
    return formatUdf(bin, Math.min(chars * 5, bin.length * 8));
  });

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: noisyChar, maxLength: 120 }),
  fc.tuple(fc.constantFrom('', 'udf:', 'UDF:', 'udf://'), fc.string({ unit: noisyChar, maxLength: 110 })).map(([p, s]) => p + s),
  disguise(nearUdf),
  disguise(validUdf),
  disguise(mutated),
);

describe('udf presentation properties', () => {
  it('every well-formed presentation parses, however it is cased and dashed', () => {
    fc.assert(
      fc.property(validUdf, disguise(validUdf), (s, t) => {
        expect(parseUdf(s).text).toBe(s);
        expect(parseUdf(t).text).toBe(normalizeUdf(t));
      }),
      params,
    );
  });

  it('any string either parses to a UDF that re-presents to its normalized form, or fails with DareError', () => {
    let parsed = 0;
    fc.assert(
      fc.property(anyString, (s) => {
        let udf;
        try {
          udf = parseUdf(s);
        } catch (e) {
          if (!isDareError(e)) throw e;
          return;
        }
        parsed++;
        expect(udf.text).toBe(normalizeUdf(s));
        expect(formatUdf(udf.binary, udf.bits)).toBe(udf.text);
        expect(parseUdf(udf.text)).toEqual(udf);
        expect(udf.info.code).toBe(udf.type);
      }),
      params,
    );
    expect(parsed).toBeGreaterThan(RUNS / 5);
  });

  it('a content digest at lower precision is a prefix of one at higher precision', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 20 }), fc.constantFrom('sha2', 'sha3'),
        fc.integer({ min: 5, max: 22 }), fc.integer({ min: 5, max: 22 }),
        (data, cty, alg, i, j) => {
          const [lo, hi] = [Math.min(i, j) * 20, Math.max(i, j) * 20];
          const a = contentDigest(data, cty, { alg: alg as 'sha2' | 'sha3', bits: lo });
          const b = contentDigest(data, cty, { alg: alg as 'sha2' | 'sha3', bits: hi });
          expect(b.startsWith(a)).toBe(true);
          expect(a.replace(/-/g, '')).toHaveLength(lo / 5);
        },
      ),
      params,
    );
  });
});

/** A secret, quorum k, share count n, a subset of at least k indices and one of k - 1. */
const sharing = fc
  .record({ secret: fc.uint8Array({ minLength: 1, maxLength: 64 }), k: fc.integer({ min: 2, max: 15 }) })
  .chain(({ secret, k }) =>
    fc.integer({ min: k, max: 15 }).chain((n) => {
      const idx = Array.from({ length: n }, (_, i) => i);
      return fc.record({
        secret: fc.constant(secret),
        k: fc.constant(k),
        n: fc.constant(n),
        enough: fc.shuffledSubarray(idx, { minLength: k, maxLength: n }),
        fewer: fc.shuffledSubarray(idx, { minLength: k - 1, maxLength: k - 1 }),
        dup: fc.nat(),
        lower: fc.boolean(),
      });
    }),
  );

describe('shamir properties', () => {
  it('any quorum of shares recovers the secret; any quorum - 1 shares fail with QUORUM_NOT_MET', () => {
    fc.assert(
      fc.property(sharing, ({ secret, k, n, enough, fewer, dup, lower }) => {
        const shares = splitSecret(secret, n, k);
        expect(shares).toHaveLength(n);
        const pick = (ix: number[]): string[] => ix.map((i) => {
          const s = shares[i] as string;
          return lower ? s.toLowerCase().replace(/-/g, '') : s;
        });
        expect(recoverSecret(pick(enough))).toEqual(secret);
        const few = pick(fewer);
        // Copies of a share do not count twice.
        const padded = [...few, few[dup % few.length] as string];
        for (const attempt of [few, padded]) {
          let code: string | undefined;
          try {
            recoverSecret(attempt);
          } catch (e) {
            code = isDareError(e) ? e.code : String(e);
          }
          expect(code).toBe('QUORUM_NOT_MET');
        }
      }),
      params,
    );
  });
});
