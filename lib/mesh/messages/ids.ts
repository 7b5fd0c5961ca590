/**
 * Message identifiers (draft-hallambaker-mesh-schema-08 §6.2; docs/MESH.md §5):
 *
 *   MakeID(id, content) = UDF content digest, 140 bits, of the id's data bytes (the bytes
 *                         after the first, whole bytes only) with content type `content`,
 *                         SHA-3-512 when the id's first byte is 80-87 ('K…'), else SHA-2-512
 *   EnvelopeId          = MakeID(MessageId, "application/mmm/envelopeid")
 *   ResponseId          = MakeID(MessageId, "application/mmm/responseid")
 *
 * The id is read as bare base32 whatever its first byte: a connection witness used as a
 * MessageId is a raw hash, not a UDF of an assigned type. Reproduces every printed pair
 * (fixtures/mesh/vectors/make-id.json), among them the witness id `KB3G…` -> `KDKD…` (SHA-3).
 * @module
 */
import { DareError, bareUdf, contentDigest, decodePresentedBits, generateNonce } from '../../index.js';

export const ENVELOPE_ID_CONTENT_TYPE = 'application/mmm/envelopeid';
export const RESPONSE_ID_CONTENT_TYPE = 'application/mmm/responseid';

/** The bytes after the first byte, whole bytes only, of a presented identifier. */
export function identifierData(id: string): { first: number; data: Uint8Array } {
  const bare = bareUdf(id);
  if (bare.length < 8) throw new DareError('UDF_INVALID', 'identifier too short');
  const bits = decodePresentedBits(bare);
  return { first: bits[0] as number, data: bits.slice(1, Math.floor((bare.length * 5) / 8)) };
}

/** MakeID of the schema §6.2 (see the module comment). */
export function makeId(id: string, contentType: string): string {
  const { first, data } = identifierData(id);
  const alg = first >= 80 && first <= 87 ? 'sha3' : 'sha2';
  return contentDigest(data, contentType, { alg, bits: 140 });
}

/** The EnvelopeId of the envelope carrying the message `messageId`. */
export function envelopeId(messageId: string): string {
  return makeId(messageId, ENVELOPE_ID_CONTENT_TYPE);
}

/** The MessageId of a response to the message `messageId`. */
export function responseId(messageId: string): string {
  return makeId(messageId, RESPONSE_ID_CONTENT_TYPE);
}

/** A fresh random MessageId (a nonce UDF, 'N…', 128 bits). */
export function newMessageId(): string {
  return generateNonce(128);
}
