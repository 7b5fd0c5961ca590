import { describe, expect, it } from 'vitest';
import { isDareError } from '../errors.js';
import { toHex, utf8 } from '../internal/bytes.js';
import { BACKENDS } from './backend-select.js';
import {
  algorithmIds, curveAlgorithm, digestAlgorithm, encryptionAlgorithm, lookupAlgorithm, macAlgorithm, wrapAlgorithm,
} from './registry.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDareError(e) ? e.code : `not a DareError: ${String(e)}`;
  }
  return undefined;
}

describe('algorithm registry', () => {
  it('maps the identifiers DARE headers use to implementations', () => {
    expect(digestAlgorithm('S512').hash).toBe('sha512');
    expect(digestAlgorithm('S256').length).toBe(32);
    expect(digestAlgorithm('S3512').hash).toBe('sha3-512');
    expect(digestAlgorithm('SHA3512')).toBe(digestAlgorithm('S3512'));
    expect(digestAlgorithm('SHA3256').id).toBe('S3256');
    expect(encryptionAlgorithm('A256CBC')).toMatchObject({ mode: 'cbc', ivLength: 16, tagLength: 0, authenticated: false });
    expect(encryptionAlgorithm('A256GCM')).toMatchObject({ mode: 'gcm', ivLength: 12, tagLength: 16, authenticated: true });
    expect(macAlgorithm('HS512').length).toBe(64);
    expect(curveAlgorithm('Ed25519').use).toBe('signature');
    expect(curveAlgorithm('X448').publicKeyLength).toBe(56);
    expect(algorithmIds()).toContain('A256KW');
  });

  it('runs the implementation on either backend', () => {
    const data = utf8('abc');
    for (const b of Object.values(BACKENDS)) {
      expect(toHex(digestAlgorithm('S256').digest(data, b))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(digestAlgorithm('S512').create(b).update(data).digest())).toMatch(/^ddaf35a1/);
      const key = new Uint8Array(32).fill(1);
      expect(toHex(macAlgorithm('HS256').mac(key, data, b))).toBe(toHex(macAlgorithm('HS256').create(key, b).update(data).digest()));
      const kw = wrapAlgorithm('A256KW');
      expect(toHex(kw.unwrap(key, kw.wrap(key, new Uint8Array(32).fill(2), b), b))).toBe('02'.repeat(32));
    }
  });

  it('refuses unknown identifiers, wrong kinds and "none" with UNSUPPORTED_ALGORITHM', () => {
    for (const id of ['none', 'A128CBC', 'a256cbc', 'S384', 'HS384', 'A128KW', '', 'toString', '__proto__']) {
      expect(code(() => lookupAlgorithm(id))).toBe('UNSUPPORTED_ALGORITHM');
    }
    expect(code(() => digestAlgorithm('A256CBC'))).toBe('UNSUPPORTED_ALGORITHM');
    expect(code(() => encryptionAlgorithm('S512'))).toBe('UNSUPPORTED_ALGORITHM');
    expect(code(() => curveAlgorithm('HS512'))).toBe('UNSUPPORTED_ALGORITHM');
    expect(() => lookupAlgorithm(5 as unknown as string)).toThrow(TypeError);
  });
});
