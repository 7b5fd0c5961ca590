import { describe, expect, it } from 'vitest';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { isDareError, type DareErrorCode } from '../errors.js';
import { utf8, fromUtf8 } from '../internal/bytes.js';
import { encodeEnvelope, encodeEnvelopeBytes, type EncodeOptions } from './writer.js';
import { decodeEnvelopeBytes, EnvelopeReader, type DecodeOptions } from './reader.js';

const alice = generateKeySet();
const bob = generateKeySet({ encryption: 'X448', signature: 'Ed448' });
const carol = generateKeySet();
const secret = crypto.getRandomValues(new Uint8Array(16));
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);

async function* chunks(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.slice(i, i + size);
  if (b.length === 0) return;
}

async function encodeStreaming(payload: Uint8Array, o: EncodeOptions): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of encodeEnvelope(chunks(payload, 1000), o)) parts.push(p.slice());
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

async function errorCode(p: Promise<unknown>): Promise<DareErrorCode | string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return isDareError(e) ? e.code : `${String(e)}`;
  }
}

const modes: [string, EncodeOptions, DecodeOptions][] = [
  ['plain', { digest: false }, {}],
  ['digest', {}, {}],
  ['signed Ed25519', { signers: [alice.signature] }, { trustedSigners: [publicKeySet(alice).signature] }],
  ['signed by two, Ed25519 and Ed448', { signers: [alice.signature, bob.signature] }, { trustedSigners: [publicKeySet(bob).signature] }],
  ['encrypted to X25519', { recipients: [publicKeySet(alice).encryption] }, { keys: [{ crv: 'X25519', privateKey: alice.encryption.privateKey }] }],
  ['encrypted to X448 and X25519, read by the X448 key', { recipients: [publicKeySet(alice).encryption, publicKeySet(bob).encryption] }, { keys: [{ crv: 'X448', privateKey: bob.encryption.privateKey }] }],
  ['shared secret', { secret }, { secrets: [secret] }],
  ['signed and encrypted', { recipients: [publicKeySet(bob).encryption], signers: [alice.signature] }, { keys: [{ crv: 'X448', privateKey: bob.encryption.privateKey }], trustedSigners: [publicKeySet(alice).signature] }],
];

describe('envelope round trips', () => {
  for (const [name, enc, dec] of modes) {
    for (const encoding of ['jsonb', 'json'] as const) {
      for (const n of [0, 1, 15, 16, 17, 5000]) {
        it(`${name}, ${encoding}, ${n} bytes, known and unknown length`, async () => {
          const payload = bytes(n);
          const options: EncodeOptions = { ...enc, encoding, contentMeta: { contentType: 'text/plain', filename: 'a.txt' }, annotations: [utf8('Subject: hi'), utf8('')] };
          for (const env of [await encodeEnvelopeBytes(payload, options), await encodeStreaming(payload, options)]) {
            const r = await decodeEnvelopeBytes(env, dec);
            expect(r.payload).toEqual(payload);
            expect(r.info.contentMeta?.filename).toBe('a.txt');
            expect(r.info.annotations.map(fromUtf8)).toEqual(['Subject: hi', '']);
            if (enc.recipients || enc.secret) expect(r.result.authenticated).toBe(true);
            if (enc.signers) expect(r.result.signatures.filter((s) => s.status === 'valid')).toHaveLength(enc.signers.length);
            if (dec.trustedSigners) expect(r.result.signatures.some((s) => s.trusted)).toBe(true);
          }
        });
      }
    }
  }
});

