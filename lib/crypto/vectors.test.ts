/**
 * The generic runner of `fixtures/crypto/*.json`: every vector runs against every
 * backend (node and noble), one-shot and streaming. It fails on zero vectors, on an
 * unknown `kind` and on an unknown field, so a vector can never be silently skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../internal/bytes.js';
import { BACKENDS } from './backend-select.js';
import type { HashAlgorithm, HmacAlgorithm, StreamCipher, SymmetricBackend } from '../platform/backend.js';
import { hkdf } from './kdf.js';
import type { HkdfHash } from './kdf.js';
import { agree, agreementPublicKey, edwardsAgreement } from './agreement.js';
import { sign, signaturePublicKey, verify } from './signature.js';
import type { SignatureAlgorithm } from './signature.js';

type Vector = Record<string, unknown> & { name: string; kind: string; source: string };

const FIELDS: Record<string, string[]> = {
  hash: ['alg', 'msg', 'repeat', 'out'],
  hmac: ['alg', 'key', 'msg', 'out'],
  hkdf: ['hash', 'ikm', 'salt', 'info', 'length', 'okm'],
  'aes-kw': ['kek', 'key', 'wrapped'],
  'aes-cbc': ['key', 'iv', 'plaintext', 'ciphertext'],
  'aes-gcm': ['key', 'nonce', 'aad', 'plaintext', 'ciphertext'],
  agreement: ['curve', 'privateKey', 'publicKey', 'peerPublicKey', 'shared'],
  'edwards-agreement': ['curve', 'privateKey', 'publicKey', 'peerPublicKey', 'shared'],
  'dare-recipient': ['curve', 'privateKey', 'epk', 'info', 'wmk', 'seed'],
  signature: ['alg', 'privateKey', 'publicKey', 'message', 'context', 'signature'],
};
const BACKEND_KINDS = new Set(['hash', 'hmac', 'aes-kw', 'aes-cbc', 'aes-gcm', 'dare-recipient']);

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'crypto');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const vectors: { file: string; v: Vector }[] = files.flatMap((file) => {
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { vectors: Vector[] };
  return doc.vectors.map((v) => ({ file, v }));
});

const hex = (v: Vector, k: string): Uint8Array => fromHex(v[k] as string);
const optHex = (v: Vector, k: string): Uint8Array | undefined => (typeof v[k] === 'string' ? hex(v, k) : undefined);
const same = (a: Uint8Array, b: Uint8Array): void => expect(toHex(a)).toBe(toHex(b));

/** Splits `data` into pieces of sizes 1, 2, 3, ... 17, 1, 2, ... (odd boundaries). */
function pieces(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, n = 1; i < data.length; i += n, n = (n % 17) + 1) out.push(data.subarray(i, i + n));
  return out;
}

