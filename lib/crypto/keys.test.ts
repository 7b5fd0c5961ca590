import { hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { isDareError } from '../errors.js';
import { toHex, utf8 } from '../internal/bytes.js';
import { agree, agreementPublicKey, edwardsAgreement, generateAgreementKeyPair } from './agreement.js';
import { generateSignatureKeyPair, sign, signaturePublicKey, verify } from './signature.js';
import { hkdf, hkdfExpand, hkdfExtract } from './kdf.js';
import { setBackend } from './backend-select.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDareError(e) ? e.code : `not a DareError: ${String(e)}`;
  }
  return undefined;
}

/** Runs `f` with the named backend as the default (X25519 is native on 'node', noble on 'noble'). */
function withBackend<T>(name: 'node' | 'noble', f: () => T): T {
  const previous = setBackend(name);
  try {
    return f();
  } finally {
    setBackend(previous);
  }
}

describe('X25519 / X448 agreement', () => {
  it.each(['node', 'noble'] as const)('both sides agree, and low-order or malformed peer keys are KEY_INVALID (%s backend)', (backend) => withBackend(backend, () => {
    for (const curve of ['X25519', 'X448'] as const) {
      const a = generateAgreementKeyPair(curve);
      const b = generateAgreementKeyPair(curve);
      expect(toHex(agreementPublicKey(curve, a.privateKey))).toBe(toHex(a.publicKey));
      expect(toHex(agree(curve, a.privateKey, b.publicKey))).toBe(toHex(agree(curve, b.privateKey, a.publicKey)));
      const n = a.publicKey.length;
      expect(code(() => agree(curve, a.privateKey, new Uint8Array(n)))).toBe('KEY_INVALID'); // u = 0
      const one = new Uint8Array(n);
      one[0] = 1;
      expect(code(() => agree(curve, a.privateKey, one))).toBe('KEY_INVALID'); // u = 1
      expect(code(() => agree(curve, a.privateKey, b.publicKey.subarray(1)))).toBe('KEY_INVALID');
      expect(code(() => agree(curve, a.privateKey.subarray(1), b.publicKey))).toBe('KEY_INVALID');
    }
    expect(() => agree('P256' as 'X25519', new Uint8Array(32), new Uint8Array(32))).toThrow(TypeError);
  }));

  it('the native (OpenSSL) X25519 and Ed25519 public keys give noble\'s results, the u-coordinate\'s top bit and unclamped scalars included', () => {
    for (let i = 0; i < 50; i++) {
      const k = randomBytes(32);
      const u = randomBytes(32);
      if (i % 2) u[31] = (u[31] as number) | 0x80; // RFC 7748 §5: the top bit is masked
      const pub = (name: 'node' | 'noble') => withBackend(name, () => toHex(agreementPublicKey('X25519', k)));
      const shared = (name: 'node' | 'noble') => withBackend(name, () => code(() => agree('X25519', k, u)) ?? toHex(agree('X25519', k, u)));
      expect(pub('node')).toBe(pub('noble'));
      expect(shared('node')).toBe(shared('noble'));
      for (const alg of ['Ed25519', 'Ed25519ctx'] as const) {
        expect(withBackend('node', () => toHex(signaturePublicKey(alg, k)))).toBe(withBackend('noble', () => toHex(signaturePublicKey(alg, k))));
      }
    }
  });
});

describe('Edwards agreement (reference "crv":"Ed25519")', () => {
  it('is symmetric, ignores small-order components of the peer key, refuses low-order peers', () => {
    for (const curve of ['Ed25519', 'Ed448'] as const) {
      const a = generateSignatureKeyPair(curve);
      const b = generateSignatureKeyPair(curve);
      expect(toHex(edwardsAgreement(curve, a.privateKey, b.publicKey))).toBe(toHex(edwardsAgreement(curve, b.privateKey, a.publicKey)));
    }
    const a = generateSignatureKeyPair('Ed25519');
    const b = generateSignatureKeyPair('Ed25519');
    const order8 = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa');
    const tainted = ed25519.Point.fromBytes(b.publicKey).add(order8).toBytes();
    expect(toHex(edwardsAgreement('Ed25519', a.privateKey, tainted))).toBe(toHex(edwardsAgreement('Ed25519', a.privateKey, b.publicKey)));
    expect(code(() => edwardsAgreement('Ed25519', a.privateKey, order8.toBytes()))).toBe('KEY_INVALID');
    expect(code(() => edwardsAgreement('Ed25519', a.privateKey, new Uint8Array(32).fill(0xff)))).toBe('KEY_INVALID');
  });
});

