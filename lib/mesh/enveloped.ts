/**
 * `Enveloped<T>`: a Mesh object carried in a DARE envelope in JSON
 * (draft-hallambaker-mesh-schema-08 §7.1; mesh brief "Conventions"; docs/MESH.md §4):
 *
 *   [{"EnvelopeId": …, "dig": "S512", "ContentMetaData": b64(JSON{UniqueId, MessageType,
 *     "cty": "application/mmm/object", Created})}, b64(tagged object), {signatures, PayloadDigest}]
 *
 * Opening checks, against what the caller expects and never against what the envelope
 * says about itself:
 * - the signature is by one of the keys the caller names (`signers`), never "some valid
 *   signature"; each Mesh object type is signed under its own purpose `mesh/<Type>/v1`
 *   (the RFC 8032 context), chosen from the classes the caller expects; the signature is the
 *   core's envelope signature (docs/FORMAT.md §6), so it covers the metadata (ContentMetaData,
 *   clear or cloaked), the annotations, the PayloadDigest and the PayloadMac;
 * - the payload is an object of an expected class, read by the schema codec within limits;
 * - the metadata agrees with it: MessageType is the object's class, UniqueId its identifier
 *   (a message's MessageId, a profile's UDF), EnvelopeId MakeID(MessageId) for a message and
 *   the UDF for a profile, as the drafts print them.
 * Signatures are checked over the bytes as carried: the payload is never re-encoded.
 * Failures are DareErrors: SIGNATURE_INVALID (also for metadata that disagrees with the signed
 * payload), MALFORMED, LIMIT_EXCEEDED, NO_MATCHING_KEY.
 * @module
 */
import {
  DareError, base64urlDecode, decodeEnvelopeBytes, decodeJson, encodeEnvelopeBytes, encodeJson, isJsonObject, utf8,
  type ContentMeta, type DecryptionKeyLike, type JsonObject, type JsonValue,
} from '../index.js';
import {
  decodeMeshObject, derivesFrom, encodeMeshObject, subclassesOf, type AnyMeshObject, type ClassName, type Decoded, type EnvelopeJson,
  type MeshDecodeLimits,
} from './schema/index.js';
import { isSignatureCurve, montgomeryU, samePublicKey, type MeshPublicKey } from './keys/mesh-key.js';
import { coreSigner, type MeshSigner } from './keys/signer.js';
import { envelopeId as makeEnvelopeId } from './messages/ids.js';

/** The content type of every Mesh object payload. */
export const MESH_OBJECT_CONTENT_TYPE = 'application/mmm/object';

/** The signing purpose of a Mesh object type: `mesh/<Type>/v1`. */
export function meshPurpose(type: string): string {
  return `mesh/${type}/v1`;
}

export interface SealOptions {
  /** The key that signs. */
  readonly signer: MeshSigner;
  /** Encrypt to these X25519 / X448 keys. */
  readonly recipients?: readonly MeshPublicKey[];
  /** Creation time written in the metadata (default now). */
  readonly created?: Date;
  /** Layout of the payload JSON (default compact; 'reference' writes the C# reference's). */
  readonly layout?: 'compact' | 'reference';
}

/** The identifier a Mesh object is known by: a message's MessageId, a profile's UDF. */
export function uniqueIdOf(o: AnyMeshObject): string | undefined {
  const r = o as { MessageId?: string; ProfileSignature?: { Udf?: string } };
  if (derivesFrom(o.$type, 'Message')) return r.MessageId;
  if (derivesFrom(o.$type, 'Profile')) return r.ProfileSignature?.Udf;
  return undefined;
}

/** The EnvelopeId the drafts print: MakeID(MessageId) for a message, the UDF for a profile. */
function envelopeIdOf(o: AnyMeshObject, uniqueId: string | undefined): string | undefined {
  if (uniqueId === undefined) return undefined;
  return derivesFrom(o.$type, 'Message') ? makeEnvelopeId(uniqueId) : uniqueId;
}

