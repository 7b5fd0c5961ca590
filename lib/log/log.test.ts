import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, parsePublicKeySet, publicKeySet } from '../keys/keyset.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { SequenceWriter } from '../sequence/writer.js';
import { inclusionProof, merkleRoot } from '../sequence/merkle.js';
import { frameDigest } from '../sequence/format.js';
import { SequenceReader } from '../sequence/reader.js';
import { LogWriter } from './writer.js';
import { LogReader } from './reader.js';
import { checkEntryDigest, checkInclusionProof, encodeInclusionProof, parseInclusionProof, proveInclusion } from './proof.js';
import { MAX_ENTRY_BYTES } from './format.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `l${counter++}.dlog`);
const alice = generateKeySet();
const bob = generateKeySet();
const aliceSigner = { crv: alice.signature.crv, privateKey: alice.signature.privateKey, publicKey: alice.signature.publicKey };
const bobSigner = { crv: bob.signature.crv, privateKey: bob.signature.privateKey, publicKey: bob.signature.publicKey };
const aliceKeys = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }] };


async function texts(path: string, options = {}, from?: number, to?: number): Promise<string[]> {
  const r = await LogReader.open(path, options);
  const out: string[] = [];
  for await (const e of r.entries(from, to)) out.push(`${e.index}:${e.data ? fromUtf8(e.data) : '?'}`);
  await r.close();
  return out;
}

