/**
 * Checkpoints (issue 12, finding 5): a file cut back to an earlier signed state verifies as
 * signed; against a checkpoint of a later state it does not extend, and checkExtends says so.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { LogWriter } from '../log/writer.js';
import { errorCode as code } from '../internal/error-code.test-util.js';
import { SequenceReader } from './reader.js';
import { verifySequence } from './verify.js';
import { checkCheckpoint, checkExtends, encodeCheckpoint, makeCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `c${n++}.dlog`);
const alice = generateKeySet();
const signer = { crv: alice.signature.crv, privateKey: alice.signature.privateKey, publicKey: alice.signature.publicKey };
const alicePub = publicKeySet(alice).signature;

async function withReader<T>(path: string, fn: (r: SequenceReader) => Promise<T>): Promise<T> {
  const r = await SequenceReader.open(path);
  try {
    await verifySequence(r);
    return await fn(r);
  } finally {
    await r.close();
  }
}

/** A signed log whose sessions end at entries 1, 2, ... `sessions` x `per`. */
async function log(sessions: number, per: number, path = file()): Promise<string> {
  await (await LogWriter.create(path, { signer })).close();
  for (let s = 0; s < sessions; s++) {
    const w = await LogWriter.open(path, { signer });
    for (let i = 0; i < per; i++) await w.append(`s${s} e${i}`);
    await w.close();
  }
  return path;
}

const checkpointOf = (path: string) => withReader(path, (r) => makeCheckpoint(r, { trustedSigners: [alicePub] }));

describe('checkpoints', () => {
  it('every signed state of a growing log is extended by every later one (consistency proofs from stored nodes)', async () => {
    const path = file();
    await (await LogWriter.create(path, { signer })).close();
    const cps: Checkpoint[] = [];
    for (let s = 0; s < 12; s++) {
      const w = await LogWriter.open(path, { signer });
      for (let i = 0; i <= s % 5; i++) await w.append(`s${s} e${i}`);
      await w.close();
      const cp = await checkpointOf(path);
      expect(checkCheckpoint(parseCheckpoint(encodeCheckpoint(cp)), [alicePub]).trusted).toBe(true);
      cps.push(cp);
      for (const earlier of cps) expect(await withReader(path, (r) => checkExtends(r, earlier))).toEqual({ treeSize: cp.treeSize, since: earlier.treeSize });
    }
  });

  it('a log cut back to an earlier signed state, or rewritten after it, does not extend a later checkpoint', async () => {
    const path = await log(3, 4);
    const early = readFileSync(path);
    const w = await LogWriter.open(path, { signer });
    await w.appendMany(['late 1', 'late 2']);
    await w.close();
    const cp = await checkpointOf(path);
    expect(cp.treeSize).toBe(15);
    // Rolled back: the earlier file verifies with Alice's signature, and is shorter.
    const rolled = file();
    copyFileSync(path, rolled);
    truncateSync(rolled, early.length);
    expect(await withReader(rolled, async (r) => (await verifySequence(r)).lastSigned)).toBe(12);
    expect(await code(withReader(rolled, (r) => checkExtends(r, cp)))).toBe('MERKLE_MISMATCH');
    // Rolled back and extended by Alice herself (she did not notice): as long, or longer, but not an extension.
    for (const more of [2, 5]) {
      const w2 = await LogWriter.open(rolled, { signer });
      await w2.appendMany(Array.from({ length: more }, (_, i) => `other ${i}`));
      await w2.close();
      expect(await code(withReader(rolled, (r) => checkExtends(r, cp)))).toBe('MERKLE_MISMATCH');
    }
    // The original still extends it.
    expect(await withReader(path, (r) => checkExtends(r, cp))).toEqual({ treeSize: 15, since: 15 });
  });

  it('records the latest signed frame; an unsigned file only with allowUnsigned; a changed checkpoint does not check', async () => {
    const path = await log(1, 3);
    const w = await LogWriter.open(path, { trustedSigners: [alicePub] });
    await w.append('unsigned');
    await w.close();
    const cp = await checkpointOf(path);
    expect(cp.treeSize).toBe(4);
    const plain = file();
    await (await LogWriter.create(plain)).close();
    expect(await code(withReader(plain, (r) => makeCheckpoint(r)))).toBe('SIGNATURE_INVALID');
    expect((await withReader(plain, (r) => makeCheckpoint(r, { allowUnsigned: true }))).treeSize).toBe(1);
    const text = encodeCheckpoint(cp);
    const o = JSON.parse(text) as { DareCheckpoint: Record<string, unknown> };
    const tamper = (k: string, v: unknown) => JSON.stringify({ DareCheckpoint: { ...o.DareCheckpoint, [k]: v } });
    expect(await code(() => checkCheckpoint(parseCheckpoint(tamper('TreeSize', 3))))).toBe('MERKLE_MISMATCH');
    const apex = Buffer.from(o.DareCheckpoint.Apex as string, 'base64url');
    apex[0] = (apex[0] as number) ^ 1;
    expect(await code(() => checkCheckpoint(parseCheckpoint(tamper('Apex', apex.toString('base64url')))))).toBe('MERKLE_MISMATCH');
    expect(await code(() => checkCheckpoint(parseCheckpoint(tamper('Signatures', [])), [alicePub]))).toBe('SIGNATURE_INVALID');
    expect(await code(() => parseCheckpoint(tamper('Extra', 1)))).toBe('MALFORMED');
    expect(await code(() => parseCheckpoint('{"DareCheckpoint": '))).toBe('MALFORMED');
    expect(await code(() => parseCheckpoint(tamper('ApexPath', Array(65).fill(o.DareCheckpoint.Apex))))).toBe('LIMIT_EXCEEDED');
  });
});