/** Signs (and encrypts, with recipients) a Mesh object into an envelope in JSON. */
export async function seal<C extends ClassName>(object: AnyMeshObject<C>, options: SealOptions): Promise<EnvelopeJson<C>> {
  const o = object as AnyMeshObject;
  const uniqueId = uniqueIdOf(o);
  const other: Record<string, string> = {};
  if (uniqueId !== undefined) other.UniqueId = uniqueId;
  other.MessageType = o.$type;
  const contentMeta: ContentMeta = {
    contentType: MESH_OBJECT_CONTENT_TYPE,
    created: (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    other,
  };
  const recipients = (options.recipients ?? []).map((k) => {
    if (k.crv !== 'X25519' && k.crv !== 'X448') throw new TypeError(`cannot encrypt to a ${k.crv} key`);
    return { crv: k.crv, publicKey: montgomeryU(k) };
  });
  const bytes = await encodeEnvelopeBytes(encodeMeshObject(o, { layout: options.layout }), {
    encoding: 'json', contentMeta, recipients, signers: [coreSigner(options.signer)], purpose: meshPurpose(o.$type),
    envelopeId: envelopeIdOf(o, uniqueId),
  });
  return { $envelope: decodeJson(new TextDecoder().decode(bytes)) as JsonValue[] };
}

export interface OpenOptions<C extends ClassName> {
  /** The classes (or bases) the object must be. */
  readonly expect: C | readonly C[];
  /** The keys one of which must have signed it. */
  readonly signers: readonly MeshPublicKey[];
  /** Keys or identities to decrypt with. */
  readonly keys?: readonly DecryptionKeyLike[];
  /** Accept a signature with no purpose (the C# reference's): it covers the payload only. */
  readonly acceptLegacy?: boolean;
  /** Limits of the payload decode (schema/codec.ts). */
  readonly limits?: MeshDecodeLimits;
}

export interface Opened<C extends ClassName> {
  readonly object: Decoded<C>;
  /** The signer among the expected keys. */
  readonly signer: MeshPublicKey;
  /** True when the signature was a legacy one (no purpose): it covers the payload only. */
  readonly legacy: boolean;
  readonly created?: Date;
  readonly uniqueId?: string;
  readonly envelopeId?: string;
  /** The payload as carried (plaintext). */
  readonly payload: Uint8Array;
}

/** Metadata that does not agree with the signed payload: tampering, or a forger's envelope. */
function mismatch(message: string): DareError {
  return new DareError('SIGNATURE_INVALID', message);
}

/** The bytes of an envelope in JSON, and a shallow check that it is one. */
export function envelopeBytes(env: EnvelopeJson): Uint8Array {
  const e = env?.$envelope;
  if (!Array.isArray(e) || e.length < 2 || !isJsonObject(e[0]) || typeof e[1] !== 'string') {
    throw new DareError('MALFORMED', 'not a mesh envelope ([header, payload, trailer])');
  }
  return utf8(encodeJson(e as JsonValue));
}

/** The purposes the envelope's signature entries name (hints: each is verified as the one expected). */
function namedPurposes(env: readonly JsonValue[]): Set<string> {
  const out = new Set<string>();
  for (const part of [env[0], env[2]]) {
    if (!isJsonObject(part) || !Array.isArray(part.signatures)) continue;
    for (const e of part.signatures) if (isJsonObject(e) && typeof e.Purpose === 'string') out.add(e.Purpose);
  }
  return out;
}

/**
 * Opens an envelope: the signature by one of `signers` under the purpose of the expected
 * class, the payload as an object of that class, and the metadata consistent with it.
 */
export async function open<C extends ClassName>(env: EnvelopeJson, options: OpenOptions<C>): Promise<Opened<C>> {
  const expected = typeof options.expect === 'string' ? [options.expect] : options.expect;
  if (options.signers.length === 0) throw new TypeError('"signers" expected at least one key: a mesh object is verified against the key expected to sign it');
  const bytes = envelopeBytes(env);
  // The verifier chooses the purpose: one of the expected classes' (the entries' labels only say which).
  const candidates = [...new Set(expected.flatMap((c) => subclassesOf(c)))].map(meshPurpose);
  const named = namedPurposes(env.$envelope);
  const purposes = named.size === 0 ? candidates.slice(0, 1) : candidates.filter((p) => named.has(p));
  if (purposes.length === 0) throw new DareError('SIGNATURE_INVALID', `signed for ${[...named].join(', ')}, not as ${expected.join(' or ')}`);
  const trustedSigners = options.signers.map((k) => {
    if (!isSignatureCurve(k.crv)) throw new TypeError(`a ${k.crv} key does not sign`);
    return { crv: k.crv, publicKey: k.public };
  });
  const acceptLegacy = options.acceptLegacy === true;
  let decoded: Awaited<ReturnType<typeof decodeEnvelopeBytes>> | undefined;
  let purpose = purposes[0] as string;
  let failure: unknown;
  for (const p of purposes) {
    try {
      decoded = await decodeEnvelopeBytes(bytes, {
        keys: options.keys, trustedSigners, requireTrustedSignature: true, purpose: p, acceptLegacySignatures: acceptLegacy,
      });
      purpose = p;
      break;
    } catch (e) {
      if (!(e instanceof DareError) || e.code !== 'SIGNATURE_INVALID') throw e;
      failure = e;
    }
  }
  if (decoded === undefined) throw failure;
  const { info, payload, result } = decoded;
  const object = decodeMeshObject(payload, expected, options.limits) as Decoded<C>;
  const check = result.signatures.find((c) => c.status === 'valid' && c.trusted && (acceptLegacy || !c.legacy));
  const key = options.signers.find((k) => check?.publicKey !== undefined && samePublicKey(k, { crv: k.crv, public: check.publicKey }));
  if (check === undefined || key === undefined) throw new DareError('SIGNATURE_INVALID', 'not signed by an expected key');
  if (!check.legacy && meshPurpose(object.$type) !== purpose) throw mismatch(`signed as ${purpose}, the payload is a ${object.$type}`);
  const meta = info.contentMeta;
  const other = meta?.other ?? {};
  const type = other.MessageType;
  if (type !== undefined && type !== object.$type) throw mismatch(`envelope metadata says ${String(type)}, the payload is a ${object.$type}`);
  if (type === undefined && !check.legacy) throw new DareError('MALFORMED', 'mesh envelope metadata names no MessageType');
  if (meta?.contentType !== undefined && meta.contentType !== MESH_OBJECT_CONTENT_TYPE) throw mismatch(`envelope content type is ${meta.contentType}, not ${MESH_OBJECT_CONTENT_TYPE}`);
  const uniqueId = typeof other.UniqueId === 'string' ? other.UniqueId : undefined;
  const own = uniqueIdOf(object as AnyMeshObject);
  if (uniqueId !== undefined && own !== undefined && uniqueId !== own) throw mismatch(`envelope metadata names ${uniqueId}, the object is ${own}`);
  const envelopeId = info.header.envelopeId;
  const wantId = envelopeIdOf(object as AnyMeshObject, own ?? uniqueId);
  if (envelopeId !== undefined && wantId !== undefined && envelopeId !== wantId) throw mismatch(`EnvelopeId ${envelopeId} is not ${wantId}`);
  return {
    object, signer: key, legacy: check.legacy, created: meta?.created ? new Date(meta.created) : undefined,
    uniqueId: uniqueId ?? own, envelopeId, payload,
  };
}

/**
 * The object an envelope carries, read without any check of its signature: only for
 * learning which key to check a self-signed profile against (profiles/profile.ts), whose
 * UDF the caller then compares with the one it expects before trusting anything.
 */
export async function peek<C extends ClassName>(env: EnvelopeJson, expect: C | readonly C[], limits?: MeshDecodeLimits): Promise<Decoded<C>> {
  envelopeBytes(env);
  const [header, payload] = env.$envelope as [JsonObject, string];
  if (typeof header.enc === 'string' && header.enc.toLowerCase() !== 'none') throw new DareError('MALFORMED', 'an encrypted envelope cannot be read without its key');
  let bytes: Uint8Array;
  try {
    bytes = base64urlDecode(payload);
  } catch (e) {
    throw new DareError('MALFORMED', 'envelope payload is not base64url', { cause: e });
  }
  return decodeMeshObject(bytes, expect, limits) as Decoded<C>;
}
