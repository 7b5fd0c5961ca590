#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('dare: error: the CLI is not built\ndare: hint: run `npm ci` (or `npm run build`) in the checkout\n');
  process.exit(70);
}
await import(main.href);
