/**
 * Replays the fuzz seed corpus and every saved crash (fixtures/fuzz/<target>/ and
 * fixtures/fuzz/<target>/crashes/): each must decode or fail with a DareError.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { loadCrashes, loadSeeds } from '../fuzz/engine.js';
import { TARGETS } from '../fuzz/targets.js';

describe('fuzz corpus and regression crashes', () => {
  for (const target of TARGETS) {
    it(`${target.name}: every seed and saved crash gives a value or a DareError`, async () => {
      const seeds = loadSeeds(target.name);
      expect(seeds.length).toBeGreaterThan(0);
      for (const s of seeds) await target.run(s);
      for (const { file, input } of loadCrashes(target.name)) {
        await expect(target.run(input), file).resolves.toBeUndefined();
      }
    });
  }
});
