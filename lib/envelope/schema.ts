/**
 * The DARE header and trailer objects (draft-hallambaker-mesh-dare-12 §5.2, §5.3,
 * §6.1.1) as typed values, and their conversion to and from the JSON data model.
 * Readers accept binary fields as JSON-B binary or base64url strings (JSON); any
 * field of the wrong type is HEADER_MALFORMED. Writers emit fields in the
 * reference's order (conformance/dare.md item 12). Field names are the
 * reference's JSON tags.
 * @module
 */
import { DareError } from '../errors.js';
import { asBinary } from '../encoding/json.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';

/** The `PublicKeyECDH` structure of epk and of our signer key field. */
export interface PublicKeyField {
  crv: string;
  public: Uint8Array;
}

/** A recipient entry (§5.3.3). */
export interface RecipientEntry {
  kid?: string;
  kwd?: string;
  epk?: PublicKeyField;
  wmk?: Uint8Array;
  rkd?: string;
}

/** A signature entry (§5.3.1), with this project's `PublicKey` and `Purpose` (docs/FORMAT.md §6). */
export interface SignatureEntry {
  alg?: string;
  kid?: string;
  signature?: Uint8Array;
  witness?: Uint8Array;
  publicKey?: PublicKeyField;
  /** The signing purpose (RFC 8032 context) the signer used; absent on legacy signatures. */
  purpose?: string;
}

/** SequenceInfo (§6.1.1). */
export interface SequenceInfo {
  dataEncoding?: string;
  containerType?: string;
  index?: number;
  isMeta?: boolean;
  default?: boolean;
  treePosition?: number;
  indexPosition?: number;
  exchangePosition?: number;
}

/** Trailer fields (§5.2.1), plus PayloadMac (docs/FORMAT.md §5). */
export interface DareTrailer {
  signatures?: SignatureEntry[];
  signedData?: Uint8Array;
  payloadDigest?: Uint8Array;
  chainDigest?: Uint8Array;
  treeDigest?: Uint8Array;
  /** The Merkle subtree root of this frame (docs/FORMAT.md §8), so a writer reopens in O(log n). */
  treeNode?: Uint8Array;
  payloadMac?: Uint8Array;
}

/** Header fields (§5.2.2); a header may carry any trailer field. */
export interface DareHeader extends DareTrailer {
  envelopeId?: string;
  enc?: string;
  dig?: string;
  kid?: string;
  salt?: Uint8Array;
  malt?: Uint8Array;
  cloaked?: Uint8Array;
  annotations?: Uint8Array[];
  recipients?: RecipientEntry[];
  policy?: JsonObject;
  contentMetaData?: Uint8Array;
  sequenceInfo?: SequenceInfo;
  sequenceIndex?: JsonObject;
  received?: string;
}

/**
 * Most entries a header list may hold (docs/LIMITS.md): a reader tries every recipient
 * entry with every key and verifies every signature, so these bound the work a hostile
 * header can ask for. The writer puts at most 255 annotations in an envelope.
 */
export const MAX_RECIPIENTS = 1024;
export const MAX_SIGNATURES = 64;
export const MAX_ANNOTATIONS = 256;

function malformed(what: string): never {
  throw new DareError('HEADER_MALFORMED', what);
}

/*
 * Readers reject fields outside the schema (§5, §6 and docs/FORMAT.md): an ignored
 * field would let a bit flip in a field name pass unnoticed (a renamed "PublicKey"
 * would silently drop the key). The sets hold every tag the reference writes.
 */
const TRAILER_FIELDS = ['signatures', 'SignedData', 'PayloadDigest', 'ChainDigest', 'TreeDigest', 'TreeNode', 'PayloadMac'];
const HEADER_FIELDS = new Set([
  ...TRAILER_FIELDS, 'EnvelopeId', 'enc', 'dig', 'kid', 'Salt', 'Malt', 'cloaked', 'annotations', 'signers', 'recipients',
  'policy', 'ContentMetaData', 'SequenceInfo', 'SequenceIndex', 'Received',
]);
const TRAILER_FIELD_SET = new Set(TRAILER_FIELDS);
const RECIPIENT_FIELDS = new Set(['kid', 'kwd', 'epk', 'wmk', 'rkd']);
const SIGNATURE_FIELDS = new Set(['alg', 'dig', 'kid', 'signature', 'witness', 'PublicKey', 'Purpose', 'cert', 'path', 'manifest']);
const SEQUENCE_INFO_FIELDS = new Set(['DataEncoding', 'ContainerType', 'Index', 'IsMeta', 'Default', 'TreePosition', 'IndexPosition', 'ExchangePosition']);
const KEY_FIELDS = new Set(['crv', 'Public']);

