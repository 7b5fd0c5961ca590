/**
 * Property tests of lib/log inclusion proofs (docs/FORMAT.md §10): for random log
 * sizes, session splits (signed sessions end with a signature on their last entry)
 * and entries n, the proof of n checks, survives its file format, and matches the
 * naive RFC 9162 path over every frame digest; moved to any n' ≠ n (index, leaf or
 * path of another entry) it does not check. Fixed seed, a few seconds; ten times
 * as many runs with SLOW=1.
 * @module
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDareError } from '../lib/errors.js';
import { LogReader } from '../lib/log/reader.js';
import { generateKeySet, publicKeySet } from '../lib/keys/keyset.js';
import { frameDigest } from '../lib/sequence/format.js';
import { inclusionProof } from '../lib/sequence/merkle.js';
import { SequenceReader } from '../lib/sequence/reader.js';
import { LogWriter } from '../lib/log/writer.js';
import { checkInclusionProof, encodeInclusionProof, parseInclusionProof, proveInclusion, type InclusionProof } from '../lib/log/proof.js';

const SLOW = process.env.SLOW === '1';
const SEED = 0x10_9e0f;
const dir = mkdtempSync(join(tmpdir(), 'dare-log-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = generateKeySet();
const signer = { crv: keys.signature.crv, privateKey: keys.signature.privateKey, publicKey: keys.signature.publicKey };
const trusted = [publicKeySet(keys).signature];
let counter = 0;

function fails(f: () => unknown): string {
  try {
    f();
    return 'checks';
  } catch (e) {
    if (!isDareError(e)) throw e;
    return 'fails';
  }
}

/** A signed log of `sessions` (entry counts), every session signed; its frame digests. */
async function makeLog(sessions: number[]): Promise<{ path: string; fds: Uint8Array[] }> {
  const path = join(dir, `p${counter++}.dlog`);
  await (await LogWriter.create(path, { signer })).close();
  for (const count of sessions) {
    const w = await LogWriter.open(path, { signer });
    for (let i = 0; i < count; i++) await w.append(`entry ${w.nextEntry}`);
    await w.close();
  }
  const r = await SequenceReader.open(path);
  const fds: Uint8Array[] = [];
  for await (const f of r.frames()) fds.push(frameDigest(f.headerRecord, f.trailer?.payloadDigest as Uint8Array));
  await r.close();
  return { path, fds };
}

const sessions = fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 });

describe('log inclusion proofs', () => {
  it('the proof of n checks, round-trips its file, equals the naive path; for n\' ≠ n it does not check', async () => {
    await fc.assert(
      fc.asyncProperty(sessions, fc.nat(), fc.nat(), async (split, a, b) => {
        const { path, fds } = await makeLog(split);
        const last = fds.length - 1;
        const n = 1 + (a % last);
        const other = 1 + (b % last);
        const proof = await proveInclusion(path, n);
        expect(proof.treeSize).toBe(fds.length); // every session is signed: the apex is the last frame
        expect(proof.path).toEqual(inclusionProof(fds, n, fds.length));
        const parsed = parseInclusionProof(encodeInclusionProof(proof));
        expect(checkInclusionProof(parsed, trusted)).toMatchObject({ index: n, treeSize: fds.length, trusted: true });
        if (other !== n) {
          const proofOther: InclusionProof = await proveInclusion(path, other);
          checkInclusionProof(proofOther, trusted);
          expect(fails(() => checkInclusionProof({ ...proof, index: other }, trusted))).toBe('fails');
          expect(fails(() => checkInclusionProof({ ...proof, leaf: proofOther.leaf }, trusted))).toBe('fails');
          expect(fails(() => checkInclusionProof({ ...proof, index: other, path: proofOther.path }, trusted))).toBe('fails');
        }
      }),
      { numRuns: SLOW ? 300 : 30, seed: SEED },
    );
  }, 120_000);

  it('hostile proof files and damaged logs give DareErrors only (never another exception or a hang)', async () => {
    const { path } = await makeLog([9, 4]);
    const log = readFileSync(path);
    const proofText = Buffer.from(encodeInclusionProof(await proveInclusion(path, 5)));
    const settle = async (f: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await f();
      } catch (e) {
        if (!isDareError(e)) throw e;
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 13 }), async (flips, n) => {
        const bad = Buffer.from(proofText);
        for (const [at, x] of flips) bad[at % bad.length] = (bad[at % bad.length] as number) ^ x;
        await settle(() => checkInclusionProof(parseInclusionProof(bad), trusted));
        const damaged = Buffer.from(log);
        for (const [at, x] of flips) damaged[at % damaged.length] = (damaged[at % damaged.length] as number) ^ x;
        const copy = join(dir, `d${counter++}.dlog`);
        writeFileSync(copy, damaged);
        await settle(() => proveInclusion(copy, n));
        await settle(async () => {
          const r = await LogReader.open(copy, { trustedSigners: trusted });
          try {
            await r.verify();
            for await (const _ of r.entries()) {
              // reading every entry of a damaged log either works or fails with a DareError
            }
          } finally {
            await r.close();
          }
        });
      }),
      { numRuns: SLOW ? 1000 : 100, seed: SEED },
    );
  }, 120_000);
});
