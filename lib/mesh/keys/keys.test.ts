import { describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { decodeEnvelopeBytes, encodeEnvelopeBytes, decodeJson, encodeJson, utf8, base64urlDecode, base64urlEncode } from '../../index.js';
import { errorCode } from '../../internal/error-code.test-util.js';
import {
  combinePrivateKeys, combinePublicKeys, keyUdf, montgomeryU, privateKeyFromScalar, privateKeyFromStandard,
  publicKeyOfScalar, samePublicKey, type MeshCurve, type MeshPrivateKey,
} from './mesh-key.js';
import { keyDataOf, privateKeyDataOf, privateKeyOfKeyData, publicKeyOfKeyData } from './key-data.js';
import { addPoints, checkPrimeOrder, decodeSigned, encodeSigned } from './montgomery.js';
import { localSigner, signWithKey, verifyWithKey } from './signer.js';
import { keyIdentity, localPart, splitIdentity } from './identity.js';
import { deriveMeshPrivateKey, generateMeshSeed, keyName, parseMeshSeed } from './seed.js';
import { decodeMeshObject, encodeMeshObject } from '../schema/index.js';

const CURVES: MeshCurve[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const standardLength = (c: MeshCurve) => (c === 'X448' ? 56 : c === 'Ed448' ? 57 : 32);
const fresh = (c: MeshCurve): MeshPrivateKey => privateKeyFromStandard(c, random(standardLength(c)));

describe('mesh keys: public keys of standard private keys', () => {
  it('X25519 / X448: the u of the signed form is the RFC 7748 public key, the last byte is 0x00 or 0x80', () => {
    for (let i = 0; i < 8; i++) {
      const a = random(32);
      const k = privateKeyFromStandard('X25519', a);
      expect(k.publicKey.public.length).toBe(33);
      expect(montgomeryU(k.publicKey)).toEqual(x25519.getPublicKey(a));
      expect([0x00, 0x80]).toContain(k.publicKey.public[32]);
      const b = random(56);
      const q = privateKeyFromStandard('X448', b);
      expect(q.publicKey.public.length).toBe(57);
      expect(montgomeryU(q.publicKey)).toEqual(x448.getPublicKey(b));
    }
  });

  it('Ed25519 / Ed448 RFC 8032 seeds: public keys and signatures as RFC 8032 computes them', () => {
    const ctx = utf8('mesh/test/v1');
    const m = utf8('message');
    const s1 = random(32);
    const k1 = privateKeyFromStandard('Ed25519', s1);
    expect(k1.publicKey.public).toEqual(ed25519.getPublicKey(s1));
    const s2 = random(57);
    const k2 = privateKeyFromStandard('Ed448', s2);
    expect(k2.publicKey.public).toEqual(ed448.getPublicKey(s2));
    expect(signWithKey(k2, m, ctx)).toEqual(ed448.sign(m, s2, { context: ctx }));
    expect(verifyWithKey(k1.publicKey, m, signWithKey(k1, m, ctx), ctx)).toBe(true);
    expect(verifyWithKey(k1.publicKey, m, signWithKey(k1, m, ctx), utf8('mesh/other/v1'))).toBe(false);
  });

  it('a 56-byte Ed448 key (as Mesh seeds derive) is SHAKE256-expanded and its signatures verify with RFC 8032', () => {
    const seed = random(56);
    const k = privateKeyFromStandard('Ed448', seed);
    const h = shake256(seed, { dkLen: 114 }).slice(0, 57);
    h[0] = (h[0] as number) & 0xfc;
    h[55] = (h[55] as number) | 0x80;
    h[56] = 0;
    expect(k.publicKey.public).toEqual(ed448.Point.BASE.multiply(bytesToNumberLE(h) % ed448.Point.Fn.ORDER).toBytes());
    const sig = signWithKey(k, utf8('m'), utf8('c'));
    expect(ed448.verify(sig, utf8('m'), k.publicKey.public, { context: utf8('c') })).toBe(true);
  });

  it('rejects private keys of the wrong length and scalars out of range', async () => {
    expect(await errorCode(() => privateKeyFromStandard('X448', random(57)))).toBe('KEY_INVALID');
    expect(await errorCode(() => privateKeyFromStandard('Ed448', random(55)))).toBe('KEY_INVALID');
    expect(await errorCode(() => privateKeyFromScalar('X25519', new Uint8Array(32)))).toBe('KEY_INVALID');
    expect(await errorCode(() => privateKeyFromScalar('X25519', new Uint8Array(32).fill(0xff)))).toBe('KEY_INVALID');
  });
});

describe('mesh keys: the key combination law (mesh-cryptography-08 §4)', () => {
  for (const crv of CURVES) {
    it(`${crv}: public(d) + public(m) = public(d + m mod L), for standard and raw keys`, () => {
      for (let i = 0; i < 4; i++) {
        const d = fresh(crv);
        const m = i % 2 ? fresh(crv) : privateKeyFromScalar(crv, privateKeyFromStandard(crv, random(standardLength(crv))).scalar);
        const sum = combinePublicKeys(crv, [d.publicKey, m.publicKey]);
        const a = combinePrivateKeys(crv, [d, m]);
        expect(a.form).toBe('scalar');
        expect(sum.public).toEqual(a.publicKey.public);
        expect(publicKeyOfScalar(crv, a.scalar).public).toEqual(sum.public);
      }
    });
  }

  it('a combined Ed25519/Ed448 key signs with a secret nonce prefix (not the reference\'s public nonce)', () => {
    for (const crv of ['Ed25519', 'Ed448'] as const) {
      const a = combinePrivateKeys(crv, [fresh(crv), fresh(crv)]);
      const msg = utf8('the key must not leak');
      const sig = signWithKey(a, msg, new Uint8Array(0));
      expect(verifyWithKey(a.publicKey, msg, sig, new Uint8Array(0))).toBe(true);
      // The reference signs combined keys with r = H(dom ‖ M): anyone can then solve S = r + k·a for a.
      const L = crv === 'Ed25519' ? ed25519.Point.Fn.ORDER : ed448.Point.Fn.ORDER;
      const n = crv === 'Ed25519' ? 32 : 57;
      const dom = crv === 'Ed25519' ? utf8('SigEd25519 no Ed25519 collisions\x00\x00') : utf8('SigEd448\x00\x00');
      const H = (b: Uint8Array) => (crv === 'Ed25519' ? sha512(b) : shake256(b, { dkLen: 114 }));
      const rPublic = bytesToNumberLE(H(new Uint8Array([...dom, ...msg]))) % L;
      const R = sig.slice(0, n);
      const S = bytesToNumberLE(sig.slice(n));
      const k = bytesToNumberLE(H(new Uint8Array([...dom, ...R, ...a.publicKey.public, ...msg]))) % L;
      const inv = (x: bigint) => {
        let [r, e, b] = [1n, L - 2n, x % L];
        for (; e > 0n; e >>= 1n, b = (b * b) % L) if (e & 1n) r = (r * b) % L;
        return r;
      };
      const guess = ((((S - rPublic) % L) + L) % L) * inv(k) % L;
      expect(numberToBytesLE(guess, crv === 'Ed25519' ? 32 : 56)).not.toEqual(a.scalar);
    }
  });

  it('refuses to combine a bare u, a small-order key, or keys of different curves', async () => {
    const d = fresh('X25519');
    const bare = { crv: 'X25519' as const, public: montgomeryU(d.publicKey) };
    expect(await errorCode(() => combinePublicKeys('X25519', [bare, fresh('X25519').publicKey]))).toBe('KEY_INVALID');
    expect(await errorCode(() => combinePublicKeys('X25519', [d.publicKey, fresh('X448').publicKey]))).toBe('KEY_INVALID');
    // A key with a small-order part: P + T, T of order 4 (u = 1 on curve25519).
    const T = decodeSigned('X25519', encodeSigned('X25519', { u: 1n, v: 0n }));
    const P = decodeSigned('X25519', d.publicKey.public);
    const mixed = { crv: 'X25519' as const, public: encodeSigned('X25519', addPoints('X25519', P, T)) };
    expect(await errorCode(() => checkPrimeOrder('X25519', decodeSigned('X25519', mixed.public)))).toBe('KEY_INVALID');
    expect(await errorCode(() => combinePublicKeys('X25519', [mixed, fresh('X25519').publicKey]))).toBe('KEY_INVALID');
    let tried = 0;
    for (const u of [1n, (2n ** 448n - 2n ** 224n - 1n) - 1n]) {
      let T448;
      try {
        T448 = decodeSigned('X448', encodeSigned('X448', { u, v: 0n }));
      } catch {
        continue;
      }
      const q = fresh('X448');
      const sum = addPoints('X448', decodeSigned('X448', q.publicKey.public), T448);
      expect(await errorCode(() => checkPrimeOrder('X448', sum))).toBe('KEY_INVALID');
      tried++;
    }
    expect(tried).toBe(1);
  });

  it('rejects signed forms with a bad sign byte, an unreduced u, or a u off the curve', async () => {
    const k = fresh('X448').publicKey.public.slice();
    k[56] = 0x01;
    expect(await errorCode(() => decodeSigned('X448', k))).toBe('KEY_INVALID');
    expect(await errorCode(() => decodeSigned('X25519', new Uint8Array(33).fill(0xff).map((b, i) => (i === 32 ? 0 : b))))).toBe('KEY_INVALID');
    let off = 0;
    for (let u = 2n; off === 0 && u < 100n; u++) {
      if ((await errorCode(() => decodeSigned('X25519', encodeSigned('X25519', { u, v: 0n })))) === 'KEY_INVALID') off++;
    }
    expect(off).toBe(1);
  });
});

describe('mesh keys: KeyData', () => {
  for (const crv of CURVES) {
    it(`${crv}: public and private parameters round trip, standard and raw ("${crv}z")`, () => {
      for (const k of [fresh(crv), combinePrivateKeys(crv, [fresh(crv), fresh(crv)])]) {
        const kd = decodeMeshObject(encodeMeshObject(privateKeyDataOf(k)), 'KeyData');
        expect(kd.Udf).toBe(keyUdf(k.publicKey));
        expect(samePublicKey(publicKeyOfKeyData(kd), k.publicKey)).toBe(true);
        const back = privateKeyOfKeyData(kd);
        expect(back.scalar).toEqual(k.scalar);
        expect(back.form).toBe(k.form);
        const json = decodeJson(new TextDecoder().decode(encodeMeshObject(kd))) as { KeyData: { PrivateParameters: { PrivateKeyECDH: { crv: string } } } };
        expect(json.KeyData.PrivateParameters.PrivateKeyECDH.crv).toBe(k.form === 'scalar' ? `${crv}z` : crv);
      }
    });
  }

  it('a Udf that does not name the key, or a private key of another public key, is KEY_INVALID', async () => {
    const k = fresh('X448');
    const other = fresh('X448');
    const kd = keyDataOf(k.publicKey);
    expect(await errorCode(() => publicKeyOfKeyData({ ...kd, Udf: keyUdf(other.publicKey) }))).toBe('KEY_INVALID');
    const mixed = { ...privateKeyDataOf(k), PublicParameters: keyDataOf(other.publicKey).PublicParameters, Udf: undefined };
    expect(await errorCode(() => privateKeyOfKeyData(mixed))).toBe('KEY_INVALID');
    expect(await errorCode(() => publicKeyOfKeyData(kd, 'key', 'Ed448'))).toBe('KEY_INVALID');
    const unknown = { ...kd, PublicParameters: { $type: 'PublicKeyECDH' as const, crv: 'P-256', Public: new Uint8Array(65) } };
    expect(await errorCode(() => publicKeyOfKeyData(unknown))).toBe('UNSUPPORTED_ALGORITHM');
    expect(await errorCode(() => privateKeyOfKeyData(kd))).toBe('NO_MATCHING_KEY');
  });
});

describe('mesh keys: seeds', () => {
  it('generates Z… seeds of each kind and refuses other types and kinds', async () => {
    const s = generateMeshSeed('MeshProfileAccount');
    expect(s.udf).toMatch(/^ZAAQ/);
    expect(parseMeshSeed(s.udf, 'MeshProfileAccount').spec).toBe(258);
    expect(await errorCode(() => parseMeshSeed(s.udf, 'MeshProfileDevice'))).toBe('MISMATCH');
    expect(await errorCode(() => parseMeshSeed('MC44-IZC3-IWZT-VCVZ-L2AG-HI4E-LOV2'))).toBe('UDF_INVALID');
    expect(keyName('Complete', 'Account', 'AdminSign')).toBe('CompleteAccountAdminSign');
    const a = deriveMeshPrivateKey(s, 'CompleteAccountEncrypt', 'X448');
    expect(a).toEqual(deriveMeshPrivateKey(parseMeshSeed(s.udf), 'CompleteAccountEncrypt', 'X448'));
    expect(a).not.toEqual(deriveMeshPrivateKey(s, 'CompleteAccountSign', 'X448'));
  });
});

describe('mesh keys: decryption identities in the envelope reader', () => {
  const recipient = (k: MeshPrivateKey) => ({ crv: k.crv as 'X25519' | 'X448', publicKey: montgomeryU(k.publicKey) });

  for (const crv of ['X25519', 'X448'] as const) {
    it(`${crv}: a combined key opens an envelope as one scalar, or as base + activation held apart`, async () => {
      const base = fresh(crv);
      const activation = fresh(crv);
      const device = combinePrivateKeys(crv, [base, activation]);
      const env = await encodeEnvelopeBytes(utf8('secret'), { recipients: [recipient(device)], encoding: 'json' });
      expect(new TextDecoder().decode((await decodeEnvelopeBytes(env, { keys: [keyIdentity(device)] })).payload)).toBe('secret');
      let remoteCalls = 0;
      const remote = async (e: Uint8Array) => {
        remoteCalls++;
        await new Promise((r) => setTimeout(r, 1));
        return localPart(activation)(e);
      };
      const split = splitIdentity(device.publicKey, [localPart(base), remote]);
      expect(new TextDecoder().decode((await decodeEnvelopeBytes(env, { keys: [split] })).payload)).toBe('secret');
      expect(remoteCalls).toBe(1);
      // An envelope for someone else: the split identity is not asked (it names its key ids).
      const other = await encodeEnvelopeBytes(utf8('x'), { recipients: [recipient(fresh(crv))], encoding: 'json' });
      expect(await errorCode(decodeEnvelopeBytes(other, { keys: [split] }))).toBe('NO_MATCHING_KEY');
      expect(remoteCalls).toBe(1);
      // One part missing: the sum is not the key.
      expect(await errorCode(decodeEnvelopeBytes(env, { keys: [{ ...splitIdentity(device.publicKey, [localPart(base)]) }] }))).toBe('NO_MATCHING_KEY');
    });
  }

  it('a service part that refuses is reported, not taken for "no key"', async () => {
    const base = fresh('X448');
    const env = await encodeEnvelopeBytes(utf8('s'), { recipients: [recipient(base)], encoding: 'json' });
    const refused = splitIdentity(base.publicKey, [async () => {
      throw new Error('refused by the service');
    }]);
    await expect(decodeEnvelopeBytes(env, { keys: [refused] })).rejects.toThrow('refused by the service');
  });

  it('reads the reference\'s 57-byte X448 ephemeral form (sign byte 0x00 or 0x80) and nothing else', async () => {
    const k = fresh('X448');
    const env = await encodeEnvelopeBytes(utf8('ok'), { recipients: [recipient(k)], encoding: 'json' });
    const withSign = (flag: number) => {
      const arr = JSON.parse(new TextDecoder().decode(env)) as [{ recipients: [{ epk: { PublicKeyECDH: { Public: string } } }] }, ...unknown[]];
      const epk = arr[0].recipients[0].epk.PublicKeyECDH;
      epk.Public = base64urlEncode(Uint8Array.of(...base64urlDecode(epk.Public), flag));
      return utf8(encodeJson(arr as never));
    };
    for (const keys of [[keyIdentity(k)], [{ crv: 'X448' as const, privateKey: k.encoded }]]) {
      expect((await decodeEnvelopeBytes(withSign(0x80), { keys })).payload).toEqual(utf8('ok'));
      expect(await errorCode(decodeEnvelopeBytes(withSign(0x01), { keys }))).toBe('NO_MATCHING_KEY');
    }
  });

  it('a signer object signs with the key it holds', async () => {
    const k = combinePrivateKeys('Ed448', [fresh('Ed448'), fresh('Ed448')]);
    const s = localSigner(k);
    const sig = await s.sign(utf8('m'), utf8('mesh/x/v1'));
    expect(verifyWithKey(s.publicKey, utf8('m'), sig, utf8('mesh/x/v1'))).toBe(true);
  });
});