function onlyKnown(o: JsonObject, known: ReadonlySet<string>, where: string): void {
  for (const k of Object.keys(o)) if (!known.has(k)) malformed(`${where}: unknown field ${JSON.stringify(k)}`);
}

function str(o: JsonObject, k: string, where: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') malformed(`${where}: field ${k} must be a string`);
  return v;
}

function bin(o: JsonObject, k: string, where: string): Uint8Array | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  try {
    return asBinary(v);
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', `${where}: field ${k} must be binary data`, { cause: e });
  }
}

function int(o: JsonObject, k: string, where: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) malformed(`${where}: field ${k} must be a non-negative integer`);
  return v;
}

function bool(o: JsonObject, k: string, where: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') malformed(`${where}: field ${k} must be true or false`);
  return v;
}

function obj(o: JsonObject, k: string, where: string): JsonObject | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) malformed(`${where}: field ${k} must be an object`);
  return v;
}

function list<T>(o: JsonObject, k: string, where: string, each: (v: JsonValue, i: number) => T, max: number): T[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) malformed(`${where}: field ${k} must be a list`);
  if (v.length > max) throw new DareError('LIMIT_EXCEEDED', `${where}: more than ${max} entries in ${k}`);
  return v.map(each);
}

function publicKeyField(o: JsonObject | undefined, where: string): PublicKeyField | undefined {
  if (o === undefined) return undefined;
  const inner = obj(o, 'PublicKeyECDH', where);
  if (inner === undefined || Object.keys(o).length !== 1) malformed(`${where}: expected a PublicKeyECDH key`);
  onlyKnown(inner, KEY_FIELDS, where);
  const crv = str(inner, 'crv', where);
  const pub = bin(inner, 'Public', where);
  if (crv === undefined || pub === undefined) malformed(`${where}: key needs crv and Public`);
  return { crv, public: pub };
}

function recipient(v: JsonValue, i: number): RecipientEntry {
  const where = `recipient ${i}`;
  if (!isJsonObject(v)) malformed(`${where}: must be an object`);
  onlyKnown(v, RECIPIENT_FIELDS, where);
  return {
    kid: str(v, 'kid', where),
    kwd: str(v, 'kwd', where),
    epk: publicKeyField(obj(v, 'epk', where), where),
    wmk: bin(v, 'wmk', where),
    rkd: str(v, 'rkd', where),
  };
}

function signature(v: JsonValue, i: number): SignatureEntry {
  const where = `signature ${i}`;
  if (!isJsonObject(v)) malformed(`${where}: must be an object`);
  onlyKnown(v, SIGNATURE_FIELDS, where);
  return {
    alg: str(v, 'alg', where),
    kid: str(v, 'kid', where),
    signature: bin(v, 'signature', where),
    witness: bin(v, 'witness', where),
    publicKey: publicKeyField(obj(v, 'PublicKey', where), where),
    purpose: str(v, 'Purpose', where),
  };
}

function sequenceInfo(o: JsonObject | undefined): SequenceInfo | undefined {
  if (o === undefined) return undefined;
  const w = 'SequenceInfo';
  onlyKnown(o, SEQUENCE_INFO_FIELDS, w);
  return {
    dataEncoding: str(o, 'DataEncoding', w),
    containerType: str(o, 'ContainerType', w),
    index: int(o, 'Index', w),
    isMeta: bool(o, 'IsMeta', w),
    default: bool(o, 'Default', w),
    treePosition: int(o, 'TreePosition', w),
    indexPosition: int(o, 'IndexPosition', w),
    exchangePosition: int(o, 'ExchangePosition', w),
  };
}

/** Reads a trailer object. */
export function parseTrailer(v: JsonValue, where = 'trailer', known: ReadonlySet<string> = TRAILER_FIELD_SET): DareTrailer {
  if (!isJsonObject(v)) malformed(`${where} must be an object`);
  onlyKnown(v, known, where);
  return {
    signatures: list(v, 'signatures', where, signature, MAX_SIGNATURES),
    signedData: bin(v, 'SignedData', where),
    payloadDigest: bin(v, 'PayloadDigest', where),
    chainDigest: bin(v, 'ChainDigest', where),
    treeDigest: bin(v, 'TreeDigest', where),
    treeNode: bin(v, 'TreeNode', where),
    payloadMac: bin(v, 'PayloadMac', where),
  };
}

