/**
 * Appendix A of draft-hallambaker-mesh-dare-12 as data (fixtures/envelope/): every
 * envelope is decoded whole, one byte at a time and in uneven pieces, on both
 * symmetric backends. Their signatures are legacy ones (an empty context over the
 * PayloadDigest): read, and reported as covering the payload only (docs/FORMAT.md §6).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { signaturePublicKey } from '../crypto/signature.js';
import { getBackend, setBackend } from '../crypto/backend-select.js';
import { base64urlDecode } from '../encoding/base64url.js';
import { fromHex, fromUtf8, utf8 } from '../internal/bytes.js';
import { isDareError } from '../errors.js';
import type { DecryptionKey, VerificationKey } from '../keys/types.js';
import { deriveItemKeys } from './keyschedule.js';
import { EnvelopeReader, type DecodeOptions } from './reader.js';

const dir = new URL('../../fixtures/envelope/', import.meta.url);
interface KeyDef { crv: 'Ed25519'; private: string }
interface Vector {
  file: string; source: string;
  options: { keys?: string[]; trustedSigners?: string[]; allowUnauthenticated?: boolean; decrypt?: boolean; acceptLegacySignatures?: boolean };
  expect: {
    payload?: 'plaintext'; annotations?: string[]; encrypted?: boolean; error?: string; payloadDigestChecked?: boolean;
    signatures?: { kid: string; status: string; trusted: boolean; legacy: boolean }[]; unchecked?: string[];
  };
}
const data = JSON.parse(readFileSync(new URL('vectors.json', dir), 'utf8')) as {
  keys: Record<string, KeyDef>; plaintext: string;
  keySchedule: { source: string; master: string; salt: string; encryptionKey: string; iv: string; ciphertext: string }[];
  envelopes: Vector[];
};
const KNOWN_EXPECT = new Set(['payload', 'annotations', 'encrypted', 'error', 'payloadDigestChecked', 'signatures', 'unchecked']);

function options(v: Vector): DecodeOptions {
  const key = (name: string): KeyDef => {
    const k = data.keys[name];
    if (!k) throw new Error(`unknown key ${name}`);
    return k;
  };
  return {
    keys: v.options.keys?.map((n): DecryptionKey => ({ crv: key(n).crv, privateKey: base64urlDecode(key(n).private) })),
    trustedSigners: v.options.trustedSigners?.map((n): VerificationKey => ({ crv: 'Ed25519', publicKey: signaturePublicKey('Ed25519', base64urlDecode(key(n).private)) })),
    allowUnauthenticated: v.options.allowUnauthenticated,
    decrypt: v.options.decrypt,
    acceptLegacySignatures: v.options.acceptLegacySignatures,
  };
}

async function* pieces(bytes: Uint8Array, mode: 'whole' | 'bytes' | 'uneven'): AsyncGenerator<Uint8Array> {
  if (mode === 'whole') {
    yield bytes;
    return;
  }
  let i = 0;
  let k = 1;
  while (i < bytes.length) {
    const n = mode === 'bytes' ? 1 : (k = (k * 7 + 3) % 23) + 1;
    yield bytes.slice(i, i + n);
    i += n;
  }
}

async function decode(bytes: Uint8Array, o: DecodeOptions, mode: 'whole' | 'bytes' | 'uneven') {
  const reader = new EnvelopeReader(pieces(bytes, mode), o);
  const info = await reader.open();
  const out: number[] = [];
  for await (const p of reader.payload()) out.push(...p);
  return { info, payload: Uint8Array.from(out), result: reader.result };
}

describe('Appendix A key schedule (CONFORMANCE item 5)', () => {
  for (const k of data.keySchedule) {
    it(k.source, () => {
      const keys = deriveItemKeys(fromHex(k.master), fromHex(k.salt));
      expect(keys.encryptionKey).toEqual(fromHex(k.encryptionKey));
      expect(keys.iv).toEqual(fromHex(k.iv));
      expect(getBackend().aesCbcEncrypt(keys.encryptionKey, keys.iv, utf8(data.plaintext))).toEqual(fromHex(k.ciphertext));
    });
  }
});

describe.each(['node', 'noble'] as const)('Appendix A envelopes (%s backend)', (backend) => {
  it('has vectors', () => expect(data.envelopes.length).toBeGreaterThan(5));
  for (const v of data.envelopes) {
    for (const k of Object.keys(v.expect)) if (!KNOWN_EXPECT.has(k)) throw new Error(`unknown expectation ${k} in ${v.source}`);
    it.each(['whole', 'bytes', 'uneven'] as const)(`${v.source} (%s)`, async (mode) => {
      const previous = setBackend(backend);
      try {
        const bytes = readFileSync(new URL(v.file, dir));
        if (v.expect.error) {
          const e = await decode(bytes, options(v), mode).then(() => undefined, (x: unknown) => x);
          expect(isDareError(e, v.expect.error as never), String(e)).toBe(true);
          return;
        }
        const { info, payload, result } = await decode(bytes, options(v), mode);
        if (v.expect.payload === 'plaintext') expect(fromUtf8(payload)).toBe(data.plaintext);
        if (v.expect.annotations) expect(info.annotations.map(fromUtf8)).toEqual(v.expect.annotations);
        if (v.expect.encrypted !== undefined) expect(info.encrypted).toBe(v.expect.encrypted);
        if (v.expect.payloadDigestChecked !== undefined) expect(result.digestChecked).toBe(v.expect.payloadDigestChecked);
        if (v.expect.signatures) {
          expect(result.signatures.map((s) => ({ kid: s.kid, status: s.status, trusted: s.trusted, legacy: s.legacy }))).toEqual(v.expect.signatures);
        }
        if (v.expect.unchecked) expect(result.unchecked).toEqual(v.expect.unchecked);
      } finally {
        setBackend(previous);
      }
    });
  }
});
