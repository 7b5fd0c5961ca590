/**
 * The algorithm registry: the identifiers DARE headers carry (`"enc"`, `"dig"`,
 * `"alg"`, `"crv"`; draft-hallambaker-mesh-dare-12 §2 uses the JOSE names of RFC 7518
 * plus the Mesh's own) mapped to their implementations. Unknown identifiers raise
 * DareError('UNSUPPORTED_ALGORITHM'). The string `"none"` is not an algorithm: a codec
 * that meets `"enc":"none"` or `"dig":"none"` handles it before asking the registry.
 *
 * | identifier | kind | meaning |
 * |---|---|---|
 * | `S256`, `S512` | digest | SHA-2-256, SHA-2-512 (the reference's `SHA2_256`/`SHA2_512`) |
 * | `S3256`, `S3512` | digest | SHA-3-256, SHA-3-512; read aliases `SHA3256`, `SHA3512` (reference spelling) |
 * | `HS256`, `HS512` | mac | HMAC-SHA-2-256/512 (RFC 7518 §3.2) |
 * | `A256CBC` | encryption | AES-256-CBC, PKCS#7, 16-byte IV (reference JOSE table) |
 * | `A256GCM` | encryption | AES-256-GCM, 12-byte nonce, 16-byte tag (RFC 7518 §5.3) |
 * | `A256KW` | wrap | RFC 3394 with a 256-bit KEK (RFC 7518 §4.4) |
 * | `X25519`, `X448`, `Ed25519`, `Ed448` | curve | RFC 7748 / RFC 8032 keys |
 *
 * Writers emit the first (canonical) spelling; readers accept the aliases.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from './backend-select.js';
import type { HashAlgorithm, Hasher, HmacAlgorithm, SymmetricBackend } from '../platform/backend.js';

/** A digest algorithm and how to run it. */
export interface DigestAlgorithm {
  readonly kind: 'digest';
  /** Canonical identifier, e.g. `S512`. */
  readonly id: 'S256' | 'S512' | 'S3256' | 'S3512';
  readonly hash: HashAlgorithm;
  /** Output length in bytes. */
  readonly length: number;
  digest(data: Uint8Array, backend?: SymmetricBackend): Uint8Array;
  create(backend?: SymmetricBackend): Hasher;
}

/** A MAC algorithm and how to run it. */
export interface MacAlgorithm {
  readonly kind: 'mac';
  readonly id: 'HS256' | 'HS512';
  readonly hash: HmacAlgorithm;
  /** Tag length and recommended key length in bytes. */
  readonly length: number;
  mac(key: Uint8Array, data: Uint8Array, backend?: SymmetricBackend): Uint8Array;
  create(key: Uint8Array, backend?: SymmetricBackend): Hasher;
}

/** A bulk encryption algorithm; the codec calls the backend's matching methods. */
export interface EncryptionAlgorithm {
  readonly kind: 'encryption';
  readonly id: 'A256CBC' | 'A256GCM';
  readonly mode: 'cbc' | 'gcm';
  readonly keyLength: 32;
  /** IV (CBC) or nonce (GCM) length in bytes. */
  readonly ivLength: 16 | 12;
  /** Tag length appended by the mode, 0 for CBC. */
  readonly tagLength: 0 | 16;
  /** True when the mode authenticates the ciphertext by itself. */
  readonly authenticated: boolean;
}

/** A key wrap algorithm. */
export interface WrapAlgorithm {
  readonly kind: 'wrap';
  readonly id: 'A256KW';
  readonly kekLength: 32;
  wrap(kek: Uint8Array, keyData: Uint8Array, backend?: SymmetricBackend): Uint8Array;
  unwrap(kek: Uint8Array, wrapped: Uint8Array, backend?: SymmetricBackend): Uint8Array;
}

/** An elliptic curve of RFC 7748 or RFC 8032. */
export interface CurveAlgorithm {
  readonly kind: 'curve';
  readonly id: 'X25519' | 'X448' | 'Ed25519' | 'Ed448';
  readonly use: 'agreement' | 'signature';
  /** Public key length in bytes. */
  readonly publicKeyLength: number;
  /** Private key (RFC 7748 scalar bytes or RFC 8032 seed) length in bytes. */
  readonly privateKeyLength: number;
}

export type Algorithm = DigestAlgorithm | MacAlgorithm | EncryptionAlgorithm | WrapAlgorithm | CurveAlgorithm;

function digestAlg(id: DigestAlgorithm['id'], hash: HashAlgorithm, length: number): DigestAlgorithm {
  return Object.freeze({
    kind: 'digest', id, hash, length,
    digest: (data: Uint8Array, b: SymmetricBackend = getBackend()) => b.hash(hash, data),
    create: (b: SymmetricBackend = getBackend()) => b.createHash(hash),
  });
}

