#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/bundle/ by `npm ci` (the prepare script; scripts/build-cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/bundle/meshd.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('meshd: error: the CLI is not built\nmeshd: hint: run `npm ci` (or `npm run build`) in the checkout\n');
  process.exit(70);
}
await import(main.href);
