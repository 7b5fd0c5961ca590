/**
 * Sequence (Container) format constants and the per-frame record encoding
 * (draft-hallambaker-mesh-dare-12 §4, §6; docs/FORMAT.md §8). A frame is a JBCD
 * frame of three records: header, payload (raw bytes), trailer. Frame 0's header is
 * JSON text (§6.1.1 says it MUST be); later headers and all trailers are JSON-B.
 * @module
 */
import { getBackend } from '../crypto/backend-select.js';
import { encodeJsonB } from '../encoding/jsonb-writer.js';
import { encodeJson } from '../encoding/json.js';
import { concatBytes, utf8 } from '../internal/bytes.js';
import { headerValue, trailerValue, type DareHeader, type DareTrailer } from '../envelope/schema.js';

/** ContainerType values of §1.3.1. */
export type SequenceType = 'List' | 'Digest' | 'Chain' | 'Tree' | 'Merkle';
export const SEQUENCE_TYPES: readonly SequenceType[] = ['List', 'Digest', 'Chain', 'Tree', 'Merkle'];

/**
 * Marks sequences whose ChainDigest/TreeDigest follow docs/FORMAT.md §8 (frame
 * digests, RFC 9162 tree). Sequences without it (the reference's) are read, but
 * their chain and tree values are not checked: they chain nothing (dare.md 16-17).
 */
export const DIGEST_SCHEME = 'dare-fd-rfc9162-sha512';

/** Data encoding named in frame 0 for the headers that follow. */
export const DATA_ENCODING = 'JSON-B';

export function usesTreePosition(t: SequenceType): boolean {
  return t === 'Tree' || t === 'Merkle';
}

export function usesDigest(t: SequenceType): boolean {
  return t !== 'List' && t !== 'Tree';
}

/** The header record bytes: JSON text for frame 0, JSON-B after it. */
export function encodeHeaderRecord(h: DareHeader, frameZero: boolean): Uint8Array {
  return frameZero ? utf8(encodeJson(headerValue(h))) : encodeJsonB(headerValue(h));
}

export function encodeTrailerRecord(t: DareTrailer): Uint8Array {
  return encodeJsonB(trailerValue(t));
}

/**
 * The frame digest FD(n) = SHA-512(SHA-512(header record) || PayloadDigest): the
 * leaf of the Merkle tree and the link of the chain. It binds the header (paths,
 * metadata, index, positions) as well as the payload, so a signed apex covers both.
 */
export function frameDigest(headerRecord: Uint8Array, payloadDigest: Uint8Array): Uint8Array {
  const b = getBackend();
  const h = b.hash('sha512', headerRecord);
  if (h.length !== 64 || payloadDigest.length !== 64) return b.hash('sha512', concatBytes(h, payloadDigest));
  // One module scratch, not a fresh 128-byte array per frame (see internal/pool.ts).
  fdScratch.set(h, 0);
  fdScratch.set(payloadDigest, 64);
  return b.hash('sha512', fdScratch);
}

const fdScratch = new Uint8Array(128);

/** SHA-512 of the empty string: the PayloadDigest of a frame without payload. */
export function emptyDigest(): Uint8Array {
  return getBackend().hash('sha512', new Uint8Array(0));
}
