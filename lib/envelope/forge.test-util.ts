/**
 * Test helper: what an attacker does to an envelope (issue 12, finding 1). Splits an
 * envelope into header, payload and trailer and joins them again (JSON-B), re-keys a
 * signed encrypted envelope with nothing but a recipient's public key (a new master key
 * under which the old ciphertext still decrypts with valid padding, new encrypted metadata
 * and annotations, a recomputed PayloadMac and witness), and makes signatures the way
 * this project made them before purposes (Ed25519ctx / Ed448 with an empty context over
 * the PayloadDigest alone), so that legacy reading can be tested.
 * @module
 */
import { getBackend } from '../crypto/backend-select.js';
import { sign } from '../crypto/signature.js';
import { JsonBStreamReader } from '../encoding/jsonb-stream.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB } from '../encoding/jsonb-writer.js';
import { concatBytes } from '../internal/bytes.js';
import type { RecipientKey, SigningKey } from '../keys/types.js';
import { keyFingerprint } from '../udf/index.js';
import { encodeContentMeta, type ContentMeta } from './content-meta.js';
import { encodeEds } from './eds.js';
import { deriveItemKeys, masterKeyId, witness } from './keyschedule.js';
import { wrapForRecipient } from './recipients.js';
import { headerValue, parseHeader, parseTrailer, trailerValue, type DareHeader, type DareTrailer, type SignatureEntry } from './schema.js';
import { payloadMac } from './writer.js';

export interface EnvelopeParts {
  header: DareHeader;
  payload: Uint8Array;
  trailer: DareTrailer;
}

async function* one(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

/** Header, payload as carried and trailer of an envelope (JSON or JSON-B). */
export async function splitEnvelope(bytes: Uint8Array): Promise<EnvelopeParts> {
  const r = new JsonBStreamReader(one(bytes));
  await r.expect('array-start');
  const header = parseHeader(await r.readValue());
  const parts: Uint8Array[] = [];
  for await (const p of r.readBinaryOrBase64()) parts.push(p.slice());
  const trailer = parseTrailer(await r.readValue());
  await r.expect('array-end');
  return { header, payload: concatBytes(...parts), trailer };
}

/** The envelope in JSON-B. */
export function joinEnvelope(p: EnvelopeParts): Uint8Array {
  return concatBytes(arrayStart(), encodeJsonB(headerValue(p.header)), binaryChunkHeader(p.payload.length, true), p.payload, encodeJsonB(trailerValue(p.trailer)), arrayEnd());
}

export interface Relabel {
  contentMeta?: ContentMeta;
  annotations?: readonly Uint8Array[];
}

/** New cloaked metadata and annotations under (master, salt), and the PayloadMac over them. */
function sealMetadata(header: DareHeader, trailer: DareTrailer, master: Uint8Array, salt: Uint8Array, relabel: Relabel): void {
  const tags: Uint8Array[] = [];
  let prefix = 0;
  const eds = (body: Uint8Array) => {
    const r = encodeEds(Uint8Array.of(prefix++), body, { master, salt });
    tags.push(r.tag as Uint8Array);
    return r.eds;
  };
  delete header.cloaked;
  delete header.annotations;
  if (relabel.contentMeta) header.cloaked = eds(encodeJsonB(headerValue({ contentMetaData: encodeContentMeta(relabel.contentMeta) })));
  if (relabel.annotations?.length) header.annotations = relabel.annotations.map(eds);
  trailer.payloadMac = payloadMac(deriveItemKeys(master, salt).macKey, trailer.payloadDigest as Uint8Array, tags);
}

/**
 * Finding 1, as the review did it: keeps the ciphertext, PayloadDigest and signatures of a
 * signed encrypted envelope, picks master keys until the ciphertext decrypts with valid
 * padding, wraps the new one to `to` (a public key: no private key is needed), writes new
 * encrypted metadata and annotations, recomputes the PayloadMac and (unless `dropWitness`)
 * every witness.
 */
export async function rekeyForgery(bytes: Uint8Array, to: RecipientKey, relabel: Relabel, options: { dropWitness?: boolean } = {}): Promise<Uint8Array> {
  const { header, payload, trailer } = await splitEnvelope(bytes);
  const salt = header.salt as Uint8Array;
  const backend = getBackend();
  let master: Uint8Array;
  for (;;) {
    master = crypto.getRandomValues(new Uint8Array(32));
    const k = deriveItemKeys(master, salt);
    try {
      backend.aesCbcDecrypt(k.encryptionKey, k.iv, payload);
      break;
    } catch {
      // Invalid padding under this key: try another one (about 1 in 256 passes).
    }
  }
  header.kid = masterKeyId(master);
  header.recipients = [wrapForRecipient(master, to)];
  sealMetadata(header, trailer, master, salt, relabel);
  trailer.signatures = (trailer.signatures ?? []).map((s) => ({
    ...s, witness: options.dropWitness ? undefined : witness(master, salt, s.signature as Uint8Array),
  }));
  return joinEnvelope({ header, payload, trailer });
}

/**
 * A legitimate recipient who knows the master key re-labels a forwarded envelope: new
 * encrypted metadata and annotations, the MAC recomputed under the same master key.
 */
export async function relabelWithMaster(bytes: Uint8Array, master: Uint8Array, relabel: Relabel): Promise<Uint8Array> {
  const { header, payload, trailer } = await splitEnvelope(bytes);
  sealMetadata(header, trailer, master, header.salt as Uint8Array, relabel);
  return joinEnvelope({ header, payload, trailer });
}

/** A signature entry as made before signing purposes: an empty context over `digest` alone. */
export function legacySignature(digest: Uint8Array, signer: SigningKey, encryption?: { master: Uint8Array; salt: Uint8Array }): SignatureEntry {
  const signature = sign(signer.crv === 'Ed25519' ? 'Ed25519ctx' : 'Ed448', signer.privateKey, digest);
  return {
    alg: 'S512',
    kid: keyFingerprint(signer.crv, signer.publicKey),
    signature,
    witness: encryption && witness(encryption.master, encryption.salt, signature),
    publicKey: { crv: signer.crv, public: signer.publicKey },
  };
}
