/**
 * Runs every vector of fixtures/udf/*.json (draft-hallambaker-mesh-udf-13 examples that
 * reproduce, see conformance/udf.md "Summary for fixtures"). Each file names its
 * `kind`; an unknown kind or an empty fixture set fails.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToBigInt, fromHex, toHex, utf8 } from '../internal/bytes.js';
import { base32Encode } from '../encoding/base32.js';
import {
  authenticator, authenticatorBinary, authenticatorMatches, contentDigest, contentDigestBinary, contentDigestMatches,
  contentIdentifier, deriveKeyPair, formatEarl, formatPlainSecret, formatSeed, formatShare, keyFingerprint, KeyAlgorithm,
  locatorTarget, oidUdf, parseEarl, parsePlainSecret, parseSeed, parseShare, parseUdf, parseUdfUri, recoverSecret,
  referenceSpki, typedContentDigest, udfTypeInfo, type DerivableAlgorithm, type KeyAlgorithmName,
} from './index.js';
import { authenticatorKey, authenticatorMac } from './authenticator.js';
import { seedOkm } from './keyderive.js';
import { shamirEvaluate } from './shamir.js';
import { shamirPrime } from './primes.js';

type Vector = Record<string, unknown> & { source: string };
interface Fixture { kind: string; source: string; vectors: Vector[] }

const dir = fileURLToPath(new URL('../../fixtures/udf/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const fixtures = files.map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture) }));

const str = (v: Vector, k: string): string => {
  const x = v[k];
  if (typeof x !== 'string') throw new TypeError(`vector field ${k} missing`);
  return x;
};
const num = (v: Vector, k: string): number => {
  const x = v[k];
  if (typeof x !== 'number') throw new TypeError(`vector field ${k} missing`);
  return x;
};
const alg = (v: Vector): 'sha2' | 'sha3' => (str(v, 'alg') === 'sha3' ? 'sha3' : 'sha2');
const subsets = <T>(xs: readonly T[], k: number): T[][] =>
  k === 0 ? [[]] : xs.flatMap((x, i) => subsets(xs.slice(i + 1), k - 1).map((s) => [x, ...s]));

const runners: Record<string, (v: Vector) => void> = {
  'content-digest': (v) => {
    const data = utf8(str(v, 'data'));
    const cty = str(v, 'contentType');
    if (v.tcdv !== undefined) expect(toHex(typedContentDigest(data, cty, alg(v)))).toBe(str(v, 'tcdv'));
    if (v.type !== undefined) expect(contentDigestBinary(data, cty, alg(v))[0]).toBe(num(v, 'type'));
    expect(contentDigest(data, cty, { alg: alg(v), bits: num(v, 'bits') })).toBe(str(v, 'udf'));
    expect(contentDigestMatches(str(v, 'udf'), data, cty)).toBe(true);
    expect(contentDigestMatches(str(v, 'udf').toLowerCase().replace(/-/g, ''), data, cty)).toBe(true);
    expect(contentDigestMatches(str(v, 'udf'), utf8(str(v, 'data') + '.'), cty)).toBe(false);
  },
  authenticator: (v) => {
    const data = utf8(str(v, 'data'));
    const [key, cty] = [str(v, 'key'), str(v, 'contentType')];
    if (v.okm !== undefined) {
      expect(toHex(authenticatorKey(key, alg(v)))).toBe(str(v, 'okm'));
      expect(toHex(extract(sha512, utf8(key), utf8('KeyedUDFMaster')))).toBe(str(v, 'prk'));
      expect(toHex(authenticatorMac(key, data, cty, alg(v)))).toBe(str(v, 'mac'));
      expect(toHex(authenticatorBinary(key, data, cty, alg(v)))).toBe(str(v, 'binary'));
    }
    expect(authenticator(key, data, cty, { alg: alg(v), bits: num(v, 'bits') })).toBe(str(v, 'udf'));
    expect(authenticatorMatches(str(v, 'udf'), key, data, cty)).toBe(true);
    expect(authenticatorMatches(str(v, 'udf'), key + 'X', data, cty)).toBe(false);
  },
  'key-fingerprint': (v) => {
    const pub = fromHex(str(v, 'publicKey'));
    expect(str(v, 'algorithm')).toBe('Ed25519');
    expect(toHex(referenceSpki('Ed25519', pub))).toBe(str(v, 'spki'));
    expect(keyFingerprint('Ed25519', pub, num(v, 'bits'))).toBe(str(v, 'udf'));
    expect(contentDigest(fromHex(str(v, 'spki')), str(v, 'contentType'))).toBe(str(v, 'udf'));
  },
  oid: (v) => {
    expect(oidUdf(fromHex(str(v, 'der')))).toBe(str(v, 'udf'));
    const parsed = parseUdf(str(v, 'udf'));
    expect(parsed.type).toBe(112);
    expect(toHex(parsed.data)).toBe(str(v, 'der'));
  },
  earl: (v) => {
    const key = str(v, 'key');
    expect(contentIdentifier(key)).toBe(str(v, 'identifier'));
    expect(contentDigest(utf8(key), str(v, 'contentType'), { bits: num(v, 'bits') })).toBe(str(v, 'identifier'));
    const earl = parseEarl(str(v, 'uri'));
    expect(earl).toEqual({ uri: str(v, 'uri'), domain: str(v, 'domain'), key, identifier: str(v, 'identifier') });
    expect(formatEarl(str(v, 'domain'), key.toLowerCase()).uri).toBe(str(v, 'uri'));
    expect(locatorTarget(str(v, 'domain'), earl.identifier, str(v, 'endpoint'))).toBe(str(v, 'target'));
  },
  'udf-uri': (v) => {
    const u = parseUdfUri(str(v, 'uri'));
    expect(u.form).toBe(str(v, 'form'));
    expect(u.domain).toBe(v.domain);
    expect(u.udf.text).toBe(str(v, 'udf'));
  },
  seed: (v) => {
    const code = num(v, 'algorithmCode');
    expect(KeyAlgorithm[str(v, 'algorithm') as KeyAlgorithmName]).toBe(code);
    const seed = fromHex(str(v, 'seed'));
    expect(formatSeed(code, seed, num(v, 'use'))).toBe(str(v, 'udf'));
    const parsed = parseSeed(str(v, 'udf'));
    expect([parsed.algorithm, parsed.use, toHex(parsed.seed)]).toEqual([code, num(v, 'use'), str(v, 'seed')]);
    // The draft's own seeds: HKDF-SHA-512(salt 'UDF examples', IKM = specifier, info '', 16).
    const spec = Uint8Array.of(code >> 8, code & 0xff);
    expect(toHex(expand(sha512, extract(sha512, spec, utf8('UDF examples')), new Uint8Array(0), 16))).toBe(str(v, 'seed'));
  },
  'key-derivation': (v) => {
    const name = str(v, 'algorithm') as DerivableAlgorithm;
    const seed = parseSeed(str(v, 'seedUdf'));
    const pair = deriveKeyPair(str(v, 'seedUdf'));
    expect(pair.algorithm).toBe(name);
    if (v.ikm !== undefined) {
      const okmLength = (str(v, 'okm').length) / 2;
      const steps = seedOkm(seed, KeyAlgorithm[name], okmLength);
      expect([toHex(steps.ikm), toHex(steps.salt), toHex(steps.prk), toHex(steps.okm)])
        .toEqual([str(v, 'ikm'), str(v, 'salt'), str(v, 'prk'), str(v, 'okm')]);
    }
    if (v.privateKey !== undefined) expect(toHex(pair.privateKey)).toBe(str(v, 'privateKey'));
    if (v.privateKeyPrefix !== undefined) {
      expect(pair.privateKey.length).toBe(57);
      expect(toHex(pair.privateKey.subarray(0, 56))).toBe(str(v, 'privateKeyPrefix'));
    }
    if (v.d !== undefined) expect(bytesToBigInt(pair.privateKey).toString()).toBe(str(v, 'd'));
    expect(pair.publicKey.length).toBeGreaterThan(0);
  },
  shamir: (v) => {
    const secretHex = str(v, 'secretHex');
    const secret = fromHex(secretHex);
    const threshold = num(v, 'threshold');
    const shares = v.shares as string[];
    expect(formatPlainSecret(secret)).toBe(str(v, 'secret'));
    expect(toHex(parsePlainSecret(str(v, 'secret')))).toBe(secretHex);
    expect(base32Encode(secret, Math.ceil((secret.length * 8) / 5))).toBe(str(v, 'secret').replace(/-/g, ''));
    if (v.coefficients !== undefined) {
      const p = shamirPrime(secret.length);
      expect(p).toBe((1n << 128n) + 51n);
      const coefficients = (v.coefficients as string[]).map(BigInt);
      expect(coefficients[0]).toBe(bytesToBigInt(secret));
      const values = shamirEvaluate(coefficients, shares.length, p);
      expect(values.map(String)).toEqual(v.values);
      values.forEach((y, i) => {
        const bytes = fromHex(y.toString(16).padStart(32, '0'));
        expect(formatShare(threshold, i + 1, bytes)).toBe(shares[i]);
      });
    }
    shares.forEach((s, i) => expect(parseShare(s)).toMatchObject({ threshold, x: i + 1 }));
    for (const subset of subsets(shares, threshold)) expect(toHex(recoverSecret(subset))).toBe(secretHex);
    for (const subset of subsets(shares, threshold - 1)) expect(() => recoverSecret(subset)).toThrow(/quorum/);
    expect(toHex(recoverSecret(shares))).toBe(secretHex);
  },
  'type-initial': (v) => {
    const type = num(v, 'type');
    expect(udfTypeInfo(type)).toBeDefined();
    expect(base32Encode(Uint8Array.of(type, 0), 1)).toBe(str(v, 'initial'));
  },
};

describe('udf vectors (fixtures/udf)', () => {
  it('finds vectors, and every file has a known kind and a source', () => {
    const total = fixtures.reduce((n, f) => n + f.vectors.length, 0);
    expect(total).toBeGreaterThan(0);
    for (const f of fixtures) {
      expect(Object.keys(runners), `${f.file}: unknown vector kind ${f.kind}`).toContain(f.kind);
      expect(typeof f.source).toBe('string');
      expect(f.vectors.length, f.file).toBeGreaterThan(0);
      for (const v of f.vectors) expect(typeof v.source, f.file).toBe('string');
    }
  });
  for (const f of fixtures) {
    f.vectors.forEach((v, i) => {
      it(`${f.file} #${i} ${f.kind}: ${v.source}`, () => {
        const run = runners[f.kind];
        if (run === undefined) throw new TypeError(`unknown vector kind ${f.kind} in ${f.file}`);
        run(v);
      });
    });
  }
});
