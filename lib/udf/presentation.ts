/**
 * Base32 presentation of UDF binary values (draft-hallambaker-mesh-udf-13 §3.1, §3.5):
 * RFC 4648 base32 without padding, cut to ceil(bits/5) characters, with a dash after
 * every 4 characters. Parsing is case-insensitive, dashes are optional (groups of any
 * length, as in the 5-character groups of the §1.3 SIN example), and a `udf:` name-form
 * prefix (§6.1) is allowed.
 *
 * A parsed UDF keeps every presented bit, so it re-presents exactly to its normalized
 * input (upper case, dashes every 4, no prefix). Each type's length rule is checked:
 * fixed length types (§4) must carry whole octets with zero padding bits; digests and
 * authenticators (§5) carry 100 bits or more; secrets carry 128 key bits or more.
 * @module
 */
import { DareError } from '../errors.js';
import { base32Decode, base32Encode } from '../encoding/base32.js';
import { udfTypeInfo, type UdfTypeInfo } from './types.js';

/** A parsed UDF presentation. */
export interface Udf {
  /** The type identifier octet. */
  readonly type: number;
  readonly info: UdfTypeInfo;
  /** The normalized presentation: upper case, a dash after every 4 characters. */
  readonly text: string;
  /** Number of base32 characters presented. */
  readonly chars: number;
  /** Number of bits presented (5 per character, type octet included). */
  readonly bits: number;
  /** The presented bits as ceil(bits/8) octets; bits past the presentation are zero. */
  readonly binary: Uint8Array;
  /** The whole octets after the type octet (for fixed length types: the value). */
  readonly data: Uint8Array;
}

/** The most characters any presentation may have (guards against absurd input). */
export const MAX_UDF_CHARS = 2048;
/** Digest and authenticator presentations carry at least 100 bits (§8.4 asks for 96). */
export const MIN_FINGERPRINT_CHARS = 20;
/** Secret (E) presentations carry at least 128 key bits after the type octet. */
export const MIN_SECRET_KEY_BITS = 128;

const GROUP = 4;
const CHARS = /^[A-Za-z2-7]$/;

/** Inserts a dash after every `size` characters. */
export function groupDashes(s: string, size = GROUP): string {
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += size) parts.push(s.slice(i, i + size));
  return parts.join('-');
}

/**
 * Presents a UDF binary value: base32 of `binary`, cut to ceil(bits/5) characters
 * (all of it when `bits` is omitted), with dashes every 4 characters.
 */
export function formatUdf(binary: Uint8Array, bits?: number): string {
  if (!(binary instanceof Uint8Array)) throw new TypeError('"binary" expected Uint8Array');
  const max = binary.length * 8;
  if (bits !== undefined && (!Number.isSafeInteger(bits) || bits < 1 || bits > max)) {
    throw new RangeError(`bits must be an integer in [1, ${max}], got ${bits}`);
  }
  const chars = bits === undefined ? Math.ceil(max / 5) : Math.ceil(bits / 5);
  return groupDashes(base32Encode(binary, chars));
}

function invalid(message: string): DareError {
  return new DareError('UDF_INVALID', message);
}

/**
 * Strips a `udf:` prefix and the dashes, checking every character; returns the bare
 * upper-case base32 string. Throws UDF_INVALID on an empty value, a wrong character
 * or a misplaced dash.
 */
export function bareUdf(text: string): string {
  if (typeof text !== 'string') throw new TypeError('"text" expected a string');
  let s = text;
  let offset = 0;
  if (/^udf:/i.test(s)) {
    s = s.slice(4);
    offset = 4;
    if (s.startsWith('//')) throw invalid('udf locator form is a uri, not a udf value');
  }
  if (s.length === 0) throw invalid('empty udf');
  if (s.length > MAX_UDF_CHARS * 2) throw invalid(`udf longer than ${MAX_UDF_CHARS} characters`);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '-') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '-') throw invalid(`misplaced dash at position ${i + offset}`);
      continue;
    }
    if (!CHARS.test(c)) throw invalid(`invalid character ${JSON.stringify(c)} at position ${i + offset}`);
    out += c;
  }
  if (out.length > MAX_UDF_CHARS) throw invalid(`udf longer than ${MAX_UDF_CHARS} characters`);
  return out.toUpperCase();
}

/** The normalized presentation of `text` (upper case, dashes every 4, no prefix); does not check the type. */
export function normalizeUdf(text: string): string {
  return groupDashes(bareUdf(text));
}

/** Decodes bare base32 to ceil(5n/8) octets, keeping a final partial octet (zero filled). */
export function decodePresentedBits(bare: string): Uint8Array {
  const padded = bare + 'A'.repeat((8 - (bare.length % 8)) % 8);
  return base32Decode(padded).slice(0, Math.ceil((bare.length * 5) / 8));
}