describe('log writer and reader', () => {
  it('appends entries numbered from 1 across sessions, with times, and reads ranges', async () => {
    const path = file();
    const w = await LogWriter.create(path);
    expect(await w.append('one', { created: new Date('2024-01-02T03:04:05.006Z') })).toBe(1);
    expect(await w.appendMany(['two', utf8('three')])).toEqual({ first: 2, last: 3, count: 2 });
    expect((await w.close()).appended).toBe(3);
    const w2 = await LogWriter.open(path);
    expect(w2.lastAtOpen).toBe(3);
    await w2.appendMany(['four', 'five']);
    await w2.close();
    expect(await texts(path)).toEqual(['1:one', '2:two', '3:three', '4:four', '5:five']);
    expect(await texts(path, {}, 2, 4)).toEqual(['2:two', '3:three', '4:four']);
    expect(await texts(path, {}, 5, 99)).toEqual(['5:five']);
    expect(await texts(path, {}, 6)).toEqual([]);
    const r = await LogReader.open(path);
    expect((await r.entry(1)).created).toBe('2024-01-02T03:04:05.006Z');
    expect(Date.parse((await r.entry(4)).created ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(await code(r.entry(6))).toBe('NOT_FOUND');
    expect(await code(r.entry(0))).toBe('MALFORMED');
    const v = await r.verify();
    expect(v).toMatchObject({ entries: 5, lastEntry: 5, frames: 6, tornBytes: 0, structureChecked: true, lastSigned: -1 });
    await r.close();
  });

  it('encrypts entries and their times to a recipient, one key exchange per session', async () => {
    const path = file();
    const w = await LogWriter.create(path, { recipients: [publicKeySet(alice).encryption] });
    await w.appendMany(['secret one', 'secret two', 'secret three']);
    await w.close();
    // Nothing vouches for the policy of an unsigned log: the recipients are given again.
    expect(await code(LogWriter.open(path))).toBe('SIGNATURE_INVALID');
    expect(await code(LogWriter.open(path, { recipients: [publicKeySet(bob).encryption] }))).toBe('MISMATCH');
    const w2 = await LogWriter.open(path, { recipients: [publicKeySet(alice).encryption] });
    await w2.append('secret four');
    await w2.close();
    const raw = readFileSync(path).toString('latin1');
    expect(raw).not.toContain('secret');
    expect(raw).not.toMatch(/20\d\d-\d\d-\d\dT/); // times are in the cloaked metadata
    expect(await texts(path, aliceKeys)).toEqual(['1:secret one', '2:secret two', '3:secret three', '4:secret four']);
    const s = await SequenceReader.open(path);
    const exchanges: number[] = [];
    for await (const f of s.frames(1)) if (f.header.recipients) exchanges.push(f.index);
    await s.close();
    expect(exchanges).toEqual([1, 4]);
    const noKey = await LogReader.open(path);
    const e = await noKey.entry(2);
    expect(e).toMatchObject({ index: 2, encrypted: true, opened: false });
    expect(e.data).toBeUndefined();
    expect((await noKey.verify()).unopened).toBe(4);
    await noKey.close();
    const wrong = await LogReader.open(path, { keys: [{ crv: 'X25519', privateKey: bob.encryption.privateKey }] });
    expect(await code(wrong.entry(1))).toBe('NO_MATCHING_KEY');
    await wrong.close();
  });

  it('a shared-secret log needs the secret to append and to read', async () => {
    const path = file();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const w = await LogWriter.create(path, { secret });
    await w.append('under a secret');
    await w.close();
    expect(await code(LogWriter.open(path))).toBe('NO_MATCHING_KEY');
    expect(await code(LogWriter.open(path, { secret: new Uint8Array(32) }))).toBe('NO_MATCHING_KEY');
    const w2 = await LogWriter.open(path, { secret });
    await w2.append('second');
    await w2.close();
    expect(await texts(path, { secrets: [secret] })).toEqual(['1:under a secret', '2:second']);
  });

  it('signs the last entry of every signed session; the apex covers every entry', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner });
    await w.appendMany(['a', 'b', 'c']);
    const s1 = await w.close();
    expect(s1).toMatchObject({ appended: 3, first: 1, last: 3, signed: true });
    const unsigned = await LogWriter.open(path);
    await unsigned.append('d');
    expect((await unsigned.close()).signed).toBe(false);
    const trusted = { trustedSigners: [publicKeySet(alice).signature] };
    let r = await LogReader.open(path, trusted);
    expect(await code(r.verify())).toBe('SIGNATURE_INVALID'); // entry 4 is not covered
    await r.close();
    r = await LogReader.open(path);
    expect((await r.verify()).lastSigned).toBe(3);
    await r.close();
    expect(await code(LogWriter.open(path, { signer: bobSigner }))).toBe('KEY_INVALID');
    // Entry 4 follows the last signature: a signed session adopts it only when asked to.
    expect(await code(LogWriter.open(path, { signer: aliceSigner }))).toBe('SIGNATURE_INVALID');
    const w3 = await LogWriter.open(path, { signer: aliceSigner, adopt: true });
    expect(w3.trust).toMatchObject({ lastTrusted: 3, unvouched: { from: 4, to: 4 }, adopted: true });
    await w3.append('e');
    await w3.close();
    r = await LogReader.open(path, trusted);
    const v = await r.verify();
    expect(v.lastSigned).toBe(5);
    expect(v.signatures.map((s) => s.frame)).toEqual([0, 3, 5]);
    await r.close();
    const s = await SequenceReader.open(path);
    let metas = 0;
    for await (const f of s.frames()) if (f.isMeta) metas++;
    await s.close();
    expect(metas).toBe(0);
    // A log created without a signer refuses one.
    const plain = file();
    await (await LogWriter.create(plain)).close();
    expect(await code(LogWriter.open(plain, { signer: aliceSigner }))).toBe('KEY_INVALID');
  });

  it('refuses files that are not logs, without touching them', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { type: 'Merkle' });
    await w.append(utf8('x'));
    await w.close();
    const before = readFileSync(path);
    writeFileSync(path, Buffer.concat([before, Buffer.from([0xf4, 0x10, 1, 2])]));
    expect(await code(LogWriter.open(path))).toBe('HEADER_MALFORMED');
    expect(statSync(path).size).toBe(before.length + 4);
    expect(await code(LogReader.open(path))).toBe('HEADER_MALFORMED');
    const empty = file();
    writeFileSync(empty, '');
    expect(await code(LogWriter.open(empty))).toBe('TRUNCATED');
  });

  it('limits entry size', async () => {
    const w = await LogWriter.create(file());
    expect(await code(w.append(new Uint8Array(MAX_ENTRY_BYTES + 1)))).toBe('LIMIT_EXCEEDED');
    await w.close();
  });

  it('cuts a torn last entry at every offset inside it and continues; earlier entries stay readable', async () => {
    const base = file();
    const w = await LogWriter.create(base, { signer: aliceSigner, recipients: [publicKeySet(alice).encryption] });
    await w.appendMany(['first', 'second']);
    await w.close();
    const good = statSync(base).size;
    const w2 = await LogWriter.open(base, { signer: aliceSigner });
    await w2.append('torn');
    await w2.close();
    const full = readFileSync(base);
    const lastFrame = full.length - good;
    for (const cut of [1, 2, 5, Math.floor(lastFrame / 2), lastFrame - 2, lastFrame - 1]) {
      const path = file();
      writeFileSync(path, full);
      truncateSync(path, good + cut);
      const r = await LogReader.open(path, aliceKeys);
      expect(r.tornBytes).toBe(cut);
      expect(r.lastEntry).toBe(2);
      await r.close();
      expect(await texts(path, aliceKeys)).toEqual(['1:first', '2:second']);
      const again = await LogWriter.open(path, { signer: aliceSigner });
      expect(again.tornBytes).toBe(cut);
      expect(await again.append('after')).toBe(3);
      await again.close();
      expect(await texts(path, aliceKeys)).toEqual(['1:first', '2:second', '3:after']);
      const v = await LogReader.open(path, { ...aliceKeys, trustedSigners: [publicKeySet(alice).signature] });
      expect((await v.verify()).tornBytes).toBe(0);
      await v.close();
    }
  });
});

