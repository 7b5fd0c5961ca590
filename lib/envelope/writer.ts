/**
 * Streaming DARE Envelope encoder (draft-hallambaker-mesh-dare-12 §3, §5): header,
 * payload and trailer in one pass, memory independent of the payload size.
 * Encrypted payloads are always authenticated (PayloadMac, docs/FORMAT.md §5).
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { inThreadParallelHasher, type ParallelHasher, type StreamCipher } from '../platform/backend.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB } from '../encoding/jsonb-writer.js';
import { encodeJson } from '../encoding/json.js';
import { Base64urlEncoder } from '../encoding/base64url.js';
import type { JsonObject } from '../encoding/value.js';
import { concatBytes, utf8 } from '../internal/bytes.js';
import type { RecipientKey } from '../keys/types.js';
import type { SigningKeyLike } from '../keys/identity.js';
import { encodeContentMeta, type ContentMeta } from './content-meta.js';
import { encodeEds, type EdsContext } from './eds.js';
import { deriveItemKeys, masterKeyId, type ItemKeys } from './keyschedule.js';
import { wrapForRecipient } from './recipients.js';
import { headerValue, trailerValue, type DareHeader, type DareTrailer } from './schema.js';
import { envelopeClaim, signEnvelope } from './signatures.js';
import { purposeContext } from '../crypto/purposes.js';

export type EnvelopeEncoding = 'jsonb' | 'json';

export interface EncodeOptions {
  /** 'jsonb' (default) or 'json'. */
  encoding?: EnvelopeEncoding;
  /** Encrypt to these public keys. */
  recipients?: readonly RecipientKey[];
  /** Encrypt under this shared secret (its bytes are the master key). */
  secret?: Uint8Array;
  /**
   * Sign with these keys: each signature covers the header fields a reader acts on, the
   * PayloadDigest and the PayloadMac (docs/FORMAT.md §6), never the recipient list.
   */
  signers?: readonly SigningKeyLike[];
  /** The signing purpose, the RFC 8032 context of the signatures (default `dare/envelope/v1`; the Mesh uses `mesh/...` labels). */
  purpose?: string;
  /** Write `dig` and PayloadDigest (default true; always on when encrypting or signing). */
  digest?: boolean;
  /** Content type, file name, times: encrypted (cloaked) when the envelope is encrypted. */
  contentMeta?: ContentMeta;
  /** Annotations: EDS, encrypted under the envelope's master key when it is encrypted. */
  annotations?: readonly Uint8Array[];
  /** The payload length when known (a file): written as one binary item, else chunked. */
  payloadLength?: number;
  /**
   * The header's `EnvelopeId` (dare-12 §5.2.2), as the Mesh writes it (docs/MESH.md §4). A
   * label, not covered by the signatures: readers that act on it recompute it.
   */
  envelopeId?: string;
}

/** The key material of an encrypted envelope, chosen before anything is written. */
interface Encryption {
  master: Uint8Array;
  salt: Uint8Array;
  payloadKeys: ItemKeys;
}

const ENCRYPTION_ALG = 'A256CBC';
const DIGEST_ALG = 'S512';

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function chooseEncryption(o: EncodeOptions): Encryption | undefined {
  if ((o.recipients?.length ?? 0) === 0 && o.secret === undefined) return undefined;
  const master = o.secret ?? randomBytes(32);
  const salt = randomBytes(16);
  return { master, salt, payloadKeys: deriveItemKeys(master, salt) };
}

/** Builds the header and collects the EDS tags that PayloadMac binds. */
function buildHeader(o: EncodeOptions, enc: Encryption | undefined, digest: boolean): { header: DareHeader; edsTags: Uint8Array[] } {
  const header: DareHeader = {};
  if (o.envelopeId !== undefined) header.envelopeId = o.envelopeId;
  const edsTags: Uint8Array[] = [];
  const ctx: EdsContext | undefined = enc && { master: enc.master, salt: enc.salt };
  let prefix = 0;
  const eds = (body: Uint8Array): Uint8Array => {
    if (prefix > 255) throw new RangeError('at most 255 annotations');
    const r = encodeEds(Uint8Array.of(prefix++), body, ctx);
    if (r.tag) edsTags.push(r.tag);
    return r.eds;
  };
  if (enc) {
    header.enc = ENCRYPTION_ALG;
    header.kid = masterKeyId(enc.master);
    header.salt = enc.salt;
    if (o.recipients?.length) header.recipients = o.recipients.map((r) => wrapForRecipient(enc.master, r));
  }
  if (digest) header.dig = DIGEST_ALG;
  if (o.contentMeta) {
    const meta = encodeContentMeta(o.contentMeta);
    if (enc) header.cloaked = eds(encodeJsonB(headerValue({ contentMetaData: meta })));
    else header.contentMetaData = meta;
  }
  if (o.annotations?.length) header.annotations = o.annotations.map(eds);
  return { header, edsTags };
}

/** Serialization of the three parts in the chosen encoding. */
interface Framer {
  start(header: DareHeader): Uint8Array;
  payloadFixed(length: number): Uint8Array;
  payloadChunk(piece: Uint8Array, final: boolean): Uint8Array[];
  end(trailer: DareTrailer | undefined): Uint8Array;
}

