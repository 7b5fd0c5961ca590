/**
 * Property tests of what signatures cover and for what (docs/FORMAT.md §6, §8; issue 12
 * findings 1 and 2):
 * - domain separation: no envelope signature verifies as a sequence apex signature, and no
 *   apex signature as an envelope signature, whatever the attacker does to the entry (its
 *   Purpose relabelled or removed) or to the digest it is offered against;
 * - binding: changing any field of a signed envelope except the recipient wrappings and
 *   the key-id hints makes verification with the signer's key fail (library level, as
 *   `dare verify --signer` and `dare decode --signer` call it).
 * Fixed seeds; SLOW=1 runs ten times as many cases.
 * @module
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APEX_PURPOSE, ENVELOPE_PURPOSE, SequenceWriter, checkApexSignatures, decodeEnvelopeBytes, encodeEnvelopeBytes, type KeySet,
} from '../lib/index.js';
import { DareError } from '../lib/errors.js';
import { MemoryReader } from '../lib/internal/random-access.js';
import { encodeContentMeta } from '../lib/envelope/content-meta.js';
import { encodeEds } from '../lib/envelope/eds.js';
import { envelopeClaim, checkSignatures } from '../lib/envelope/signatures.js';
import { joinEnvelope, splitEnvelope, type EnvelopeParts } from '../lib/envelope/forge.test-util.js';
import type { SignatureEntry } from '../lib/envelope/schema.js';
import { SequenceReader } from '../lib/sequence/reader.js';
import { apexPreimage } from '../lib/sequence/tamper.test-util.js';
import { KEYS, SEED, caseArb, runs } from './support.js';

const pub = (k: KeySet) => ({ crv: k.signature.crv, publicKey: k.signature.publicKey });

/** The entry as it was, with its Purpose relabelled to `purpose`, and without it (a downgrade to legacy). */
function variants(e: SignatureEntry, purpose: string): SignatureEntry[] {
  const { purpose: _, ...bare } = e;
  return [e, { ...e, purpose }, bare];
}

async function decodes(bytes: Uint8Array, options: Parameters<typeof decodeEnvelopeBytes>[1]): Promise<boolean> {
  try {
    await decodeEnvelopeBytes(bytes, options);
    return true;
  } catch (e) {
    if (e instanceof DareError) return false;
    throw e;
  }
}