describe('log writer checkpoints', () => {
  const trusted = () => ({ trustedSigners: [publicKeySet(alice).signature] });

  async function verified(path: string, options = {}): Promise<{ lastSigned: number; lastEntry: number; entries: number; tornBytes: number }> {
    const r = await LogReader.open(path, options);
    try {
      return await r.verify();
    } finally {
      await r.close();
    }
  }

  it('a checkpoint writes the held-back entry signed over the apex and syncs: the open log verifies with its signer', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner, recipients: [publicKeySet(alice).encryption] });
    await w.appendMany(['a', 'b', 'c']);
    expect(w.unsynced).toBe(3);
    // Before the checkpoint, entry 3 is held back and the others are buffered: on disk there is
    // only frame 0, which the creator signed.
    expect(await verified(path, trusted())).toMatchObject({ lastEntry: 0, lastSigned: 0 });
    expect(await w.checkpoint()).toEqual({ wrote: true, last: 3, signed: true });
    expect(w.unsynced).toBe(0);
    expect(await verified(path, trusted())).toMatchObject({ entries: 3, lastEntry: 3, lastSigned: 3, tornBytes: 0 });
    expect(await w.checkpoint()).toEqual({ wrote: false, last: 3, signed: true });
    expect(w.nextEntry).toBe(4);
    await w.appendMany(['d', 'e']);
    expect(w.nextEntry).toBe(6);
    expect(await w.checkpoint()).toEqual({ wrote: true, last: 5, signed: true });
    expect(await verified(path, trusted())).toMatchObject({ entries: 5, lastSigned: 5 });
    // Nothing held back at close: the session's last entry was signed at the checkpoint.
    const s = await w.close();
    expect(s).toMatchObject({ appended: 5, first: 1, last: 5, signed: true, checkpoints: 2 });
    expect(await texts(path, aliceKeys)).toEqual(['1:a', '2:b', '3:c', '4:d', '5:e']);
    // One key exchange for the whole session, no meta frames, signatures on entries 3 and 5.
    const seq = await SequenceReader.open(path);
    const frames: { index: number; meta: boolean; recipients: number; signed: boolean }[] = [];
    for await (const f of seq.frames()) frames.push({ index: f.index, meta: f.isMeta, recipients: f.header.recipients?.length ?? 0, signed: (f.trailer?.signatures?.length ?? 0) > 0 });
    await seq.close();
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames.filter((f) => f.meta)).toEqual([]);
    expect(frames.filter((f) => f.recipients > 0).map((f) => f.index)).toEqual([1]);
    expect(frames.filter((f) => f.signed).map((f) => f.index)).toEqual([0, 3, 5]);
    expect(await verified(path, { ...trusted(), ...aliceKeys })).toMatchObject({ entries: 5, lastSigned: 5 });
  });

  it('a session that appends after its last checkpoint signs its last entry at close', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner });
    await w.append('a');
    await w.checkpoint();
    await w.append('b');
    expect(await w.close()).toMatchObject({ appended: 2, last: 2, signed: true, checkpoints: 1 });
    expect(await verified(path, trusted())).toMatchObject({ lastSigned: 2 });
  });

  it('without a signer, a checkpoint writes out and syncs every entry (readable before close), unsigned', async () => {
    const path = file();
    const w = await LogWriter.create(path);
    await w.appendMany(['one', 'two']);
    expect(await w.checkpoint()).toEqual({ wrote: true, last: 2, signed: false });
    expect(await texts(path)).toEqual(['1:one', '2:two']);
    expect((await w.close()).signed).toBe(false);
    // An unsigned session in a signed log: a checkpoint syncs, the signature stays on the earlier entry.
    const signedLog = file();
    const s = await LogWriter.create(signedLog, { signer: aliceSigner });
    await s.append('signed');
    await s.close();
    const u = await LogWriter.open(signedLog);
    await u.append('not signed');
    expect(await u.checkpoint()).toEqual({ wrote: true, last: 2, signed: false });
    expect(await verified(signedLog)).toMatchObject({ lastEntry: 2, lastSigned: 1 });
    await u.close();
  });

  it('operations called without waiting run in call order (a timer\'s checkpoint between appends)', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner });
    const results = await Promise.all([w.append('a'), w.checkpoint(), w.append('b'), w.append('c'), w.checkpoint(), w.append('d'), w.close()]);
    expect(results.slice(0, 6)).toEqual([1, { wrote: true, last: 1, signed: true }, 2, 3, { wrote: true, last: 3, signed: true }, 4]);
    expect(results[6]).toMatchObject({ appended: 4, last: 4, signed: true, checkpoints: 2 });
    expect(await texts(path)).toEqual(['1:a', '2:b', '3:c', '4:d']);
    await expect(w.checkpoint()).rejects.toThrow(/closed/);
    await expect(w.append('e')).rejects.toThrow(/closed/);
  });

  it('a process gone after a checkpoint (frames after it whole or torn): the signed entries stay, the next session adopts whole ones only when asked', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner, recipients: [publicKeySet(alice).encryption] });
    await w.appendMany(['kept 1', 'kept 2']);
    await w.checkpoint();
    const atCheckpoint = statSync(path).size;
    await w.appendMany(['lost 3', 'lost 4']);
    await w.close();
    const full = readFileSync(path);
    for (const cut of [atCheckpoint, atCheckpoint + 1, Math.floor((atCheckpoint + full.length) / 2), full.length - 1]) {
      const copy = file();
      writeFileSync(copy, full.subarray(0, cut));
      const before = await verified(copy);
      expect(before.lastSigned).toBe(2);
      expect(before.lastEntry).toBeGreaterThanOrEqual(2);
      // Entries after the checkpoint that are whole were not signed: the next signed session
      // does not sign over them unless it adopts them (a torn one is cut either way).
      const whole = before.lastEntry > 2;
      if (whole) expect(await code(LogWriter.open(copy, { signer: aliceSigner }))).toBe('SIGNATURE_INVALID');
      const w2 = await LogWriter.open(copy, { signer: aliceSigner, adopt: whole });
      await w2.append('after');
      await w2.close();
      const texts2 = await texts(copy, aliceKeys);
      expect(texts2.slice(0, 2)).toEqual(['1:kept 1', '2:kept 2']);
      expect(texts2[texts2.length - 1]).toBe(`${texts2.length}:after`);
      expect(await verified(copy, { ...trusted(), ...aliceKeys })).toMatchObject({ tornBytes: 0, lastSigned: texts2.length });
    }
  });
});

