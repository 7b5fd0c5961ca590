/**
 * The one place where a Mesh envelope is signed and its signature checked (docs/MESH.md
 * §4). Interim form, until the core's envelope signatures take a purpose (the `sig`
 * work): the signature is EdDSA with the purpose `mesh/<Type>/v1` as the RFC 8032 context
 * over the 64-byte PayloadDigest, so nothing signed as one type verifies as another; the
 * metadata is bound by the checks of enveloped.ts (MessageType = the payload's own tag,
 * which the signature covers). A legacy signature (empty context, the C# reference's) is
 * accepted only when the caller asks, and reported as such.
 * @module
 */
import { DareError, base64urlDecode, base64urlEncode, isJsonObject, udfMatches, type JsonObject, type JsonValue } from '../index.js';
import { keyUdf, type MeshPublicKey } from './keys/mesh-key.js';
import { verifyWithKey, type MeshSigner } from './keys/signer.js';

const EMPTY = new Uint8Array(0);
const DIGEST_ALG = 'S512';

function context(purpose: string): Uint8Array {
  return new TextEncoder().encode(purpose);
}

function digestOf(env: readonly JsonValue[]): Uint8Array {
  const trailer = env[2];
  const header = env[0] as JsonObject;
  const d = (isJsonObject(trailer) ? trailer.PayloadDigest : undefined) ?? header.PayloadDigest;
  if (typeof d !== 'string') throw new DareError('HEADER_MALFORMED', 'mesh envelope carries no PayloadDigest');
  return base64urlDecode(d);
}

/** Adds a signature by `signer` for `purpose` to an envelope in JSON (a copy). */
export async function envelopeSign(env: readonly JsonValue[], signer: MeshSigner, purpose: string): Promise<JsonValue[]> {
  const digest = digestOf(env);
  const signature = await signer.sign(digest, context(purpose));
  const trailer: JsonObject = { ...(isJsonObject(env[2]) ? env[2] : {}) };
  const entry: JsonObject = { alg: DIGEST_ALG, kid: keyUdf(signer.publicKey), signature: base64urlEncode(signature) };
  const list = Array.isArray(trailer.signatures) ? trailer.signatures : [];
  const { PayloadDigest, ...rest } = trailer;
  return [env[0] as JsonValue, env[1] as JsonValue, { ...rest, signatures: [...list, entry], ...(PayloadDigest === undefined ? {} : { PayloadDigest }) }];
}

/**
 * The expected signer that signed the envelope for `purpose` (or, with `acceptLegacy`, with
 * the empty context). The PayloadDigest has been checked against the payload by the reader.
 * SIGNATURE_INVALID when none of `signers` did.
 */
export function envelopeSignaturesOf(
  env: readonly JsonValue[], _payload: Uint8Array, signers: readonly MeshPublicKey[], purpose: string, acceptLegacy: boolean,
): { key: MeshPublicKey; legacy: boolean } {
  const digest = digestOf(env);
  const entries: JsonValue[] = [];
  for (const part of [env[0], env[2]]) if (isJsonObject(part) && Array.isArray(part.signatures)) entries.push(...part.signatures);
  let legacy: MeshPublicKey | undefined;
  for (const e of entries) {
    if (!isJsonObject(e) || typeof e.signature !== 'string' || (e.alg !== undefined && e.alg !== DIGEST_ALG)) continue;
    const sig = base64urlDecode(e.signature);
    for (const k of signers) {
      if (typeof e.kid === 'string' && !safeMatches(e.kid, keyUdf(k))) continue;
      if (verifyWithKey(k, digest, sig, context(purpose))) return { key: k, legacy: false };
      if (acceptLegacy && verifyWithKey(k, digest, sig, EMPTY)) legacy = k;
    }
  }
  if (legacy !== undefined) return { key: legacy, legacy: true };
  throw new DareError('SIGNATURE_INVALID', entries.length ? `not signed for ${purpose} by the expected key` : 'mesh envelope is not signed');
}

function safeMatches(a: string, b: string): boolean {
  try {
    return udfMatches(a, b);
  } catch {
    return false;
  }
}
