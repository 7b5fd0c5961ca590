/**
 * The reference's JSON key forms (draft-hallambaker-mesh-schema-08 §10.1.2 KeyData,
 * draft-hallambaker-mesh-dare-12 Appendix A): a single key
 *
 *   {"PublicKeyECDH": {"crv": "Ed25519", "Public": "<base64url>"}}
 *   {"PrivateKeyECDH": {"crv": "X25519", "Private": "<base64url>"}}
 *
 * and the KeyData that profiles carry, bare or under its name:
 *
 *   {"KeyData": {"Udf": "MC44-...", "PublicParameters": {"PublicKeyECDH": {...}},
 *                "PrivateParameters": {"PrivateKeyECDH": {...}}}}
 *
 * Curves X25519, X448 (RFC 7748) and Ed25519, Ed448 (RFC 8032). A private key gives its
 * public key; when both are given they must agree, and a `Udf` of a signature key must be
 * the key's fingerprint (the X448 key ids of the reference are left to lib/mesh).
 * @module
 */
import { DareError } from '../errors.js';
import { agreementPublicKey } from '../crypto/agreement.js';
import { signaturePublicKey } from '../crypto/signature.js';
import { base64urlDecode } from '../encoding/base64url.js';
import { equalBytes } from '../internal/bytes.js';
import { keyFingerprint } from '../udf/index.js';
import type { AgreementCurve, SignatureCurve } from './types.js';

export type KeyDataCurve = AgreementCurve | SignatureCurve;

export interface KeyData {
  readonly crv: KeyDataCurve;
  readonly publicKey: Uint8Array;
  /** Present for PrivateKeyECDH and a KeyData with PrivateParameters. */
  readonly privateKey?: Uint8Array;
  /** The KeyData's Udf, when it had one. */
  readonly udf?: string;
}

const CURVES: readonly KeyDataCurve[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];
const PUBLIC_LENGTH: Record<KeyDataCurve, number> = { X25519: 32, X448: 56, Ed25519: 32, Ed448: 57 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(why: string): never {
  throw new DareError('KEY_INVALID', `key data: ${why}`);
}

function bytes(o: Obj, field: string): Uint8Array {
  const v = o[field];
  if (typeof v !== 'string') return bad(`missing ${field}`);
  try {
    return base64urlDecode(v.replace(/\s+/g, ''));
  } catch {
    return bad(`${field} is not base64url`);
  }
}

function curve(o: Obj): KeyDataCurve {
  const crv = o.crv;
  if (typeof crv !== 'string' || !CURVES.includes(crv as KeyDataCurve)) return bad(`unsupported curve ${JSON.stringify(crv)} (X25519, X448, Ed25519 or Ed448)`);
  return crv as KeyDataCurve;
}

function derive(crv: KeyDataCurve, privateKey: Uint8Array): Uint8Array {
  try {
    return crv === 'Ed25519' || crv === 'Ed448' ? signaturePublicKey(crv, privateKey) : agreementPublicKey(crv, privateKey);
  } catch (e) {
    return bad(`${crv} private key is invalid: ${(e as Error).message}`);
  }
}

function publicEcdh(v: unknown): { crv: KeyDataCurve; publicKey: Uint8Array } {
  if (!isObj(v) || !isObj(v.PublicKeyECDH)) return bad('PublicParameters holds no PublicKeyECDH');
  const crv = curve(v.PublicKeyECDH);
  const publicKey = bytes(v.PublicKeyECDH, 'Public');
  if (publicKey.length !== PUBLIC_LENGTH[crv]) bad(`${crv} public key of ${publicKey.length} bytes (expected ${PUBLIC_LENGTH[crv]})`);
  return { crv, publicKey };
}

function privateEcdh(v: unknown): { crv: KeyDataCurve; publicKey: Uint8Array; privateKey: Uint8Array } {
  if (!isObj(v) || !isObj(v.PrivateKeyECDH)) return bad('PrivateParameters holds no PrivateKeyECDH');
  const crv = curve(v.PrivateKeyECDH);
  const privateKey = bytes(v.PrivateKeyECDH, 'Private');
  return { crv, publicKey: derive(crv, privateKey), privateKey };
}

/** True when `v` is one of the forms {@link parseKeyData} reads (by its top-level names). */
export function isKeyData(v: unknown): boolean {
  return isObj(v) && ('PublicKeyECDH' in v || 'PrivateKeyECDH' in v || 'KeyData' in v || 'PublicParameters' in v || 'PrivateParameters' in v);
}

/** Reads a parsed JSON value in one of the reference's key forms; KEY_INVALID otherwise. */
export function parseKeyData(v: unknown): KeyData {
  if (!isObj(v)) return bad('not a JSON object');
  if ('PublicKeyECDH' in v) return publicEcdh(v);
  if ('PrivateKeyECDH' in v) return privateEcdh(v);
  const kd = 'KeyData' in v ? v.KeyData : v;
  if (!isObj(kd) || !('PublicParameters' in kd || 'PrivateParameters' in kd)) return bad('expected PublicKeyECDH, PrivateKeyECDH or KeyData');
  const priv = kd.PrivateParameters !== undefined ? privateEcdh(kd.PrivateParameters) : undefined;
  const pub = kd.PublicParameters !== undefined ? publicEcdh(kd.PublicParameters) : undefined;
  if (priv && pub && (priv.crv !== pub.crv || !equalBytes(priv.publicKey, pub.publicKey))) bad('PrivateParameters and PublicParameters are not one key pair');
  const key = (priv ?? pub) as { crv: KeyDataCurve; publicKey: Uint8Array; privateKey?: Uint8Array };
  const udf = typeof kd.Udf === 'string' ? kd.Udf : undefined;
  if (udf !== undefined && (key.crv === 'Ed25519' || key.crv === 'Ed448')) {
    // A fingerprint at any precision is a prefix of the longest one (udf-13 §5.1).
    const given = udf.replace(/-/g, '').toUpperCase();
    const full = keyFingerprint(key.crv, key.publicKey, 440).replace(/-/g, '');
    if (given.length < 20 || !full.startsWith(given)) bad(`Udf ${udf} is not the fingerprint of its ${key.crv} key`);
  }
  return { ...key, ...(udf !== undefined ? { udf } : {}) };
}
