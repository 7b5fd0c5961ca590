/**
 * KeyData (draft-hallambaker-mesh-schema-08 §10.1.2) to and from keys, as the drafts print
 * it:
 *
 *   {"Udf": "MANW-…", "PublicParameters": {"PublicKeyECDH": {"crv": "X448", "Public": "…"}},
 *    "PrivateParameters": {"PrivateKeyECDH": {"crv": "X448z", "Private": "…"}}}
 *
 * `Udf` is the reference fingerprint of the public bytes as carried; a KeyData whose Udf
 * does not match its key is KEY_INVALID, so a pinned Udf pins the key. Private parameters:
 * `crv` names the curve for a standard private key and the curve + "z" for a raw scalar
 * (the member share `"crv": "X448z"` of protocol-09 §8.6; docs/MESH.md §3). A private key
 * that does not belong to the public key given beside it is KEY_INVALID.
 * @module
 */
import { DareError, udfMatches } from '../../index.js';
import type { MeshObject } from '../schema/index.js';
import {
  checkPublicKey, keyUdf, privateKeyFromScalar, privateKeyFromStandard, samePublicKey, scalarOfStandard,
  type MeshCurve, type MeshPrivateKey, type MeshPublicKey,
} from './mesh-key.js';

export type KeyData = MeshObject<'KeyData'>;

const CURVES: readonly MeshCurve[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];
const SCALAR_SUFFIX = 'z';

function keyInvalid(message: string): DareError {
  return new DareError('KEY_INVALID', message);
}

function curveName(crv: unknown, what: string): MeshCurve {
  if (typeof crv !== 'string' || !(CURVES as readonly string[]).includes(crv)) {
    throw new DareError('UNSUPPORTED_ALGORITHM', `${what}: curve ${JSON.stringify(String(crv).slice(0, 32))} is not supported`);
  }
  return crv as MeshCurve;
}

/** The KeyData of a public key, with its private key when given (`form` decides how it is written). */
export function keyDataOf(publicKey: MeshPublicKey, privateKey?: MeshPrivateKey): KeyData {
  checkPublicKey(publicKey);
  const kd: KeyData = {
    $type: 'KeyData',
    Udf: keyUdf(publicKey),
    PublicParameters: { $type: 'PublicKeyECDH', crv: publicKey.crv, Public: publicKey.public.slice() },
  };
  if (privateKey !== undefined) {
    if (!samePublicKey(privateKey.publicKey, publicKey)) throw new TypeError('the private key does not belong to the public key');
    kd.PrivateParameters = {
      $type: 'PrivateKeyECDH',
      crv: privateKey.form === 'scalar' ? privateKey.crv + SCALAR_SUFFIX : privateKey.crv,
      Private: privateKey.encoded.slice(),
    };
  }
  return kd;
}

/** The KeyData of a private key (public and private parameters). */
export function privateKeyDataOf(privateKey: MeshPrivateKey): KeyData {
  return keyDataOf(privateKey.publicKey, privateKey);
}

/**
 * The public key of a KeyData, checked: a PublicKeyECDH on a supported curve, well
 * encoded, and matching the Udf when one is given. `crv` restricts the curves accepted.
 */
export function publicKeyOfKeyData(kd: KeyData | undefined, what = 'key', crv?: MeshCurve | readonly MeshCurve[]): MeshPublicKey {
  if (kd === undefined) throw keyInvalid(`${what}: missing`);
  const p = kd.PublicParameters;
  if (p === undefined || (p.$type !== 'PublicKeyECDH' && p.$type !== 'PrivateKeyECDH')) throw keyInvalid(`${what}: no PublicKeyECDH public parameters`);
  const pk = p as MeshObject<'PublicKeyECDH'>;
  const curve = curveName(pk.crv, what);
  if (crv !== undefined && !(typeof crv === 'string' ? [crv] : crv).includes(curve)) throw keyInvalid(`${what}: expected a ${String(crv)} key, got ${curve}`);
  if (pk.Public === undefined) throw keyInvalid(`${what}: public key has no Public value`);
  const key = checkPublicKey({ crv: curve, public: pk.Public });
  if (kd.Udf !== undefined) {
    let same: boolean;
    try {
      same = udfMatches(kd.Udf, keyUdf(key));
    } catch {
      same = false;
    }
    if (!same) throw keyInvalid(`${what}: Udf ${kd.Udf.slice(0, 40)} does not match the key it names`);
  }
  return key;
}

/**
 * The private key of a KeyData (PrivateKeyECDH: standard, or a raw scalar when `crv` ends
 * in "z"), checked against its public parameters when they are present.
 */
export function privateKeyOfKeyData(kd: KeyData | undefined, what = 'key'): MeshPrivateKey {
  if (kd === undefined) throw keyInvalid(`${what}: missing`);
  const p = kd.PrivateParameters;
  if (p === undefined || p.$type !== 'PrivateKeyECDH') throw new DareError('NO_MATCHING_KEY', `${what}: no PrivateKeyECDH private parameters`);
  const pk = p as MeshObject<'PrivateKeyECDH'>;
  const raw = typeof pk.crv === 'string' && pk.crv.endsWith(SCALAR_SUFFIX);
  const curve = curveName(raw ? (pk.crv as string).slice(0, -1) : pk.crv, what);
  if (pk.Private === undefined) throw keyInvalid(`${what}: private key has no Private value`);
  const key = raw ? privateKeyFromScalar(curve, pk.Private) : privateKeyFromStandard(curve, pk.Private);
  if (kd.PublicParameters !== undefined || kd.Udf !== undefined) {
    const pub = kd.PublicParameters !== undefined ? publicKeyOfKeyData(kd, what) : undefined;
    if (pub !== undefined && !samePublicKey(pub, key.publicKey)) throw keyInvalid(`${what}: the private key does not match the public key`);
    if (pub === undefined && kd.Udf !== undefined && !udfMatches(kd.Udf, keyUdf(key.publicKey))) throw keyInvalid(`${what}: the private key does not match the Udf`);
  }
  return key;
}

/**
 * The secret scalar of a KeyData's private parameters, without the public key and without
 * checking that the two match: only for keys read from storage whose integrity is protected
 * otherwise (the home's key store, lib/mesh/home/key-store.ts), where a command needs the
 * scalar alone and a point multiplication would cost more than the rest of it.
 */
export function privateScalarOfKeyData(kd: KeyData | undefined, what = 'key'): { crv: MeshCurve; scalar: Uint8Array } {
  const p = kd?.PrivateParameters;
  if (p === undefined || p.$type !== 'PrivateKeyECDH') throw new DareError('NO_MATCHING_KEY', `${what}: no PrivateKeyECDH private parameters`);
  const pk = p as MeshObject<'PrivateKeyECDH'>;
  const raw = typeof pk.crv === 'string' && pk.crv.endsWith(SCALAR_SUFFIX);
  const curve = curveName(raw ? (pk.crv as string).slice(0, -1) : pk.crv, what);
  if (pk.Private === undefined) throw keyInvalid(`${what}: private key has no Private value`);
  if (raw) return { crv: curve, scalar: privateKeyFromScalar(curve, pk.Private).scalar };
  return { crv: curve, scalar: scalarOfStandard(curve, pk.Private) };
}
