/**
 * Private key files (docs/FORMAT.md §7): a key set as JSON, optionally sealed
 * under a passphrase with scrypt (RFC 7914) and AES-256-GCM. Also reads the
 * reference's single-key form `{"PrivateKeyECDH": {"crv", "Private"}}` (Appendix A).
 * Hostile files cannot make scrypt allocate without bound: its parameters are capped.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { agreementPublicKey } from '../crypto/agreement.js';
import { signaturePublicKey } from '../crypto/signature.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { formatPublicKeySet, parsePublicKeySet, publicKeySet, type KeySet, type PublicKeySet } from './keyset.js';
import { isKeyData, parseKeyData, type KeyData } from './keydata.js';
import type { AgreementCurve, DecryptionKey, SignatureCurve, SigningKey } from './types.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default cost: N = 2^17, r = 8 (128 MiB, about a second), as age uses for passphrases. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 17, r: 8, p: 1 };
/** Upper bounds a file may ask for (memory 128·N·r bytes). */
export const MAX_SCRYPT: ScryptParams = { N: 1 << 20, r: 16, p: 4 };
/** Upper bound of the scrypt memory 128·N·r a file may ask for: 1 GiB (docs/LIMITS.md). */
const MAX_SCRYPT_MEMORY = 2 ** 30;
const GCM_NONCE_LENGTH = 12;

/**
 * The associated data of the seal: the label, and in files that carry their public key
 * outside the seal (`public`, written since 0.1.0) that line too, so that it cannot be
 * swapped without the unseal failing.
 */
function sealAad(publicLine?: string): Uint8Array {
  return utf8(publicLine === undefined ? 'DareKeySetProtected v1' : `DareKeySetProtected v1\n${publicLine}`);
}

/** What a key file gives: keys that decrypt, keys that sign, and the key set when there is one. */
export interface Identity {
  readonly keySet?: KeySet;
  readonly decryptionKeys: readonly DecryptionKey[];
  readonly signingKeys: readonly SigningKey[];
}

function keySetJson(k: KeySet): string {
  return JSON.stringify({
    DareKeySet: {
      version: 1,
      encryption: { crv: k.encryption.crv, Private: base64urlEncode(k.encryption.privateKey), Public: base64urlEncode(k.encryption.publicKey) },
      signature: { crv: k.signature.crv, Private: base64urlEncode(k.signature.privateKey), Public: base64urlEncode(k.signature.publicKey) },
    },
  }, null, 2);
}

async function passphraseKey(passphrase: string, salt: Uint8Array, p: ScryptParams): Promise<Uint8Array> {
  return getBackend().scrypt(utf8(passphrase.normalize('NFC')), salt, { ...p, dkLen: 32, maxmem: 2 ** 31 });
}

/** Serializes a key set, sealed under `passphrase` when given. */
export async function encodeKeyFile(k: KeySet, passphrase?: string, scrypt: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const plain = keySetJson(k);
  if (passphrase === undefined) return plain + '\n';
  if (passphrase.length === 0) throw new RangeError('empty passphrase');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const key = await passphraseKey(passphrase, salt, scrypt);
  // The public key stays readable without the passphrase (for -e, --signer, keygen --public).
  const publicLine = formatPublicKeySet(publicKeySet(k));
  const sealed = getBackend().aesGcmEncrypt(key, nonce, utf8(plain), sealAad(publicLine));
  return JSON.stringify({
    DareKeySetProtected: {
      version: 1,
      public: publicLine,
      kdf: { alg: 'scrypt', N: scrypt.N, r: scrypt.r, p: scrypt.p, salt: base64urlEncode(salt) },
      enc: 'A256GCM', nonce: base64urlEncode(nonce), ciphertext: base64urlEncode(sealed),
    },
  }, null, 2) + '\n';
}

function bad(why: string): never {
  throw new DareError('KEY_INVALID', `key file: ${why}`);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(`missing ${k}`);
  return v;
}

function bytesField(o: Obj, k: string): Uint8Array {
  try {
    return base64urlDecode(field(o, k));
  } catch (e) {
    if (e instanceof DareError && e.code === 'KEY_INVALID') throw e;
    return bad(`${k} is not base64url`);
  }
}

function keyPair<C extends string>(o: unknown, curves: readonly C[], derive: (crv: C, priv: Uint8Array) => Uint8Array, what: string) {
  if (!isObj(o)) return bad(`missing ${what} key`);
  const crv = field(o, 'crv') as C;
  if (!curves.includes(crv)) bad(`${what} key on unsupported curve ${crv}`);
  const privateKey = bytesField(o, 'Private');
  let publicKey: Uint8Array;
  try {
    publicKey = derive(crv, privateKey);
  } catch (e) {
    return bad(`${what} private key is invalid: ${(e as Error).message}`);
  }
  return { crv, privateKey, publicKey };
}

function parseKeySet(o: unknown): KeySet {
  if (!isObj(o)) bad('DareKeySet must be an object');
  const encryption = keyPair(o.encryption, ['X25519', 'X448'] as AgreementCurve[], agreementPublicKey, 'encryption');
  const signature = keyPair(o.signature, ['Ed25519', 'Ed448'] as SignatureCurve[], (c, k) => signaturePublicKey(c, k), 'signature');
  return { encryption, signature };
}