function jsonbFramer(): Framer {
  return {
    start: (h) => concatBytes(arrayStart(), encodeJsonB(headerValue(h))),
    payloadFixed: (n) => binaryChunkHeader(n, true),
    payloadChunk: (piece, final) => [binaryChunkHeader(piece.length, final), piece],
    end: (t) => concatBytes(t ? encodeJsonB(trailerValue(t)) : new Uint8Array(0), arrayEnd()),
  };
}

function jsonFramer(): Framer {
  const b64 = new Base64urlEncoder();
  return {
    start: (h) => utf8('[' + encodeJson(headerValue(h)) + ',"'),
    payloadFixed: () => new Uint8Array(0),
    payloadChunk: (piece, final) => [utf8(b64.push(piece) + (final ? b64.end() : ''))],
    end: (t) => utf8('"' + (t ? ',' + encodeJson(trailerValue(t) as JsonObject) : '') + ']'),
  };
}

/** CBC ciphertext length for a plaintext length (PKCS#7 always adds 1..16 bytes). */
export function ciphertextLength(plaintextLength: number): number {
  return plaintextLength - (plaintextLength % 16) + 16;
}

/**
 * Encodes `source` as a DARE envelope, yielding the bytes in order. Consumes the
 * source once; holds at most one source chunk at a time.
 */
export async function* encodeEnvelope(source: AsyncIterable<Uint8Array>, options: EncodeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const enc = chooseEncryption(options);
  const signers = options.signers ?? [];
  if (options.purpose !== undefined) purposeContext(options.purpose);
  const digest = options.digest !== false || enc !== undefined || signers.length > 0;
  const { header, edsTags } = buildHeader(options, enc, digest);
  const backend = getBackend();
  const framer = options.encoding === 'json' ? jsonFramer() : jsonbFramer();
  const known = options.payloadLength;
  if (known !== undefined && (!Number.isSafeInteger(known) || known < 0)) throw new RangeError('"payloadLength" expected a non-negative integer');
  const carried = known === undefined ? undefined : enc ? ciphertextLength(known) : known;

  yield framer.start(header);
  if (carried !== undefined && options.encoding !== 'json') yield framer.payloadFixed(carried);

  const cipher: StreamCipher | undefined = enc && backend.createAesCbcEncryptor(enc.payloadKeys.encryptionKey, enc.payloadKeys.iv);
  // The digest runs on another core when the backend can (the cipher keeps this one busy).
  const hasher: ParallelHasher | undefined = digest
    ? (backend.createParallelHash?.('sha512', carried) ?? inThreadParallelHasher(backend.createHash('sha512')))
    : undefined;
  let read = 0;
  let written = 0;
  const frame = (piece: Uint8Array, final: boolean): Uint8Array[] => {
    written += piece.length;
    if (carried !== undefined && options.encoding !== 'json') return piece.length > 0 ? [piece] : [];
    if (piece.length === 0 && !final) return [];
    return framer.payloadChunk(piece, final);
  };
  let payloadDigest: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      read += chunk.length;
      if (known !== undefined && read > known) throw new DareError('IO', 'the input grew while it was read');
      const piece = cipher ? cipher.update(chunk) : chunk;
      const wait = hasher?.update(piece);
      if (wait) await wait;
      yield* frame(piece, false);
    }
    if (known !== undefined && read !== known) throw new DareError('IO', 'the input shrank while it was read');
    const last = cipher ? cipher.final() : new Uint8Array(0);
    const wait = hasher?.update(last);
    if (wait) await wait;
    yield* frame(last, true);
    if (carried !== undefined && written !== carried) throw new RangeError('internal error: payload length mismatch');
    payloadDigest = await hasher?.digest();
  } finally {
    hasher?.close();
  }

  let trailer: DareTrailer | undefined;
  if (payloadDigest) {
    trailer = { payloadDigest };
    if (enc) trailer.payloadMac = payloadMac(enc.payloadKeys.macKey, payloadDigest, edsTags);
    if (signers.length) {
      const claim = envelopeClaim(header, payloadDigest, trailer.payloadMac, options.purpose);
      trailer.signatures = signers.map((s) => signEnvelope(claim, s, enc));
    }
  }
  yield framer.end(trailer);
}

/** PayloadMac = HMAC-SHA-256(K_mac, PayloadDigest || EDS tags in order) (docs/FORMAT.md §5). */
export function payloadMac(macKey: Uint8Array, payloadDigest: Uint8Array, edsTags: readonly Uint8Array[]): Uint8Array {
  const h = getBackend().createHmac('sha256', macKey);
  h.update(payloadDigest);
  for (const t of edsTags) h.update(t);
  return h.digest();
}

/** Encodes a payload held in memory. */
export async function encodeEnvelopeBytes(payload: Uint8Array, options: EncodeOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  async function* one(): AsyncGenerator<Uint8Array> {
    yield payload;
  }
  for await (const p of encodeEnvelope(one(), { payloadLength: payload.length, ...options })) parts.push(p.slice());
  return concatBytes(...parts);
}
