/**
 * Escrow (lib/mesh/home/escrow.ts): for every K of N (2 ≤ K ≤ N ≤ 16, K ≤ 15), any K
 * shares in any order recover the record and give the account's profile UDF and seed; any
 * K − 1 do not (QUORUM_NOT_MET), nor do K shares with one of another escrow among them.
 * Fixed seed; SLOW=1 runs ten times as many subsets per pair.
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDareError } from '../lib/index.js';
import { AccountContext, MeshHome, createAccount, escrowAccount, openRecoveryRecord } from '../lib/mesh/index.js';
import { runs } from './support.js';

const SEED = 20261203;
const dir = mkdtempSync(join(tmpdir(), 'mesh-escrow-prop-'));
let home: MeshHome;
let ctx: AccountContext;

beforeAll(async () => {
  home = await MeshHome.open(dir, { write: true });
  ctx = new AccountContext(home, (await createAccount(home, { name: 'alice' })).record);
}, 60_000);
afterAll(async () => {
  await home.close();
  rmSync(dir, { recursive: true, force: true });
});

/** K distinct shares of N, in the order fast-check shuffles them. */
const subset = (n: number, k: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: k, maxLength: k });

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (isDareError(e)) return e.code;
    throw e;
  }
}

describe('escrow: K of N shares', () => {
  it('every K of N recovers the account, K - 1 and a foreign share do not', async () => {
    const seed = (await home.keyStore()).account(ctx.record.profileUdf)?.accountSeed()?.udf;
    for (let n = 2; n <= 16; n++) {
      for (let k = 2; k <= Math.min(n, 15); k++) {
        const { record, shares } = await escrowAccount(ctx, n, k);
        expect(shares).toHaveLength(n);
        const other = await escrowAccount(ctx, n, k);
        await fc.assert(fc.asyncProperty(subset(n, k), fc.nat(k - 1), async (pick, swap) => {
          const chosen = pick.map((i) => shares[i] as string);
          const content = await openRecoveryRecord(record, chosen);
          expect(content.profileUdf).toBe(ctx.record.profileUdf);
          expect(content.accountSeed.udf).toBe(seed);
          expect(await code(openRecoveryRecord(record, chosen.slice(1)))).toBe('QUORUM_NOT_MET');
          const mixed = chosen.map((s, i) => (i === swap ? (other.shares[pick[i] as number] as string) : s));
          expect(await code(openRecoveryRecord(record, mixed))).toBe('QUORUM_NOT_MET');
        }), { numRuns: runs(1), seed: SEED + 100 * n + k });
      }
    }
  }, 300_000);
});
