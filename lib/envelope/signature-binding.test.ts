/**
 * Issue 12, finding 1, as the attack: a signature must bind what a reader acts on (the
 * plaintext, the metadata, the annotations, the content type), not only the digest of
 * the ciphertext. Each test forges an envelope the way the review did and expects
 * verification with the signer's key to refuse it.
 */
import { describe, expect, it } from 'vitest';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { errorCode } from '../internal/error-code.test-util.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { encodeJsonB } from '../encoding/jsonb-writer.js';
import { encodeContentMeta } from './content-meta.js';
import { encodeEds } from './eds.js';
import { unwrapMaster } from './recipients.js';
import { decodeEnvelopeBytes } from './reader.js';
import { encodeEnvelopeBytes } from './writer.js';
import { joinEnvelope, legacySignature, rekeyForgery, relabelWithMaster, splitEnvelope } from './forge.test-util.js';

const alice = generateKeySet();
const bob = generateKeySet();
const mallory = generateKeySet();
const alicePub = publicKeySet(alice).signature;
const bobKey = { crv: bob.encryption.crv, privateKey: bob.encryption.privateKey };
const invoice = utf8('Invoice 2024-17: pay 120 EUR to ACME, IBAN DE00 1234.\n');

async function signedToBob(): Promise<Uint8Array> {
  return encodeEnvelopeBytes(invoice, {
    recipients: [publicKeySet(bob).encryption], signers: [alice.signature],
    contentMeta: { contentType: 'text/plain', filename: 'invoice-2024-17.txt' }, annotations: [utf8('Subject: invoice 17')],
  });
}

async function unsigned(envelope: Uint8Array): Promise<Uint8Array> {
  const p = await splitEnvelope(envelope);
  delete p.trailer.signatures;
  return joinEnvelope(p);
}

const forgedLabel = { contentMeta: { contentType: 'text/plain', filename: 'invoice-PAY-MALLORY.txt' }, annotations: [utf8('Subject: wire 10000 EUR to Mallory')] };

describe('finding 1: an envelope signature covers what the reader acts on', () => {
  it('the genuine envelope verifies with the signer key', async () => {
    const r = await decodeEnvelopeBytes(await signedToBob(), { keys: [bobKey], trustedSigners: [alicePub] });
    expect(r.info.contentMeta?.filename).toBe('invoice-2024-17.txt');
    expect(r.result.signatures.some((s) => s.trusted)).toBe(true);
  });

  for (const dropWitness of [false, true]) {
    it(`re-keyed with only Bob's public key (new master key, metadata and annotation, MAC recomputed, witness ${dropWitness ? 'dropped' : 'recomputed'}): not signed by Alice`, async () => {
      const forged = await rekeyForgery(await signedToBob(), publicKeySet(bob).encryption, forgedLabel, { dropWitness });
      // The forgery is well formed: without its signature it opens with Bob's key and its MAC checks.
      const opened = await decodeEnvelopeBytes(await unsigned(forged), { keys: [bobKey] });
      expect(opened.info.contentMeta?.filename).toBe('invoice-PAY-MALLORY.txt');
      expect(opened.result.authenticated).toBe(true);
      expect(await errorCode(decodeEnvelopeBytes(forged, { keys: [bobKey], trustedSigners: [alicePub] }))).toBe('SIGNATURE_INVALID');
    });
  }

  it('a recipient who re-labels a forwarded envelope under the same master key loses the signature', async () => {
    const genuine = await signedToBob();
    const master = await unwrapMaster((await splitEnvelope(genuine)).header.recipients ?? [], [bobKey]);
    const forged = await relabelWithMaster(genuine, master, forgedLabel);
    const opened = await decodeEnvelopeBytes(await unsigned(forged), { keys: [bobKey] });
    expect(fromUtf8(opened.info.annotations[0] as Uint8Array)).toBe('Subject: wire 10000 EUR to Mallory');
    expect(await errorCode(decodeEnvelopeBytes(forged, { keys: [bobKey], trustedSigners: [alicePub] }))).toBe('SIGNATURE_INVALID');
  });

  it('a signed plaintext envelope: new clear metadata, a new or dropped annotation, or a plaintext cloaked header fail', async () => {
    const genuine = await encodeEnvelopeBytes(invoice, {
      signers: [alice.signature], contentMeta: { contentType: 'text/plain', filename: 'invoice.txt' }, annotations: [utf8('Subject: invoice 17')],
    });
    expect((await decodeEnvelopeBytes(genuine, { trustedSigners: [alicePub] })).info.contentMeta?.filename).toBe('invoice.txt');
    const variants: [string, (p: Awaited<ReturnType<typeof splitEnvelope>>) => void][] = [
      ['clear metadata', (p) => { p.header.contentMetaData = encodeContentMeta({ contentType: 'application/x-sh', filename: 'run-me.sh' }); }],
      ['annotation replaced', (p) => { p.header.annotations = [encodeEds(Uint8Array.of(0), utf8('Subject: wire 10000 EUR')).eds]; }],
      ['annotation dropped', (p) => { delete p.header.annotations; }],
      ['annotation added', (p) => { p.header.annotations = [...(p.header.annotations ?? []), encodeEds(Uint8Array.of(1), utf8('Approved')).eds]; }],
      ['plaintext cloaked header', (p) => { p.header.cloaked = encodeEds(Uint8Array.of(9), encodeJsonB({ ContentMetaData: encodeContentMeta({ filename: 'x.exe' }) })).eds; }],
      ['metadata removed', (p) => { delete p.header.contentMetaData; }],
    ];
    for (const [what, change] of variants) {
      const p = await splitEnvelope(genuine);
      change(p);
      expect(await errorCode(decodeEnvelopeBytes(joinEnvelope(p), { trustedSigners: [alicePub] })), what).toBe('SIGNATURE_INVALID');
    }
  });

  it('an encrypted envelope with metadata in the clear header (as the reference writes it) binds that metadata too', async () => {
    const genuine = await encodeEnvelopeBytes(invoice, { recipients: [publicKeySet(bob).encryption], signers: [alice.signature] });
    const p = await splitEnvelope(genuine);
    p.header.contentMetaData = encodeContentMeta({ contentType: 'application/x-sh', filename: 'run-me.sh' });
    expect(await errorCode(decodeEnvelopeBytes(joinEnvelope(p), { keys: [bobKey], trustedSigners: [alicePub] }))).toBe('SIGNATURE_INVALID');
  });

  it('a signature by another key over the forged envelope is not Alice\'s', async () => {
    const forged = await rekeyForgery(await signedToBob(), publicKeySet(bob).encryption, forgedLabel);
    const p = await splitEnvelope(forged);
    p.trailer.signatures = [legacySignature(p.trailer.payloadDigest as Uint8Array, mallory.signature)];
    expect(await errorCode(decodeEnvelopeBytes(joinEnvelope(p), { keys: [bobKey], trustedSigners: [alicePub] }))).toBe('SIGNATURE_INVALID');
  });
});
