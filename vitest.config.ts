import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts', 'property-tests/**/*.test.ts', 'fuse-like-watch/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