function stream(c: StreamCipher, data: Uint8Array): Uint8Array {
  const parts = pieces(data).map((p) => c.update(p));
  parts.push(c.final());
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function runBackend(v: Vector, b: SymmetricBackend): void {
  switch (v.kind) {
    case 'hash': {
      const alg = v.alg as HashAlgorithm;
      const msg = hex(v, 'msg');
      const repeat = (v.repeat as number | undefined) ?? 1;
      const h = b.createHash(alg);
      for (let i = 0; i < repeat; i += 1000) {
        const n = Math.min(1000, repeat - i);
        const block = new Uint8Array(msg.length * n);
        for (let j = 0; j < n; j++) block.set(msg, j * msg.length);
        for (const p of pieces(block)) h.update(p);
      }
      same(h.digest(), hex(v, 'out'));
      if (repeat === 1) same(b.hash(alg, msg), hex(v, 'out'));
      return;
    }
    case 'hmac': {
      const alg = v.alg as HmacAlgorithm;
      same(b.hmac(alg, hex(v, 'key'), hex(v, 'msg')), hex(v, 'out'));
      const h = b.createHmac(alg, hex(v, 'key'));
      for (const p of pieces(hex(v, 'msg'))) h.update(p);
      same(h.digest(), hex(v, 'out'));
      return;
    }
    case 'aes-kw':
      same(b.aesKeyWrap(hex(v, 'kek'), hex(v, 'key')), hex(v, 'wrapped'));
      same(b.aesKeyUnwrap(hex(v, 'kek'), hex(v, 'wrapped')), hex(v, 'key'));
      return;
    case 'aes-cbc': {
      const [key, iv, pt, ct] = [hex(v, 'key'), hex(v, 'iv'), hex(v, 'plaintext'), hex(v, 'ciphertext')];
      same(b.aesCbcEncrypt(key, iv, pt), ct);
      same(b.aesCbcDecrypt(key, iv, ct), pt);
      same(stream(b.createAesCbcEncryptor(key, iv), pt), ct);
      same(stream(b.createAesCbcDecryptor(key, iv), ct), pt);
      return;
    }
    case 'aes-gcm': {
      const [key, nonce, pt, ct] = [hex(v, 'key'), hex(v, 'nonce'), hex(v, 'plaintext'), hex(v, 'ciphertext')];
      const aad = hex(v, 'aad');
      same(b.aesGcmEncrypt(key, nonce, pt, aad.length > 0 ? aad : undefined), ct);
      same(b.aesGcmDecrypt(key, nonce, ct, aad.length > 0 ? aad : undefined), pt);
      return;
    }
    case 'dare-recipient': {
      const ka = edwardsAgreement('Ed25519', hex(v, 'privateKey'), hex(v, 'epk'));
      const kek = hkdf('sha512', ka, undefined, hex(v, 'info'), 32);
      same(b.aesKeyUnwrap(kek, hex(v, 'wmk')), hex(v, 'seed'));
      return;
    }
    default:
      throw new TypeError(`no backend runner for ${v.kind}`);
  }
}

function runPlain(v: Vector): void {
  switch (v.kind) {
    case 'hkdf':
      same(hkdf(v.hash as HkdfHash, hex(v, 'ikm'), optHex(v, 'salt'), hex(v, 'info'), v.length as number), hex(v, 'okm'));
      return;
    case 'agreement': {
      const curve = v.curve as 'X25519' | 'X448';
      const own = optHex(v, 'publicKey');
      if (own) same(agreementPublicKey(curve, hex(v, 'privateKey')), own);
      same(agree(curve, hex(v, 'privateKey'), hex(v, 'peerPublicKey')), hex(v, 'shared'));
      return;
    }
    case 'edwards-agreement': {
      const curve = v.curve as 'Ed25519' | 'Ed448';
      const own = optHex(v, 'publicKey');
      if (own) same(signaturePublicKey(curve, hex(v, 'privateKey')), own);
      same(edwardsAgreement(curve, hex(v, 'privateKey'), hex(v, 'peerPublicKey')), hex(v, 'shared'));
      return;
    }
    case 'signature': {
      const alg = v.alg as SignatureAlgorithm;
      const ctx = optHex(v, 'context');
      const [pk, msg, sig] = [hex(v, 'publicKey'), hex(v, 'message'), hex(v, 'signature')];
      same(signaturePublicKey(alg, hex(v, 'privateKey')), pk);
      same(sign(alg, hex(v, 'privateKey'), msg, ctx), sig);
      expect(verify(alg, pk, msg, sig, ctx)).toBe(true);
      const bad = sig.slice();
      bad[0] = (bad[0] as number) ^ 1;
      expect(verify(alg, pk, msg, bad, ctx)).toBe(false);
      return;
    }
    default:
      throw new TypeError(`no runner for ${v.kind}`);
  }
}

describe('fixtures/crypto', () => {
  it('has vectors, each of a known kind with known fields', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(vectors.length).toBeGreaterThanOrEqual(40);
    for (const { file, v } of vectors) {
      const allowed = FIELDS[v.kind];
      expect(allowed, `${file}: ${v.name}: unknown kind ${v.kind}`).toBeDefined();
      for (const k of Object.keys(v)) {
        expect(['name', 'kind', 'source', ...(allowed ?? [])], `${file}: ${v.name}: field ${k}`).toContain(k);
      }
      expect(v.source.length).toBeGreaterThan(0);
    }
  });

  for (const { file, v } of vectors) {
    if (BACKEND_KINDS.has(v.kind)) {
      for (const [name, b] of Object.entries(BACKENDS)) {
        it(`${file}: ${v.name} [${name}]`, () => runBackend(v, b));
      }
    } else {
      it(`${file}: ${v.name}`, () => runPlain(v));
    }
  }
});
