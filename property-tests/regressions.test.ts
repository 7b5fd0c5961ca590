/**
 * Regression tests for bugs the property suites and the fuzz harness found: each
 * input once made a parser throw something other than a DareError.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { DareError } from '../lib/errors.js';
import { decodeEnvelopeBytes, decodeKeyFile, encodeEnvelopeBytes, encodeKeyFile, fromUtf8, generateKeySet, utf8 } from '../lib/index.js';
import { decodeJson, encodeJson } from '../lib/encoding/json.js';
import { base64urlEncode } from '../lib/encoding/base64url.js';
import type { JsonObject, JsonValue } from '../lib/encoding/value.js';

async function codeOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
}

describe('regressions', () => {
  it('a signature whose PublicKey has the wrong length is SIGNATURE_INVALID, not a RangeError', async () => {
    const k = generateKeySet();
    const env = await encodeEnvelopeBytes(utf8('hello'), { encoding: 'json', signers: [k.signature] });
    const parts = decodeJson(fromUtf8(env)) as JsonValue[];
    const trailer = parts[2] as JsonObject;
    const sig = (trailer.signatures as JsonObject[])[0] as JsonObject;
    ((sig.PublicKey as JsonObject).PublicKeyECDH as JsonObject).Public = base64urlEncode(new Uint8Array(31));
    delete sig.kid;
    const bad = utf8(encodeJson(parts));
    expect(await codeOf(() => decodeEnvelopeBytes(bad))).toBe('SIGNATURE_INVALID');
  });

  it('a sealed key file with a bad scrypt N, nonce or sealed content is a DareError', async () => {
    const file = JSON.parse(await encodeKeyFile(generateKeySet(), 'pw', { N: 2, r: 1, p: 1 })) as { DareKeySetProtected: { kdf: Record<string, unknown>; nonce: string } };
    const edit = async (f: (v: typeof file) => void) => {
      const v = structuredClone(file);
      f(v);
      return codeOf(() => decodeKeyFile(JSON.stringify(v), async () => 'pw'));
    };
    expect(await edit((v) => { v.DareKeySetProtected.kdf.N = 3; })).toBe('KEY_INVALID');
    expect(await edit((v) => { v.DareKeySetProtected.kdf.N = 1; })).toBe('KEY_INVALID');
    expect(await edit((v) => { v.DareKeySetProtected.nonce = 'AAAA'; })).toBe('KEY_INVALID');
    // 2 GiB of scrypt memory: refused before scrypt runs.
    expect(await edit((v) => { Object.assign(v.DareKeySetProtected.kdf, { N: 2 ** 20, r: 16 }); })).toBe('LIMIT_EXCEEDED');
  });
});
