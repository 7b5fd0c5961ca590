/**
 * Streaming DARE Envelope decoder and verifier (draft-hallambaker-mesh-dare-12 §3,
 * §5; docs/FORMAT.md). Reads JSON and JSON-B, with or without the
 * `{"DareEnvelope": ...}` wrapper. The header is read and its metadata and
 * annotations opened by {@link EnvelopeReader.open}; the payload streams from
 * {@link EnvelopeReader.payload}, which checks the digest, the MAC and the
 * signatures after the last ciphertext byte and before releasing the last
 * plaintext block, and throws if any check fails.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { inThreadParallelHasher, type ParallelHasher, type StreamCipher } from '../platform/backend.js';
import { JsonBStreamReader } from '../encoding/jsonb-stream.js';
import { decodeJsonB } from '../encoding/jsonb-reader.js';
import { collectBytes, equalBytes } from '../internal/bytes.js';
import type { VerificationKey } from '../keys/types.js';
import type { DecryptionKeyLike } from '../keys/identity.js';
import { decodeContentMeta, type ContentMeta } from './content-meta.js';
import { decodeEds, splitEds, type EdsContext } from './eds.js';
import { deriveItemKeys, masterKeyId, type ItemKeys } from './keyschedule.js';
import { unwrapMaster } from './recipients.js';
import { parseHeader, parseTrailer, type DareHeader, type DareTrailer } from './schema.js';
import { checkSignatures, envelopeClaim, isTrustedCheck, type SignatureCheck } from './signatures.js';
import { payloadMac } from './writer.js';
import { unwrapEnvelope } from './wrapper.js';

export interface DecodeOptions {
  /** Private keys, or identities that perform the agreement (keys/identity.ts), to open recipient entries with. */
  keys?: readonly DecryptionKeyLike[];
  /** Shared secrets (master keys) to try. */
  secrets?: readonly Uint8Array[];
  /** Keys whose signatures count as trusted; with requireTrustedSignature, one must have signed. */
  trustedSigners?: readonly VerificationKey[];
  /** Fail unless a trusted signer signed (default: true when trustedSigners is not empty). */
  requireTrustedSignature?: boolean;
  /** The purpose signatures must have been made for (default `dare/envelope/v1`; docs/FORMAT.md §6). */
  purpose?: string;
  /**
   * Let a legacy signature (no purpose: an empty context over the PayloadDigest alone, as the
   * C# reference signs) by a trusted key satisfy requireTrustedSignature. Default: only for
   * an unencrypted envelope, whose PayloadDigest is the plaintext's; on an encrypted one it
   * covers the ciphertext only, and anyone holding a recipient's public key can re-key it
   * to other plaintext, metadata and annotations.
   */
  acceptLegacySignatures?: boolean;
  /** Release plaintext of encrypted data that carries no MAC (reference envelopes). */
  allowUnauthenticated?: boolean;
  /** Decrypt the payload (default true). false: verify only, yielding the carried bytes. */
  decrypt?: boolean;
}

export interface EnvelopeInfo {
  readonly header: DareHeader;
  readonly wrapped: boolean;
  readonly encrypted: boolean;
  /** True when a key opened the envelope (so metadata, annotations and payload are readable). */
  readonly opened: boolean;
  readonly contentMeta?: ContentMeta;
  /** Annotation plaintexts (empty when encrypted and not opened). */
  readonly annotations: readonly Uint8Array[];
  /** Key ids of the recipient entries. */
  readonly recipients: readonly string[];
}

export interface EnvelopeResult {
  /** True when a PayloadDigest was present and matched. */
  readonly digestChecked: boolean;
  /** True when the payload MAC (and every EDS MAC) verified. */
  readonly authenticated: boolean;
  readonly signatures: readonly SignatureCheck[];
  /** Bytes of the payload as carried (ciphertext when encrypted). */
  readonly payloadLength: number;
  /**
   * What was not checked, in words ("metadata and annotations not checked (no key)",
   * "the signature covers the payload only", ...); empty when everything was.
   */
  readonly unchecked: readonly string[];
}

