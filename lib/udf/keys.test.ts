/**
 * Unit tests of nonces, secrets, Shamir shares, Appendix A primes, key derivation,
 * EARLs, SINs and fingerprints (draft-hallambaker-mesh-udf-13 §4, §6, §7, §11).
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { p256 } from '@noble/curves/nist.js';
import { isDareError, type DareErrorCode } from '../errors.js';
import { fromHex, toHex, utf8 } from '../internal/bytes.js';
import {
  contentDigest, contentIdentifier, deriveKeyPair, formatEarl, formatPlainSecret, formatSeed, formatShare,
  generateEarl, generateNonce, generateSecret, generateSeed, KeyAlgorithm, keyFingerprint, parseEarl, parseNonce,
  parsePlainSecret, parseSecret, parseSeed, parseShare, parseSinLabel, parseStrongName, parseUdf, parseUdfUri,
  recoverSecret, referenceSpkiPrefix, shareSecret, sinLabel, splitSecret, strongDomain,
} from './index.js';
import { isProbablePrime, SHAMIR_PRIME_OFFSETS, shamirPrime } from './primes.js';

function dareError(f: () => unknown, code: DareErrorCode, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isDareError(e, code), String(e)).toBe(true);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new TypeError(`expected a ${code} error`);
}

describe('nonce and secret', () => {
  it('generates nonce and E UDFs of the requested size', () => {
    const n = generateNonce();
    expect(n).toMatch(/^N[A-Z2-7]{3}(-[A-Z2-7]{4}){5}-[A-Z2-7]{3}[AQ]$/);
    expect(parseNonce(n)).toHaveLength(16);
    expect(parseNonce(generateNonce(256))).toHaveLength(32);
    const s = generateSecret(256);
    expect(s[0]).toBe('E');
    expect(parseSecret(s)).toMatchObject({ keyBits: 53 * 5 - 8 });
    expect(parseSecret(s).key).toHaveLength(32);
    expect(generateNonce()).not.toBe(generateNonce());
    for (const bad of [100, 56, 520]) expect(() => generateNonce(bad)).toThrow(RangeError);
    expect(() => generateSecret(64)).toThrow(RangeError);
  });

  it('reads the reference EARL key, which is cut inside an octet', () => {
    const s = parseSecret('eada-ykc5-wsuk-aacn-wrro-mjoq-pvsk-sm');
    expect([s.udf.type, s.keyBits, s.key.length]).toEqual([32, 142, 17]);
  });

  it('rejects the wrong type', () => {
    dareError(() => parseNonce('MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF'), 'UDF_INVALID', /expected a nonce udf, got a digest udf/);
    dareError(() => parseSecret('ND5L-Y3E6-GDDZ-KICR-NPDL-5WWM-4QSA'), 'UDF_INVALID', /expected an encryption\/authentication udf/);
  });

  it('presents the type-less secret as plain base32', () => {
    const b = fromHex('8efe6610a594817555e409beeba2f916');
    expect(formatPlainSecret(b)).toBe('R37G-MEFF-SSAX-KVPE-BG7O-XIXZ-CY');
    expect(parsePlainSecret('r37gmeffssaxkvpebg7oxixzcy')).toEqual(b);
    dareError(() => parsePlainSecret('R37G-MEFF-SSAX-KVPE-BG7O-XIXZ-C'), 'UDF_INVALID', /not a whole number of octets/);
    dareError(() => parsePlainSecret('R37G-MEFF-SSAX-KVPE-BG7O-XIXZ-CZ'), 'UDF_INVALID', /non-zero padding bits/);
    dareError(() => parsePlainSecret('A'.repeat(104)), 'UDF_INVALID', /longer than 64/);
  });
});

describe('shamir', () => {
  it('uses the smallest prime above 2^(8n) of Appendix A for every n', () => {
    expect(SHAMIR_PRIME_OFFSETS).toHaveLength(64);
    SHAMIR_PRIME_OFFSETS.forEach((k, i) => {
      const base = 1n << BigInt(8 * (i + 1));
      expect(isProbablePrime(base + BigInt(k)), `n=${i + 1}`).toBe(true);
      for (let j = 1; j < k; j += 1) if (isProbablePrime(base + BigInt(j))) throw new RangeError(`n=${i + 1}: 2^${8 * (i + 1)}+${j} is prime`);
    });
    expect(shamirPrime(16)).toBe((1n << 128n) + 51n);
    expect(() => shamirPrime(65)).toThrow(RangeError);
    expect(isProbablePrime(561n)).toBe(false);
    expect(isProbablePrime(2n ** 127n - 1n)).toBe(true);
  });

  it('splits and recovers from any quorum of shares', () => {
    const secret = fromHex('00112233445566778899aabbccddeeff0011');
    const shares = splitSecret(secret, 5, 3);
    expect(shares).toHaveLength(5);
    shares.forEach((s, i) => expect(parseShare(s)).toMatchObject({ threshold: 3, x: i + 1 }));
    expect(recoverSecret([shares[4] as string, shares[0] as string, shares[2] as string])).toEqual(secret);
    expect(recoverSecret(shares)).toEqual(secret);
    expect(recoverSecret([...shares.slice(0, 3), shares[0] as string])).toEqual(secret);
  });

  it('shares a fresh secret with shareSecret', () => {
    const { secret, shares } = shareSecret({ bits: 256, shares: 4, quorum: 2 });
    expect(toHex(recoverSecret(shares.slice(2)))).toBe(toHex(parsePlainSecret(secret)));
    expect(shareSecret().shares).toHaveLength(3);
    expect(() => shareSecret({ bits: 12 })).toThrow(RangeError);
  });

  it('refuses too few, duplicate or inconsistent shares with QUORUM_NOT_MET', () => {
    const secret = fromHex('8efe6610a594817555e409beeba2f916');
    const [a, b, c, d] = splitSecret(secret, 4, 3) as [string, string, string, string];
    dareError(() => recoverSecret([]), 'QUORUM_NOT_MET', /no shares/);
    dareError(() => recoverSecret([a, b]), 'QUORUM_NOT_MET', /2 distinct share\(s\) given, quorum is 3/);
    dareError(() => recoverSecret([a, b, b.toLowerCase()]), 'QUORUM_NOT_MET', /2 distinct/);
    const other = splitSecret(secret, 4, 3);
    dareError(() => recoverSecret([a, b, c, other[0] as string]), 'QUORUM_NOT_MET', /two different shares for x=1/);
    dareError(() => recoverSecret([a, b, c, (other[3] as string)]), 'QUORUM_NOT_MET', /x=4 does not lie on the polynomial/);
    dareError(() => recoverSecret([a, b, splitSecret(secret, 3, 2)[2] as string]), 'QUORUM_NOT_MET', /disagree on the quorum/);
    dareError(() => recoverSecret([a, b, splitSecret(new Uint8Array(17), 3, 3)[2] as string]), 'QUORUM_NOT_MET', /disagree on the secret length/);
    dareError(() => recoverSecret([a, b, 'MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF']), 'UDF_INVALID', /expected a share udf/);
    expect(recoverSecret([d, c, a])).toEqual(secret);
  });

  it('rejects bad split arguments as misuse', () => {
    const s = new Uint8Array(16);
    expect(() => splitSecret(s, 3, 1)).toThrow(RangeError);
    expect(() => splitSecret(s, 17, 3)).toThrow(RangeError);
    expect(recoverSecret(splitSecret(s, 16, 15).slice(1))).toEqual(s); // x = 16 fits the 4-bit field
    expect(() => splitSecret(s, 2, 3)).toThrow(RangeError);
    expect(() => splitSecret(new Uint8Array(65), 3, 2)).toThrow(RangeError);
    expect(() => splitSecret(new Uint8Array(0), 3, 2)).toThrow(RangeError);
    expect(() => formatShare(2, 17, s)).toThrow(RangeError);
  });
});

describe('key derivation', () => {
  it('derives working key pairs for every curve', () => {
    const msg = utf8('message');
    const ed = deriveKeyPair(generateSeed(KeyAlgorithm.Ed25519));
    expect(ed.publicKey).toEqual(ed25519.getPublicKey(ed.privateKey));
    expect(ed25519.verify(ed25519.sign(msg, ed.privateKey), msg, ed.publicKey)).toBe(true);
    const e4 = deriveKeyPair(generateSeed(KeyAlgorithm.Ed448));
    expect([e4.privateKey.length, e4.publicKey.length]).toEqual([57, 57]);
    expect(ed448.verify(ed448.sign(msg, e4.privateKey), msg, e4.publicKey)).toBe(true);
    const [xa, xb] = [deriveKeyPair(generateSeed(KeyAlgorithm.X25519)), deriveKeyPair(generateSeed(KeyAlgorithm.X25519))];
    expect(x25519.getSharedSecret(xa.privateKey, xb.publicKey)).toEqual(x25519.getSharedSecret(xb.privateKey, xa.publicKey));
    const x4 = deriveKeyPair(generateSeed(KeyAlgorithm.X448));
    expect(x4.publicKey).toEqual(x448.getPublicKey(x4.privateKey));
    const p = deriveKeyPair(generateSeed(KeyAlgorithm.P256));
    expect(p.publicKey).toHaveLength(65);
    expect(p256.verify(p256.sign(msg, p.privateKey), msg, p.publicKey)).toBe(true);
    expect(deriveKeyPair(generateSeed(KeyAlgorithm.P521)).privateKey).toHaveLength(66);
  });

  it('derives from an Any seed with the target specifier as salt (§4.4.5)', () => {
    const any = 'ZAAA-A6WP-XMGW-FUOF-2T5L-AHNL-FBPY-RSY';
    // conformance/udf.md item 17: the generator's real X25519 value (salt 00 01, empty info)
    expect(toHex(deriveKeyPair(any, 'X25519').privateKey)).toBe('5b4294f6f28b961a22e782a668e01b6752d2011fc35c03e6aa2ccd5af123720f');
    expect(() => deriveKeyPair(any)).toThrow(TypeError);
    expect(() => deriveKeyPair('ZAAA-CDJ5-DHPA-DUUW-WIPQ-UXNC-DSAR-U7A', 'Ed25519')).toThrow(TypeError);
  });

  it('reports unsupported algorithms and bad seeds', () => {
    dareError(() => deriveKeyPair('ZAAA-RJ5I-OSMI-X2KH-MBHX-KUPB-OC54-NQI'), 'UNSUPPORTED_ALGORITHM', /RSA2048 is not supported/);
    dareError(() => deriveKeyPair('NAAA-AAI'), 'UDF_INVALID', /expected a seed udf/);
    const s = parseSeed(formatSeed(KeyAlgorithm.Ed448, new Uint8Array(16), 2));
    expect([s.algorithmName, s.use]).toEqual(['Ed448', 2]);
    expect(() => generateSeed(KeyAlgorithm.X25519, 0, 64)).toThrow(RangeError);
  });
});

describe('earl and udf uris', () => {
  it('generates, formats and parses EARLs', () => {
    const e = generateEarl('Example.COM');
    expect(e.uri).toMatch(/^udf:\/\/example\.com\/E[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
    expect(parseEarl(e.uri)).toEqual(e);
    expect(e.identifier.replace(/-/g, '')).toHaveLength(56);
    expect(e.identifier).toBe(contentIdentifier(e.key));
    expect(parseUdf(e.identifier).type).toBeGreaterThanOrEqual(96);
    expect(formatEarl('example.com', generateSecret(512)).identifier.replace(/-/g, '')).toHaveLength(88);
  });

  it('parses queries and fragments, and rejects what is not an EARL', () => {
    const u = parseUdfUri('UDF://example.com/MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4?x=1#frag');
    expect([u.form, u.domain, u.query, u.fragment]).toEqual(['locator', 'example.com', 'x=1', 'frag']);
    dareError(() => parseEarl('udf:EADA-YKC5-WSUK-AACN-WRRO-MJOQ-PVSK-SM'), 'UDF_INVALID', /locator/);
    dareError(() => parseEarl('udf://example.com/MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4'), 'UDF_INVALID', /encryption udf, got a digest/);
    dareError(() => parseEarl('udf://10.0.0.1/EADA-YKC5-WSUK-AACN-WRRO-MJOQ-PVSK-SM'), 'UDF_INVALID', /ip addresses/);
    dareError(() => parseEarl('udf://exa_mple.com/EADA-YKC5-WSUK-AACN-WRRO-MJOQ-PVSK-SM'), 'UDF_INVALID', /invalid domain label/);
    dareError(() => parseEarl('udf://example.com'), 'UDF_INVALID', /no udf after the domain/);
    dareError(() => parseUdfUri('http://example.com/x'), 'UDF_INVALID', /must start with "udf:"/);
    dareError(() => contentIdentifier('SAYC-UW4N-56UI-VTTZ-62UN-J6FP-ETD3-O'), 'UDF_INVALID', /recover the secret first/);
  });
});

describe('strong internet names', () => {
  it('reads the §1.3 labels, groups of 5 included', () => {
    const names = ['alice@mm--mb2gk-6duf5-ygyyl-jny5e-rwshz.example.com', 'alice@example.com.mm--mb2gk-6duf5-ygyyl-jny5e-rwshz'];
    for (const n of names) {
      const s = parseStrongName(n);
      expect(s.local).toBe('alice');
      expect(s.sins.map((u) => u.text)).toEqual(['MB2G-K6DU-F5YG-YYLJ-NY5E-RWSH-Z']);
    }
    expect(parseStrongName('alice@example.com').sins).toEqual([]);
  });

  it('builds labels of at most 63 characters', () => {
    const d = contentDigest(utf8('policy'), 'application/pkix-cert', { bits: 440 });
    const label = sinLabel(d);
    expect(label).toHaveLength(63);
    expect(label.startsWith('mm--')).toBe(true);
    expect(d.toLowerCase().startsWith(label.slice(4))).toBe(true);
    expect(parseSinLabel(label.toUpperCase().replace(/^MM/, 'mm')).info.kind).toBe('digest');
    const short = contentDigest(utf8('policy'), 'application/pkix-cert');
    expect(strongDomain('Example.com', short)).toBe(`${sinLabel(short)}.example.com`);
    expect(strongDomain('example.com', short, 'suffix')).toBe(`example.com.${sinLabel(short)}`);
  });

  it('rejects labels that are not SINs', () => {
    dareError(() => parseSinLabel('xx--mb2gk-6duf5-ygyyl-jny5e-rwshz'), 'UDF_INVALID', /must start with "mm--"/);
    dareError(() => parseSinLabel('mm--nd5l-y3e6-gddz-kicr-npdl-5wwm-4qsa'), 'UDF_INVALID', /nonce udf, not a content digest/);
    dareError(() => parseSinLabel(`mm--${'m'.repeat(60)}`), 'UDF_INVALID', /longer than 63/);
    dareError(() => sinLabel(generateNonce()), 'UDF_INVALID', /content digest/);
  });
});

describe('fingerprints', () => {
  it('lays out the reference SPKI for each Edwards/Montgomery algorithm', () => {
    expect(toHex(referenceSpkiPrefix('Ed25519'))).toBe('302e300706032b657005000323000420');
    expect(toHex(referenceSpkiPrefix('X25519'))).toBe('302e300706032b656e05000323000420');
    expect(toHex(referenceSpkiPrefix('X448'))).toBe('3046300706032b656f0500033b000438');
    expect(toHex(referenceSpkiPrefix('Ed448'))).toBe('3047300706032b65710500033c000439');
    const pub = ed448.getPublicKey(new Uint8Array(57));
    expect(keyFingerprint('Ed448', pub)).toMatch(/^M/);
    expect(() => keyFingerprint('Ed25519', pub)).toThrow(RangeError);
  });
});
