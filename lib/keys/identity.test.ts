import { describe, expect, it } from 'vitest';
import { ed25519ctx } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { decodeEnvelopeBytes, encodeEnvelopeBytes } from '../index.js';
import { errorCode } from '../internal/error-code.test-util.js';
import { utf8 } from '../internal/bytes.js';
import { ephemeralU, localIdentity, type Signer } from './identity.js';

describe('keys behind interfaces', () => {
  it('a Signer object signs envelopes under the purpose given; a wrong signature is refused', async () => {
    for (const crv of ['Ed25519', 'Ed448'] as const) {
      const lib = crv === 'Ed25519' ? ed25519ctx : ed448;
      const seed = lib.utils.randomSecretKey();
      const publicKey = lib.getPublicKey(seed);
      let calls = 0;
      const signer: Signer = { crv, publicKey, sign: (m, context) => (calls++, lib.sign(m, seed, { context })) };
      const env = await encodeEnvelopeBytes(utf8('hi'), { signers: [signer], purpose: 'mesh/Test/v1', encoding: 'json', envelopeId: 'MD22-62AQ-PVVT-NPUS-ATUC-MQH4-PWV2' });
      expect(calls).toBe(1);
      const trusted = [{ crv, publicKey }];
      const r = await decodeEnvelopeBytes(env, { trustedSigners: trusted, purpose: 'mesh/Test/v1' });
      expect(r.info.header.envelopeId).toBe('MD22-62AQ-PVVT-NPUS-ATUC-MQH4-PWV2');
      expect(r.result.signatures.some((s) => s.trusted && !s.legacy)).toBe(true);
      expect(await errorCode(decodeEnvelopeBytes(env, { trustedSigners: trusted, purpose: 'mesh/Other/v1' }))).toBe('SIGNATURE_INVALID');
      const liar: Signer = { crv, publicKey, sign: (m) => lib.sign(m, seed, { context: utf8('something else') }) };
      const bad = await encodeEnvelopeBytes(utf8('hi'), { signers: [liar], purpose: 'mesh/Test/v1' });
      expect(await errorCode(decodeEnvelopeBytes(bad, { trustedSigners: trusted, purpose: 'mesh/Test/v1' }))).toBe('SIGNATURE_INVALID');
    }
  });

  it('a local identity agrees as RFC 7748 does, with or without the reference\'s sign byte', async () => {
    const a = x448.utils.randomSecretKey();
    const e = x448.utils.randomSecretKey();
    const E = x448.getPublicKey(e);
    const id = localIdentity({ crv: 'X448', privateKey: a });
    expect(await id.agree(E)).toEqual(x448.getSharedSecret(a, E));
    expect(await id.agree(Uint8Array.of(...E, 0x80))).toEqual(x448.getSharedSecret(a, E));
    expect(await errorCode(id.agree(Uint8Array.of(...E, 0x01)))).toBe('KEY_INVALID');
    expect(ephemeralU('X448', E)).toBe(E);
  });
});
