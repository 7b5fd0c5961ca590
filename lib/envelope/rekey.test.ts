import { describe, expect, it } from 'vitest';
import { DareError } from '../errors.js';
import { generateKeySet, type KeySet } from '../keys/keyset.js';
import { keyFingerprint } from '../udf/index.js';
import { concatBytes, fromUtf8, utf8 } from '../internal/bytes.js';
import type { DecryptionKey, RecipientKey } from '../keys/types.js';
import { encodeEnvelope, encodeEnvelopeBytes, type EncodeOptions } from './writer.js';
import { decodeEnvelopeBytes } from './reader.js';
import { EnvelopeRekey, rekeyEnvelopeBytes } from './rekey.js';
import { inspectEnvelope } from '../inspect.js';

const alice = generateKeySet();
const bob = generateKeySet();
const carol = generateKeySet({ encryption: 'X448', signature: 'Ed448' });
const dave = generateKeySet();
const pub = (k: KeySet): RecipientKey => ({ crv: k.encryption.crv, publicKey: k.encryption.publicKey });
const priv = (k: KeySet): DecryptionKey => ({ crv: k.encryption.crv, privateKey: k.encryption.privateKey });
const kid = (k: KeySet) => keyFingerprint(k.encryption.crv, k.encryption.publicKey);
const payload = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31 + 7) & 255);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
  return 'no error';
}

async function* pieces(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let o = 0;
  let i = 0;
  while (o < b.length) {
    const n = sizes[i++ % sizes.length] as number;
    yield b.slice(o, o + n);
    o += n;
  }
}

async function bytesOf(g: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of g) parts.push(p.slice());
  return concatBytes(...parts);
}

const full: EncodeOptions = {
  recipients: [pub(alice), pub(bob)],
  signers: [carol.signature],
  contentMeta: { contentType: 'text/plain', filename: 'notes.txt' },
  annotations: [utf8('first'), utf8('second')],
};

