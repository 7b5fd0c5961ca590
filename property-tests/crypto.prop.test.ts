/**
 * Property tests of the crypto core: the key combination law of
 * draft-hallambaker-mesh-cryptography-08 §4 (scalar and point addition agree, splits
 * sum back, partial agreements add up, combined scalars sign verifiably) and the
 * symmetric round trips (RFC 3394 wrap, streaming CBC at arbitrary chunk boundaries,
 * GCM) on both backends. Fixed seed; about 100 runs per property, 1000 with SLOW=1.
 * @module
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { concatBytes, toHex } from '../lib/internal/bytes.js';
import { BACKENDS } from '../lib/crypto/backend-select.js';
import {
  addPublicKeys, addScalars, combineAgreements, partialAgreement, scalarPublicKey, splitScalar,
} from '../lib/crypto/combine.js';
import type { CurveName } from '../lib/crypto/combine.js';
import { signWithScalar } from '../lib/crypto/combine-sign.js';
import { agreementPublicKey } from '../lib/crypto/agreement.js';
import { signaturePublicKey, verify } from '../lib/crypto/signature.js';
import { edwardsGroup } from '../lib/crypto/edwards.js';

const RUNS = process.env.SLOW === '1' ? 1000 : 100;
const SEED = 20210805;
const params = { numRuns: RUNS, seed: SEED };


const CURVES: CurveName[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];
const curveArb = fc.constantFrom(...CURVES);

/** A raw scalar in [1, L) of `curve`, derived from fast-check bytes (so runs replay). */
function scalarOf(curve: CurveName, seed: Uint8Array): Uint8Array {
  const g = edwardsGroup(curve);
  const s = (bytesToNumberLE(seed) % (g.L - 1n)) + 1n;
  return numberToBytesLE(s, g.scalarLength);
}
const seedArb = fc.uint8Array({ minLength: 64, maxLength: 64 });

/** An ephemeral public key of the kind the curve's senders use, from seed bytes. */
function ephemeralOf(curve: CurveName, seed: Uint8Array): Uint8Array {
  if (curve === 'X25519') return agreementPublicKey('X25519', seed.subarray(0, 32));
  if (curve === 'X448') return agreementPublicKey('X448', seed.subarray(0, 56));
  if (curve === 'Ed25519') return signaturePublicKey('Ed25519', seed.subarray(0, 32));
  return signaturePublicKey('Ed448', concatBytes(seed, seed).subarray(0, 57));
}

describe('key combination law (mesh-cryptography-08 §4)', () => {
  it('public key of (x + y) mod L = X + Y', () => {
    fc.assert(fc.property(curveArb, seedArb, seedArb, (curve, sx, sy) => {
      const x = scalarOf(curve, sx);
      const y = scalarOf(curve, sy);
      const g = edwardsGroup(curve);
      fc.pre((bytesToNumberLE(x) + bytesToNumberLE(y)) % g.L !== 0n);
      const z = addScalars(curve, [x, y]);
      expect(toHex(scalarPublicKey(curve, z))).toBe(
        toHex(addPublicKeys(curve, [scalarPublicKey(curve, x), scalarPublicKey(curve, y)])),
      );
    }), params);
  });

  it('split parts sum back to the key', () => {
    fc.assert(fc.property(curveArb, seedArb, fc.integer({ min: 2, max: 6 }), (curve, s, n) => {
      const key = scalarOf(curve, s);
      const parts = splitScalar(curve, key, n);
      expect(parts).toHaveLength(n);
      expect(toHex(addScalars(curve, parts))).toBe(toHex(key));
    }), params);
  });

  it('result combination: x·E + y·E = (x + y)·E', () => {
    fc.assert(fc.property(curveArb, seedArb, seedArb, seedArb, (curve, sx, sy, se) => {
      const x = scalarOf(curve, sx);
      const y = scalarOf(curve, sy);
      const g = edwardsGroup(curve);
      fc.pre((bytesToNumberLE(x) + bytesToNumberLE(y)) % g.L !== 0n);
      const E = ephemeralOf(curve, se);
      const sum = combineAgreements(curve, [partialAgreement(curve, x, E), partialAgreement(curve, y, E)]);
      const whole = combineAgreements(curve, [partialAgreement(curve, addScalars(curve, [x, y]), E)]);
      expect(toHex(sum)).toBe(toHex(whole));
    }), params);
  });

  it('a combined scalar signs verifiably under the combined public key', () => {
    const algs = fc.constantFrom('Ed25519', 'Ed25519ctx', 'Ed448') as fc.Arbitrary<'Ed25519' | 'Ed25519ctx' | 'Ed448'>;
    fc.assert(fc.property(algs, seedArb, seedArb, fc.uint8Array({ maxLength: 200 }), (alg, sx, sy, msg) => {
      const curve = alg === 'Ed448' ? 'Ed448' : 'Ed25519';
      const x = scalarOf(curve, sx);
      const y = scalarOf(curve, sy);
      const g = edwardsGroup(curve);
      fc.pre((bytesToNumberLE(x) + bytesToNumberLE(y)) % g.L !== 0n);
      const A = addPublicKeys(curve, [scalarPublicKey(curve, x), scalarPublicKey(curve, y)]);
      const sig = signWithScalar(alg, addScalars(curve, [x, y]), msg);
      expect(verify(alg, A, msg, sig)).toBe(true);
    }), params);
  });
});

describe.each(Object.entries(BACKENDS))('symmetric round trips [%s]', (_name, b) => {
  it('RFC 3394 unwrap(wrap(k)) = k, and the wrap equals the other backend\'s', () => {
    const keyData = fc.integer({ min: 2, max: 16 }).chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }));
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), keyData, (kek, k) => {
      const w = b.aesKeyWrap(kek, k);
      expect(toHex(b.aesKeyUnwrap(kek, w))).toBe(toHex(k));
      expect(toHex(w)).toBe(toHex(BACKENDS.noble.aesKeyWrap(kek, k)));
    }), params);
  });

  it('streaming CBC at arbitrary chunk boundaries equals one-shot, and decrypts back', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const iv = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const cuts = fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 8 });
    fc.assert(fc.property(key, iv, fc.uint8Array({ maxLength: 600 }), cuts, (k, v, pt, cs) => {
      const bounds = [...new Set(cs.map((c) => Math.min(c, pt.length)))].sort((p, q) => p - q);
      const split = (data: Uint8Array): Uint8Array[] => {
        const out: Uint8Array[] = [];
        let at = 0;
        for (const c of [...bounds.map((x) => Math.min(x, data.length)), data.length]) {
          out.push(data.subarray(at, Math.max(at, c)));
          at = Math.max(at, c);
        }
        return out;
      };
      const ct = b.aesCbcEncrypt(k, v, pt);
      const enc = b.createAesCbcEncryptor(k, v);
      expect(toHex(concatBytes(...split(pt).map((p) => enc.update(p)), enc.final()))).toBe(toHex(ct));
      const dec = b.createAesCbcDecryptor(k, v);
      expect(toHex(concatBytes(...split(ct).map((p) => dec.update(p)), dec.final()))).toBe(toHex(pt));
    }), params);
  });

  it('GCM decrypt(encrypt(m)) = m', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }),
      (k, n, pt, aad) => {
        const sealed = b.aesGcmEncrypt(k, n, pt, aad);
        expect(toHex(b.aesGcmDecrypt(k, n, sealed, aad))).toBe(toHex(pt));
      },
    ), params);
  });
});
