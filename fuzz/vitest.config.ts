// `npm run fuzz`: the long fuzz run (fuzz/long.fuzz.ts), outside the normal test suite.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['fuzz/**/*.fuzz.ts'],
    testTimeout: 0,
    pool: 'forks',
  },
});
