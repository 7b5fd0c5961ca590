import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const sample = join(dir, 'sample.txt');
writeFileSync(sample, 'UDF Content Data');

describe('dare hash', () => {
  it('prints the UDF of a file, content type from the extension (udf-13 §1.1 vector)', async () => {
    const r = await dare(['hash', 'udf', sample]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4\n');
    // The content type it used is said on stderr (issue 13 item 12); --quiet leaves it out.
    expect(r.stderr).toBe(`dare: note: ${sample}: content type text/plain (from the name; --cty to change)\n`);
    expect((await dare(['hash', 'udf', sample, '--quiet'])).stderr).toBe('');
    expect((await dare(['hash', 'udf', '-', '--cty', 'text/plain'], { input: 'x' })).stderr).toBe('dare: note: -: content type text/plain\n');
  });
  it('reads stdin with -, takes --cty, --alg sha3 and --bits', async () => {
    const r = await dare(['hash', 'udf', '-', '--cty', 'text/plain', '--alg', 'sha3'], { input: 'UDF Content Data' });
    expect(r.stdout).toBe('KCM5-7VB6-IJXJ-WKHX-NZQF-OKGZ-EWVN\n');
    const long = await dare(['hash', 'udf', sample, '--bits', '200']);
    expect(long.stdout.trim()).toMatch(/^MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4(-[A-Z2-7]{4}){3}$/);
  });
  it('--expect exits 0 on a match (any case, any dashes) and 7 with an error on a mismatch', async () => {
    expect((await dare(['hash', 'udf', sample, '--expect', 'mb5sr4aj3fbt7nhot26z2e6ywfh4'])).code).toBe(0);
    const bad = await dare(['hash', 'udf', sample, '--expect', 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH5']);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toMatch(/^dare: error: .*does not match/);
    const notDigest = await dare(['hash', 'udf', sample, '--expect', 'NOT-A-UDF!']);
    expect(notDigest.code).toBe(3);
  });
  it('--json gives machine output', async () => {
    const r = await dare(['hash', 'udf', sample, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ udf: 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4', contentType: 'text/plain', bits: 140 });
  });
  it('digest prints hex digests like sha256sum', async () => {
    const r = await dare(['hash', 'digest', '-', '--alg', 'sha256'], { input: 'abc' });
    expect(r.stdout).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n');
  });
  it('bad arguments are usage errors (exit 2), missing files I/O errors (exit 6), one line each', async () => {
    const bits = await dare(['hash', 'udf', sample, '--bits', '130']);
    expect(bits.code).toBe(2);
    expect(bits.stderr).toMatch(/^dare: error: --bits/);
    expect((await dare(['frobnicate'])).code).toBe(2);
    expect((await dare([])).code).toBe(2);
    const missing = await dare(['hash', 'udf', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toBe(`dare: error: ${join(dir, 'nope.txt')}: no such file or directory\n`);
    expect((await dare(['hash', 'udf', dir])).code).toBe(6);
  });
  // Root reads any file, so this case exists only for unprivileged runs.
  if (process.getuid?.() !== 0) it('an unreadable file is an I/O error', async () => {
    const locked = join(dir, 'locked.txt');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0);
    expect((await dare(['hash', 'udf', locked])).code).toBe(6);
  });
  it('--help shows examples', async () => {
    const r = await dare(['hash', 'udf', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });
});

describe('dare key', () => {
  it('nonce and secret print typed UDFs of the requested size', async () => {
    expect((await dare(['key', 'nonce'])).stdout).toMatch(/^N[A-Z2-7]{3}(-[A-Z2-7]{1,4}){6}\n$/);
    const s = (await dare(['key', 'secret', '--bits', '256'])).stdout.trim();
    expect(s[0]).toBe('E');
    expect(s.replace(/-/g, '').length).toBe(Math.ceil((8 + 256) / 5));
    expect((await dare(['key', 'secret', '--bits', '100'])).code).toBe(2);
  });
  it('share then recover gives back the secret from any quorum; fewer shares fail with exit 5', async () => {
    const secret = (await dare(['key', 'secret'])).stdout.trim();
    const r = await dare(['key', 'share', '--secret', secret, '--shares', '5', '--quorum', '3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(secret);
    const shares = lines.slice(1);
    const rec = await dare(['key', 'recover', shares[4]!, shares[0]!, shares[2]!]);
    expect(rec.stdout.trim()).toBe(secret);
    const few = await dare(['key', 'recover', shares[0]!, shares[1]!]);
    expect(few.code).toBe(5);
    expect(few.stderr).toMatch(/^dare: error: /);
    expect((await dare(['key', 'share', '--shares', '2', '--quorum', '3'])).code).toBe(2);
  });
  it('recovers the udf-13 §1.1.1 example shares', async () => {
    const r = await dare(['key', 'share', '--json']);
    const j = JSON.parse(r.stdout) as { secret: string; shares: string[] };
    expect((await dare(['key', 'recover', j.shares[1]!, j.shares[2]!])).stdout.trim()).toBe(j.secret);
  });
  it('earl prints a udf:// locator for the domain', async () => {
    const r = await dare(['key', 'earl', 'example.net', '--json']);
    const j = JSON.parse(r.stdout) as { uri: string; identifier: string };
    expect(j.uri).toMatch(/^udf:\/\/example\.net\/E/);
    expect(j.identifier).toMatch(/^M/);
  });
});
