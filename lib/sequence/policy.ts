/**
 * The policy of a sequence, in frame 0 (draft-hallambaker-mesh-dare-12 §5.3.4 DarePolicy;
 * docs/FORMAT.md §8): which keys later writers encrypt new frames to (EncryptKeys),
 * the shared secret's key id when it is encrypted under one, which keys sign it
 * (SignKeys), and the digest scheme of its chain and tree values.
 * @module
 */
import { DareError } from '../errors.js';
import { asBinary } from '../encoding/json.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';
import type { AgreementCurve, RecipientKey, SignatureCurve, VerificationKey } from '../keys/types.js';

export interface SequencePolicy {
  /** DIGEST_SCHEME for sequences written here; undefined for the reference's. */
  digestScheme?: string;
  encryptKeys: readonly RecipientKey[];
  secretKid?: string;
  signKeys: readonly VerificationKey[];
}

function keyValue(crv: string, publicKey: Uint8Array): JsonObject {
  return { PublicKeyECDH: { crv, Public: publicKey } };
}

export function policyValue(p: SequencePolicy): JsonObject {
  const o: JsonObject = {};
  if (p.encryptKeys.length || p.secretKid) o.enc = 'A256CBC';
  o.dig = 'S512';
  if (p.encryptKeys.length) o.EncryptKeys = p.encryptKeys.map((k) => keyValue(k.crv, k.publicKey));
  if (p.secretKid) o.SharedSecret = p.secretKid;
  if (p.signKeys.length) o.SignKeys = p.signKeys.map((k) => keyValue(k.crv, k.publicKey));
  if (p.digestScheme) o.DigestScheme = p.digestScheme;
  return o;
}

function keys<C extends string>(v: JsonValue | undefined, curves: readonly C[], what: string): { crv: C; publicKey: Uint8Array }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DareError('HEADER_MALFORMED', `policy ${what} must be a list`);
  const out: { crv: C; publicKey: Uint8Array }[] = [];
  for (const k of v) {
    // The reference writes bare base64 keys here; only keys this project wrote name their curve.
    if (!isJsonObject(k) || !isJsonObject(k.PublicKeyECDH)) continue;
    const crv = k.PublicKeyECDH.crv;
    if (typeof crv !== 'string' || !curves.includes(crv as C)) continue;
    out.push({ crv: crv as C, publicKey: asBinary(k.PublicKeyECDH.Public) });
  }
  return out;
}

export function readPolicy(v: JsonObject | undefined): SequencePolicy {
  const o = v ?? {};
  const secret = o.SharedSecret;
  const scheme = o.DigestScheme;
  return {
    digestScheme: typeof scheme === 'string' ? scheme : undefined,
    encryptKeys: keys(o.EncryptKeys, ['X25519', 'X448'] as AgreementCurve[], 'EncryptKeys'),
    secretKid: typeof secret === 'string' ? secret : undefined,
    signKeys: keys(o.SignKeys, ['Ed25519', 'Ed448'] as SignatureCurve[], 'SignKeys'),
  };
}