describe('rekey', () => {
  it('adds and removes recipients; the payload, trailer and signature are copied unchanged', async () => {
    const before = await encodeEnvelopeBytes(payload, full);
    const { plan, envelope } = await rekeyEnvelopeBytes(before, { keys: [priv(bob)], add: [pub(carol)], remove: [kid(alice)] });
    expect(plan).toMatchObject({ kept: [kid(bob)], added: [kid(carol)], removed: [kid(alice)], recipients: [kid(bob), kid(carol)], encoding: 'jsonb' });
    // The new recipient (an X448 key) opens it; everything decodes, is authenticated and still signed.
    const d = await decodeEnvelopeBytes(envelope, { keys: [priv(carol)], trustedSigners: [carol.signature] });
    expect(d.payload).toEqual(payload);
    expect(d.result.authenticated).toBe(true);
    expect(d.result.signatures.map((s) => s.trusted)).toEqual([true]);
    expect(d.info.contentMeta).toMatchObject({ contentType: 'text/plain', filename: 'notes.txt' });
    expect(d.info.annotations.map(fromUtf8)).toEqual(['first', 'second']);
    expect((await decodeEnvelopeBytes(envelope, { keys: [priv(bob)] })).payload).toEqual(payload);
    // The removed recipient no longer has an entry.
    expect(await code(decodeEnvelopeBytes(envelope, { keys: [priv(alice)] }))).toBe('NO_MATCHING_KEY');
    // Everything after the header is the same bytes: payload item, trailer, closing bracket.
    // The payload item: tag 0x8A (binary, 4-byte length) and the ciphertext length 70016.
    const item = Buffer.from([0x8a, 0x00, 0x01, 0x11, 0x80]);
    const tail = before.length - Buffer.from(before).indexOf(item);
    expect(tail).toBeLessThan(payload.length + 1000);
    expect(envelope.subarray(envelope.length - tail)).toEqual(before.subarray(before.length - tail));
    const i = await inspectEnvelope(pieces(envelope, [1 << 20]));
    expect(i.recipients.map((r) => [r.kid, r.crv])).toEqual([[kid(bob), 'X25519'], [kid(carol), 'X448']]);
  });

  it('JSON, the DareEnvelope wrapper and a chunked payload read in odd pieces', async () => {
    const chunked = await bytesOf(encodeEnvelope(pieces(payload, [5000]), { ...full, encoding: 'jsonb' }));
    const json = await encodeEnvelopeBytes(payload, { ...full, encoding: 'json' });
    const wrapped = concatBytes(utf8('  {"DareEnvelope": '), json, utf8(' }\n'));
    for (const [name, env] of [['chunked', chunked], ['json', json], ['wrapped', wrapped]] as const) {
      for (const sizes of [[1], [3, 17, 64], [65536]]) {
        const r = await EnvelopeRekey.open(pieces(env, sizes), { keys: [priv(alice)], add: [pub(dave)] });
        expect(r.plan.encoding, name).toBe(name === 'chunked' ? 'jsonb' : 'json');
        const out = await bytesOf(r.output());
        const d = await decodeEnvelopeBytes(out, { keys: [priv(dave)], trustedSigners: [carol.signature] });
        expect(d.payload, name).toEqual(payload);
        expect(d.info.wrapped, name).toBe(name === 'wrapped');
        expect(d.info.recipients).toEqual([kid(alice), kid(bob), kid(dave)]);
      }
    }
  });

  it('replace: exactly the keys given, freshly wrapped', async () => {
    const before = await encodeEnvelopeBytes(payload, full);
    const { plan, envelope } = await rekeyEnvelopeBytes(before, { keys: [priv(alice)], add: [pub(dave), pub(alice)], replace: true });
    expect(plan.recipients).toEqual([kid(dave), kid(alice)]);
    expect(plan.removed).toEqual([kid(alice), kid(bob)]);
    expect(await code(decodeEnvelopeBytes(envelope, { keys: [priv(bob)] }))).toBe('NO_MATCHING_KEY');
    expect((await decodeEnvelopeBytes(envelope, { keys: [priv(dave)] })).payload).toEqual(payload);
  });

  it('adding a key that already is a recipient leaves its entry', async () => {
    const before = await encodeEnvelopeBytes(payload, full);
    const { plan } = await rekeyEnvelopeBytes(before, { keys: [priv(alice)], add: [pub(bob)] });
    expect(plan).toMatchObject({ added: [], unchanged: [kid(bob)], recipients: [kid(alice), kid(bob)] });
  });

  it('refuses without access, for unknown or too short ids, with nobody left, and for envelopes it cannot rekey', async () => {
    const before = await encodeEnvelopeBytes(payload, full);
    expect(await code(rekeyEnvelopeBytes(before, { keys: [priv(dave)], add: [pub(dave)] }))).toBe('NO_MATCHING_KEY');
    expect(await code(rekeyEnvelopeBytes(before, { keys: [], add: [pub(dave)] }))).toBe('NO_MATCHING_KEY');
    expect(await code(rekeyEnvelopeBytes(before, { keys: [priv(alice)], remove: [kid(dave)] }))).toBe('NOT_FOUND');
    expect(await code(rekeyEnvelopeBytes(before, { keys: [priv(alice)], remove: [kid(alice).slice(0, 9)] }))).toBe('UDF_INVALID');
    expect(await code(rekeyEnvelopeBytes(before, { keys: [priv(alice)], remove: [kid(alice), kid(bob)] }))).toBe('CONFLICT');
    expect(await code(rekeyEnvelopeBytes(before, { keys: [priv(alice)], replace: true }))).toBe('CONFLICT');
    const secret = crypto.getRandomValues(new Uint8Array(32));
    expect(await code(rekeyEnvelopeBytes(await encodeEnvelopeBytes(payload, { secret }), { keys: [priv(alice)], add: [pub(alice)] }))).toBe('CONFLICT');
    expect(await code(rekeyEnvelopeBytes(await encodeEnvelopeBytes(payload, {}), { keys: [priv(alice)], add: [pub(alice)] }))).toBe('CONFLICT');
  });

  it('never rewrites a damaged envelope: payload, MAC, signature and annotation are checked', async () => {
    const before = await encodeEnvelopeBytes(payload, full);
    const flip = (at: number) => {
      const b = before.slice();
      b[at] = (b[at] as number) ^ 1;
      return b;
    };
    const opts = { keys: [priv(alice)], add: [pub(dave)] };
    // A payload byte (the digest no longer matches).
    expect(await code(rekeyEnvelopeBytes(flip(before.length - 1000), opts))).toBe('DIGEST_MISMATCH');
    // The trailer: PayloadMac is the last field before the closing bracket, the signature before the digest.
    expect(await code(rekeyEnvelopeBytes(flip(before.length - 3), opts))).toBe('MAC_INVALID');
    const sigAt = Buffer.from(before).lastIndexOf('signature') + 14;
    expect(await code(rekeyEnvelopeBytes(flip(sigAt), opts))).toBe('SIGNATURE_INVALID');
    // An annotation's ciphertext (its tag no longer verifies) is caught before any output.
    const annAt = Buffer.from(before).indexOf('annotations') + 40;
    expect(await code(EnvelopeRekey.open(pieces(flip(annAt), [4096]), opts))).toBe('MAC_INVALID');
    // The output stops before the trailer when a check fails: the caller never gets a whole envelope.
    const r = await EnvelopeRekey.open(pieces(flip(before.length - 3), [4096]), opts);
    const got: Uint8Array[] = [];
    await expect((async () => {
      for await (const p of r.output()) got.push(p.slice());
    })()).rejects.toThrow(/mac/);
    expect(await code(decodeEnvelopeBytes(concatBytes(...got), { keys: [priv(dave)] }))).toBe('TRUNCATED');
  });
});