describe('domain separation (finding 2)', () => {
  it('an envelope signature never verifies as an apex signature, relabelled or not, at any size', async () => {
    await fc.assert(fc.asyncProperty(caseArb(['signed', 'recipients+signed']), fc.integer({ min: 1, max: 2 ** 40 }), async (c, size) => {
      const parts = await splitEnvelope(await encodeEnvelopeBytes(c.payload, c.options));
      const signers = c.decode.trustedSigners ?? [];
      const pd = parts.trailer.payloadDigest as Uint8Array;
      for (const entry of parts.trailer.signatures ?? []) {
        for (const e of variants(entry, APEX_PURPOSE)) {
          for (const kind of ['tree', 'payload'] as const) {
            const checks = checkApexSignatures([e], { kind, size, digest: pd }, signers);
            expect(checks.some((s) => s.status === 'valid')).toBe(false);
          }
        }
      }
    }), { seed: SEED + 40, numRuns: runs(30) });
  });

  it('an apex signature never verifies as an envelope signature: not over the claim, not grafted onto the envelope whose payload digest is the apex', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dare-sig-prop-'));
    try {
      let n = 0;
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: KEYS.length - 1 }), fc.uint8Array({ maxLength: 40 }), async (frames, who, data) => {
        const signer = KEYS[who] as KeySet;
        const file = join(dir, `s${n++}.dseq`);
        const w = await SequenceWriter.create(file, { signer: signer.signature });
        for (let i = 0; i < frames; i++) await w.append(data);
        await w.seal();
        await w.close();
        const bytes = readFileSync(file);
        const seq = await SequenceReader.open(new MemoryReader(bytes));
        const apex = seq.last.trailer?.treeDigest as Uint8Array;
        const sigs = seq.last.trailer?.signatures ?? [];
        expect(checkApexSignatures(sigs, { size: seq.last.index + 1, digest: apex }, [pub(signer)]).every((s) => s.status === 'valid' && s.trusted)).toBe(true);
        // The plaintext envelope whose PayloadDigest is the apex: SHA-512(0x01 || L || R).
        const env = await splitEnvelope(await encodeEnvelopeBytes(await apexPreimage(bytes)));
        expect(Buffer.from(env.trailer.payloadDigest as Uint8Array).equals(Buffer.from(apex))).toBe(true);
        for (const entry of sigs) {
          for (const e of variants(entry, ENVELOPE_PURPOSE)) {
            const claim = envelopeClaim(env.header, apex, undefined);
            expect(checkSignatures([e], claim, [pub(signer)]).some((s) => s.status === 'valid')).toBe(false);
            const grafted: EnvelopeParts = { ...env, trailer: { ...env.trailer, signatures: [e] } };
            expect(await decodes(joinEnvelope(grafted), { trustedSigners: [pub(signer)] })).toBe(false);
          }
        }
      }), { seed: SEED + 41, numRuns: runs(25) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Mutation = (p: EnvelopeParts, r: number) => void;

const flip = (b: Uint8Array, r: number): Uint8Array => {
  const out = Uint8Array.from(b.length ? b : [0]);
  out[r % out.length] = (out[r % out.length] as number) ^ (1 << (r % 8));
  return out;
};

/** Every field of a signed envelope a reader acts on, changed, removed or added. */
const MUTATIONS: Record<string, Mutation> = {
  'enc changed': (p) => { p.header.enc = p.header.enc === undefined ? 'A256CBC' : 'none'; },
  'enc removed': (p) => { if (p.header.enc === undefined) p.header.enc = 'A256CBC'; else delete p.header.enc; },
  'dig changed': (p) => { p.header.dig = p.header.dig === 'S512' ? 'S256' : 'S512'; },
  'dig removed': (p) => { if (p.header.dig === undefined) p.header.dig = 'S512'; else delete p.header.dig; },
  'Salt flipped': (p, r) => { p.header.salt = flip(p.header.salt ?? new Uint8Array(16), r); },
  'Salt removed': (p) => { if (p.header.salt === undefined) p.header.salt = new Uint8Array(16); else delete p.header.salt; },
  'cloaked flipped': (p, r) => { p.header.cloaked = flip(p.header.cloaked ?? encodeEds(Uint8Array.of(0), Uint8Array.of(1)).eds, r); },
  'cloaked removed or added': (p) => {
    if (p.header.cloaked === undefined) p.header.cloaked = encodeEds(Uint8Array.of(9), encodeContentMeta({ filename: 'x.exe' })).eds;
    else delete p.header.cloaked;
  },
  'ContentMetaData changed or added': (p) => { p.header.contentMetaData = encodeContentMeta({ contentType: 'application/x-sh', filename: 'run-me.sh' }); },
  'ContentMetaData removed': (p) => { if (p.header.contentMetaData === undefined) p.header.contentMetaData = encodeContentMeta({ filename: 'a' }); else delete p.header.contentMetaData; },
  'an annotation flipped': (p, r) => {
    const a = p.header.annotations ?? [];
    if (!a.length) p.header.annotations = [encodeEds(Uint8Array.of(7), Uint8Array.of(1)).eds];
    else a[r % a.length] = flip(a[r % a.length] as Uint8Array, r >> 3);
  },
  'an annotation removed or added': (p, r) => {
    const a = p.header.annotations ?? [];
    if (a.length) a.splice(r % a.length, 1);
    else p.header.annotations = [encodeEds(Uint8Array.of(7), Uint8Array.of(1)).eds];
    if (p.header.annotations?.length === 0) delete p.header.annotations;
  },
  'annotations reordered or duplicated': (p) => {
    const a = p.header.annotations ?? [];
    p.header.annotations = a.length >= 2 ? [...a].reverse() : a.length === 1 ? [a[0] as Uint8Array, a[0] as Uint8Array] : [encodeEds(Uint8Array.of(7), Uint8Array.of(1)).eds];
  },
  'payload flipped': (p, r) => { p.payload = flip(p.payload, r); },
  'payload cut or grown by a block': (p) => { p.payload = p.payload.length >= 16 ? p.payload.subarray(0, p.payload.length - 16) : new Uint8Array([...p.payload, ...new Uint8Array(16)]); },
  'PayloadDigest flipped': (p, r) => { p.trailer.payloadDigest = flip(p.trailer.payloadDigest as Uint8Array, r); },
  'PayloadMac flipped or added': (p, r) => { p.trailer.payloadMac = flip(p.trailer.payloadMac ?? new Uint8Array(32), r); },
  'PayloadMac removed': (p) => { if (p.trailer.payloadMac === undefined) p.trailer.payloadMac = new Uint8Array(32); else delete p.trailer.payloadMac; },
  'signature bytes flipped': (p, r) => { const s = p.trailer.signatures?.[0]; if (s) s.signature = flip(s.signature as Uint8Array, r); },
  'witness flipped or added': (p, r) => { const s = p.trailer.signatures?.[0]; if (s) s.witness = flip(s.witness ?? new Uint8Array(32), r); },
  'signer key flipped': (p, r) => { const s = p.trailer.signatures?.[0]; if (s?.publicKey) s.publicKey = { ...s.publicKey, public: flip(s.publicKey.public, r) }; },
  'Purpose relabelled': (p) => { const s = p.trailer.signatures?.[0]; if (s) s.purpose = 'mesh/profile/v1'; },
  'Purpose removed (downgrade to legacy)': (p) => { const s = p.trailer.signatures?.[0]; if (s) delete s.purpose; },
  'alg changed': (p) => { const s = p.trailer.signatures?.[0]; if (s) s.alg = 'S3512'; },
};

describe('binding (finding 1)', () => {
  it('changing any signed field but the recipient wrappings and key-id hints makes verification with the signer fail', async () => {
    const names = Object.keys(MUTATIONS);
    await fc.assert(fc.asyncProperty(caseArb(['signed', 'recipients+signed']), fc.constantFrom(...names), fc.nat(), async (c, name, r) => {
      const original = await encodeEnvelopeBytes(c.payload, c.options);
      const base = joinEnvelope(await splitEnvelope(original));
      // The envelope re-encoded in JSON-B as it is verifies (the harness changes nothing by itself).
      expect(await decodes(base, c.decode)).toBe(true);
      const p = await splitEnvelope(original);
      (MUTATIONS[name] as Mutation)(p, r);
      const changed = joinEnvelope(p);
      fc.pre(Buffer.compare(Buffer.from(changed), Buffer.from(base)) !== 0);
      expect(await decodes(changed, c.decode), name).toBe(false);
      // Keyless (verify without a key): still never "trusted" for a changed field it can see.
      if (c.mode === 'signed') expect(await decodes(changed, { ...c.decode, decrypt: false }), `${name} (no key)`).toBe(false);
    }), { seed: SEED + 42, numRuns: runs(250) });
  });

  it('the recipient wrappings and key-id hints are the only fields left out: a rekey keeps every signature', async () => {
    await fc.assert(fc.asyncProperty(caseArb(['recipients+signed']), async (c) => {
      const p = await splitEnvelope(await encodeEnvelopeBytes(c.payload, c.options));
      p.header.recipients = [...(p.header.recipients ?? [])].reverse().map((x) => ({ ...x, kid: 'MAAA-AAAA-AAAA' }));
      expect(await decodes(joinEnvelope(p), c.decode)).toBe(true);
    }), { seed: SEED + 43, numRuns: runs(60) });
  });
});
