/**
 * Scale: an encrypted, signed log of 10,000 entries of 200 bytes (100,000 with SLOW=1,
 * the project's target size) appends in one session, verifies with the key and the
 * trusted signer, and proves an entry in the middle against the signed apex.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { LogWriter } from './writer.js';
import { LogReader } from './reader.js';
import { checkInclusionProof, proveInclusion } from './proof.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-log-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = generateKeySet();
const signer = { crv: keys.signature.crv, privateKey: keys.signature.privateKey, publicKey: keys.signature.publicKey };

function* entries(n: number): Generator<string> {
  for (let i = 1; i <= n; i++) yield `${String(i).padStart(8, '0')} ${'entry text '.repeat(20)}`.slice(0, 200);
}

async function scale(n: number): Promise<void> {
  const path = join(dir, `scale-${n}.dlog`);
  const w = await LogWriter.create(path, { recipients: [publicKeySet(keys).encryption], signer });
  expect(await w.appendMany(entries(n))).toEqual({ first: 1, last: n, count: n });
  expect((await w.close()).signed).toBe(true);
  const r = await LogReader.open(path, {
    keys: [{ crv: 'X25519', privateKey: keys.encryption.privateKey }], trustedSigners: [publicKeySet(keys).signature],
  });
  const v = await r.verify();
  expect(v).toMatchObject({ entries: n, authenticated: n, unopened: 0, lastSigned: n, tornBytes: 0 });
  const middle = Math.floor(n / 2);
  const e = await r.entry(middle);
  expect(Buffer.from(e.data as Uint8Array).toString().slice(0, 8)).toBe(String(middle).padStart(8, '0'));
  await r.close();
  const proof = await proveInclusion(path, middle);
  expect(checkInclusionProof(proof, [publicKeySet(keys).signature])).toMatchObject({ index: middle, treeSize: n + 1, trusted: true });
}

describe('log scale', () => {
  it('10,000 encrypted signed entries: append, verify, prove', () => scale(10_000), 120_000);
  if (process.env.SLOW === '1') {
    it('100,000 encrypted signed entries: append, verify, prove', () => scale(100_000), 900_000);
  }
});
