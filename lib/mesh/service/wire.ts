/**
 * Requests and responses as signed envelopes (docs/PROTOCOL.md §2, §4): a DARE envelope in
 * JSON, not encrypted, whose payload is `{"<Type>": {fields}}`, whose ContentMetaData names the
 * type, the id (a request's RID; a response's MakeID(RID, responseid)) and the creation time,
 * and whose one signature is the core's envelope signature under `mmm/request/v1` or
 * `mmm/response/v1`, so it covers the metadata and the payload.
 *
 * Reading is in two steps because the key a request must be signed by depends on what the
 * request says (its account, its ConnectionDevice): {@link readEnvelope} parses within limits
 * without trusting anything, {@link verifyEnvelope} then checks the signature against the one
 * key the caller expects.
 * @module
 */
import {
  DareError, decodeEnvelopeBytes, decodeJson, encodeEnvelopeBytes, fromUtf8, isJsonObject, utf8, type JsonObject, type JsonValue,
} from '../../index.js';
import { coreSigner, type MeshSigner } from '../keys/signer.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';
import { keyUdf } from '../keys/mesh-key.js';
import { newMessageId, responseId } from '../messages/ids.js';
import { LIMITS, REQUEST_CONTENT_TYPE, REQUEST_PURPOSE, RESPONSE_CONTENT_TYPE, RESPONSE_PURPOSE, refuse } from './protocol.js';