interface Opened {
  master: Uint8Array;
  keys: ItemKeys;
  edsTags: Uint8Array[];
  unauthenticatedEds: boolean;
}

export class EnvelopeReader {
  private readonly options: DecodeOptions;
  private readonly source: AsyncIterable<Uint8Array>;
  private reader?: JsonBStreamReader;
  private info?: EnvelopeInfo;
  private opened?: Opened;
  private finalResult?: EnvelopeResult;

  constructor(source: AsyncIterable<Uint8Array>, options: DecodeOptions = {}) {
    this.source = source;
    this.options = options;
  }

  /** Reads the header and opens it with the keys given. */
  async open(): Promise<EnvelopeInfo> {
    if (this.info) return this.info;
    const { source, wrapped } = await unwrapEnvelope(this.source);
    const r = new JsonBStreamReader(source);
    this.reader = r;
    await r.expect('array-start');
    const header = parseHeader(await r.readValue());
    const encrypted = header.enc !== undefined && header.enc.toLowerCase() !== 'none';
    if (encrypted && header.enc !== 'A256CBC') throw new DareError('UNSUPPORTED_ALGORITHM', `payload encryption ${header.enc} is not supported`);
    if (header.dig !== undefined && header.dig !== 'S512') throw new DareError('UNSUPPORTED_ALGORITHM', `payload digest ${header.dig} is not supported`);
    if (encrypted && header.salt === undefined) throw new DareError('HEADER_MALFORMED', 'encrypted envelope has no Salt');
    if (this.options.decrypt !== false && encrypted) this.opened = await this.unlock(header);
    const ctx: EdsContext | undefined = this.opened && { master: this.opened.master, salt: header.salt as Uint8Array };
    let contentMeta: ContentMeta | undefined;
    const annotations: Uint8Array[] = [];
    if (!encrypted || this.opened) {
      const allow = this.options.allowUnauthenticated === true;
      const open = (eds: Uint8Array) => {
        const d = decodeEds(eds, ctx, allow);
        if (ctx && this.opened) {
          if (d.tag) this.opened.edsTags.push(d.tag);
          else this.opened.unauthenticatedEds = true;
        }
        return d;
      };
      if (header.cloaked) {
        const cloaked = parseHeader(decodeJsonB(open(header.cloaked).data), 'cloaked header');
        if (cloaked.contentMetaData) contentMeta = decodeContentMeta(cloaked.contentMetaData);
      }
      for (const a of header.annotations ?? []) annotations.push(open(a).data);
      this.checkPrefixes(header);
    }
    if (!contentMeta && header.contentMetaData) contentMeta = decodeContentMeta(header.contentMetaData);
    this.info = {
      header, wrapped, encrypted, opened: this.opened !== undefined, contentMeta, annotations,
      recipients: (header.recipients ?? []).map((x) => x.kid ?? '?'),
    };
    return this.info;
  }

  /** The master key from a shared secret (matched by kid first) or a recipient entry. */
  private async unlock(header: DareHeader): Promise<Opened> {
    const secrets = this.options.secrets ?? [];
    const byKid = secrets.find((s) => header.kid !== undefined && masterKeyId(s) === header.kid);
    let master = byKid;
    if (!master && header.recipients?.length) master = await unwrapMaster(header.recipients, this.options.keys ?? []);
    // The reference writes kids that name an earlier key (conformance/dare.md item 29): with no kid, try the secret.
    if (!master && secrets.length === 1 && header.kid === undefined && !header.recipients?.length) master = secrets[0];
    if (!master) {
      const why = header.recipients?.length ? 'no recipient entry matches' : `encrypted under shared secret ${header.kid ?? '(no kid)'}`;
      throw new DareError('NO_MATCHING_KEY', secrets.length ? `the secret given does not open this envelope (${why})` : `no key given for this envelope (${why})`);
    }
    return { master, keys: deriveItemKeys(master, header.salt as Uint8Array), edsTags: [], unauthenticatedEds: false };
  }

