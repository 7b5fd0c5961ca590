/**
 * Signing purposes and the statements signed under them (docs/FORMAT.md §6, §8).
 *
 * Every signature this library makes is EdDSA (RFC 8032) with a context that names its
 * purpose: Ed25519ctx or Ed448 with the ASCII label as the context, so that a signature
 * made for one purpose never verifies for another (the label enters dom2/dom4 before
 * the message is hashed). The message is a statement: a fixed encoding of exactly what
 * the signature vouches for.
 *
 * - `dare/envelope/v1`: an envelope (§6) — the header fields a reader acts on (`enc`,
 *   `dig`, `Salt`, `cloaked`, `annotations`, `ContentMetaData`), the PayloadDigest and the
 *   PayloadMac; never the recipient list, so a rekey keeps the signature.
 * - `dare/apex/v1`: a sequence apex (§8) — the tree size and the TreeDigest (or the
 *   ChainDigest, or a seal's own PayloadDigest in List, Digest and Tree sequences).
 *
 * The Mesh signs its objects as envelopes under labels of its own (`mesh/...`): any
 * label of 1 to 255 printable ASCII characters is a purpose. A verifier takes the
 * purpose from what it expects to verify, never from the file.
 * @module
 */

/** Envelope signatures (docs/FORMAT.md §6). */
export const ENVELOPE_PURPOSE = 'dare/envelope/v1';
/** Signatures over a sequence apex: archives, logs, catalogs, spools, journals (docs/FORMAT.md §8). */
export const APEX_PURPOSE = 'dare/apex/v1';

/** The RFC 8032 context of a purpose label; RangeError unless it is 1-255 printable ASCII characters. */
export function purposeContext(label: string): Uint8Array {
  if (typeof label !== 'string' || label.length < 1 || label.length > 255 || !/^[\x21-\x7e]+$/.test(label)) {
    throw new RangeError(`a signing purpose is 1 to 255 printable ASCII characters, got ${JSON.stringify(label)}`);
  }
  return Uint8Array.from(label, (c) => c.charCodeAt(0));
}

/** The envelope fields a `dare/envelope/v1` statement covers, as carried (binary values decoded). */
export interface EnvelopeStatementFields {
  readonly enc?: string;
  readonly dig?: string;
  readonly salt?: Uint8Array;
  readonly cloaked?: Uint8Array;
  readonly annotations?: readonly Uint8Array[];
  readonly contentMetaData?: Uint8Array;
  readonly payloadDigest: Uint8Array;
  readonly payloadMac?: Uint8Array;
}

/** Statement field tags, in the order they are written. */
const TAG = { enc: 1, dig: 2, salt: 3, cloaked: 4, annotation: 5, contentMetaData: 6, payloadDigest: 7, payloadMac: 8 } as const;

/** Tag-length-value items: one tag byte, a 4-byte big-endian length, the bytes. */
function tlv(items: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  let n = 0;
  for (const [, v] of items) n += 5 + v.length;
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const [t, v] of items) {
    if (v.length > 0xffffffff) throw new RangeError('a statement field is longer than 2^32 - 1 bytes');
    out[o] = t;
    view.setUint32(o + 1, v.length);
    out.set(v, o + 5);
    o += 5 + v.length;
  }
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * The `dare/envelope/v1` statement: the fields present, each as tag, length and bytes, in
 * the order enc, dig, Salt, cloaked, each annotation, ContentMetaData, PayloadDigest,
 * PayloadMac (docs/FORMAT.md §6). An absent field is left out; every annotation is an item.
 */
export function envelopeStatement(f: EnvelopeStatementFields): Uint8Array {
  const items: [number, Uint8Array][] = [];
  if (f.enc !== undefined) items.push([TAG.enc, ascii(f.enc)]);
  if (f.dig !== undefined) items.push([TAG.dig, ascii(f.dig)]);
  if (f.salt !== undefined) items.push([TAG.salt, f.salt]);
  if (f.cloaked !== undefined) items.push([TAG.cloaked, f.cloaked]);
  for (const a of f.annotations ?? []) items.push([TAG.annotation, a]);
  if (f.contentMetaData !== undefined) items.push([TAG.contentMetaData, f.contentMetaData]);
  items.push([TAG.payloadDigest, f.payloadDigest]);
  if (f.payloadMac !== undefined) items.push([TAG.payloadMac, f.payloadMac]);
  return tlv(items);
}

/** What a sequence signature signs: the Merkle apex, a chain value, or (List, Digest, Tree) one frame's PayloadDigest. */
export type ApexKind = 'tree' | 'chain' | 'payload';
const KIND: Record<ApexKind, number> = { tree: 1, chain: 2, payload: 3 };

/**
 * The `dare/apex/v1` statement: one byte for the kind (1 TreeDigest, 2 ChainDigest,
 * 3 PayloadDigest), the number of frames it covers (the signed frame's index + 1) as
 * 8 bytes big-endian, and the 64-byte digest.
 */
export function apexStatement(kind: ApexKind, size: number, digest: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`an apex covers at least one frame, got ${size}`);
  const out = new Uint8Array(9 + digest.length);
  const view = new DataView(out.buffer);
  out[0] = KIND[kind];
  view.setUint32(1, Math.floor(size / 2 ** 32));
  view.setUint32(5, size >>> 0);
  out.set(digest, 9);
  return out;
}