export interface SignedMessage {
  /** The envelope's bytes (JSON text), as sent. */
  readonly bytes: Uint8Array;
  /** Its id: a request's RID, a response's MakeID(RID). */
  readonly id: string;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Writes `{type: fields}` into a signed envelope (unsigned when `signer` is undefined: Hello). */
export async function writeEnvelope(
  kind: 'request' | 'response', type: string, fields: JsonObject, id: string, signer: MeshSigner | undefined, created = new Date(),
): Promise<Uint8Array> {
  const payload = utf8(JSON.stringify({ [type]: fields }));
  return encodeEnvelopeBytes(payload, {
    encoding: 'json',
    contentMeta: {
      contentType: kind === 'request' ? REQUEST_CONTENT_TYPE : RESPONSE_CONTENT_TYPE,
      created: rfc3339(created),
      other: { UniqueId: id, MessageType: type },
    },
    signers: signer ? [coreSigner(signer)] : [],
    purpose: kind === 'request' ? REQUEST_PURPOSE : RESPONSE_PURPOSE,
    envelopeId: id,
  });
}

/** A request with a fresh RID. */
export async function signRequest(type: string, fields: JsonObject, signer: MeshSigner | undefined, created?: Date): Promise<SignedMessage> {
  const id = newMessageId();
  return { bytes: await writeEnvelope('request', type, fields, id, signer, created), id };
}

/** The response to the request `rid`, signed by the host key. */
export async function signResponse(type: string, fields: JsonObject, rid: string, host: MeshSigner): Promise<SignedMessage> {
  const id = responseId(rid);
  return { bytes: await writeEnvelope('response', type, fields, id, host), id };
}

/** An envelope read within limits, nothing about it trusted yet. */
export interface ReadEnvelope {
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly fields: JsonObject;
  readonly id: string;
  readonly created?: Date;
  /** The kid of the one signature entry, if any. */
  readonly kid?: string;
  readonly signed: boolean;
}

/** Parses an envelope (depth-bounded) and its payload; BadRequest when it is not one of ours. */
export async function readEnvelope(bytes: Uint8Array, kind: 'request' | 'response'): Promise<ReadEnvelope> {
  let outer: JsonValue;
  try {
    outer = decodeJson(fromUtf8(bytes), { maxDepth: LIMITS.maxDepth });
  } catch (e) {
    refuse('BadRequest', `body is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(outer) || outer.length < 2 || outer.length > 3 || !isJsonObject(outer[0])) {
    refuse('BadRequest', 'body is not an envelope ([header, payload, trailer])');
  }
  let decoded: Awaited<ReturnType<typeof decodeEnvelopeBytes>>;
  try {
    decoded = await decodeEnvelopeBytes(bytes, { requireTrustedSignature: false, purpose: kind === 'request' ? REQUEST_PURPOSE : RESPONSE_PURPOSE });
  } catch (e) {
    refuse(e instanceof DareError && e.code === 'SIGNATURE_INVALID' ? 'BadSignature' : 'BadRequest', `envelope: ${(e as Error).message}`, { cause: e });
  }
  const { info, payload, result } = decoded;
  if (info.encrypted) refuse('BadRequest', 'an encrypted envelope is not a request');
  const meta = info.contentMeta;
  const want = kind === 'request' ? REQUEST_CONTENT_TYPE : RESPONSE_CONTENT_TYPE;
  if (meta?.contentType !== want) refuse('BadRequest', `envelope content type is not ${want}`);
  const id = meta.other?.UniqueId;
  const type = meta.other?.MessageType;
  if (typeof id !== 'string' || typeof type !== 'string') refuse('BadRequest', 'envelope metadata names no UniqueId or MessageType');
  if (info.header.envelopeId !== id) refuse('BadRequest', 'EnvelopeId is not the metadata UniqueId');
  let body: JsonValue;
  try {
    body = decodeJson(fromUtf8(payload), { maxDepth: LIMITS.maxDepth });
  } catch (e) {
    refuse('BadRequest', `payload is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isJsonObject(body) || Object.keys(body).length !== 1) refuse('BadRequest', 'payload is not one tagged object');
  const [tag, fields] = Object.entries(body)[0] as [string, JsonValue];
  if (tag !== type) refuse('BadRequest', `payload is a ${tag.slice(0, 40)}, the metadata says ${type.slice(0, 40)}`);
  if (!isJsonObject(fields)) refuse('BadRequest', `${tag} is not an object`);
  if (result.signatures.length > 1) refuse('BadRequest', 'more than one signature');
  const created = meta.created === undefined ? undefined : new Date(meta.created);
  if (created !== undefined && Number.isNaN(created.getTime())) refuse('BadRequest', 'Created is not a time');
  // The kid as written, not as the reader fills it in from a carried key (PROTOCOL.md §2).
  return { bytes, type, fields, id, created, kid: writtenKid(outer), signed: result.signatures.length === 1 };
}

/** The `kid` of the envelope's signature entry as written (header or trailer), if it has one. */
function writtenKid(outer: JsonValue[]): string | undefined {
  for (const part of [outer[0], outer[2]]) {
    const sigs = isJsonObject(part) ? part.signatures : undefined;
    const first = Array.isArray(sigs) ? sigs[0] : undefined;
    if (isJsonObject(first)) return typeof first.kid === 'string' ? first.kid : undefined;
  }
  return undefined;
}

/** BadSignature unless the envelope's one signature is by `key` under the purpose of `kind`. */
export async function verifyEnvelope(env: ReadEnvelope, key: MeshPublicKey, kind: 'request' | 'response'): Promise<void> {
  if (!env.signed) refuse('BadSignature', 'the envelope is not signed');
  if (key.crv !== 'Ed25519' && key.crv !== 'Ed448') throw new TypeError(`a ${key.crv} key does not sign`);
  const udf = keyUdf(key);
  // PROTOCOL.md §2: the entry's kid must name the expected key; an entry without one is refused.
  if (env.kid === undefined) refuse('BadSignature', 'the signature entry names no kid');
  if (env.kid !== udf) refuse('BadSignature', `signed by ${env.kid.slice(0, 20)}, not by the expected key ${udf.slice(0, 20)}`);
  try {
    await decodeEnvelopeBytes(env.bytes, {
      trustedSigners: [{ crv: key.crv, publicKey: key.public }], requireTrustedSignature: true, acceptLegacySignatures: false,
      purpose: kind === 'request' ? REQUEST_PURPOSE : RESPONSE_PURPOSE,
    });
  } catch (e) {
    refuse('BadSignature', `signature: ${(e as Error).message}`, { cause: e });
  }
}