async function unseal(o: unknown, passphrase: () => Promise<string>): Promise<KeySet> {
  if (!isObj(o) || !isObj(o.kdf)) return bad('protected key set is malformed');
  const kdf = o.kdf;
  if (kdf.alg !== 'scrypt' || field(o, 'enc') !== 'A256GCM') bad('unsupported protection');
  const p = { N: kdf.N, r: kdf.r, p: kdf.p };
  for (const k of ['N', 'r', 'p'] as const) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(`scrypt ${k} is invalid`);
    if (v > MAX_SCRYPT[k]) throw new DareError('LIMIT_EXCEEDED', `key file: scrypt ${k}=${v} is above the limit ${MAX_SCRYPT[k]}`);
  }
  const { N, r } = p as ScryptParams;
  if (N < 2 || (N & (N - 1)) !== 0) bad('scrypt N must be a power of 2');
  if (128 * N * r > MAX_SCRYPT_MEMORY) throw new DareError('LIMIT_EXCEEDED', `key file: scrypt N=${N}, r=${r} needs more than ${MAX_SCRYPT_MEMORY} bytes`);
  const nonce = bytesField(o, 'nonce');
  if (nonce.length !== GCM_NONCE_LENGTH) bad(`nonce must be ${GCM_NONCE_LENGTH} bytes`);
  const publicLine = o.public === undefined ? undefined : field(o, 'public');
  const key = await passphraseKey(await passphrase(), bytesField(kdf, 'salt'), p as ScryptParams);
  let plain: Uint8Array;
  try {
    plain = getBackend().aesGcmDecrypt(key, nonce, bytesField(o, 'ciphertext'), sealAad(publicLine));
  } catch (e) {
    if (e instanceof DareError && e.code === 'MAC_INVALID') throw new DareError('PASSPHRASE_INVALID', 'wrong passphrase for the key file');
    throw e;
  }
  let inner: unknown;
  try {
    inner = JSON.parse(fromUtf8(plain));
  } catch {
    return bad('sealed key set is not json');
  }
  if (!isObj(inner)) return bad('sealed key set is not a key object');
  const keySet = parseKeySet(inner.DareKeySet);
  // Bound by the seal already; a mismatch means the file was made wrong, not tampered with.
  if (publicLine !== undefined && formatPublicKeySet(publicKeySet(keySet)) !== publicLine.trim()) bad('the public key outside the seal is not the sealed key set\'s');
  return keySet;
}

/**
 * The identity of a reference single private key: an Ed25519 key signs and opens the
 * reference's Edwards recipient entries (CONFORMANCE item 6), an Ed448 key signs, an
 * X25519 or X448 key opens recipient entries.
 */
function identityOf(k: KeyData & { privateKey: Uint8Array }): Identity {
  const signing = k.crv === 'Ed25519' || k.crv === 'Ed448';
  const decryptionKeys: DecryptionKey[] = k.crv === 'Ed448' ? [] : [{ crv: k.crv, privateKey: k.privateKey }];
  const signingKeys: SigningKey[] = signing ? [{ crv: k.crv, privateKey: k.privateKey, publicKey: k.publicKey }] : [];
  return { decryptionKeys, signingKeys };
}

/**
 * The public key of a protected key file, readable without its passphrase; undefined for
 * other files and for protected files written before it was kept outside the seal.
 */
export function protectedPublicKey(text: string): PublicKeySet | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (!isObj(v) || !isObj(v.DareKeySetProtected)) return undefined;
    const line = v.DareKeySetProtected.public;
    return typeof line === 'string' ? parsePublicKeySet(line) : undefined;
  } catch (e) {
    if (e instanceof DareError) throw new DareError('KEY_INVALID', `key file: its public key: ${e.message}`);
    return undefined;
  }
}

/** True when the key file needs a passphrase. */
export function isProtectedKeyFile(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return isObj(v) && 'DareKeySetProtected' in v;
  } catch {
    return false;
  }
}

/**
 * Reads a key file. `passphrase` is called only when the file is protected.
 * Reference single-key files give an Ed25519/X25519 key usable both ways.
 */
export async function decodeKeyFile(text: string, passphrase: () => Promise<string> = () => Promise.reject(new DareError('PASSPHRASE_INVALID', 'key file is protected by a passphrase'))): Promise<Identity> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('not json');
  }
  if (!isObj(v)) return bad('not a key object');
  if ('DareKeySet' in v || 'DareKeySetProtected' in v) {
    const keySet = 'DareKeySet' in v ? parseKeySet(v.DareKeySet) : await unseal(v.DareKeySetProtected, passphrase);
    return { keySet, decryptionKeys: [{ crv: keySet.encryption.crv, privateKey: keySet.encryption.privateKey }], signingKeys: [keySet.signature] };
  }
  if (isKeyData(v)) {
    const k = parseKeyData(v);
    if (k.privateKey === undefined) throw new DareError('KEY_INVALID', 'key file: holds a public key only (no PrivateKeyECDH)');
    return identityOf({ ...k, privateKey: k.privateKey });
  }
  return bad('expected DareKeySet, DareKeySetProtected, PrivateKeyECDH or KeyData');
}