describe('envelope security', () => {
  const payload = utf8('attack at dawn, bring snacks for everyone please');
  it('does not write metadata or annotations in the clear when encrypting', async () => {
    const env = await encodeEnvelopeBytes(payload, { secret, contentMeta: { filename: 'secret-plan.txt' }, annotations: [utf8('Subject: the plan')] });
    const text = Buffer.from(env).toString('latin1');
    expect(text).not.toContain('secret-plan');
    expect(text).not.toContain('the plan');
    expect(text).not.toContain('attack');
  });
  it('detects every single-byte change of an encrypted, signed envelope', async () => {
    const env = await encodeEnvelopeBytes(payload, { secret, signers: [alice.signature], annotations: [utf8('note')] });
    for (let i = 0; i < env.length; i++) {
      const bad = env.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      const code = await errorCode(decodeEnvelopeBytes(bad, { secrets: [secret], trustedSigners: [publicKeySet(alice).signature] }));
      expect(code, `flip at ${i}`).not.toBe('no error');
      expect(code, `flip at ${i}`).not.toMatch(/Error/);
    }
  });
  it('gives a typed error for every truncation', async () => {
    const env = await encodeEnvelopeBytes(payload, { recipients: [publicKeySet(alice).encryption] });
    for (let n = 0; n < env.length; n++) {
      const code = await errorCode(decodeEnvelopeBytes(env.subarray(0, n), { keys: [{ crv: 'X25519', privateKey: alice.encryption.privateKey }] }));
      expect(code, `cut at ${n}`).toMatch(/^[A-Z_]+$/);
    }
  });
  it('rejects a wrong key, a wrong secret, and a missing trusted signature', async () => {
    const env = await encodeEnvelopeBytes(payload, { recipients: [publicKeySet(alice).encryption], signers: [carol.signature] });
    expect(await errorCode(decodeEnvelopeBytes(env, { keys: [{ crv: 'X25519', privateKey: carol.encryption.privateKey }] }))).toBe('NO_MATCHING_KEY');
    expect(await errorCode(decodeEnvelopeBytes(env, {}))).toBe('NO_MATCHING_KEY');
    const opened = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }] };
    expect(await errorCode(decodeEnvelopeBytes(env, { ...opened, trustedSigners: [publicKeySet(alice).signature] }))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(decodeEnvelopeBytes(env, { ...opened, trustedSigners: [publicKeySet(carol).signature] }))).toBe('no error');
    const sec = await encodeEnvelopeBytes(payload, { secret });
    expect(await errorCode(decodeEnvelopeBytes(sec, { secrets: [crypto.getRandomValues(new Uint8Array(16))] }))).toBe('NO_MATCHING_KEY');
    const unsigned = await encodeEnvelopeBytes(payload, {});
    expect(await errorCode(decodeEnvelopeBytes(unsigned, { trustedSigners: [publicKeySet(alice).signature] }))).toBe('SIGNATURE_INVALID');
  });
  it('withholds the last plaintext block until the MAC has verified', async () => {
    const env = await encodeEnvelopeBytes(bytes(100_003), { secret });
    const bad = env.slice();
    // The PayloadMac sits in the trailer near the end: damage it, leave the payload intact.
    const at = Buffer.from(bad).lastIndexOf(Buffer.from('PayloadMac'));
    expect(at).toBeGreaterThan(0);
    bad[at + 14] = (bad[at + 14] as number) ^ 0xff;
    async function* one() {
      yield bad;
    }
    const reader = new EnvelopeReader(one(), { secrets: [secret] });
    let released = 0;
    const code = await errorCode((async () => {
      for await (const p of reader.payload()) released += p.length;
    })());
    expect(code).toBe('MAC_INVALID');
    expect(released).toBeLessThan(100_003);
  });
  it('verifies digest and signatures without the decryption key', async () => {
    const env = await encodeEnvelopeBytes(payload, { secret, signers: [alice.signature] });
    const r = await decodeEnvelopeBytes(env, { decrypt: false, trustedSigners: [publicKeySet(alice).signature] });
    expect(r.result.digestChecked).toBe(true);
    expect(r.result.signatures[0]?.trusted).toBe(true);
  });
  it('rejects trailing data after the envelope', async () => {
    const env = await encodeEnvelopeBytes(payload, {});
    expect(await errorCode(decodeEnvelopeBytes(Uint8Array.from([...env, 0x41]), {}))).toBe('TRAILING_DATA');
  });
});
