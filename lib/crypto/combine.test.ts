import { describe, expect, it } from 'vitest';
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { isDareError } from '../errors.js';
import { concatBytes, fromHex, toHex, utf8 } from '../internal/bytes.js';
import {
  acceptCoGeneration, addPublicKeys, addScalars, coGenerate, combineAgreements, montgomeryPublicKey,
  partialAgreement, privateKeyScalar, randomScalar, scalarPublicKey, splitScalar,
} from './combine.js';
import type { CurveName } from './combine.js';
import { deriveNoncePrefix, signWithScalar } from './combine-sign.js';
import type { ScalarSignatureAlgorithm } from './combine-sign.js';
import { agree, agreementPublicKey, edwardsAgreement, generateAgreementKeyPair } from './agreement.js';
import { generateSignatureKeyPair, signaturePublicKey, verify } from './signature.js';
import { invert as invMod, mod } from '@noble/curves/abstract/modular.js';
import { edwardsGroup } from './edwards.js';

function expectCode(f: () => unknown, code: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isDareError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

/** A standard private key of the curve and its standard public key. */
function standardKey(curve: CurveName): { privateKey: Uint8Array; publicKey: Uint8Array } {
  return curve === 'X25519' || curve === 'X448' ? generateAgreementKeyPair(curve) : generateSignatureKeyPair(curve);
}

/** The whole-key agreement a sender (or the unsplit key) computes. */
function wholeAgreement(curve: CurveName, privateKey: Uint8Array, ephemeral: Uint8Array): Uint8Array {
  return curve === 'X25519' || curve === 'X448'
    ? agree(curve, privateKey, ephemeral)
    : edwardsAgreement(curve, privateKey, ephemeral);
}

const CURVES: CurveName[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];

describe.each(CURVES)('%s key combination', (curve) => {
  it('the sum of the partial agreements of split parts equals the whole-key agreement', () => {
    for (const n of [2, 3, 5]) {
      const key = standardKey(curve);
      const parts = splitScalar(curve, privateKeyScalar(curve, key.privateKey), n);
      expect(parts).toHaveLength(n);
      expect(toHex(addScalars(curve, parts))).toBe(toHex(privateKeyScalar(curve, key.privateKey)));
      const eph = standardKey(curve).publicKey;
      const partials = parts.map((s) => partialAgreement(curve, s, eph));
      expect(toHex(combineAgreements(curve, partials))).toBe(toHex(wholeAgreement(curve, key.privateKey, eph)));
      // A missing part gives something else.
      expect(toHex(combineAgreements(curve, partials.slice(1)))).not.toBe(toHex(wholeAgreement(curve, key.privateKey, eph)));
    }
  });

  it('the Edwards public key of a standard key matches its RFC 7748 / RFC 8032 public key', () => {
    const key = standardKey(curve);
    const D = scalarPublicKey(curve, privateKeyScalar(curve, key.privateKey));
    if (curve === 'X25519' || curve === 'X448') {
      expect(toHex(montgomeryPublicKey(curve, D))).toBe(toHex(key.publicKey));
    } else {
      expect(toHex(D)).toBe(toHex(key.publicKey));
    }
  });

  it('co-generation: A = D + M is the public key of a = d + m, and a sender to A reaches the device', () => {
    const device = standardKey(curve);
    const d = privateKeyScalar(curve, device.privateKey);
    const D = scalarPublicKey(curve, d);
    const { contribution, publicKey: A } = coGenerate(curve, D);
    expect(toHex(A)).toBe(toHex(addPublicKeys(curve, [D, scalarPublicKey(curve, contribution)])));
    const a = acceptCoGeneration(curve, d, contribution, A);
    expect(toHex(scalarPublicKey(curve, a))).toBe(toHex(A));
    expect(toHex(a)).toBe(toHex(addScalars(curve, [d, contribution])));
    // The device, holding a alone, decrypts what a plain sender encrypted to A.
    if (curve === 'X25519' || curve === 'X448') {
      const eph = generateAgreementKeyPair(curve);
      const senderKa = agree(curve, eph.privateKey, montgomeryPublicKey(curve, A));
      expect(toHex(combineAgreements(curve, [partialAgreement(curve, a, eph.publicKey)]))).toBe(toHex(senderKa));
      // ...or with d and m kept apart (the result combination law).
      const apart = [partialAgreement(curve, d, eph.publicKey), partialAgreement(curve, contribution, eph.publicKey)];
      expect(toHex(combineAgreements(curve, apart))).toBe(toHex(senderKa));
    }
    // A wrong contribution is refused.
    expectCode(() => acceptCoGeneration(curve, d, randomScalar(curve), A), 'KEY_INVALID');
  });

  it('rejects bad scalars and points', () => {
    const g = edwardsGroup(curve);
    expectCode(() => scalarPublicKey(curve, new Uint8Array(g.scalarLength)), 'KEY_INVALID');
    expectCode(() => scalarPublicKey(curve, numberToBytesLE(g.L, g.scalarLength)), 'KEY_INVALID');
    expectCode(() => scalarPublicKey(curve, new Uint8Array(g.scalarLength + 1)), 'KEY_INVALID');
    const identity = g.Point.ZERO.toBytes();
    expectCode(() => addPublicKeys(curve, [identity]), 'KEY_INVALID');
    const P = scalarPublicKey(curve, randomScalar(curve));
    const minusP = g.Point.fromBytes(P).negate().toBytes();
    expectCode(() => addPublicKeys(curve, [P, minusP]), 'KEY_INVALID');
    expectCode(() => combineAgreements(curve, [P, minusP]), 'KEY_INVALID');
    // A point with a small-order component is not a valid contribution.
    const torsion = (curve.endsWith('25519') ? ed25519 : ed448).Point.fromHex(
      curve.endsWith('25519')
        ? 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa' // an order-8 point
        : 'fe' + 'ff'.repeat(27) + 'fe' + 'ff'.repeat(27) + '00', // (0, -1): order 2 on ed448 is y = -1
      false,
    );
    expectCode(() => addPublicKeys(curve, [g.Point.fromBytes(P).add(torsion).toBytes()]), 'KEY_INVALID');
  });
});

describe('low-order and off-curve ephemeral keys', () => {
  it('are refused by the partial agreement', () => {
    const s25519 = randomScalar('X25519');
    const s448 = randomScalar('X448');
    expectCode(() => partialAgreement('X25519', s25519, new Uint8Array(32)), 'KEY_INVALID'); // u = 0
    expectCode(() => partialAgreement('X25519', s25519, numberToBytesLE(1n, 32)), 'KEY_INVALID'); // u = 1
    expectCode(() => partialAgreement('X448', s448, new Uint8Array(56)), 'KEY_INVALID');
    expectCode(() => partialAgreement('X448', s448, numberToBytesLE(1n, 56)), 'KEY_INVALID');
    // u = 2 is on the twist of Curve25519 (2^3 + 486662·4 + 2 is a non-square).
    expectCode(() => partialAgreement('X25519', s25519, numberToBytesLE(2n, 32)), 'KEY_INVALID');
    expectCode(() => partialAgreement('Ed25519', s25519, ed25519.Point.ZERO.toBytes()), 'KEY_INVALID');
  });
});

describe('reference compatibility', () => {
  it('a split of Alice\'s key reproduces the printed DARE key agreement value (dare-12 §13.3)', () => {
    const b64 = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64url'));
    const alice = b64('y2kAJdaAR1hyqHOYlIsH4-pOqV7qJU1iFZ2ZNZ68j8M');
    const epk = b64('RGBacVLPZS881Ml2RMGAlUQ5iKX-C8X-7FDfrQTYL58');
    const parts = splitScalar('Ed25519', privateKeyScalar('Ed25519', alice), 3);
    const ka = combineAgreements('Ed25519', parts.map((s) => partialAgreement('Ed25519', s, epk)));
    expect(toHex(ka)).toBe(toHex(fromHex('B3021B8432D5AD645FB0BA0BC83C39BE06BA5E6774E8B65044300F553017981D')));
  });
});

/**
 * The key an attacker recovers from one signature, a = (S − r)·k⁻¹, assuming the nonce
 * r = H(dom ‖ prefix ‖ M) for each guessed prefix (an empty prefix is the reference's nonce).
 */
function recoveredScalars(
  alg: ScalarSignatureAlgorithm, pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, prefixes: Uint8Array[],
): bigint[] {
  const g = edwardsGroup(alg === 'Ed448' ? 'Ed448' : 'Ed25519');
  const n = alg === 'Ed448' ? 57 : 32;
  const dom = alg === 'Ed25519' ? new Uint8Array(0)
    : concatBytes(utf8(alg === 'Ed448' ? 'SigEd448' : 'SigEd25519 no Ed25519 collisions'), new Uint8Array([0, 0]));
  const H = (...p: Uint8Array[]): bigint =>
    mod(bytesToNumberLE(alg === 'Ed448' ? shake256(concatBytes(...p), { dkLen: 114 }) : sha512(concatBytes(...p))), g.L);
  const R = sig.subarray(0, n);
  const S = bytesToNumberLE(sig.subarray(n));
  const k = H(dom, R, pub, msg);
  return prefixes.map((p) => mod((S - H(dom, p, msg)) * invMod(k, g.L), g.L));
}

describe.each(['Ed25519', 'Ed25519ctx', 'Ed448'] as ScalarSignatureAlgorithm[])('%s signing with a combined scalar', (alg) => {
  const curve = alg === 'Ed448' ? 'Ed448' : 'Ed25519';

  it('verifies under the combined public key with the standard verifier', () => {
    const device = generateSignatureKeyPair(curve);
    const d = privateKeyScalar(curve, device.privateKey);
    const { contribution, publicKey: A } = coGenerate(curve, signaturePublicKey(curve, device.privateKey));
    const a = acceptCoGeneration(curve, d, contribution, A);
    for (const msg of [new Uint8Array(0), utf8('payload digest'), new Uint8Array(1000).fill(7)]) {
      const sig = signWithScalar(alg, a, msg);
      expect(verify(alg, A, msg, sig)).toBe(true);
      expect(verify(alg, signaturePublicKey(curve, device.privateKey), msg, sig)).toBe(false);
      // Deterministic, like RFC 8032.
      expect(toHex(signWithScalar(alg, a, msg))).toBe(toHex(sig));
    }
    if (alg !== 'Ed25519') {
      const ctx = utf8('ctx');
      expect(verify(alg, A, utf8('m'), signWithScalar(alg, a, utf8('m'), { context: ctx }), ctx)).toBe(true);
    }
  });

  it('uses a secret nonce prefix: neither the reference\'s public nonce nor a zero prefix reveals the key (CONFORMANCE 12)', () => {
    const a = randomScalar(curve);
    const A = scalarPublicKey(curve, a);
    const msg = utf8('one signature must not reveal the key');
    const sig = signWithScalar(alg, a, msg);
    const secret = bytesToNumberLE(a);
    const n = alg === 'Ed448' ? 57 : 32;
    for (const guess of recoveredScalars(alg, A, msg, sig, [new Uint8Array(0), new Uint8Array(n)])) {
      expect(guess).not.toBe(secret);
    }
    // Positive control: with the real prefix the same recovery does find the key.
    const prefix = deriveNoncePrefix(alg, a);
    expect(recoveredScalars(alg, A, msg, sig, [prefix])).toEqual([secret]);
    expect(prefix.some((b) => b !== 0)).toBe(true);
    expect(() => signWithScalar(alg, a, msg, { prefix: new Uint8Array(prefix.length) })).toThrow(RangeError);
    expect(() => signWithScalar(alg, a, msg, { prefix: prefix.subarray(1) })).toThrow(RangeError);
    expect(toHex(signWithScalar(alg, a, msg, { prefix }))).toBe(toHex(sig));
    // A different scalar gives a different prefix.
    expect(toHex(deriveNoncePrefix(alg, randomScalar(curve)))).not.toBe(toHex(prefix));
  });
});

describe('X25519 split keys interoperate with stock RFC 7748 senders', () => {
  it('a group key published as u(G) decrypts by parts', () => {
    const group = generateAgreementKeyPair('X25519');
    const G = scalarPublicKey('X25519', privateKeyScalar('X25519', group.privateKey));
    expect(toHex(montgomeryPublicKey('X25519', G))).toBe(toHex(agreementPublicKey('X25519', group.privateKey)));
    const [service, member] = splitScalar('X25519', privateKeyScalar('X25519', group.privateKey), 2) as [Uint8Array, Uint8Array];
    const eph = generateAgreementKeyPair('X25519');
    const ka = agree('X25519', eph.privateKey, group.publicKey);
    const parts = [partialAgreement('X25519', service, eph.publicKey), partialAgreement('X25519', member, eph.publicKey)];
    expect(toHex(combineAgreements('X25519', parts))).toBe(toHex(ka));
  });
});
