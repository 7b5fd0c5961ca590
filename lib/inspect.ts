/**
 * What a file is and who can open it, without any key (USER-REQUESTS #16): envelopes
 * (encoding, encryption, recipients, signatures, digest, MAC, payload length, clear
 * metadata), sequences (type, frames, torn tail, policy, the last frame's signatures),
 * key files and public keys. Reads headers and trailers only: nothing is decrypted and
 * nothing is verified (that is `verify`). Memory does not depend on the payload size:
 * an envelope payload is streamed past and counted, a sequence is read at its two ends.
 * @module
 */
import { DareError } from './errors.js';
import { isWhitespace } from './encoding/jsonb-head.js';
import { collectBytes, fromUtf8 } from './internal/bytes.js';
import { keyFingerprint } from './udf/index.js';
import type { RandomAccessReader } from './internal/random-access.js';
import { FileReader } from './platform/file.js';
import { decodeContentMeta, type ContentMeta } from './envelope/content-meta.js';
import { decodeEds } from './envelope/eds.js';
import { parseHeader, type DareHeader, type SignatureEntry } from './envelope/schema.js';
import { decodeJsonB } from './encoding/jsonb-reader.js';
import { envelopePayload, readEnvelopeEnd, readEnvelopeHead, type EnvelopeEncodingName } from './envelope/head.js';
import { SequenceReader } from './sequence/reader.js';
import { readFrameView, type FrameView } from './sequence/frames.js';
import { formatPublicKeySet, keySetFingerprint, parsePublicKeySet, PUBLIC_KEY_PREFIX, type PublicKeySet } from './keys/keyset.js';
import { decodeKeyFile } from './keys/keyfile.js';

// ---------------------------------------------------------------------------
// Envelopes

export interface KeyRef {
  /** The key id (a UDF fingerprint) as written, when present. */
  readonly kid?: string;
  readonly crv?: string;
}

export interface SignatureInfo extends KeyRef {
  /** The digest algorithm the entry names (`alg`). */
  readonly alg?: string;
  /** The signature algorithm, from the carried key's curve: Ed25519ctx or Ed448. */
  readonly algorithm?: string;
  readonly witness: boolean;
  readonly where: 'header' | 'trailer';
  /** The signing purpose the entry names (unchecked: inspect verifies nothing). */
  readonly purpose?: string;
  /** No purpose: a legacy signature over the bare digest (docs/FORMAT.md §6). */
  readonly legacy: boolean;
}

export interface EnvelopeInspection {
  readonly kind: 'envelope';
  readonly encoding: EnvelopeEncodingName;
  readonly wrapped: boolean;
  readonly encrypted: boolean;
  /** `enc`, e.g. A256CBC. */
  readonly encryption?: string;
  /** `dig`, e.g. S512. */
  readonly digest?: string;
  /** How it is opened: not at all, by recipients' private keys, or by a shared secret. */
  readonly mode: 'plain' | 'recipients' | 'shared-secret';
  /** The header kid: the id of the master key (of the shared secret in shared-secret mode). */
  readonly kid?: string;
  readonly recipients: readonly KeyRef[];
  readonly signatures: readonly SignatureInfo[];
  readonly payloadDigest: boolean;
  readonly payloadMac: boolean;
  /** Bytes of the payload as carried (the ciphertext when encrypted). */
  readonly payloadLength: number;
  /** Metadata in the clear; undefined when there is none or it is cloaked. */
  readonly contentMeta?: ContentMeta;
  /** True when the metadata is encrypted (cloaked). */
  readonly metadataCloaked: boolean;
  readonly annotations: number;
}

function signatureInfo(s: SignatureEntry, where: 'header' | 'trailer'): SignatureInfo {
  const crv = s.publicKey?.crv;
  return {
    kid: s.kid, crv, alg: s.alg, witness: s.witness !== undefined, where, purpose: s.purpose, legacy: s.purpose === undefined,
    algorithm: crv === 'Ed25519' ? 'Ed25519ctx' : crv === 'Ed448' ? 'Ed448' : undefined,
  };
}

/**
 * Describes an envelope read from `source` (a file stream or stdin). Reads it to the
 * end to count the payload and read the trailer; decrypts and verifies nothing.
 */
