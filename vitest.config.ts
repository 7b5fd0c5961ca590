import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts', 'property-tests/**/*.test.ts', 'fuse-like-watch/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on this 2-core machine.
    // Two ran the suite in 135 s instead of 192 s (vitest alone, load average 3 from others).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
