/**
 * Shared pieces of the envelope and key file property suites: run counts, a pool
 * of key sets (key generation is the slow part, so runs pick from a fixed pool),
 * fast-check arbitraries of encode options, byte sources cut into pieces, and a
 * re-encoder that carries an envelope between JSON and JSON-B.
 *
 * Extension point for sequences (lib/sequence/, later): add a `sequenceOptions`
 * arbitrary here and reuse {@link pieces}, {@link collect}, {@link settle} and
 * the tamper/truncation helpers, which only assume "bytes in, DareError or value out".
 * @module
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { DareError } from '../lib/errors.js';
import {
  EnvelopeReader, generateKeySet, type ContentMeta, type DecodeOptions, type EncodeOptions, type KeySet,
} from '../lib/index.js';
import { JsonBStreamReader } from '../lib/encoding/jsonb-stream.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB } from '../lib/encoding/jsonb-writer.js';
import { encodeJson } from '../lib/encoding/json.js';
import { base64urlEncode } from '../lib/encoding/base64url.js';
import { concatBytes, utf8 } from '../lib/internal/bytes.js';
import { headerValue, parseHeader, parseTrailer, trailerValue } from '../lib/envelope/schema.js';
import type { JsonObject } from '../lib/encoding/value.js';

/** Runs per property: `base` by default, ten times as many with SLOW=1. */
export function runs(base: number): number {
  return process.env.SLOW === '1' ? base * 10 : base;
}

/** Fixed seed of the envelope and key suites. */
export const SEED = 0x0da7e5;

/** Key sets on every curve pair, generated once. */
export const KEYS: readonly KeySet[] = [
  generateKeySet({ encryption: 'X25519', signature: 'Ed25519' }),
  generateKeySet({ encryption: 'X25519', signature: 'Ed25519' }),
  generateKeySet({ encryption: 'X448', signature: 'Ed448' }),
  generateKeySet({ encryption: 'X448', signature: 'Ed25519' }),
  generateKeySet({ encryption: 'X25519', signature: 'Ed448' }),
];

/** A key set that is never a recipient or signer: its key must not open anything. */
export const STRANGER = generateKeySet();

export type Mode = 'plain' | 'digest' | 'signed' | 'secret' | 'recipients' | 'recipients+signed';

export interface Case {
  payload: Uint8Array;
  mode: Mode;
  options: EncodeOptions;
  /** Options that decode (and verify) the envelope. */
  decode: DecodeOptions;
}

const text = fc.string({ maxLength: 24 });
const contentMeta: fc.Arbitrary<ContentMeta> = fc.record({
  contentType: fc.constantFrom('application/octet-stream', 'text/plain', 'application/json; charset=utf-8'),
  filename: text,
  modified: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  labels: fc.array(text, { maxLength: 3 }),
}, { requiredKeys: [] });

const indexes = fc.uniqueArray(fc.integer({ min: 0, max: KEYS.length - 1 }), { minLength: 1, maxLength: 3 });

/** Payloads: mostly small, some across AES block and base64 group boundaries, some empty. */
export const payloadArb = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 4 },
  { arbitrary: fc.uint8Array({ minLength: 60, maxLength: 2100 }), weight: 2 },
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
);

/** Any envelope this implementation writes, with the options that decode it. */
export function caseArb(modes: readonly Mode[] = ['plain', 'digest', 'signed', 'secret', 'recipients', 'recipients+signed']): fc.Arbitrary<Case> {
  return fc.record({
    payload: payloadArb,
    mode: fc.constantFrom(...modes),
    encoding: fc.constantFrom<'json' | 'jsonb'>('json', 'jsonb'),
    known: fc.boolean(),
    meta: fc.option(contentMeta, { nil: undefined }),
    annotations: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
    recipients: indexes,
    signers: indexes,
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  }).map((r): Case => {
    const signed = r.mode === 'signed' || r.mode === 'recipients+signed';
    const toRecipients = r.mode === 'recipients' || r.mode === 'recipients+signed';
    const signers = signed ? r.signers.map((i) => (KEYS[i] as KeySet).signature) : [];
    const options: EncodeOptions = {
      encoding: r.encoding,
      payloadLength: r.known ? r.payload.length : undefined,
      contentMeta: r.meta,
      annotations: r.annotations,
      digest: r.mode !== 'plain',
      signers,
      recipients: toRecipients ? r.recipients.map((i) => ({ crv: (KEYS[i] as KeySet).encryption.crv, publicKey: (KEYS[i] as KeySet).encryption.publicKey })) : [],
      secret: r.mode === 'secret' ? r.secret : undefined,
    };
    // The decoder holds the key of the last recipient only: every entry must be tried.
    const last = KEYS[r.recipients[r.recipients.length - 1] as number] as KeySet;
    const decode: DecodeOptions = {
      keys: toRecipients ? [{ crv: STRANGER.encryption.crv, privateKey: STRANGER.encryption.privateKey }, { crv: last.encryption.crv, privateKey: last.encryption.privateKey }] : [],
      secrets: r.mode === 'secret' ? [r.secret] : [],
      trustedSigners: signers.map((s) => ({ crv: s.crv, publicKey: s.publicKey })),
    };
    return { payload: r.payload, mode: r.mode, options, decode };
  });
}

