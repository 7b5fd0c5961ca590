/**
 * The signing purposes and statements of docs/FORMAT.md §6 and §8, byte for byte as the
 * page lays them out, the RFC 8032 context checked with noble directly, and the purpose
 * option as the Mesh uses it: on envelope signing and verification, and on sequence apexes.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519ctx } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { APEX_PURPOSE, ENVELOPE_PURPOSE, apexStatement, envelopeStatement, purposeContext } from '../crypto/purposes.js';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { errorCode } from '../internal/error-code.test-util.js';
import { concatBytes, utf8 } from '../internal/bytes.js';
import { decodeEnvelopeBytes } from '../envelope/reader.js';
import { encodeEnvelopeBytes } from '../envelope/writer.js';
import { envelopeClaim } from '../envelope/signatures.js';
import { splitEnvelope } from '../envelope/forge.test-util.js';
import { SequenceWriter } from './writer.js';
import { SequenceReader } from './reader.js';
import { verifySequence } from './verify.js';

const item = (tag: number, v: Uint8Array) => concatBytes(Uint8Array.of(tag, v.length >>> 24, (v.length >>> 16) & 255, (v.length >>> 8) & 255, v.length & 255), v);
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

describe('statements (docs/FORMAT.md §6, §8)', () => {
  it('the envelope statement: tag, 4-byte length, bytes, in the documented order; absent fields left out', () => {
    const f = {
      enc: 'A256CBC', dig: 'S512', salt: fill(16, 1), cloaked: fill(3, 2), annotations: [fill(2, 3), new Uint8Array(0)],
      contentMetaData: utf8('{"cty":"text/plain"}'), payloadDigest: fill(64, 4), payloadMac: fill(32, 5),
    };
    expect(envelopeStatement(f)).toEqual(concatBytes(
      item(1, utf8('A256CBC')), item(2, utf8('S512')), item(3, f.salt), item(4, f.cloaked), item(5, fill(2, 3)), item(5, new Uint8Array(0)),
      item(6, f.contentMetaData), item(7, f.payloadDigest), item(8, f.payloadMac),
    ));
    expect(envelopeStatement({ payloadDigest: fill(64, 4) })).toEqual(item(7, fill(64, 4)));
  });

  it('the apex statement: kind, 8-byte big-endian frame count, digest', () => {
    expect(apexStatement('tree', 2 ** 40 + 5, fill(64, 9))).toEqual(concatBytes(Uint8Array.of(1, 0, 0, 1, 0, 0, 0, 0, 5), fill(64, 9)));
    expect(apexStatement('chain', 1, fill(64, 9))[0]).toBe(2);
    expect(apexStatement('payload', 1, fill(64, 9))[0]).toBe(3);
    expect(() => apexStatement('tree', 0, fill(64, 9))).toThrow(RangeError);
  });

  it('a purpose is 1-255 printable ASCII characters', () => {
    expect(purposeContext(ENVELOPE_PURPOSE)).toEqual(utf8('dare/envelope/v1'));
    for (const bad of ['', 'a b', 'é', 'x'.repeat(256), 'tab\t']) expect(() => purposeContext(bad), JSON.stringify(bad)).toThrow(RangeError);
  });

  it('an envelope signature is Ed25519ctx or Ed448 with the purpose as context over the statement (checked with noble)', async () => {
    for (const crv of ['Ed25519', 'Ed448'] as const) {
      const k = generateKeySet({ signature: crv });
      const env = await encodeEnvelopeBytes(utf8('hello'), { signers: [k.signature], contentMeta: { filename: 'h.txt' } });
      const p = await splitEnvelope(env);
      const entry = p.trailer.signatures?.[0];
      expect(entry?.purpose).toBe(ENVELOPE_PURPOSE);
      const claim = envelopeClaim(p.header, p.trailer.payloadDigest as Uint8Array, undefined);
      const impl = crv === 'Ed25519' ? ed25519ctx : ed448;
      expect(impl.verify(entry?.signature as Uint8Array, claim.statement, k.signature.publicKey, { context: utf8(ENVELOPE_PURPOSE) })).toBe(true);
      expect(impl.verify(entry?.signature as Uint8Array, claim.statement, k.signature.publicKey, { context: utf8(APEX_PURPOSE) })).toBe(false);
      expect(impl.verify(entry?.signature as Uint8Array, p.trailer.payloadDigest as Uint8Array, k.signature.publicKey)).toBe(false);
    }
  });
});

describe('the purpose option (the Mesh signs its objects as envelopes with mesh/... purposes)', () => {
  const alice = generateKeySet();
  const trusted = [publicKeySet(alice).signature];

  it('an envelope signed for mesh/profile/v1 verifies only where that purpose is expected', async () => {
    const env = await encodeEnvelopeBytes(utf8('{"Profile":{}}'), { signers: [alice.signature], purpose: 'mesh/profile/v1' });
    expect((await decodeEnvelopeBytes(env, { trustedSigners: trusted, purpose: 'mesh/profile/v1' })).result.signatures[0]).toMatchObject({ status: 'valid', trusted: true, legacy: false, purpose: 'mesh/profile/v1' });
    expect(await errorCode(decodeEnvelopeBytes(env, { trustedSigners: trusted }))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(decodeEnvelopeBytes(env, { trustedSigners: trusted, purpose: 'mesh/connection/v1' }))).toBe('SIGNATURE_INVALID');
    // And a plain file's signature is not a profile's.
    const file = await encodeEnvelopeBytes(utf8('{"Profile":{}}'), { signers: [alice.signature] });
    expect(await errorCode(decodeEnvelopeBytes(file, { trustedSigners: trusted, purpose: 'mesh/profile/v1' }))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(encodeEnvelopeBytes(utf8('x'), { signers: [alice.signature], purpose: 'no spaces allowed' }))).toBe('RangeError');
  });

  it('a sequence signed under another apex purpose verifies only with that purpose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dare-purpose-'));
    try {
      const file = join(dir, 's.dseq');
      const w = await SequenceWriter.create(file, { signer: alice.signature, purpose: 'mesh/catalog/v1' });
      await w.append(utf8('entry'));
      await w.seal();
      await w.close();
      const check = async (purpose?: string) => {
        const r = await SequenceReader.open(file, { trustedSigners: trusted, purpose });
        try {
          return await errorCode(verifySequence(r));
        } finally {
          await r.close();
        }
      };
      expect(await check('mesh/catalog/v1')).toBe('ok');
      expect(await check()).toBe('SIGNATURE_INVALID');
      expect(await check(ENVELOPE_PURPOSE)).toBe('SIGNATURE_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