function macAlg(id: MacAlgorithm['id'], hash: HmacAlgorithm, length: number): MacAlgorithm {
  return Object.freeze({
    kind: 'mac', id, hash, length,
    mac: (key: Uint8Array, data: Uint8Array, b: SymmetricBackend = getBackend()) => b.hmac(hash, key, data),
    create: (key: Uint8Array, b: SymmetricBackend = getBackend()) => b.createHmac(hash, key),
  });
}

const A256KW: WrapAlgorithm = Object.freeze({
  kind: 'wrap', id: 'A256KW', kekLength: 32,
  wrap: (kek: Uint8Array, keyData: Uint8Array, b: SymmetricBackend = getBackend()) => b.aesKeyWrap(kek, keyData),
  unwrap: (kek: Uint8Array, wrapped: Uint8Array, b: SymmetricBackend = getBackend()) => b.aesKeyUnwrap(kek, wrapped),
});

const S3256 = digestAlg('S3256', 'sha3-256', 32);
const S3512 = digestAlg('S3512', 'sha3-512', 64);

/** Every identifier (canonical and alias) the registry knows. */
const TABLE: ReadonlyMap<string, Algorithm> = new Map<string, Algorithm>([
  ['S256', digestAlg('S256', 'sha256', 32)],
  ['S512', digestAlg('S512', 'sha512', 64)],
  ['S3256', S3256],
  ['S3512', S3512],
  ['SHA3256', S3256],
  ['SHA3512', S3512],
  ['HS256', macAlg('HS256', 'sha256', 32)],
  ['HS512', macAlg('HS512', 'sha512', 64)],
  ['A256CBC', Object.freeze({
    kind: 'encryption', id: 'A256CBC', mode: 'cbc', keyLength: 32, ivLength: 16, tagLength: 0, authenticated: false,
  } as const)],
  ['A256GCM', Object.freeze({
    kind: 'encryption', id: 'A256GCM', mode: 'gcm', keyLength: 32, ivLength: 12, tagLength: 16, authenticated: true,
  } as const)],
  ['A256KW', A256KW],
  ['X25519', Object.freeze({ kind: 'curve', id: 'X25519', use: 'agreement', publicKeyLength: 32, privateKeyLength: 32 } as const)],
  ['X448', Object.freeze({ kind: 'curve', id: 'X448', use: 'agreement', publicKeyLength: 56, privateKeyLength: 56 } as const)],
  ['Ed25519', Object.freeze({ kind: 'curve', id: 'Ed25519', use: 'signature', publicKeyLength: 32, privateKeyLength: 32 } as const)],
  ['Ed448', Object.freeze({ kind: 'curve', id: 'Ed448', use: 'signature', publicKeyLength: 57, privateKeyLength: 57 } as const)],
]);

type KindMap = {
  digest: DigestAlgorithm;
  mac: MacAlgorithm;
  encryption: EncryptionAlgorithm;
  wrap: WrapAlgorithm;
  curve: CurveAlgorithm;
};

/**
 * The algorithm named `id` (case-sensitive, as JOSE names are), optionally required to
 * be of `kind`; DareError('UNSUPPORTED_ALGORITHM') when unknown or of another kind.
 */
export function lookupAlgorithm<K extends keyof KindMap>(id: string, kind: K): KindMap[K];
export function lookupAlgorithm(id: string): Algorithm;
export function lookupAlgorithm(id: string, kind?: keyof KindMap): Algorithm {
  if (typeof id !== 'string') throw new TypeError('"id" expected a string');
  const alg = TABLE.get(id);
  if (alg === undefined) throw new DareError('UNSUPPORTED_ALGORITHM', `unsupported algorithm ${JSON.stringify(id)}`);
  if (kind !== undefined && alg.kind !== kind) {
    throw new DareError('UNSUPPORTED_ALGORITHM', `algorithm ${JSON.stringify(id)} is not a ${kind} algorithm`);
  }
  return alg;
}

/** The digest named by a `"dig"` value such as `S512`. */
export function digestAlgorithm(id: string): DigestAlgorithm {
  return lookupAlgorithm(id, 'digest');
}

/** The MAC algorithm named `id`, such as `HS512`. */
export function macAlgorithm(id: string): MacAlgorithm {
  return lookupAlgorithm(id, 'mac');
}

/** The bulk encryption algorithm named by an `"enc"` value such as `A256CBC`. */
export function encryptionAlgorithm(id: string): EncryptionAlgorithm {
  return lookupAlgorithm(id, 'encryption');
}

/** The key wrap algorithm named `id` (`A256KW`). */
export function wrapAlgorithm(id: string): WrapAlgorithm {
  return lookupAlgorithm(id, 'wrap');
}

/** The curve named by a `"crv"` value. */
export function curveAlgorithm(id: string): CurveAlgorithm {
  return lookupAlgorithm(id, 'curve');
}

/** All identifiers accepted, canonical ones and aliases. */
export function algorithmIds(): string[] {
  return [...TABLE.keys()];
}
