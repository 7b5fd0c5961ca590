/**
 * Rekeying an envelope (USER-REQUESTS #3): the master key is wrapped for a new set of
 * recipients and the header rewritten; the payload and the trailer are copied byte for
 * byte, without decrypting or re-encrypting anything.
 *
 * Why this keeps every check valid (docs/FORMAT.md §2-§6): the recipient list is the
 * only thing that changes, and nothing authenticates it. The payload keys, the EDS keys
 * and PayloadMac derive from the master key and the header Salt, which stay; the
 * PayloadDigest covers the payload as carried, which is copied; signatures cover the
 * header fields a reader acts on (never the recipient list), the PayloadDigest and the
 * PayloadMac, and their witness derives from (master, Salt, signature). The header
 * `kid` names the master key, which stays. A changed recipient list can therefore only
 * change who can open the envelope, never what it decrypts to.
 *
 * The holder of a private key that opens the envelope proves access first: the master
 * key is unwrapped, the encrypted metadata and annotations are checked, and while the
 * rest is copied the PayloadDigest, PayloadMac and every signature (with its witness)
 * are verified. The last bytes (the trailer) are released only when every check passed,
 * so a damaged or forged envelope is never rewritten as if it were sound.
 *
 * Removing a recipient does not revoke anything: whoever held the envelope before may
 * have kept a copy, and the master key they could unwrap then still opens it. Rotate
 * keys for future data.
 * @module
 */
import { DareError } from '../errors.js';
import { getBackend } from '../crypto/backend-select.js';
import { encodeJson } from '../encoding/json.js';
import { encodeJsonB } from '../encoding/jsonb-writer.js';
import type { JsonObject, JsonValue } from '../encoding/value.js';
import { concatBytes, equalBytes, utf8 } from '../internal/bytes.js';
import { keyFingerprint, parseUdf, udfMatches } from '../udf/index.js';
import type { DecryptionKey, RecipientKey } from '../keys/types.js';
import { envelopePayload, readEnvelopeEnd, readEnvelopeHead, type EnvelopeHead } from './head.js';
import { decodeEds, splitEds } from './eds.js';
import { deriveItemKeys, type ItemKeys } from './keyschedule.js';
import { unwrapMaster, wrapForRecipient } from './recipients.js';
import type { RecipientEntry } from './schema.js';
import { checkSignatures, envelopeClaim, type SignatureCheck } from './signatures.js';
import { payloadMac } from './writer.js';

export interface RekeyOptions {
  /** Private keys, one of which must open the envelope (proof of access). */
  keys: readonly DecryptionKey[];
  /** Recipients to add (a key already among the recipients is left as it is). */
  add?: readonly RecipientKey[];
  /**
   * Recipients to remove, by key id (the UDF fingerprint of the recipient's encryption
   * key, as `kid`; at least 16 characters of it). Every entry it names is dropped.
   */
  remove?: readonly string[];
  /** Drop every existing entry: the new recipients are exactly `add`, freshly wrapped. */
  replace?: boolean;
  /** Rewrite an envelope whose encrypted parts carry no MAC (other implementations'). */
  allowUnauthenticated?: boolean;
}

export interface RekeyPlan {
  /** Key ids of the entries copied unchanged. */
  readonly kept: readonly string[];
  /** Key ids of the entries added (wrapped for this rekey). */
  readonly added: readonly string[];
  /** Key ids of the entries dropped. */
  readonly removed: readonly string[];
  /** Keys asked to be added that already were recipients (left as they were). */
  readonly unchanged: readonly string[];
  /** The new recipient list, in order. */
  readonly recipients: readonly string[];
  readonly encoding: 'json' | 'jsonb';
}

/** Shortest key id accepted for removal: 80 bits, so that a short prefix cannot match by accident. */
const MIN_REMOVE_CHARS = 16;

function idOf(e: RecipientEntry): string {
  return e.kid ?? '(no kid)';
}

function matches(kid: string | undefined, wanted: string): boolean {
  if (kid === undefined) return false;
  try {
    return udfMatches(kid, wanted);
  } catch {
    return false;
  }
}

function entryValue(e: RecipientEntry): JsonObject {
  const epk = e.epk as NonNullable<RecipientEntry['epk']>;
  return { kid: e.kid as string, epk: { PublicKeyECDH: { crv: epk.crv, Public: epk.public } }, wmk: e.wmk as Uint8Array };
}

