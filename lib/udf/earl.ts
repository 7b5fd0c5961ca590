/**
 * UDF URIs and Encrypted Authenticated Resource Locators (draft-hallambaker-mesh-udf-13
 * §1.2, §6). A name form URI is `udf:` + UDF; a locator form is `udf://domain/` + UDF,
 * both optionally followed by `?query` and `#fragment` (the ABNF of §6 lost its `#`,
 * conformance/udf.md item 23). An EARL is a locator whose UDF is an encryption key
 * (type 32/33, 'E').
 *
 * The content identifier (§6.2.2) is reproduced by the §1.2.2 example only with
 * (conformance/udf.md item 8):
 *   - the SHA-2-512 content digest of the UTF-8 key string in canonical form (upper
 *     case, a dash every 4 characters, no prefix),
 *   - content type literally `UDFEncryption` (not `application/udf` of §4.3, nor
 *     `application/udf-encryption` of §5.3),
 *   - at min(2 x precision, 440) bits, where precision is the presented length of the
 *     key rounded DOWN to a multiple of 20 bits (the draft's 30-character key carries
 *     150 bits; its requested precision was 140 and the identifier has 280 bits).
 *
 * Fresh EARL keys are E UDFs of 128 random key bits presented in full (28 characters,
 * 140 bits, identifier 280 bits); the reference drops key bits (item 9), this does not.
 * @module
 */
import { DareError } from '../errors.js';
import { utf8 } from '../internal/bytes.js';
import { parseUdf, type Udf } from './presentation.js';
import { contentDigest, MAX_UDF_BITS } from './digest.js';
import { generateSecret } from './secret.js';

/** The content type of EARL content identifiers, as the reference writes it. */
export const EARL_CONTENT_TYPE = 'UDFEncryption';

/** A parsed UDF URI. */
export interface UdfUri {
  readonly form: 'name' | 'locator';
  /** The DNS domain of a locator form URI (lower case). */
  readonly domain?: string;
  readonly udf: Udf;
  readonly query?: string;
  readonly fragment?: string;
}

function invalid(message: string): DareError {
  return new DareError('UDF_INVALID', message);
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks and lower-cases a DNS domain name (§6: a reg-name, no IP address, no port or userinfo). */
export function checkDomain(domain: string): string {
  if (typeof domain !== 'string') throw new TypeError('"domain" expected a string');
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (d.length === 0 || d.length > 253) throw invalid(`domain name must be 1..253 characters, got ${d.length}`);
  const labels = d.split('.');
  for (const l of labels) {
    if (!LABEL.test(l)) throw invalid(`invalid domain label ${JSON.stringify(l)}`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) throw invalid('ip addresses are not allowed as udf locator hosts');
  return d;
}

/** Parses `udf:VALUE` or `udf://domain/VALUE`, each with optional `?query` and `#fragment`. */
export function parseUdfUri(uri: string): UdfUri {
  if (typeof uri !== 'string') throw new TypeError('"uri" expected a string');
  if (!/^udf:/i.test(uri)) throw invalid('udf uri must start with "udf:"');
  let rest = uri.slice(4);
  let fragment: string | undefined;
  let query: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let domain: string | undefined;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    if (slash < 0) throw invalid('udf locator has no udf after the domain');
    domain = checkDomain(rest.slice(2, slash));
    rest = rest.slice(slash + 1);
  }
  const udf = parseUdf(rest);
  return {
    form: domain === undefined ? 'name' : 'locator',
    udf,
    ...(domain !== undefined ? { domain } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(fragment !== undefined ? { fragment } : {}),
  };
}

/** The precision of a presented UDF for §6.2.2: its bits rounded down to a multiple of 20. */
export function presentedPrecision(udf: Udf): number {
  return Math.floor(udf.bits / 20) * 20;
}

/**
 * The content identifier of a UDF (§6.2.2): the SHA-2-512 content digest, content type
 * `UDFEncryption`, of the canonical UDF string, at twice its precision (at most 440
 * bits). Share UDFs have no identifier of their own (recover the secret first).
 */
export function contentIdentifier(udf: string): string {
  const parsed = parseUdf(udf);
  if (parsed.info.kind === 'share') throw invalid('a share udf has no content identifier; recover the secret first');
  const bits = Math.min(2 * presentedPrecision(parsed), MAX_UDF_BITS);
  return contentDigest(utf8(parsed.text), EARL_CONTENT_TYPE, { alg: 'sha2', bits });
}

/** A parsed EARL. */
export interface Earl {
  readonly uri: string;
  readonly domain: string;
  /** The key, canonical form. */
  readonly key: string;
  /** The content identifier of the key (§6.2.2). */
  readonly identifier: string;
}

/** Builds the EARL `udf://domain/KEY` for an encryption key UDF. */
export function formatEarl(domain: string, key: string): Earl {
  const d = checkDomain(domain);
  const parsed = parseUdf(key);
  if (parsed.info.kind !== 'secret') throw invalid(`an earl key must be an encryption udf, got a ${parsed.info.kind} udf`);
  return { uri: `udf://${d}/${parsed.text}`, domain: d, key: parsed.text, identifier: contentIdentifier(parsed.text) };
}

/** Parses an EARL: a locator form UDF URI whose UDF is an encryption key. */
export function parseEarl(uri: string): Earl {
  const u = parseUdfUri(uri);
  if (u.domain === undefined) throw invalid('an earl must be a locator: udf://domain/KEY');
  return formatEarl(u.domain, u.udf.text);
}

/** A fresh EARL for `domain` with a new key of `keyBits` random bits (default 128). */
export function generateEarl(domain: string, keyBits = 128): Earl {
  return formatEarl(domain, generateSecret(keyBits));
}

/**
 * The target URI of a locator (§6.2.3): the service endpoint, '/', the identifier. The
 * default endpoint is the well-known one of §6.2.1 and §9.2 (`/.well-known/srv/mmm-udf`);
 * the §1.2.2 example uses `/.well-known/mmm-udf/` instead (conformance/udf.md item 10).
 */
export function locatorTarget(domain: string, identifier: string, endpoint?: string): string {
  const base = endpoint ?? `https://${checkDomain(domain)}/.well-known/srv/mmm-udf`;
  return `${base.replace(/\/+$/, '')}/${parseUdf(identifier).text}`;
}