export async function inspectEnvelope(source: AsyncIterable<Uint8Array>): Promise<EnvelopeInspection> {
  const head = await readEnvelopeHead(source);
  const h = head.header;
  let payloadLength = 0;
  for await (const p of envelopePayload(head)) payloadLength += p.length;
  const trailer = await readEnvelopeEnd(head);
  const encrypted = h.enc !== undefined && h.enc.toLowerCase() !== 'none';
  let contentMeta: ContentMeta | undefined;
  if (h.contentMetaData) contentMeta = decodeContentMeta(h.contentMetaData);
  else if (h.cloaked && !encrypted) {
    // A plaintext cloaked header (another writer's choice): readable without a key.
    const inner = parseHeader(decodeJsonB(decodeEds(h.cloaked, undefined, false).data), 'cloaked header');
    if (inner.contentMetaData) contentMeta = decodeContentMeta(inner.contentMetaData);
  }
  const recipients = (h.recipients ?? []).map((r) => ({ kid: r.kid, crv: r.epk?.crv }));
  return {
    kind: 'envelope', encoding: head.encoding, wrapped: head.wrapped, encrypted,
    encryption: h.enc, digest: h.dig,
    mode: !encrypted ? 'plain' : recipients.length ? 'recipients' : 'shared-secret',
    kid: h.kid, recipients,
    signatures: [...(h.signatures ?? []).map((s) => signatureInfo(s, 'header')), ...(trailer?.signatures ?? []).map((s) => signatureInfo(s, 'trailer'))],
    payloadDigest: (trailer?.payloadDigest ?? h.payloadDigest) !== undefined,
    payloadMac: (trailer?.payloadMac ?? h.payloadMac) !== undefined,
    payloadLength, contentMeta,
    metadataCloaked: encrypted && h.cloaked !== undefined,
    annotations: h.annotations?.length ?? 0,
  };
}

// ---------------------------------------------------------------------------
// Sequences

/** Frame 0 content types of the kinds of sequence this project writes. */
const SEQUENCE_KINDS: Record<string, string> = {
  'application/dare-archive': 'archive',
  'application/x-dare-log': 'log',
  'application/mmm-catalog': 'catalog',
  'application/mmm-spool': 'spool',
  // fuse-like-watch/journal.ts JOURNAL_CONTENT_TYPE
  'application/dare-watch-journal': 'watch journal',
};

export interface FrameSignatures {
  readonly frame: number;
  readonly signed: boolean;
  readonly signatures: readonly SignatureInfo[];
}

export interface SequenceInspection {
  readonly kind: 'sequence';
  /** archive, log, catalog, spool, watch journal, or the ContainerType in lower case. */
  readonly type: string;
  readonly containerType: string;
  readonly contentType?: string;
  readonly frames: number;
  readonly tornBytes: number;
  readonly size: number;
  readonly digestScheme?: string;
  readonly encrypted: boolean;
  readonly policy: {
    readonly encryptKeys: readonly KeyRef[];
    readonly sharedSecret?: string;
    readonly signKeys: readonly KeyRef[];
  };
  readonly lastFrame: FrameSignatures;
  /** The key exchange the last encrypted frame uses: its frame and its recipients. */
  readonly lastExchange?: { readonly frame: number; readonly recipients: readonly KeyRef[] };
}

function frameSignatures(v: FrameView): FrameSignatures {
  const sigs = [...(v.header.signatures ?? []).map((s) => signatureInfo(s, 'header')), ...(v.trailer?.signatures ?? []).map((s) => signatureInfo(s, 'trailer'))];
  return { frame: v.index, signed: sigs.length > 0, signatures: sigs };
}