  /** EDS salt prefixes must be distinct, or two items would share keys. */
  private checkPrefixes(header: DareHeader): void {
    const seen = new Set<string>();
    for (const eds of [...(header.cloaked ? [header.cloaked] : []), ...(header.annotations ?? [])]) {
      const p = Array.from(splitEds(eds).prefix).join(',');
      if (seen.has(p)) throw new DareError('HEADER_MALFORMED', 'two encoded data sequences share a salt prefix');
      seen.add(p);
    }
  }

  /**
   * Streams the payload: plaintext when the envelope is encrypted and opened, the
   * bytes as carried otherwise. Throws a DareError at the end if any check fails; the
   * final plaintext block is released only after the MAC verifies.
   */
  async *payload(): AsyncGenerator<Uint8Array, void, undefined> {
    const info = await this.open();
    const r = this.reader as JsonBStreamReader;
    const backend = getBackend();
    const o = this.opened;
    const needDigest = info.header.dig !== undefined || info.encrypted;
    const cipher: StreamCipher | undefined = o && backend.createAesCbcDecryptor(o.keys.encryptionKey, o.keys.iv);
    let length = 0;
    const head = await r.peekHead();
    const hasPayload = head !== undefined && head.kind !== 'array-end';
    // The digest stays on this thread: CBC decryption is a small part of a decode (74 ms of
    // 1.35 s for 256 MiB, profile), so a worker saved little and lost in both paired runs
    // (2.07 -> 2.81 s and 2.10 -> 2.47 s, medians of 5, machine loaded) for 13 MiB more RSS.
    // The encoder, whose cipher costs about what its digest does, hashes on a worker.
    const hasher: ParallelHasher | undefined = needDigest ? inThreadParallelHasher(backend.createHash('sha512')) : undefined;
    let digest: Uint8Array | undefined;
    try {
      if (hasPayload) {
        for await (const piece of r.readBinaryOrBase64()) {
          length += piece.length;
          const wait = hasher?.update(piece);
          if (wait) await wait;
          if (!cipher) yield piece;
          else {
            const out = cipher.update(piece);
            if (out.length) yield out;
          }
        }
      }
      digest = await hasher?.digest();
    } finally {
      hasher?.close();
    }
    const trailer = await this.readTrailer(r, info.wrapped);
    const result = this.verify(info, trailer, digest, length);
    if (cipher) {
      if (length === 0) throw new DareError('MALFORMED', 'encrypted envelope has an empty payload');
      const last = cipher.final();
      if (last.length) yield last;
    }
    this.finalResult = result;
  }

  private async readTrailer(r: JsonBStreamReader, wrapped: boolean): Promise<DareTrailer | undefined> {
    let trailer: DareTrailer | undefined;
    const next = await r.peekHead();
    if (next === undefined) throw new DareError('TRUNCATED', 'envelope ends before its trailer');
    if (next.kind !== 'array-end') trailer = parseTrailer(await r.readValue());
    await r.expect('array-end');
    if (wrapped) await r.expect('object-end');
    await r.expectEnd();
    return trailer;
  }

