/**
 * Issue 13 item 10 and issue 12 finding 8, as the attacks: an ArchiveReader given trusted
 * signers enforces them at open (no separate authenticate() call), and under a trusted
 * signer no single-bit change of a signed, encrypted archive extracts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryReader } from '../internal/random-access.js';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { errorCode } from '../internal/error-code.test-util.js';
import { ArchiveReader } from './reader.js';
import { ArchiveWriter } from './writer.js';
import { extractArchive } from './extract.js';

const base = mkdtempSync(join(tmpdir(), 'dare-archive-trust-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => mkdtempSync(join(base, `d${n++}-`));

const owner = generateKeySet();
const signer = generateKeySet();
const stranger = generateKeySet();
const read = { keys: [{ crv: owner.encryption.crv, privateKey: owner.encryption.privateKey }] };
const T = new Date(Date.UTC(2024, 5, 1, 12)).toISOString();

/** A small signed, encrypted archive: a folder, two files, a link, and a second session. */
async function small(file: string): Promise<void> {
  const w = await ArchiveWriter.create(file, { recipients: [publicKeySet(owner).encryption], signer: signer.signature });
  await w.add({ path: 'd', kind: 'directory', size: 0, mode: 0o755, modified: T });
  await w.add({ path: 'd/a.txt', kind: 'file', size: 3, mode: 0o644, modified: T }, Buffer.from('abc'));
  await w.add({ path: 'l', kind: 'symlink', size: 0, mode: 0o777, modified: T, target: 'd/a.txt' });
  await w.finish();
  const w2 = await ArchiveWriter.open(file, { ...read, signer: signer.signature });
  await w2.add({ path: 'd/b.txt', kind: 'file', size: 2, mode: 0o600, modified: T }, Buffer.from('hi'));
  await w2.finish();
}

describe('item 10: ArchiveReader.open enforces the trust it is given', () => {
  it('another signer: open itself refuses, before any entry is listed or read', async () => {
    const file = join(fresh(), 'a.dare');
    await small(file);
    expect(await errorCode(ArchiveReader.open(file, { ...read, trustedSigners: [publicKeySet(stranger).signature] }))).toBe('SIGNATURE_INVALID');
    const r = await ArchiveReader.open(file, { ...read, trustedSigners: [publicKeySet(signer).signature] });
    expect(r.entries().map((e) => e.path)).toEqual(['d', 'd/a.txt', 'l', 'd/b.txt']);
    await r.close();
  });
});

describe('finding 8: no single-bit flip of a signed encrypted archive extracts under a trusted signer', () => {
  it('1,000 bits picked with a fixed seed (SLOW=1: every bit, about 57,000 flips)', async () => {
    const dir = fresh();
    const file = join(dir, 'a.dare');
    await small(file);
    const genuine = readFileSync(file);
    const trusted = { ...read, trustedSigners: [publicKeySet(signer).signature] };
    const extract = async (bytes: Uint8Array, dest: string) => {
      const r = await ArchiveReader.open(new MemoryReader(bytes), trusted);
      try {
        return await extractArchive(r, dest, r.select([]));
      } finally {
        await r.close();
      }
    };
    expect((await extract(genuine, join(dir, 'ok'))).files).toBe(2);
    const bits = genuine.length * 8;
    let seed = 0x5eed;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % bits;
    const picks = process.env.SLOW === '1' ? Array.from({ length: bits }, (_, k) => k) : Array.from({ length: 1000 }, next);
    const passed: string[] = [];
    const out = join(dir, 'out');
    for (const k of picks) {
      const bytes = Uint8Array.from(genuine);
      bytes[k >> 3] = (bytes[k >> 3] as number) ^ (1 << (k & 7));
      const result = await errorCode(extract(bytes, out));
      if (result === 'ok') passed.push(`byte ${k >> 3} bit ${k & 7}`);
      else if (!/^[A-Z_]+$/.test(result)) throw new Error(`byte ${k >> 3} bit ${k & 7}: ${result} (not a DareError)`);
      rmSync(out, { recursive: true, force: true });
    }
    expect(passed).toEqual([]);
    expect(readdirSync(dir)).toEqual(['a.dare', 'ok']);
  }, 600_000);
});