/** An envelope opened for rekeying: the plan is known, the output not yet written. */
export class EnvelopeRekey {
  readonly plan: RekeyPlan;
  private readonly head: EnvelopeHead;
  private readonly master: Uint8Array;
  private readonly keys: ItemKeys;
  private readonly edsTags: Uint8Array[];
  private readonly unauthenticated: boolean;
  private readonly newHeader: JsonObject;
  private readonly allowUnauthenticated: boolean;
  private used = false;

  private constructor(init: {
    plan: RekeyPlan; head: EnvelopeHead; master: Uint8Array; keys: ItemKeys; edsTags: Uint8Array[];
    unauthenticated: boolean; newHeader: JsonObject; allowUnauthenticated: boolean;
  }) {
    this.plan = init.plan;
    this.head = init.head;
    this.master = init.master;
    this.keys = init.keys;
    this.edsTags = init.edsTags;
    this.unauthenticated = init.unauthenticated;
    this.newHeader = init.newHeader;
    this.allowUnauthenticated = init.allowUnauthenticated;
  }

  /**
   * Reads the header of the envelope in `source`, opens it with `options.keys` and works
   * out the new recipient list. Throws before anything is written: NO_MATCHING_KEY when
   * no key opens it, NOT_FOUND when a key id to remove names no recipient, CONFLICT when
   * no recipient would be left or the envelope cannot be rekeyed (not encrypted, or
   * encrypted under a shared secret only).
   */
  static async open(source: AsyncIterable<Uint8Array>, options: RekeyOptions): Promise<EnvelopeRekey> {
    const head = await readEnvelopeHead(source);
    const h = head.header;
    const encrypted = h.enc !== undefined && h.enc.toLowerCase() !== 'none';
    if (!encrypted) throw new DareError('CONFLICT', 'the envelope is not encrypted: there are no recipients to change');
    if (h.enc !== 'A256CBC') throw new DareError('UNSUPPORTED_ALGORITHM', `payload encryption ${h.enc} is not supported`);
    if (h.dig !== undefined && h.dig !== 'S512') throw new DareError('UNSUPPORTED_ALGORITHM', `payload digest ${h.dig} is not supported`);
    if (h.salt === undefined) throw new DareError('HEADER_MALFORMED', 'encrypted envelope has no Salt');
    const entries = h.recipients ?? [];
    if (!entries.length) {
      throw new DareError('CONFLICT', `the envelope is encrypted under a shared secret only (${h.kid ?? 'no kid'}): that secret is its master key, so wrapping it for a recipient would hand them the secret itself; re-encrypt instead (decode, then encode to the recipients)`);
    }
    const master = await unwrapMaster(entries, options.keys);
    const salt = h.salt;

    // The encrypted metadata and annotations: their MACs are checked now, and their tags
    // are what PayloadMac binds.
    const edsTags: Uint8Array[] = [];
    let unauthenticated = false;
    const seen = new Set<string>();
    for (const eds of [...(h.cloaked ? [h.cloaked] : []), ...(h.annotations ?? [])]) {
      const d = decodeEds(eds, { master, salt }, options.allowUnauthenticated === true);
      if (d.tag) edsTags.push(d.tag);
      else unauthenticated = true;
      const p = Array.from(splitEds(eds).prefix).join(',');
      if (seen.has(p)) throw new DareError('HEADER_MALFORMED', 'two encoded data sequences share a salt prefix');
      seen.add(p);
    }

    // The new recipient list.
    for (const r of options.remove ?? []) {
      let chars: number;
      try {
        chars = parseUdf(r).chars;
      } catch (e) {
        throw new DareError('UDF_INVALID', `${r}: not a key id (a UDF fingerprint)`, { cause: e });
      }
      if (chars < MIN_REMOVE_CHARS) throw new DareError('UDF_INVALID', `${r}: give at least ${MIN_REMOVE_CHARS} characters of the key id`);
    }
    const rawList = Array.isArray(head.raw.recipients) ? head.raw.recipients : [];
    const kept: { raw: JsonValue; entry: RecipientEntry }[] = [];
    const removed: string[] = [];
    const removedBy = new Map<string, number>();
    entries.forEach((entry, i) => {
      const by = options.replace ? '' : (options.remove ?? []).find((r) => matches(entry.kid, r));
      if (by !== undefined) {
        removed.push(idOf(entry));
        if (by) removedBy.set(by, (removedBy.get(by) ?? 0) + 1);
      } else kept.push({ raw: rawList[i] as JsonValue, entry });
    });
    for (const r of options.remove ?? []) {
      if (!removedBy.has(r) && !options.replace) throw new DareError('NOT_FOUND', `${r} is not a recipient of this envelope (recipients: ${entries.map(idOf).join(', ')})`);
    }
    const added: string[] = [];
    const unchanged: string[] = [];
    const newEntries: JsonValue[] = kept.map((k) => k.raw);
    const ids = kept.map((k) => idOf(k.entry));
    for (const key of options.add ?? []) {
      const kid = keyFingerprint(key.crv, key.publicKey);
      if (ids.some((x) => matches(x, kid))) {
        if (!added.includes(kid)) unchanged.push(kid);
        continue;
      }
      newEntries.push(entryValue(wrapForRecipient(master, key)));
      ids.push(kid);
      added.push(kid);
    }
    if (!newEntries.length) throw new DareError('CONFLICT', 'no recipient would be left: nobody could open the envelope (add one with --encrypt)');

    // The header as read, with only `recipients` replaced (field order and every other value kept).
    const newHeader: JsonObject = {};
    for (const [k, v] of Object.entries(head.raw)) newHeader[k] = k === 'recipients' ? newEntries : v;

    return new EnvelopeRekey({
      plan: { kept: kept.map((k) => idOf(k.entry)), added, removed, unchanged, recipients: ids, encoding: head.encoding },
      head, master, keys: deriveItemKeys(master, salt), edsTags, unauthenticated, newHeader,
      allowUnauthenticated: options.allowUnauthenticated === true,
    });
  }

