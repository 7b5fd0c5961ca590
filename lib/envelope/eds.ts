/**
 * Encoded Data Sequences (draft-hallambaker-mesh-dare-12 §3.3): the annotations
 * and the cloaked header of an envelope. An EDS is a run of JSON-B binary items:
 * salt prefix, body and, when encrypted by this implementation, a MAC tag
 * (docs/FORMAT.md §3). Every example in the drafts has only the first two items
 * (conformance/dare.md item 21); readers accept two or three.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { binaryChunkHeader } from '../encoding/jsonb-writer.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { concatBytes, equalBytes } from '../internal/bytes.js';
import { allocBytes } from '../internal/pool.js';
import { deriveItemKeys, edsSalt } from './keyschedule.js';

/** Context for encrypted EDS: the master key and the header Salt. */
export interface EdsContext {
  readonly master: Uint8Array;
  readonly salt: Uint8Array;
}

/** The items as one array: binary item headers and bodies (from the small-array pool). */
function items(...bodies: Uint8Array[]): Uint8Array {
  const heads = bodies.map((b) => binaryChunkHeader(b.length, true));
  let n = 0;
  for (let i = 0; i < bodies.length; i++) n += (heads[i] as Uint8Array).length + (bodies[i] as Uint8Array).length;
  const out = allocBytes(n);
  let o = 0;
  for (let i = 0; i < bodies.length; i++) {
    out.set(heads[i] as Uint8Array, o);
    o += (heads[i] as Uint8Array).length;
    out.set(bodies[i] as Uint8Array, o);
    o += (bodies[i] as Uint8Array).length;
  }
  return out;
}

/** Writes an EDS; encrypted and MAC'd when `ctx` is given, else plaintext with two items. */
export function encodeEds(prefix: Uint8Array, body: Uint8Array, ctx?: EdsContext): { eds: Uint8Array; tag?: Uint8Array } {
  if (ctx === undefined) return { eds: items(prefix, body) };
  const k = deriveItemKeys(ctx.master, edsSalt(prefix, ctx.salt));
  const backend = getBackend();
  const ciphertext = backend.aesCbcEncrypt(k.encryptionKey, k.iv, body);
  const tag = backend.hmac('sha256', k.macKey, ciphertext);
  return { eds: items(prefix, ciphertext, tag), tag };
}

/** The items of an EDS without decrypting: prefix, body and the tag when present. */
export function splitEds(eds: Uint8Array): { prefix: Uint8Array; body: Uint8Array; tag?: Uint8Array } {
  const fast = splitCanonical(eds);
  if (fast !== undefined) return fast;
  // The items are a sequence of top-level JSON-B values; wrap them as an array to read them.
  let items: unknown;
  try {
    items = decodeJsonB(concatBytes(Uint8Array.of(0x5b), eds, Uint8Array.of(0x5d)));
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', 'encoded data sequence is not a run of json-b items', { cause: e });
  }
  if (!Array.isArray(items) || items.length < 2 || items.length > 3 || !items.every((x) => x instanceof Uint8Array)) {
    throw new DareError('HEADER_MALFORMED', 'encoded data sequence must hold two or three binary items');
  }
  const [prefix, body, tag] = items as Uint8Array[];
  return { prefix: prefix as Uint8Array, body: body as Uint8Array, tag: tag !== undefined && tag.length > 0 ? tag : undefined };
}

/**
 * The common case without a JSON-B decode: two or three one-chunk binary items back to back
 * (what encodeEds writes). Undefined for anything else, which the general reader handles.
 * The items are copies, as the general path's are (they do not share the caller's memory).
 */
function splitCanonical(eds: Uint8Array): { prefix: Uint8Array; body: Uint8Array; tag?: Uint8Array } | undefined {
  const items: Uint8Array[] = [];
  let pos = 0;
  while (pos < eds.length) {
    const t = eds[pos] as number;
    // 0x88-0x8B: a final binary item with a 1, 2, 4 or 8-byte length.
    if (t < 0x88 || t > 0x8b || items.length === 3) return undefined;
    const w = 1 << (t & 3);
    if (pos + 1 + w > eds.length) return undefined;
    let len = 0;
    for (let i = 1; i <= w; i++) len = len * 256 + (eds[pos + i] as number);
    const start = pos + 1 + w;
    if (len > eds.length - start) return undefined;
    items.push(eds.slice(start, start + len));
    pos = start + len;
  }
  if (items.length < 2) return undefined;
  const [prefix, body, tag] = items as [Uint8Array, Uint8Array, Uint8Array | undefined];
  return { prefix, body, tag: tag !== undefined && tag.length > 0 ? tag : undefined };
}

export interface DecodedEds {
  readonly prefix: Uint8Array;
  readonly data: Uint8Array;
  /** The MAC tag when the EDS carried one (and it verified). */
  readonly tag?: Uint8Array;
}

/**
 * Reads an EDS. With `ctx` the body is decrypted: the tag is checked first (MAC_INVALID
 * on mismatch) and a missing tag is UNAUTHENTICATED unless `allowUnauthenticated`.
 */
export function decodeEds(eds: Uint8Array, ctx: EdsContext | undefined, allowUnauthenticated: boolean): DecodedEds {
  const { prefix, body, tag } = splitEds(eds);
  if (ctx === undefined) return { prefix, data: body };
  const k = deriveItemKeys(ctx.master, edsSalt(prefix, ctx.salt));
  const backend = getBackend();
  if (tag === undefined) {
    if (!allowUnauthenticated) throw new DareError('UNAUTHENTICATED', 'encrypted annotation carries no mac (use --allow-unauthenticated to read it anyway)');
  } else if (!equalBytes(backend.hmac('sha256', k.macKey, body), tag)) {
    throw new DareError('MAC_INVALID', 'annotation mac does not verify');
  }
  return { prefix, data: backend.aesCbcDecrypt(k.encryptionKey, k.iv, body), tag };
}