describe('signatures', () => {
  it('Ed25519, Ed25519ctx (empty context) and Ed448 are distinct and verify only themselves', () => {
    const k = generateSignatureKeyPair('Ed25519');
    const msg = utf8('m');
    const plain = sign('Ed25519', k.privateKey, msg);
    const ctx = sign('Ed25519ctx', k.privateKey, msg);
    expect(toHex(plain)).not.toBe(toHex(ctx));
    expect(verify('Ed25519', k.publicKey, msg, plain)).toBe(true);
    expect(verify('Ed25519ctx', k.publicKey, msg, ctx)).toBe(true);
    expect(verify('Ed25519ctx', k.publicKey, msg, ctx, new Uint8Array(0))).toBe(true);
    expect(verify('Ed25519ctx', k.publicKey, msg, plain)).toBe(false);
    expect(verify('Ed25519', k.publicKey, msg, ctx)).toBe(false);
    expect(verify('Ed25519ctx', k.publicKey, msg, ctx, utf8('x'))).toBe(false);
    expect(() => sign('Ed25519', k.privateKey, msg, utf8('x'))).toThrow(RangeError);
    expect(() => sign('Ed25519ctx', k.privateKey, msg, new Uint8Array(256))).toThrow(RangeError);
    const e = generateSignatureKeyPair('Ed448');
    expect(toHex(signaturePublicKey('Ed448', e.privateKey))).toBe(toHex(e.publicKey));
    expect(verify('Ed448', e.publicKey, msg, sign('Ed448', e.privateKey, msg))).toBe(true);
  });

  it('verify returns false for malformed keys and signatures', () => {
    const k = generateSignatureKeyPair('Ed25519');
    const sig = sign('Ed25519ctx', k.privateKey, utf8('m'));
    expect(verify('Ed25519ctx', k.publicKey.subarray(1), utf8('m'), sig)).toBe(false);
    expect(verify('Ed25519ctx', k.publicKey, utf8('m'), sig.subarray(1))).toBe(false);
    expect(verify('Ed25519ctx', new Uint8Array(32).fill(0xff), utf8('m'), sig)).toBe(false);
    expect(code(() => sign('Ed25519', new Uint8Array(31), utf8('m')))).toBe('KEY_INVALID');
  });
});

describe('HKDF', () => {
  it('equals node:crypto hkdf for SHA-256 and SHA-512', () => {
    for (const hash of ['sha256', 'sha512'] as const) {
      for (const len of [1, 32, 64, 100]) {
        const ikm = new Uint8Array(randomBytes(40));
        const salt = new Uint8Array(randomBytes(16));
        const info = utf8('master');
        const expected = new Uint8Array(hkdfSync(hash, ikm, salt, info, len));
        expect(toHex(hkdf(hash, ikm, salt, info, len))).toBe(toHex(expected));
        expect(toHex(hkdfExpand(hash, hkdfExtract(hash, ikm, salt), info, len))).toBe(toHex(expected));
        const noSalt = new Uint8Array(hkdfSync(hash, ikm, new Uint8Array(0), new Uint8Array(0), len));
        expect(toHex(hkdf(hash, ikm, undefined, undefined, len))).toBe(toHex(noSalt));
      }
    }
    expect(() => hkdf('sha512', new Uint8Array(1), undefined, undefined, 255 * 64 + 1)).toThrow(RangeError);
    expect(() => hkdf('sha1' as 'sha256', new Uint8Array(1), undefined, undefined, 1)).toThrow(TypeError);
    expect(() => hkdfExpand('sha512', new Uint8Array(32), undefined, 32)).toThrow(RangeError);
  });
});