describe('inclusion proofs', () => {
  it('prove against the latest apex; every leaf of a 70-entry log checks and matches the naive tree', async () => {
    const path = file();
    const w = await LogWriter.create(path);
    for (let i = 1; i <= 70; i++) await w.append(`entry ${i}`);
    await w.close();
    // Naive twin: all frame digests, RFC 9162 paths from merkle.ts.
    const s = await SequenceReader.open(path);
    const fds: Uint8Array[] = [];
    for await (const f of s.frames()) fds.push(frameDigest(f.headerRecord, f.trailer?.payloadDigest as Uint8Array));
    await s.close();
    for (const n of [1, 2, 3, 31, 32, 33, 63, 64, 69, 70]) {
      const proof = await proveInclusion(path, n);
      expect(proof.treeSize).toBe(71);
      expect(proof.apex).toEqual(merkleRoot(fds));
      expect(proof.path).toEqual(inclusionProof(fds, n, 71));
      const check = checkInclusionProof(parseInclusionProof(encodeInclusionProof(proof)));
      expect(check).toMatchObject({ index: n, treeSize: 71, encrypted: false, trusted: false });
      expect(Date.parse(check.created ?? '')).toBeGreaterThan(0);
      checkEntryDigest(proof, new Uint8Array(await crypto.subtle.digest('SHA-512', utf8(`entry ${n}`))));
      expect(await code(() => checkEntryDigest(proof, new Uint8Array(64)))).toBe('DIGEST_MISMATCH');
    }
    expect(await code(proveInclusion(path, 71))).toBe('NOT_FOUND');
    expect(await code(proveInclusion(path, 0))).toBe('MALFORMED');
  });

  it('proves against the latest signed apex, and checks the signer', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner, recipients: [publicKeySet(alice).encryption] });
    await w.appendMany(Array.from({ length: 20 }, (_, i) => `e${i + 1}`));
    await w.close();
    const w2 = await LogWriter.open(path, { trustedSigners: [publicKeySet(alice).signature] }); // unsigned session: entries 21..25
    await w2.appendMany(['x', 'y', 'z', 'u', 'v']);
    await w2.close();
    const proof = await proveInclusion(path, 7);
    expect(proof.treeSize).toBe(21);
    expect(proof.signatures.length).toBe(1);
    const alicePub = publicKeySet(alice).signature;
    expect(checkInclusionProof(proof, [alicePub])).toMatchObject({ index: 7, trusted: true, encrypted: true });
    expect(await code(() => checkInclusionProof(proof, [publicKeySet(bob).signature]))).toBe('SIGNATURE_INVALID');
    expect(await code(() => checkEntryDigest(proof, new Uint8Array(64)))).toBe('MALFORMED');
    expect(await code(proveInclusion(path, 22))).toBe('SIGNATURE_INVALID');
    const late = await proveInclusion(path, 22, { allowUnsigned: true });
    expect(late.treeSize).toBe(26);
    expect(late.signatures).toEqual([]);
    expect(await code(() => checkInclusionProof(late, [alicePub]))).toBe('SIGNATURE_INVALID');
    expect(checkInclusionProof(late).trusted).toBe(false);
  });

  it('a tampered proof does not check', async () => {
    const path = file();
    const w = await LogWriter.create(path, { signer: aliceSigner });
    await w.appendMany(Array.from({ length: 40 }, (_, i) => `e${i + 1}`));
    await w.close();
    const proof = await proveInclusion(path, 13);
    const alicePub = [publicKeySet(alice).signature];
    const flip = (b: Uint8Array, i = 0) => {
      const c = b.slice();
      c[i] = (c[i] as number) ^ 1;
      return c;
    };
    const sig = proof.signatures[0];
    if (!sig?.signature) throw new Error('no signature');
    const cases: [string, object, string][] = [
      ['path', { path: proof.path.map((p, i) => (i === 2 ? flip(p, 9) : p)) }, 'MERKLE_MISMATCH'],
      ['apex', { apex: flip(proof.apex, 63) }, 'MERKLE_MISMATCH'],
      ['apex path', { apexPath: proof.apexPath.map((p, i) => (i === 0 ? flip(p) : p)) }, 'MERKLE_MISMATCH'],
      ['payload digest', { leaf: { ...proof.leaf, payloadDigest: flip(proof.leaf.payloadDigest) } }, 'MERKLE_MISMATCH'],
      ['index', { index: 12 }, 'MERKLE_MISMATCH'],
      ['index 14', { index: 14 }, 'MERKLE_MISMATCH'],
      ['tree size', { treeSize: 40 }, 'MERKLE_MISMATCH'],
      ['signature', { signatures: [{ ...sig, signature: flip(sig.signature, 5) }] }, 'SIGNATURE_INVALID'],
      ['index past size', { index: 41 }, 'MALFORMED'],
      ['short path', { path: proof.path.slice(1) }, 'MALFORMED'],
    ];
    for (const [what, change, expected] of cases) {
      expect(`${what}: ${await code(() => checkInclusionProof({ ...proof, ...change }, alicePub))}`).toBe(`${what}: ${expected}`);
    }
    // Without a signer, a proof stripped of its signature still holds structurally, but is not trusted.
    expect(checkInclusionProof({ ...proof, signatures: [] }).trusted).toBe(false);
    expect(await code(() => checkInclusionProof({ ...proof, signatures: [] }, alicePub))).toBe('SIGNATURE_INVALID');
  });

  it('parses proof files strictly', async () => {
    const path = file();
    const w = await LogWriter.create(path);
    await w.appendMany(['a', 'b', 'c']);
    await w.close();
    const text = encodeInclusionProof(await proveInclusion(path, 2));
    const o = JSON.parse(text) as { DareLogProof: Record<string, unknown> };
    const variant = (change: Record<string, unknown>) => JSON.stringify({ DareLogProof: { ...o.DareLogProof, ...change } });
    const p = o.DareLogProof;
    const cases: [string, string | Uint8Array, string][] = [
      ['not json', '{"DareLogProof":', 'MALFORMED'],
      ['not utf-8', Uint8Array.of(0xff, 0xfe), 'MALFORMED'],
      ['huge', 'x'.repeat((4 << 20) + 1), 'LIMIT_EXCEEDED'],
      ['extra field', variant({ Extra: 1 }), 'MALFORMED'],
      ['missing apex', variant({ Apex: undefined }), 'MALFORMED'],
      ['short apex', variant({ Apex: 'AAAA' }), 'MALFORMED'],
      ['padded base64', variant({ Apex: `${String(p.Apex)}==` }), 'MALFORMED'],
      ['huge path', variant({ Path: Array.from({ length: 65 }, () => p.Apex) }), 'LIMIT_EXCEEDED'],
      ['index >= size', variant({ Index: 4 }), 'MALFORMED'],
      ['negative index', variant({ Index: -1 }), 'MALFORMED'],
      ['fractional size', variant({ TreeSize: 3.5 }), 'MALFORMED'],
      ['huge size', variant({ TreeSize: 2 ** 60 }), 'MALFORMED'],
      ['version', variant({ Version: 2 }), 'MALFORMED'],
      ['signatures', variant({ Signatures: [{ bogus: 1 }] }), 'MALFORMED'],
      ['many signatures', variant({ Signatures: Array.from({ length: 17 }, () => ({})) }), 'LIMIT_EXCEEDED'],
      ['deep', '['.repeat(100000), 'LIMIT_EXCEEDED'],
      ['wrapper', JSON.stringify(o.DareLogProof), 'MALFORMED'],
    ];
    for (const [what, input, expected] of cases) {
      expect(`${what}: ${await code(() => parseInclusionProof(input))}`).toBe(`${what}: ${expected}`);
    }
    expect(checkInclusionProof(parseInclusionProof(text)).index).toBe(2);
  });
});