  /**
   * The rekeyed envelope: the new header, then the rest of the input exactly as read.
   * Checks the PayloadDigest, PayloadMac and signatures on the way and throws before
   * the last bytes if any check fails. Runs once.
   */
  async *output(): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.used) throw new TypeError('output() runs once');
    this.used = true;
    const head = this.head;
    const h = head.header;
    const prefix = head.wrapped ? (head.encoding === 'json' ? utf8('{"DareEnvelope":') : concatBytes(Uint8Array.of(0x7b, 0x80, 0x0c), utf8('DareEnvelope'))) : new Uint8Array(0);
    const headerBytes = head.encoding === 'json' ? utf8(encodeJson(this.newHeader)) : encodeJsonB(this.newHeader);
    yield concatBytes(prefix, Uint8Array.of(0x5b), headerBytes);
    const take = head.copyRest();
    const hasher = getBackend().createHash('sha512');
    let length = 0;
    for await (const piece of envelopePayload(head)) {
      hasher.update(piece);
      length += piece.length;
      yield* take();
    }
    const trailer = await readEnvelopeEnd(head);
    const digest = hasher.digest();
    if (length === 0) throw new DareError('MALFORMED', 'encrypted envelope has an empty payload');
    const carried = trailer?.payloadDigest ?? h.payloadDigest;
    if (carried === undefined || !equalBytes(carried, digest)) throw new DareError('DIGEST_MISMATCH', carried === undefined ? 'envelope carries no PayloadDigest' : 'payload digest does not match the payload');
    const mac = trailer?.payloadMac ?? h.payloadMac;
    if (mac === undefined || this.unauthenticated) {
      if (!this.allowUnauthenticated) throw new DareError('UNAUTHENTICATED', 'encrypted payload carries no mac (written by an implementation without integrity); use --allow-unauthenticated to rekey it anyway');
    } else if (!equalBytes(payloadMac(this.keys.macKey, digest, this.edsTags), mac)) {
      throw new DareError('MAC_INVALID', 'payload mac does not verify: the envelope was modified');
    }
    // Damage, not trust, is checked here: each signature under the purpose it names (a
    // Mesh object is rekeyed as well as a file), legacy ones over the digest.
    const entries = [...(h.signatures ?? []), ...(trailer?.signatures ?? [])];
    const bad = entries.map((e) => {
      let claim;
      try {
        claim = envelopeClaim(h, carried, mac, e.purpose);
      } catch {
        return { kid: e.kid, status: 'invalid' };
      }
      return checkSignatures([e], claim, [], { master: this.master, salt: h.salt as Uint8Array })[0] as SignatureCheck;
    }).find((s) => s.status === 'invalid');
    if (bad) throw new DareError('SIGNATURE_INVALID', `signature by ${bad.kid ?? 'an unnamed key'} does not verify`);
    yield* take(true);
  }
}

/** Rekeys an envelope held in memory (see {@link EnvelopeRekey}). */
export async function rekeyEnvelopeBytes(bytes: Uint8Array, options: RekeyOptions): Promise<{ plan: RekeyPlan; envelope: Uint8Array }> {
  async function* one(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  const r = await EnvelopeRekey.open(one(), options);
  const parts: Uint8Array[] = [];
  for await (const p of r.output()) parts.push(p.slice());
  return { plan: r.plan, envelope: concatBytes(...parts) };
}
