/**
 * Strong Internet Names (draft-hallambaker-mesh-udf-13 §7, §1.3): a DNS label `mm--`
 * followed by a content digest UDF (of the policy document that governs the name) in
 * base32 presentation. DNS labels hold 63 characters, so the UDF has at most 59:
 * 48 base32 characters and 11 dashes, 240 bits (conformance/udf.md item 12).
 *
 * Labels are written in lower case with a dash every 4 characters; parsing is
 * case-insensitive and accepts other group sizes, such as the 5-character groups of
 * the §1.3 example `mm--mb2gk-6duf5-ygyyl-jny5e-rwshz` (that example has no input and
 * cannot be reproduced). A SIN may sit anywhere in a domain name:
 * `alice@mm--....example.com` (backwards compatible) or `alice@example.com.mm--...`.
 * @module
 */
import { DareError } from '../errors.js';
import { parseUdf, type Udf } from './presentation.js';
import { checkDomain } from './earl.js';

export const SIN_PREFIX = 'mm--';
/** The most base32 characters a SIN label can carry (240 bits). */
export const MAX_SIN_CHARS = 48;

function invalid(message: string): DareError {
  return new DareError('UDF_INVALID', message);
}

/** True when `label` starts with the reserved SIN prefix `mm--` (any case). */
export function isSinLabel(label: string): boolean {
  return typeof label === 'string' && label.slice(0, 4).toLowerCase() === SIN_PREFIX;
}

/**
 * The SIN label of a content digest UDF: `mm--` + the lower-case presentation, cut to
 * 48 characters (240 bits) when longer. UDF_INVALID when `digest` is not a content digest.
 */
export function sinLabel(digest: string): string {
  const udf = parseUdf(digest);
  if (udf.info.kind !== 'digest') throw invalid(`a sin needs a content digest udf, got a ${udf.info.kind} udf`);
  const text = udf.text.slice(0, MAX_SIN_CHARS + Math.floor((MAX_SIN_CHARS - 1) / 4));
  return SIN_PREFIX + text.toLowerCase();
}

/** Parses a SIN label, returning its content digest UDF. UDF_INVALID when it is not one. */
export function parseSinLabel(label: string): Udf {
  if (typeof label !== 'string') throw new TypeError('"label" expected a string');
  if (!isSinLabel(label)) throw invalid('sin label must start with "mm--"');
  if (label.length > 63) throw invalid(`sin label of ${label.length} characters is longer than 63`);
  const udf = parseUdf(label.slice(4));
  if (udf.info.kind !== 'digest') throw invalid(`sin label holds a ${udf.info.kind} udf, not a content digest`);
  return udf;
}

/** A parsed name or address that may hold SINs. */
export interface StrongName {
  /** The part before '@', when the input is an address. */
  readonly local?: string;
  /** The domain, lower case. */
  readonly domain: string;
  /** The content digests of the SIN labels, in order. */
  readonly sins: readonly Udf[];
}

/** Parses a domain name or `local@domain` address and the SIN labels of its domain. */
export function parseStrongName(name: string): StrongName {
  if (typeof name !== 'string') throw new TypeError('"name" expected a string');
  const at = name.lastIndexOf('@');
  const domain = checkDomain(at >= 0 ? name.slice(at + 1) : name);
  const sins = domain.split('.').filter(isSinLabel).map(parseSinLabel);
  return at >= 0 ? { local: name.slice(0, at), domain, sins } : { domain, sins };
}

/**
 * Binds `domain` to a policy digest: 'prefix' gives `mm--....domain` (backwards
 * compatible), 'suffix' gives `domain.mm--...` (only SIN-aware resolvers can use it).
 */
export function strongDomain(domain: string, digest: string, position: 'prefix' | 'suffix' = 'prefix'): string {
  const d = checkDomain(domain);
  const label = sinLabel(digest);
  const out = position === 'prefix' ? `${label}.${d}` : `${d}.${label}`;
  return checkDomain(out);
}