  private verify(info: EnvelopeInfo, trailer: DareTrailer | undefined, digest: Uint8Array | undefined, length: number): EnvelopeResult {
    const h = info.header;
    const payloadDigest = trailer?.payloadDigest ?? h.payloadDigest;
    let digestChecked = false;
    if (h.dig !== undefined || payloadDigest !== undefined) {
      if (payloadDigest === undefined) throw new DareError('DIGEST_MISMATCH', 'envelope declares a digest but carries no PayloadDigest');
      if (digest === undefined || !equalBytes(digest, payloadDigest)) throw new DareError('DIGEST_MISMATCH', 'payload digest does not match the payload');
      digestChecked = true;
    }
    let authenticated = false;
    const o = this.opened;
    const mac = trailer?.payloadMac ?? h.payloadMac;
    if (o) {
      if (mac === undefined || o.unauthenticatedEds) {
        if (!this.options.allowUnauthenticated) {
          throw new DareError('UNAUTHENTICATED', 'encrypted payload carries no mac (written by an implementation without integrity); use --allow-unauthenticated to decode it anyway');
        }
      } else {
        if (digest === undefined || !equalBytes(payloadMac(o.keys.macKey, digest, o.edsTags), mac)) throw new DareError('MAC_INVALID', 'payload mac does not verify: the envelope was modified or the key is wrong');
        authenticated = true;
      }
    }
    const entries = [...(h.signatures ?? []), ...(trailer?.signatures ?? [])];
    const trusted = this.options.trustedSigners ?? [];
    const claim = payloadDigest && entries.length ? envelopeClaim(h, payloadDigest, mac, this.options.purpose) : undefined;
    const signatures = claim ? checkSignatures(entries, claim, trusted, o && { master: o.master, salt: h.salt as Uint8Array }) : [];
    // A witness binds a signature to the master key; on an unencrypted envelope it means nothing, so it is not let in.
    if (!info.encrypted && entries.some((e) => e.witness !== undefined)) throw new DareError('SIGNATURE_INVALID', 'a signature of an unencrypted envelope carries a witness');
    const bad = signatures.find((s) => s.status === 'invalid');
    if (bad) throw new DareError('SIGNATURE_INVALID', `signature by ${bad.kid ?? 'an unnamed key'} does not verify${bad.purpose !== undefined && bad.purpose !== claim?.purpose ? ` as ${claim?.purpose} (it was made for ${bad.purpose})` : ''}`);
    const acceptLegacy = this.options.acceptLegacySignatures ?? !info.encrypted;
    const require = this.options.requireTrustedSignature ?? trusted.length > 0;
    if (require && !signatures.some((s) => isTrustedCheck(s, acceptLegacy))) {
      const legacy = signatures.find((s) => s.status === 'valid' && s.trusted && s.legacy);
      if (legacy) {
        throw new DareError('SIGNATURE_INVALID', `the signature by ${legacy.kid ?? 'a trusted key'} is a legacy one (no purpose): it covers the ciphertext only, and anyone holding a recipient's public key can re-key the envelope to other content (--allow-legacy-signatures accepts it)`);
      }
      throw new DareError('SIGNATURE_INVALID', entries.length ? `not signed by a trusted key: signed by ${[...new Set(entries.map((s) => s.kid ?? 'an unnamed key'))].join(', ')}` : 'envelope is not signed');
    }
    const unchecked: string[] = [];
    if (info.encrypted && !o) unchecked.push('metadata and annotations not checked (no key)');
    else if (info.encrypted && !authenticated) unchecked.push('no mac: payload, metadata and annotations not authenticated');
    const relied = signatures.filter((s) => s.status === 'valid' && (trusted.length === 0 || s.trusted));
    if (relied.length && relied.every((s) => s.legacy)) unchecked.push('the signature covers the payload only (a legacy signature)');
    return { digestChecked, authenticated, signatures, payloadLength: length, unchecked };
  }

  /** The outcome of the checks; available once payload() has run to the end. */
  get result(): EnvelopeResult {
    if (!this.finalResult) throw new TypeError('payload() has not been read to the end');
    return this.finalResult;
  }
}

/** Decodes an envelope held in memory. */
export async function decodeEnvelopeBytes(bytes: Uint8Array, options: DecodeOptions = {}): Promise<{ info: EnvelopeInfo; payload: Uint8Array; result: EnvelopeResult }> {
  async function* one(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  const reader = new EnvelopeReader(one(), options);
  const info = await reader.open();
  const payload = await collectBytes(reader.payload());
  return { info, payload, result: reader.result };
}