/** Reads a header object. */
export function parseHeader(v: JsonValue, where = 'header'): DareHeader {
  if (!isJsonObject(v)) malformed(`${where} must be an object`);
  const t = parseTrailer(v, where, HEADER_FIELDS);
  // Fields listed, not spread: a spread into a literal this size built a dictionary-mode
  // object, about 35 us per header (most of the time a sequence reader spent per frame).
  return {
    signatures: t.signatures, signedData: t.signedData, payloadDigest: t.payloadDigest, chainDigest: t.chainDigest,
    treeDigest: t.treeDigest, treeNode: t.treeNode, payloadMac: t.payloadMac,
    envelopeId: str(v, 'EnvelopeId', where),
    enc: str(v, 'enc', where),
    dig: str(v, 'dig', where),
    kid: str(v, 'kid', where),
    salt: bin(v, 'Salt', where),
    malt: bin(v, 'Malt', where),
    cloaked: bin(v, 'cloaked', where),
    annotations: list(v, 'annotations', where, (a, i) => {
      try {
        return asBinary(a);
      } catch (e) {
        throw new DareError('HEADER_MALFORMED', `${where}: annotation ${i} must be binary data`, { cause: e });
      }
    }, MAX_ANNOTATIONS),
    recipients: list(v, 'recipients', where, recipient, MAX_RECIPIENTS),
    policy: obj(v, 'policy', where),
    contentMetaData: bin(v, 'ContentMetaData', where),
    sequenceInfo: sequenceInfo(obj(v, 'SequenceInfo', where)),
    sequenceIndex: obj(v, 'SequenceIndex', where),
    received: str(v, 'Received', where),
  };
}

/** Adds `[k, v]` pairs to an object, skipping undefined values, in order. */
function put(o: JsonObject, pairs: [string, JsonValue | undefined][]): JsonObject {
  for (const [k, v] of pairs) if (v !== undefined) o[k] = v;
  return o;
}

function keyFieldValue(k: PublicKeyField | undefined): JsonValue | undefined {
  return k === undefined ? undefined : { PublicKeyECDH: { crv: k.crv, Public: k.public } };
}

function signatureValue(s: SignatureEntry): JsonValue {
  return put({}, [['alg', s.alg], ['kid', s.kid], ['signature', s.signature], ['witness', s.witness], ['PublicKey', keyFieldValue(s.publicKey)], ['Purpose', s.purpose]]);
}

function recipientValue(r: RecipientEntry): JsonValue {
  return put({}, [['kid', r.kid], ['kwd', r.kwd], ['epk', keyFieldValue(r.epk)], ['wmk', r.wmk], ['rkd', r.rkd]]);
}

function sequenceInfoValue(s: SequenceInfo | undefined): JsonValue | undefined {
  if (s === undefined) return undefined;
  return put({}, [
    ['DataEncoding', s.dataEncoding], ['ContainerType', s.containerType], ['Index', s.index], ['IsMeta', s.isMeta],
    ['Default', s.default], ['TreePosition', s.treePosition], ['IndexPosition', s.indexPosition], ['ExchangePosition', s.exchangePosition],
  ]);
}

function trailerPairs(t: DareTrailer): [string, JsonValue | undefined][] {
  return [
    ['signatures', t.signatures?.map(signatureValue)], ['SignedData', t.signedData], ['PayloadDigest', t.payloadDigest],
    ['ChainDigest', t.chainDigest], ['TreeDigest', t.treeDigest], ['TreeNode', t.treeNode], ['PayloadMac', t.payloadMac],
  ];
}

/** The JSON data model of a trailer. */
export function trailerValue(t: DareTrailer): JsonObject {
  return put({}, trailerPairs(t));
}

/** The JSON data model of a header, fields in the reference's order. */
export function headerValue(h: DareHeader): JsonObject {
  return put({}, [
    ...trailerPairs(h),
    ['EnvelopeId', h.envelopeId], ['enc', h.enc], ['dig', h.dig], ['kid', h.kid], ['Salt', h.salt], ['Malt', h.malt],
    ['cloaked', h.cloaked], ['annotations', h.annotations], ['recipients', h.recipients?.map(recipientValue)],
    ['policy', h.policy], ['ContentMetaData', h.contentMetaData], ['SequenceInfo', sequenceInfoValue(h.sequenceInfo)],
    ['SequenceIndex', h.sequenceIndex], ['Received', h.received],
  ]);
}
