#!/usr/bin/env node
// Bundles the CLIs (cli/main.ts: dare, cli/mesh/main.ts: mesh) and the verification worker into dist/bundle/ with esbuild:
// one file instead of ~200 modules makes every `dare` start about twice as fast (module
// resolution and loading was most of the start-up). The library itself is compiled by tsc
// to dist/lib/ for programs that import it; the bundle is only what bin/dare.js runs.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
await build({
  absWorkingDir: root,
  // The worker sits next to the CLI: lib/sequence/verify.ts finds it as ./verify-worker.js.
  entryPoints: { dare: 'cli/main.ts', mesh: 'cli/mesh/main.ts', meshd: 'server/main.ts', 'verify-worker': 'lib/sequence/verify-worker.ts' },
  outdir: join(root, 'dist', 'bundle'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // CommonJS dependencies (tar-stream's) call require() for Node built-ins.
  banner: { js: "import { createRequire as __dareCreateRequire } from 'node:module'; const require = __dareCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
