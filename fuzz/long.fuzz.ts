/**
 * The long fuzz run: `npm run fuzz` (FUZZ_SECONDS per target, default 60; FUZZ_SEED,
 * default from the clock; FUZZ_TARGETS=jsonb,envelope to choose). Crashing inputs are
 * saved to fixtures/fuzz/<target>/crashes/, where property-tests/fuzz-corpus.test.ts
 * replays them from then on.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { fuzz } from './engine.js';
import { TARGETS } from './targets.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ONLY = process.env.FUZZ_TARGETS?.split(',');

describe(`fuzz (long run, seed ${SEED})`, () => {
  for (const target of TARGETS.filter((t) => !ONLY || ONLY.includes(t.name))) {
    it(target.name, async () => {
      const r = await fuzz(target, { seconds: SECONDS, seed: SEED });
      const { crashes, ...stats } = r;
      process.stdout.write(`fuzz ${JSON.stringify({ ...stats, crashes: crashes.length })}\n`);
      for (const c of crashes) process.stdout.write(`  ${c.kind} saved as ${c.file}: ${c.message.split('\n').slice(0, 3).join(' | ')}\n`);
      expect(crashes.map((c) => c.file)).toEqual([]);
    });
  }
});
