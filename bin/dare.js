#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/bundle/ by `npm ci` (the prepare script; scripts/build-cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/bundle/dare.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('dare: error: the CLI is not built\ndare: hint: run `npm ci` (or `npm run build`) in the checkout\n');
  process.exit(70);
}
// `dare --version` alone answers without loading the CLI (about 0.1 s of a 0.12 s budget,
// issue 20); the answer is the one yargs gives (test/cli-parsing.test.ts, cli-process.test.ts).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import(new URL('../dist/lib/version.js', import.meta.url).href);
  process.stdout.write(`${VERSION}\n`);
} else {
  await import(main.href);
}
