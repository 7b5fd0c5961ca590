// Verification of a large sequence on several threads (lib/sequence/verify.ts, lib/platform/threads.ts).
// Imports the built library: the worker thread runs dist/lib/platform/verify-worker.js.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogReader, LogWriter, SequenceReader, generateKeySet, isDareError, publicKeySet, verifySequence } from '../dist/lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const alice = generateKeySet();
const signer = { crv: alice.signature.crv, privateKey: alice.signature.privateKey, publicKey: alice.signature.publicKey };
const read = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }], trustedSigners: [{ crv: signer.crv, publicKey: signer.publicKey }] };
const ENTRIES = 600;
const threaded = { threads: 3, minFramesPerThread: 100 };

async function makeLog(name: string): Promise<string> {
  const path = join(dir, name);
  const w = await LogWriter.create(path, { recipients: [publicKeySet(alice).encryption], signer });
  await w.appendMany(Array.from({ length: ENTRIES }, (_, i) => `entry ${i + 1} ${'x'.repeat(i % 50)}`));
  await w.close();
  return path;
}

async function failure(path: string, options = threaded): Promise<{ code: string; message: string }> {
  const r = await LogReader.open(path, read);
  try {
    await r.verify(undefined, options);
    return { code: 'ok', message: '' };
  } catch (e) {
    return { code: isDareError(e) ? e.code : String(e), message: e instanceof Error ? e.message : '' };
  } finally {
    await r.close();
  }
}

/** Flips one byte of the file at `offset`. */
function flip(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset]! ^= 0x01;
  writeFileSync(path, b);
}

async function frame(path: string, index: number) {
  const s = await SequenceReader.open(path);
  try {
    return await s.frame(index);
  } finally {
    await s.close();
  }
}

describe('verification on several threads', () => {
  it('reports what one thread reports, on 3 threads, with every entry seen once', async () => {
    const path = await makeLog('good.dlog');
    const one = await LogReader.open(path, read);
    const single = await one.verify(undefined, { threads: 1 });
    await one.close();
    const many = await LogReader.open(path, read);
    const seen = new Set<number>();
    const multi = await many.verify((i) => seen.add(i), threaded);
    await many.close();
    expect(single.threads).toBe(1);
    expect(multi.threads).toBe(3);
    for (const k of ['frames', 'entries', 'authenticated', 'unopened', 'metaFrames', 'lastSigned'] as const) expect(multi[k]).toBe(single[k]);
    expect(multi.entries).toBe(ENTRIES);
    expect(multi.authenticated).toBeGreaterThanOrEqual(ENTRIES);
    expect(Buffer.from(multi.apex!).equals(Buffer.from(single.apex!))).toBe(true);
    expect(multi.signatures.map((s) => [s.frame, s.status, s.trusted])).toEqual(single.signatures.map((s) => [s.frame, s.status, s.trusted]));
    expect(seen.size).toBe(ENTRIES);
  });

  it('a changed payload in the last range is found by its worker thread, with its code', async () => {
    const path = await makeLog('payload.dlog');
    const f = await frame(path, 550);
    flip(path, f.payload!.dataPosition + 5);
    expect(await failure(path)).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining('frame 550') });
    expect((await failure(path, { threads: 1, minFramesPerThread: 100 })).code).toBe('DIGEST_MISMATCH');
  });

  it('a changed TreeNode in a frame a later range starts from is found (the first range recomputes it)', async () => {
    const path = await makeLog('node.dlog');
    // 601 frames on 3 threads: ranges 0-200, 201-401, 402-600; range 2 starts from frame 401's frontier.
    const f = await frame(path, 401);
    const at = readFileSync(path).indexOf(Buffer.from(f.trailer!.treeNode!));
    expect(at).toBeGreaterThan(f.position);
    flip(path, at + 10);
    expect(await failure(path)).toMatchObject({ code: 'MERKLE_MISMATCH', message: expect.stringContaining('frame 401') });
  });

  it('a small sequence stays on one thread; threads: 1 never starts one', async () => {
    const path = await makeLog('small.dlog');
    const s = await SequenceReader.open(path, read);
    expect((await verifySequence(s)).threads).toBe(1);
    expect((await verifySequence(s, { threads: 4, minFramesPerThread: 1000 })).threads).toBe(1);
    expect((await verifySequence(s, { threads: 2, minFramesPerThread: 100 })).threads).toBe(2);
    await s.close();
  });
});