/** True when every bit from `from` on is zero. */
function zeroFrom(binary: Uint8Array, from: number): boolean {
  for (let bit = from; bit < binary.length * 8; bit++) {
    if (((binary[bit >> 3] as number) >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

/** Checks the DER framing of an OID identified sequence: one SEQUENCE filling the value. */
function checkDerSequence(der: Uint8Array): void {
  if (der.length < 2 || der[0] !== 0x30) throw invalid('oid udf value is not a der sequence');
  const first = der[1] as number;
  let len: number;
  let header: number;
  if (first < 0x80) {
    len = first;
    header = 2;
  } else {
    const n = first & 0x7f;
    if (n === 0 || n > 3 || der.length < 2 + n) throw invalid('oid udf value has a bad der length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] as number);
    header = 2 + n;
  }
  if (header + len !== der.length) throw invalid(`oid udf der length ${len} does not match the ${der.length - header} octets present`);
}

function checkLength(info: UdfTypeInfo, chars: number, binary: Uint8Array): void {
  const bits = chars * 5;
  switch (info.length) {
    case 'fixed': {
      const octets = Math.floor(bits / 8);
      if (Math.ceil((octets * 8) / 5) !== chars) throw invalid(`${info.kind} udf of ${chars} characters is not a whole number of octets`);
      if (!zeroFrom(binary, octets * 8)) throw invalid(`${info.kind} udf has non-zero padding bits`);
      if (octets < 2) throw invalid(`${info.kind} udf has no value`);
      return;
    }
    case 'variable': {
      const maxOctets = info.kind === 'digest' ? 65 : 64;
      const maxChars = Math.ceil((maxOctets * 8) / 5);
      if (chars < MIN_FINGERPRINT_CHARS) throw invalid(`${info.kind} udf has ${chars} characters, fewer than ${MIN_FINGERPRINT_CHARS}`);
      if (chars > maxChars) throw invalid(`${info.kind} udf has ${chars} characters, more than ${maxChars}`);
      if (!zeroFrom(binary, maxOctets * 8)) throw invalid(`${info.kind} udf has non-zero padding bits`);
      return;
    }
    case 'secret': {
      if (bits - 8 < MIN_SECRET_KEY_BITS) throw invalid(`secret udf carries ${Math.max(0, bits - 8)} key bits, fewer than ${MIN_SECRET_KEY_BITS}`);
      if (chars > 104) throw invalid(`secret udf has ${chars} characters, more than 104`);
      return;
    }
  }
}

function checkKind(info: UdfTypeInfo, data: Uint8Array): void {
  if (info.kind === 'share') {
    const head = data[0] as number;
    if (data.length < 2) throw invalid('share udf has no value');
    if (data.length > 65) throw invalid(`share udf value of ${data.length - 1} octets is longer than 64`);
    if (head >> 4 < 2) throw invalid(`share udf has threshold ${head >> 4}, less than 2`);
  } else if (info.kind === 'seed') {
    if (data.length < 3) throw invalid('seed udf has no seed after the key specifier');
  } else if (info.kind === 'oid') {
    checkDerSequence(data);
  }
}

/**
 * Parses a UDF presentation of any assigned type. Throws DareError UDF_INVALID for a
 * wrong character, an unknown type code or a length the type does not allow.
 */
export function parseUdf(text: string): Udf {
  const bare = bareUdf(text);
  if (bare.length < 2) throw invalid('udf too short to hold a type octet');
  const binary = decodePresentedBits(bare);
  const type = binary[0] as number;
  const info = udfTypeInfo(type);
  if (info === undefined) throw invalid(`unknown udf type code ${type} (initial ${JSON.stringify(bare[0])})`);
  checkLength(info, bare.length, binary);
  const data = binary.slice(1, Math.floor((bare.length * 5) / 8));
  checkKind(info, data);
  return { type, info, text: groupDashes(bare), chars: bare.length, bits: bare.length * 5, binary, data };
}

/** Parses a UDF and checks its kind; `what` names the expected value in the message. */
export function parseUdfOfKind(text: string, kind: UdfTypeInfo['kind'], what: string): Udf {
  const udf = parseUdf(text);
  if (udf.info.kind !== kind) throw invalid(`expected ${what}, got a ${udf.info.kind} udf (type ${udf.type})`);
  return udf;
}

/**
 * True when two UDF presentations name the same value: same type, and the shorter is
 * a prefix of the longer (§3.4: a lower precision is a prefix of a higher one).
 * Throws UDF_INVALID when either does not parse.
 */
export function udfMatches(a: string, b: string): boolean {
  const x = parseUdf(a);
  const y = parseUdf(b);
  if (x.type !== y.type) return false;
  const p = x.text.replace(/-/g, '');
  const q = y.text.replace(/-/g, '');
  return p.length <= q.length ? q.startsWith(p) : p.startsWith(q);
}
