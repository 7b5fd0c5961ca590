import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, truncateSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { SequenceWriter } from './writer.js';
import { SequenceReader } from './reader.js';
import { verifySequence } from './verify.js';
import { SEQUENCE_TYPES } from './format.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-seq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `s${counter++}.dares`);
const alice = generateKeySet();
const bob = generateKeySet();
const aliceKeys = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }] };


async function payloads(path: string, options = {}): Promise<string[]> {
  const r = await SequenceReader.open(path, options);
  try {
    const out: string[] = [];
    for await (const f of r.frames(1)) {
      if (f.isMeta) continue;
      out.push(fromUtf8(await r.readPayload(await r.open(f))));
    }
    return out;
  } finally {
    // Closed on the error path too (NO_MATCHING_KEY below): else the handle is closed by GC (DEP0137).
    await r.close();
  }
}

describe('sequences', () => {
  for (const type of SEQUENCE_TYPES) {
    it(`${type}: append, reopen, append, read by index, verify`, async () => {
      const path = file();
      const w = await SequenceWriter.create(path, { type });
      for (let i = 0; i < 20; i++) await w.append(utf8(`entry ${i}`));
      await w.close();
      const w2 = await SequenceWriter.open(path);
      expect(w2.frameCount).toBe(21);
      for (let i = 20; i < 45; i++) await w2.append(utf8(`entry ${i}`));
      await w2.close();
      expect(await payloads(path)).toEqual(Array.from({ length: 45 }, (_, i) => `entry ${i}`));
      const r = await SequenceReader.open(path);
      for (const i of [0, 1, 2, 7, 8, 15, 16, 31, 32, 44, 45]) expect((await r.frame(i)).index).toBe(i);
      const report = await verifySequence(r);
      expect(report.frames).toBe(46);
      expect(report.structureChecked).toBe(type === 'Merkle' || type === 'Chain');
      await r.close();
    });
  }

  it('encrypts with one key exchange per writer session and a fresh salt per frame', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { recipients: [publicKeySet(alice).encryption] });
    for (let i = 0; i < 5; i++) await w.append(utf8(`secret ${i}`), { contentMeta: { filename: `f${i}.txt` } });
    await w.close();
    const w2 = await SequenceWriter.open(path); // recipients come from the policy
    await w2.append(utf8('secret 5'));
    await w2.close();
    const r = await SequenceReader.open(path, aliceKeys);
    const withRecipients: number[] = [];
    const salts = new Set<string>();
    for await (const f of r.frames(1)) {
      if (f.header.recipients) withRecipients.push(f.index);
      salts.add(Buffer.from(f.header.salt as Uint8Array).toString('hex'));
    }
    expect(withRecipients).toEqual([1, 6]);
    expect(salts.size).toBe(6);
    expect(readFileSync(path).toString('latin1')).not.toContain('secret');
    expect(await payloads(path, aliceKeys)).toEqual(['secret 0', 'secret 1', 'secret 2', 'secret 3', 'secret 4', 'secret 5']);
    const opened = await r.open(await r.frame(3));
    expect(opened.contentMeta?.filename).toBe('f2.txt');
    expect((await verifySequence(r)).authenticated).toBe(7 - 1);
    await r.close();
    expect(await code(payloads(path, { keys: [{ crv: 'X25519', privateKey: bob.encryption.privateKey }] }))).toBe('NO_MATCHING_KEY');
  });

  it('shared secret sequences need the secret to append and read', async () => {
    const path = file();
    const secret = crypto.getRandomValues(new Uint8Array(16));
    const w = await SequenceWriter.create(path, { secret });
    await w.append(utf8('one'));
    await w.close();
    const w2 = await SequenceWriter.open(path);
    expect(await code(w2.append(utf8('two')))).toBe('NO_MATCHING_KEY');
    await w2.close();
    const w3 = await SequenceWriter.open(path, { secret });
    await w3.append(utf8('two'));
    await w3.close();
    expect(await payloads(path, { secrets: [secret] })).toEqual(['one', 'two']);
  });

  it('signs the apex: one signature covers every frame; trusted signers are enforced', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { signer: alice.signature });
    for (let i = 0; i < 10; i++) await w.append(utf8(`e${i}`));
    await w.seal();
    await w.close();
    const trusted = async (k: typeof alice) => {
      const r = await SequenceReader.open(path, { trustedSigners: [publicKeySet(k).signature] });
      try {
        return await verifySequence(r);
      } finally {
        await r.close();
      }
    };
    const rep = await trusted(alice);
    expect(rep.lastSigned).toBe(11);
    expect(rep.signatures[0]?.trusted).toBe(true);
    expect(await code(trusted(bob))).toBe('SIGNATURE_INVALID');
    // A frame appended after the signature is not covered.
    const w2 = await SequenceWriter.open(path);
    await w2.append(utf8('unsigned'));
    await w2.close();
    expect(await code(trusted(alice))).toBe('SIGNATURE_INVALID');
  });

  it('detects a changed payload byte through digest, chain and tree', async () => {
    for (const type of ['Merkle', 'Chain', 'Digest'] as const) {
      const path = file();
      const w = await SequenceWriter.create(path, { type });
      for (let i = 0; i < 8; i++) await w.append(utf8(`payload number ${i}`));
      await w.close();
      const bytes = readFileSync(path);
      const at = bytes.indexOf(Buffer.from('payload number 5'));
      bytes[at] = (bytes[at] as number) ^ 1;
      writeFileSync(path, bytes);
      const r = await SequenceReader.open(path);
      expect(await code(verifySequence(r))).toBe('DIGEST_MISMATCH');
      await r.close();
    }
  });

  it('cuts a torn tail on reopen and keeps every earlier frame', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { recipients: [publicKeySet(alice).encryption] });
    for (let i = 0; i < 10; i++) await w.append(utf8(`entry ${i}`.repeat(20)));
    await w.close();
    const full = statSync(path).size;
    for (const cut of [1, 7, 50, 120]) {
      const copy = file();
      writeFileSync(copy, readFileSync(path));
      truncateSync(copy, full - cut);
      const r = await SequenceReader.open(copy, aliceKeys);
      expect(r.tornBytes).toBeGreaterThan(0);
      expect(r.last.index).toBe(9);
      await r.close();
      const w2 = await SequenceWriter.open(copy);
      expect(w2.tornBytes).toBeGreaterThan(0);
      await w2.append(utf8('after the crash'));
      await w2.close();
      const texts = await payloads(copy, aliceKeys);
      expect(texts).toHaveLength(10);
      expect(texts[9]).toBe('after the crash');
      const r2 = await SequenceReader.open(copy, aliceKeys);
      expect((await verifySequence(r2)).frames).toBe(11);
      await r2.close();
    }
  });

  it('a file cut right after a whole frame inside a payload is torn there, not ended by the embedded frame', async () => {
    for (const type of ['Merkle', 'Tree'] as const) {
      const path = file();
      const w = await SequenceWriter.create(path, { type });
      for (let i = 0; i < 6; i++) await w.append(utf8(`entry ${i}`));
      await w.close();
      // The next frame's payload is a byte-identical copy of the file so far (a sequence that
      // archives itself), and the append is cut right after the copy's last frame.
      const self = readFileSync(path);
      const before = self.length;
      const w2 = await SequenceWriter.open(path);
      await w2.append(self);
      await w2.close();
      const at = readFileSync(path).indexOf(self, before);
      expect(at).toBeGreaterThan(before);
      truncateSync(path, at + self.length);
      const r = await SequenceReader.open(path);
      expect(r.last.index).toBe(6);
      expect(r.last.end).toBe(before);
      expect(r.tornBytes).toBe(at + self.length - before);
      await r.close();
      const w3 = await SequenceWriter.open(path);
      expect(w3.tornBytes).toBe(at + self.length - before);
      await w3.append(utf8('after the crash'));
      await w3.close();
      expect(await payloads(path)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `entry ${i}`).concat('after the crash'));
      const r2 = await SequenceReader.open(path);
      expect((await verifySequence(r2)).frames).toBe(8);
      await r2.close();
    }
  });

  it('refuses to append when frame 0 (the policy new frames are encrypted to) was changed', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { recipients: [publicKeySet(alice).encryption] });
    for (let i = 0; i < 9; i++) await w.append(utf8(`entry ${i}`));
    await w.close();
    // Mallory swaps Alice's key in the policy for his own (same length, same encoding).
    const b = readFileSync(path);
    const at = b.indexOf(Buffer.from(publicKeySet(alice).encryption.publicKey).toString('base64url'));
    expect(at).toBeGreaterThan(0);
    b.write(Buffer.from(publicKeySet(bob).encryption.publicKey).toString('base64url'), at);
    writeFileSync(path, b);
    expect(await code(SequenceWriter.open(path))).toBe('MERKLE_MISMATCH');
  });

  it('streams a large payload of known length', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { recipients: [publicKeySet(alice).encryption] });
    const size = 5 * 1024 * 1024 + 3;
    async function* gen() {
      for (let i = 0; i < size; i += 65536) yield new Uint8Array(Math.min(65536, size - i)).fill(i & 255);
    }
    await w.append(gen(), { payloadLength: size });
    await w.close();
    const r = await SequenceReader.open(path, aliceKeys);
    let n = 0;
    for await (const p of r.payload(await r.open(await r.frame(1)))) n += p.length;
    expect(n).toBe(size);
    await r.close();
  });
});