/** Describes a sequence file (or random-access source) from frame 0 and its last frames. */
export async function inspectSequence(source: string | RandomAccessReader): Promise<SequenceInspection> {
  const seq = await SequenceReader.open(source);
  try {
    const first = seq.first;
    const containerType = first.header.sequenceInfo?.containerType ?? '';
    const zero = await seq.open(first);
    const contentType = zero.contentMeta?.contentType;
    const type = (contentType !== undefined ? SEQUENCE_KINDS[contentType] : undefined) ?? containerType.toLowerCase();
    const ref = (k: { crv: string; publicKey: Uint8Array }): KeyRef => ({ kid: keyFingerprint(k.crv as 'X25519', k.publicKey), crv: k.crv });
    const p = seq.policy;
    const rawPolicy = first.header.policy ?? {};
    const last = seq.last;
    const isEncrypted = (h: DareHeader) => h.enc !== undefined && h.enc.toLowerCase() !== 'none';
    let lastExchange: SequenceInspection['lastExchange'];
    if (isEncrypted(last.header)) {
      const at = last.header.recipients?.length ? last.position : last.header.sequenceInfo?.exchangePosition;
      if (at !== undefined && at <= last.position) {
        const holder = at === last.position ? last : await readFrameView(seq.source, at);
        lastExchange = { frame: holder.index, recipients: (holder.header.recipients ?? []).map((r) => ({ kid: r.kid, crv: r.epk?.crv })) };
      }
    }
    return {
      kind: 'sequence', type, containerType, contentType,
      frames: last.index + 1, tornBytes: seq.tornBytes, size: await seq.source.size(),
      digestScheme: p.digestScheme,
      encrypted: typeof rawPolicy.enc === 'string' || p.encryptKeys.length > 0 || p.secretKid !== undefined || isEncrypted(last.header),
      policy: { encryptKeys: p.encryptKeys.map(ref), sharedSecret: p.secretKid, signKeys: p.signKeys.map(ref) },
      lastFrame: frameSignatures(last),
      lastExchange,
    };
  } finally {
    await seq.close();
  }
}

// ---------------------------------------------------------------------------
// Keys

export interface KeyInspection {
  readonly kind: 'public-key' | 'key-file';
  /** DareKeySet, DareKeySetProtected, PrivateKeyECDH, or dare1 for a public key. */
  readonly format: string;
  readonly protected: boolean;
  /** The key set's fingerprint (its signature key, as signatures name it); undefined when sealed. */
  readonly fingerprint?: string;
  /** The fingerprint of the encryption key: the kid of recipient entries made for it. */
  readonly encryptionKid?: string;
  readonly publicKey?: string;
  readonly curves?: { readonly encryption?: string; readonly signature?: string };
  /** scrypt parameters of a protected key file. */
  readonly kdf?: { readonly alg?: unknown; readonly N?: unknown; readonly r?: unknown; readonly p?: unknown };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describePublic(p: PublicKeySet, kind: KeyInspection['kind'], format: string): KeyInspection {
  return {
    kind, format, protected: false,
    fingerprint: keySetFingerprint(p),
    encryptionKid: keyFingerprint(p.encryption.crv, p.encryption.publicKey),
    publicKey: formatPublicKeySet(p),
    curves: { encryption: p.encryption.crv, signature: p.signature.crv },
  };
}

/**
 * Describes a public key line or a key file. A protected key file is described from its
 * outside (curves and fingerprint are inside the seal) unless `passphrase` is given.
 */
export async function inspectKeyText(text: string, passphrase?: () => Promise<string>): Promise<KeyInspection> {
  const t = text.trim();
  if (t.toLowerCase().startsWith(PUBLIC_KEY_PREFIX)) return describePublic(parsePublicKeySet(t.split(/\s+/)[0] as string), 'public-key', PUBLIC_KEY_PREFIX);
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    throw new DareError('KEY_INVALID', 'key file: not json');
  }
  if (!isObj(v)) throw new DareError('KEY_INVALID', 'key file: not a key object');
  const o = v;
  if ('DareKeySetProtected' in o && passphrase === undefined) {
    const inner = o.DareKeySetProtected;
    const kdf = isObj(inner) && isObj(inner.kdf) ? inner.kdf : {};
    return { kind: 'key-file', format: 'DareKeySetProtected', protected: true, kdf: { alg: kdf.alg, N: kdf.N, r: kdf.r, p: kdf.p } };
  }
  const format = 'DareKeySet' in o ? 'DareKeySet' : 'DareKeySetProtected' in o ? 'DareKeySetProtected' : 'PrivateKeyECDH' in o ? 'PrivateKeyECDH' : undefined;
  if (format === undefined) throw new DareError('KEY_INVALID', 'key file: expected DareKeySet, DareKeySetProtected or PrivateKeyECDH');
  const id = await decodeKeyFile(t, passphrase);
  if (id.keySet) {
    const k = id.keySet;
    return {
      ...describePublic({ encryption: { crv: k.encryption.crv, publicKey: k.encryption.publicKey }, signature: { crv: k.signature.crv, publicKey: k.signature.publicKey } }, 'key-file', format),
      protected: format === 'DareKeySetProtected',
    };
  }
  // The reference's single key (Ed25519 for both uses, or an X25519/X448 agreement key).
  const sig = id.signingKeys[0];
  const dec = id.decryptionKeys[0];
  return {
    kind: 'key-file', format, protected: false,
    fingerprint: sig ? keyFingerprint(sig.crv, sig.publicKey) : undefined,
    curves: { encryption: dec?.crv, signature: sig?.crv },
  };
}

