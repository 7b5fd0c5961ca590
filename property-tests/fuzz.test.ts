/**
 * A short, bounded run of the coverage-guided fuzz harness (fuzz/engine.ts) on every
 * target, with a fixed PRNG seed: about 1.5 s per target (FUZZ_SECONDS sets the total).
 * `npm run fuzz` runs the long version (fuzz/long.fuzz.ts).
 * @module
 */
import { describe, expect, it } from 'vitest';
import { fuzz } from '../fuzz/engine.js';
import { TARGETS } from '../fuzz/targets.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 6) / TARGETS.length;

describe('fuzz (short run)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: no crash, hang or memory blow-up`, async () => {
      const r = await fuzz(target, { seconds: SECONDS, seed: 20261126, saveCrashes: process.env.FUZZ_SAVE === '1' });
      const crashes = r.crashes.map((c) => `${c.kind}: ${c.message.split('\n').slice(0, 4).join(' | ')}\n  input (hex): ${Buffer.from(c.input).toString('hex').slice(0, 400)}`);
      expect(crashes, `${target.name}: ${r.execs} execs, ${r.blocks} blocks`).toEqual([]);
      expect(r.seeds).toBeGreaterThan(0);
      expect(r.blocks).toBeGreaterThanOrEqual(r.seedBlocks);
    }, 120_000);
  }
});