describe('fixtures/log (format regression)', () => {
  const fx = (n: string) => new URL(`../../fixtures/log/${n}`, import.meta.url).pathname;
  const signerPub = () => parsePublicKeySet(readFileSync(fx('signer.pub'), 'utf8').trim()).signature;

  it('reads and verifies the fixture log; the latest signed apex is frame 4', async () => {
    expect(await texts(fx('log.dlog'))).toEqual(['1:alpha', '2:beta', '3:gamma', '4:delta', '5:epsilon']);
    const r = await LogReader.open(fx('log.dlog'));
    const v = await r.verify();
    expect(v).toMatchObject({ entries: 5, lastSigned: 4, structureChecked: true });
    expect(v.signatures.map((s) => s.frame)).toEqual([3, 4]);
    await r.close();
    const proof = await proveInclusion(fx('log.dlog'), 3);
    expect(encodeInclusionProof(proof)).toBe(readFileSync(fx('entry3.proof'), 'utf8'));
  });

  it('the fixture proof checks with the signer and the entry bytes, and not with another signer', async () => {
    const proof = parseInclusionProof(readFileSync(fx('entry3.proof')));
    expect(checkInclusionProof(proof, [signerPub()])).toMatchObject({ index: 3, treeSize: 5, trusted: true, encrypted: false });
    checkEntryDigest(proof, new Uint8Array(await crypto.subtle.digest('SHA-512', readFileSync(fx('entry3.txt')))));
    expect(await code(() => checkInclusionProof(proof, [publicKeySet(bob).signature]))).toBe('SIGNATURE_INVALID');
  });

  it('a proof made before signing purposes (entry3-legacy.proof): its legacy signature is trusted only when accepted', async () => {
    const proof = parseInclusionProof(readFileSync(fx('entry3-legacy.proof')));
    const legacySigner = parsePublicKeySet(readFileSync(fx('legacy-signer.pub'), 'utf8').trim()).signature;
    expect(await code(() => checkInclusionProof(proof, [legacySigner]))).toBe('SIGNATURE_INVALID');
    const r = checkInclusionProof(proof, [legacySigner], { acceptLegacySignatures: true });
    expect(r).toMatchObject({ index: 3, treeSize: 5, trusted: true });
    expect(r.signatures.map((s) => s.legacy)).toEqual([true]);
    // A new signature does not pass for a legacy one, nor the other way round.
    expect(await code(() => checkInclusionProof(parseInclusionProof(readFileSync(fx('entry3.proof'))), [legacySigner], { acceptLegacySignatures: true }))).toBe('SIGNATURE_INVALID');
  });
});
