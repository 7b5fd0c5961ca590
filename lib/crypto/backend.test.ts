import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isDareError } from '../errors.js';
import { concatBytes, toHex } from '../internal/bytes.js';
import { BACKENDS, getBackend, setBackend } from './backend-select.js';
import type { HashAlgorithm, StreamCipher, SymmetricBackend } from '../platform/backend.js';
import { nodeBackend } from '../platform/node.js';
import { nobleBackend } from './noble-backend.js';

const rnd = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const key = rnd(32);
const iv = rnd(16);

/** Feeds `data` in pieces of the given sizes (cycled) and concatenates the output. */
function feed(c: StreamCipher, data: Uint8Array, sizes: number[]): Uint8Array {
  const out: Uint8Array[] = [];
  for (let i = 0, k = 0; i < data.length; k++) {
    const n = sizes[k % sizes.length] as number;
    out.push(c.update(data.subarray(i, i + n)));
    i += n;
  }
  out.push(c.final());
  return concatBytes(...out);
}

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

const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 100, 4096, 65536 + 7];
const PIECES = [[1], [7], [15], [16], [17], [3, 0, 29, 16, 1], [65536], [13, 4096, 5]];

describe.each(Object.entries(BACKENDS))('%s backend', (name, b: SymmetricBackend) => {
  it('scrypt reproduces RFC 7914 §12 and refuses bad parameters', async () => {
    const enc = new TextEncoder();
    const dk = await b.scrypt(enc.encode('password'), enc.encode('NaCl'), { N: 1024, r: 8, p: 16, dkLen: 64, maxmem: 2 ** 26 });
    expect(toHex(dk)).toBe('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640');
    expect(dk.constructor).toBe(Uint8Array);
    const bad = (N: number) => b.scrypt(enc.encode('p'), enc.encode('s'), { N, r: 8, p: 1, dkLen: 32, maxmem: 2 ** 26 });
    expect(() => bad(1000)).toThrow(RangeError);
    expect(() => bad(1)).toThrow(RangeError);
  });

  it('streaming CBC in odd-sized pieces equals one-shot, both ways', () => {
    for (const n of SIZES) {
      const pt = rnd(n);
      const ct = b.aesCbcEncrypt(key, iv, pt);
      expect(ct.length).toBe((Math.floor(n / 16) + 1) * 16);
      for (const sizes of PIECES) {
        expect(toHex(feed(b.createAesCbcEncryptor(key, iv), pt, sizes))).toBe(toHex(ct));
        expect(toHex(feed(b.createAesCbcDecryptor(key, iv), ct, sizes))).toBe(toHex(pt));
      }
      expect(toHex(b.aesCbcDecrypt(key, iv, ct))).toBe(toHex(pt));
    }
  });

  it('streaming CBC output is a plain Uint8Array that does not alias the input', () => {
    const pt = rnd(64);
    const enc = b.createAesCbcEncryptor(key, iv);
    const out = enc.update(pt);
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    pt.fill(0);
    expect(toHex(concatBytes(out, enc.final()))).not.toBe(toHex(b.aesCbcEncrypt(key, iv, pt)));
  });

  it('incremental hashes and HMACs equal one-shot', () => {
    const data = rnd(10_000);
    for (const alg of ['sha256', 'sha512', 'sha3-256', 'sha3-512'] as HashAlgorithm[]) {
      const h = b.createHash(alg);
      for (let i = 0; i < data.length; i += 333) h.update(data.subarray(i, i + 333));
      expect(toHex(h.digest())).toBe(toHex(b.hash(alg, data)));
    }
    for (const alg of ['sha256', 'sha512'] as const) {
      const m = b.createHmac(alg, key);
      m.update(data.subarray(0, 1)).update(data.subarray(1));
      expect(toHex(m.digest())).toBe(toHex(b.hmac(alg, key, data)));
    }
  });

  it('CBC: bad length and bad padding are MALFORMED', () => {
    expectCode(() => b.aesCbcDecrypt(key, iv, new Uint8Array(0)), 'MALFORMED');
    expectCode(() => b.aesCbcDecrypt(key, iv, rnd(17)), 'MALFORMED');
    const ct = b.aesCbcEncrypt(key, iv, rnd(20));
    // Flip the last byte of the next-to-last block: the padding byte becomes wrong.
    ct[ct.length - 17] = (ct[ct.length - 17] as number) ^ 0xff;
    expectCode(() => b.aesCbcDecrypt(key, iv, ct), 'MALFORMED');
    expectCode(() => feed(b.createAesCbcDecryptor(key, iv), ct, [5]), 'MALFORMED');
    expectCode(() => feed(b.createAesCbcDecryptor(key, iv), rnd(33), [5]), 'MALFORMED');
    expectCode(() => b.createAesCbcDecryptor(key, iv).final(), 'MALFORMED');
  });

  it('GCM: round trip with and without AAD; a wrong tag, AAD or nonce is MAC_INVALID', () => {
    const nonce = rnd(12);
    const aad = rnd(20);
    for (const n of [0, 1, 16, 1000]) {
      const pt = rnd(n);
      const sealed = b.aesGcmEncrypt(key, nonce, pt, aad);
      expect(sealed.length).toBe(n + 16);
      expect(toHex(b.aesGcmDecrypt(key, nonce, sealed, aad))).toBe(toHex(pt));
      const bad = sealed.slice();
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
      expectCode(() => b.aesGcmDecrypt(key, nonce, bad, aad), 'MAC_INVALID');
      expectCode(() => b.aesGcmDecrypt(key, nonce, sealed), 'MAC_INVALID');
      expectCode(() => b.aesGcmDecrypt(key, rnd(12), sealed, aad), 'MAC_INVALID');
    }
    expect(toHex(b.aesGcmDecrypt(key, nonce, b.aesGcmEncrypt(key, nonce, aad)))).toBe(toHex(aad));
    expectCode(() => b.aesGcmDecrypt(key, nonce, rnd(15)), 'MALFORMED');
  });

  it('key wrap: round trip; a wrong KEK or a flipped bit is MAC_INVALID; bad lengths', () => {
    for (const n of [16, 24, 32, 64]) {
      const k = rnd(n);
      const w = b.aesKeyWrap(key, k);
      expect(w.length).toBe(n + 8);
      expect(toHex(b.aesKeyUnwrap(key, w))).toBe(toHex(k));
      expectCode(() => b.aesKeyUnwrap(rnd(32), w), 'MAC_INVALID');
      const bad = w.slice();
      bad[3] = (bad[3] as number) ^ 0x10;
      expectCode(() => b.aesKeyUnwrap(key, bad), 'MAC_INVALID');
    }
    expectCode(() => b.aesKeyUnwrap(key, rnd(16)), 'MALFORMED');
    expectCode(() => b.aesKeyUnwrap(key, rnd(25)), 'MALFORMED');
    expect(() => b.aesKeyWrap(key, rnd(8))).toThrow(RangeError);
    expect(() => b.aesKeyWrap(key, rnd(20))).toThrow(RangeError);
  });

  it('misuse is TypeError or RangeError', () => {
    expect(() => b.aesCbcEncrypt(rnd(16), iv, rnd(1))).toThrow(RangeError);
    expect(() => b.aesCbcEncrypt(key, rnd(12), rnd(1))).toThrow(RangeError);
    expect(() => b.aesGcmEncrypt(key, rnd(16), rnd(1))).toThrow(RangeError);
    expect(() => b.aesKeyWrap(rnd(16), rnd(16))).toThrow(RangeError);
    expect(() => b.hash('md5' as HashAlgorithm, rnd(1))).toThrow(TypeError);
    expect(() => b.hash('sha256', 'abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => b.createHmac('sha3-256' as 'sha256', key)).toThrow(TypeError);
    expect(name).toBe(b.name);
  });
});

describe('node and noble agree on random inputs', () => {
  it('every operation, on unaligned views', () => {
    for (let i = 0; i < 25; i++) {
      const n = i * 37 + (i % 3);
      const backing = rnd(n + 3);
      const data = backing.subarray(3); // byteOffset 3: not 4-aligned
      const k = rnd(32);
      const v = rnd(16);
      const nonce = rnd(12);
      const same = (f: (b: SymmetricBackend) => Uint8Array): void => {
        expect(toHex(f(nobleBackend))).toBe(toHex(f(nodeBackend)));
      };
      for (const alg of ['sha256', 'sha512', 'sha3-256', 'sha3-512'] as HashAlgorithm[]) same((b) => b.hash(alg, data));
      same((b) => b.hmac('sha512', k, data));
      same((b) => b.hmac('sha256', data, k));
      same((b) => b.aesCbcEncrypt(k, v, data));
      same((b) => feed(b.createAesCbcEncryptor(k, v), data, [i + 1, 3]));
      same((b) => b.aesGcmEncrypt(k, nonce, data, k));
      const keyData = rnd(16 + 8 * (i % 5));
      same((b) => b.aesKeyWrap(k, keyData));
    }
  });
});

describe('node backend short-input paths (one-shot HMAC, latin1 outputs) equal node:crypto', () => {
  it('HMAC one-shot and incremental, keys and messages around the block and 4 KiB limits', async () => {
    const { createHmac } = await import('node:crypto');
    for (const alg of ['sha256', 'sha512'] as const) {
      for (const kn of [0, 1, 32, 63, 64, 65, 127, 128, 129, 200]) {
        for (const dn of [0, 1, 55, 64, 111, 128, 4095, 4096, 4097, 9000]) {
          const k = rnd(kn);
          const d = rnd(dn);
          const want = createHmac(alg, k).update(d).digest('hex');
          expect(toHex(nodeBackend.hmac(alg, k, d))).toBe(want);
          const h = nodeBackend.createHmac(alg, k);
          for (let i = 0; i < dn; i += 1500) h.update(d.subarray(i, i + 1500));
          expect(toHex(h.digest())).toBe(want);
        }
      }
    }
  });

  it('outputs never alias each other or the scratch they were made in', () => {
    const k = rnd(32);
    const a = nodeBackend.hmac('sha256', k, rnd(10));
    const b = nodeBackend.hmac('sha256', k, rnd(10));
    const c = nodeBackend.hash('sha512', rnd(100));
    const copies = [a.slice(), b.slice(), c.slice()];
    nodeBackend.hmac('sha512', rnd(200), rnd(4000));
    expect([a, b, c]).toEqual(copies);
    expect(a).not.toEqual(b);
  });
});

describe('backend selection', () => {
  afterEach(() => {
    setBackend('node');
  });

  it('defaults to node, switches to noble and back', () => {
    expect(getBackend().name).toBe('node');
    const previous = setBackend('noble');
    expect(previous.name).toBe('node');
    expect(getBackend()).toBe(nobleBackend);
    setBackend(previous);
    expect(getBackend()).toBe(nodeBackend);
    expect(() => setBackend('openssl' as 'node')).toThrow(TypeError);
  });
});