// ---------------------------------------------------------------------------
// Telling them apart

export type Inspection = EnvelopeInspection | SequenceInspection | KeyInspection;

export type FileKind = 'envelope' | 'sequence' | 'public-key' | 'key-file';

/**
 * What the first bytes of a file say it is, or undefined when it is none of these.
 * `head` should hold the first 64 bytes or more (all of them when the file is shorter).
 */
export function classifyHead(head: Uint8Array): FileKind | undefined {
  if (head.length === 0) return undefined;
  if (((head[0] as number) & 0xfc) === 0xf4) return 'sequence';
  let i = 0;
  const ws = () => {
    while (i < head.length && isWhitespace(head[i] as number)) i++;
  };
  ws();
  const c = head[i];
  if (c === 0x5b) return 'envelope';
  const text = latin1(head.subarray(i));
  if (text.toLowerCase().startsWith(PUBLIC_KEY_PREFIX)) return 'public-key';
  if (c === 0x7b) {
    i++;
    ws();
    const rest = latin1(head.subarray(i));
    // The wrapper in JSON-B: the key as a JSON-B string (tag 0x80, length 12).
    if (rest.startsWith('\x80\x0cDareEnvelope') || /^"DareEnvelope"/.test(rest)) return 'envelope';
    if (/^"(DareKeySet|DareKeySetProtected|PrivateKeyECDH)"/.test(rest)) return 'key-file';
  }
  return undefined;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

export const NOT_DARE_MESSAGE = 'not a DARE file (neither an envelope, a sequence nor a key)';

/** Most bytes a key file or a public key file may have. */
const MAX_KEY_TEXT = 1 << 20;


/** Splits a source into its first bytes and a source that still yields all of them. */
async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; source: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    if (r.value.length === 0) continue;
    held.push(r.value);
    have += r.value.length;
  }
  const head = new Uint8Array(Math.min(have, n));
  let o = 0;
  for (const c of held) {
    if (o >= head.length) break;
    const t = c.subarray(0, head.length - o);
    head.set(t, o);
    o += t.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* held;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, source: all() };
}

export interface InspectOptions {
  /** Opens a protected key file to show its fingerprint and curves. */
  passphrase?: () => Promise<string>;
}

/**
 * Describes a stream: an envelope or a key. A sequence needs random access: MALFORMED
 * with a hint to give the file instead. Anything else: MALFORMED "not a DARE file".
 */
export async function inspectStream(source: AsyncIterable<Uint8Array>, options: InspectOptions = {}): Promise<Inspection> {
  const { head, source: all } = await peek(source, 64);
  const kind = classifyHead(head);
  switch (kind) {
    case 'envelope':
      return inspectEnvelope(all);
    case 'public-key': case 'key-file':
    {
      let text: string;
      try {
        text = fromUtf8(await collectBytes(all, MAX_KEY_TEXT, 'a key file'));
      } catch (e) {
        if (e instanceof DareError) throw e;
        throw new DareError('KEY_INVALID', 'key file: not utf-8 text', { cause: e });
      }
      return inspectKeyText(text, options.passphrase);
    }
    case 'sequence':
      throw new DareError('MALFORMED', 'a sequence (archive, log, catalog) cannot be inspected from a stream: give its file name');
    default:
      throw new DareError('MALFORMED', head.length === 0 ? `${NOT_DARE_MESSAGE}: it is empty` : NOT_DARE_MESSAGE);
  }
}

/** Describes the file at `path`: an envelope, a sequence or a key. */
export async function inspectFile(path: string, options: InspectOptions = {}): Promise<Inspection> {
  const f = await FileReader.open(path);
  try {
    const size = await f.size();
    const kind = classifyHead(await f.read(0, 64));
    if (kind === 'sequence') return await inspectSequence(f);
    if (kind === undefined) throw new DareError('MALFORMED', size === 0 ? `${NOT_DARE_MESSAGE}: it is empty` : NOT_DARE_MESSAGE);
    return await inspectStream(f.stream(0, size), options);
  } finally {
    await f.close();
  }
}