/** `b` as an async source of pieces of the given sizes (cycled); 1-byte pieces when empty. */
export async function* pieces(b: Uint8Array, sizes: readonly number[] = []): AsyncGenerator<Uint8Array> {
  let p = 0;
  let i = 0;
  while (p < b.length) {
    const n = sizes.length ? Math.max(1, sizes[i++ % sizes.length] as number) : 1;
    yield b.slice(p, p + n);
    p += n;
  }
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p.slice());
  return concatBytes(...parts);
}

/** What decoding gave: the decoded parts, or the DareError. Anything else is rethrown (a bug). */
export type Outcome =
  | { ok: true; payload: Uint8Array; meta: ContentMeta | undefined; annotations: Uint8Array[]; released: number }
  | { ok: false; error: DareError; released: number };

/**
 * Decodes through {@link EnvelopeReader} and drains its payload generator, counting the
 * bytes it released before any error.
 */
export async function settle(source: AsyncIterable<Uint8Array>, options: DecodeOptions): Promise<Outcome> {
  let released = 0;
  const parts: Uint8Array[] = [];
  try {
    const reader = new EnvelopeReader(source, options);
    const info = await reader.open();
    for await (const p of reader.payload()) {
      released += p.length;
      parts.push(p.slice());
    }
    void reader.result;
    return { ok: true, payload: concatBytes(...parts), meta: info.contentMeta, annotations: [...info.annotations], released };
  } catch (e) {
    if (e instanceof DareError) return { ok: false, error: e, released };
    throw e;
  }
}

/** Content metadata as the decoder returns it (absent fields undefined). */
export function normalMeta(m: ContentMeta | undefined): ContentMeta | undefined {
  if (m === undefined) return undefined;
  return { contentType: m.contentType, filename: m.filename, created: m.created, modified: m.modified, labels: m.labels, other: m.other };
}

export function expectSame(o: Outcome, c: Case): void {
  if (!o.ok) throw new Error(`decode failed: ${o.error.code}: ${o.error.message}`);
  expect(o.payload).toStrictEqual(c.payload);
  expect(normalMeta(o.meta)).toStrictEqual(normalMeta(c.options.contentMeta));
  expect(o.annotations).toStrictEqual([...(c.options.annotations ?? [])]);
}

/**
 * Re-encodes an envelope in the other encoding: reads header, payload (as carried) and
 * trailer with the streaming reader and writes them again. The library has no public
 * re-encoder, so this uses lib/encoding and the header schema (lib/envelope/schema.ts).
 */
export async function reencode(envelope: Uint8Array, to: 'json' | 'jsonb'): Promise<Uint8Array> {
  const r = new JsonBStreamReader(pieces(envelope, [envelope.length]));
  await r.expect('array-start');
  const header = parseHeader(await r.readValue());
  const payload = (await r.peekHead())?.kind === 'array-end' ? undefined : await collect(r.readBinaryOrBase64());
  const trailer = (await r.peekHead())?.kind === 'array-end' ? undefined : parseTrailer(await r.readValue());
  await r.expect('array-end');
  await r.expectEnd();
  if (to === 'jsonb') {
    return concatBytes(
      arrayStart(), encodeJsonB(headerValue(header)),
      payload === undefined ? new Uint8Array(0) : concatBytes(binaryChunkHeader(payload.length, true), payload),
      trailer === undefined ? new Uint8Array(0) : encodeJsonB(trailerValue(trailer)), arrayEnd(),
    );
  }
  let s = '[' + encodeJson(headerValue(header));
  if (payload !== undefined) s += ',"' + base64urlEncode(payload) + '"';
  if (trailer !== undefined) s += ',' + encodeJson(trailerValue(trailer) as JsonObject);
  return utf8(s + ']');
}
