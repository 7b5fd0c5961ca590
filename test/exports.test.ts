// The package's surface (issue 13 "The house"): the root exports what a program needs, each
// area has its subpath, none of them the wire internals; a program that imports one function
// bundles only what that function needs; no caller gets a view into a shared slab.
// test/exports.json is the list of names: a change to the surface changes that file too
// (`UPDATE_EXPORTS=1 npx vitest run test/exports.test.ts` rewrites it; review the diff).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, string> };
const expected = JSON.parse(readFileSync(`${ROOT}test/exports.json`, 'utf8')) as Record<string, string[]>;

/** Names of the wire internals: frames, records, the JSON-B codec, the byte pool. */
const INTERNAL = /^(encodeFrame|readFrame|readRecord|recordHeader|frameHeader|decodeJsonB|encodeJsonB|JsonB|allocBytes|copyBytes|MemoryReader|FileReader|readFrameView|seekFrame)/;

async function namesOf(subpath: string): Promise<string[]> {
  const mod = (await import(`${ROOT}${pkg.exports[subpath]}`)) as Record<string, unknown>;
  return Object.keys(mod).sort();
}

describe('the package surface', () => {
  it('exports the names of test/exports.json, subpath by subpath', async () => {
    if (process.env.UPDATE_EXPORTS === '1') {
      const now: Record<string, string[]> = {};
      for (const subpath of Object.keys(pkg.exports)) now[subpath] = await namesOf(subpath);
      writeFileSync(`${ROOT}test/exports.json`, JSON.stringify(now, null, 1) + '\n');
      Object.assign(expected, now);
    }
    expect(Object.keys(pkg.exports).sort()).toEqual(Object.keys(expected).sort());
    for (const subpath of Object.keys(pkg.exports)) expect(await namesOf(subpath), subpath).toEqual(expected[subpath]);
  });

  it('keeps the root small and the wire internals out of every subpath', async () => {
    expect((await namesOf('.')).length).toBeLessThanOrEqual(45);
    for (const subpath of Object.keys(pkg.exports)) {
      expect((await namesOf(subpath)).filter((n) => INTERNAL.test(n)), subpath).toEqual([]);
    }
  });

  it('bundles only what an imported function needs (sideEffects: false)', async () => {
    const r = await build({
      stdin: { contents: `import { decodeEnvelopeBytes } from './${pkg.exports['.']}'; console.log(decodeEnvelopeBytes);`, resolveDir: ROOT },
      bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent',
    });
    // What ends up in the bundle (esbuild lists every module it parsed among its inputs, also those shaken out).
    const out = Object.values(r.metafile.outputs)[0] as { inputs: Record<string, { bytesInOutput: number }> };
    const inputs = Object.entries(out.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k);
    expect(inputs.some((i) => i.includes('dist/lib/envelope/reader.js'))).toBe(true);
    expect(inputs.filter((i) => /dist\/lib\/(archive|log|store|mesh|sequence)\//.test(i))).toEqual([]);
  });

  it('gives callers buffers of their own, never views into a shared slab', async () => {
    const dare = (await import(`${ROOT}${pkg.exports['.']}`)) as typeof import('../lib/public.js');
    const bob = dare.generateKeySet();
    const keys = [{ crv: bob.encryption.crv, privateKey: bob.encryption.privateKey }];
    const own = (b: Uint8Array) => b.byteOffset === 0 && b.buffer.byteLength === b.length;
    for (const size of [0, 10, 100_000]) {
      const plain = new Uint8Array(size).fill(7);
      const pieces: Uint8Array[] = [];
      for await (const c of dare.encodeEnvelope((async function* () { yield plain; })(), { recipients: [dare.publicKeySet(bob).encryption] })) pieces.push(c);
      expect(pieces.every(own), `encode pieces of ${size}`).toBe(true);
      const sealed = await dare.encodeEnvelopeBytes(plain, { recipients: [dare.publicKeySet(bob).encryption] });
      expect(own(sealed)).toBe(true);
      expect(own((await dare.decodeEnvelopeBytes(sealed, { keys })).payload)).toBe(true);
      const reader = new dare.EnvelopeReader((async function* () { yield sealed; })(), { keys });
      for await (const c of reader.payload()) expect(own(c), `decoded piece of ${size}`).toBe(true);
    }
  });
});
