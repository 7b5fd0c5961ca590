import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const payload = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 7 + 1) & 255));

beforeAll(async () => {
  for (const who of ['alice', 'bob', 'carol']) {
    const r = await dare(['keygen', '-o', p(`${who}.key`)]);
    expect(r.code, r.stderr).toBe(0);
    const pub = await dare(['keygen', '--public', p(`${who}.key`)]);
    writeFileSync(p(`${who}.pub`), pub.stdout);
  }
  writeFileSync(p('data.bin'), payload);
}, 60_000);

describe('dare keygen', () => {
  it('writes a private key file readable only by its owner and prints the public identity', async () => {
    const r = await dare(['keygen', '-o', p('k1.key')]);
    expect(r.stdout).toMatch(/^# fingerprint: M[A-Z2-7-]+\n# public key: dare1[a-z2-7]+\n$/);
    expect(statSync(p('k1.key')).mode & 0o777).toBe(0o600);
    const pub = await dare(['keygen', '--public', p('k1.key')]);
    expect(r.stdout).toContain(pub.stdout.trim());
    expect((await dare(['keygen', '--public', p('k1.key'), '-o', p('k1.pub')])).code).toBe(0);
    expect(readFileSync(p('k1.pub'), 'utf8')).toBe(pub.stdout);
    expect((await dare(['keygen', '--public', p('k1.key'), '-o', p('k1.pub')])).code).toBe(6);
  });
  it('refuses to overwrite a key file without --force', async () => {
    const before = readFileSync(p('alice.key'), 'utf8');
    const r = await dare(['keygen', '-o', p('alice.key')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/already exists/);
    expect(readFileSync(p('alice.key'), 'utf8')).toBe(before);
  });
  it('protects a key with a passphrase from a file or DARE_PASSPHRASE; a wrong one is exit 5', async () => {
    writeFileSync(p('pass.txt'), 'correct horse battery staple\n');
    expect((await dare(['keygen', '-o', p('locked.key'), '--passphrase-file', p('pass.txt')])).code).toBe(0);
    expect(readFileSync(p('locked.key'), 'utf8')).not.toMatch(/Private/);
    // The public key stays readable without the passphrase; the private key needs it.
    expect((await dare(['keygen', '--public', p('locked.key')])).code).toBe(0);
    writeFileSync(p('for-locked.txt'), 'x');
    expect((await dare(['encode', p('for-locked.txt'), '-e', p('locked.key')])).code).toBe(0);
    const open = (env?: Record<string, string>) => dare(['decode', p('for-locked.txt.dare'), '-i', p('locked.key'), '-o', '-'], { env });
    const noPass = await open({ DARE_PASSPHRASE: '' });
    expect(noPass.code).toBe(5);
    expect(noPass.stderr).toMatch(/dare: hint: /);
    expect((await open({ DARE_PASSPHRASE: 'correct horse battery staple' })).code).toBe(0);
    expect((await open({ DARE_PASSPHRASE: 'wrong' })).code).toBe(5);
  }, 30_000);
});

describe('dare encode / decode / verify', () => {
  it('encrypts to a recipient and signs; decodes only with the right key and trusted signer', async () => {
    const enc = await dare(['encode', p('data.bin'), '-o', p('data.bin.dare'), '-e', p('alice.pub'), '-s', p('bob.key')]);
    expect(enc.code, enc.stderr).toBe(0);
    const dec = await dare(['decode', p('data.bin.dare'), '-o', p('out.bin'), '-i', p('alice.key'), '--signer', p('bob.pub')]);
    expect(dec.code, dec.stderr).toBe(0);
    expect(readFileSync(p('out.bin')).equals(payload)).toBe(true);
    const wrongKey = await dare(['decode', p('data.bin.dare'), '-o', p('out2.bin'), '-i', p('carol.key')]);
    expect(wrongKey.code).toBe(5);
    const wrongSigner = await dare(['decode', p('data.bin.dare'), '-o', p('out3.bin'), '-i', p('alice.key'), '--signer', p('carol.pub')]);
    expect(wrongSigner.code).toBe(4);
    expect(existsSync(p('out2.bin')) || existsSync(p('out3.bin'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
  it('leaves nothing behind when the envelope was tampered with', async () => {
    const env = readFileSync(p('data.bin.dare'));
    env[env.length - 300] = (env[env.length - 300] as number) ^ 0x10;
    writeFileSync(p('bad.dare'), env);
    const r = await dare(['decode', p('bad.dare'), '-i', p('alice.key')]);
    expect([3, 4]).toContain(r.code);
    expect(r.stderr).toMatch(/^dare: error: /);
    expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(existsSync(p('bad'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
  it('a truncated envelope is bad input (exit 3)', async () => {
    writeFileSync(p('cut.dare'), readFileSync(p('data.bin.dare')).subarray(0, 5000));
    expect((await dare(['decode', p('cut.dare'), '-i', p('alice.key'), '-o', p('cut.out')])).code).toBe(3);
    expect(existsSync(p('cut.out'))).toBe(false);
  });
  it('streams stdin to stdout under a shared secret, JSON encoding too', async () => {
    const secret = (await dare(['key', 'secret'])).stdout.trim();
    for (const encoding of ['jsonb', 'json']) {
      const enc = await dare(['encode', '-', '--key', secret, '--encoding', encoding], { input: payload });
      expect(enc.code, enc.stderr).toBe(0);
      const dec = await dare(['decode', '-', '--key', secret, '-o', '-'], { input: enc.stdoutBytes });
      expect(dec.code, dec.stderr).toBe(0);
      expect(dec.stdoutBytes.equals(payload)).toBe(true);
    }
  });
  it('verify checks digest and signatures without a key, and the MAC with one', async () => {
    const plain = await dare(['verify', p('data.bin.dare')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/ok: digest ok, mac not checked \(no key\), signature by M[A-Z2-7-]+ valid/);
    const trusted = await dare(['verify', p('data.bin.dare'), '--signer', p('bob.pub'), '-i', p('alice.key'), '--json']);
    const j = JSON.parse(trusted.stdout) as { ok: boolean; authenticated: boolean; signatures: { trusted: boolean }[] };
    expect(j.ok && j.authenticated && j.signatures[0]?.trusted).toBe(true);
    expect((await dare(['verify', p('data.bin.dare'), '--signer', p('carol.pub')])).code).toBe(4);
    expect((await dare(['verify', p('bad.dare')])).code).toBe(4);
  });
  it('refuses to overwrite, guesses the output name, reports metadata as JSON', async () => {
    copyFileSync(p('data.bin'), p('notes.txt'));
    expect((await dare(['encode', p('notes.txt'), '-e', p('alice.pub'), '-a', 'Subject: hello'])).code).toBe(0);
    expect((await dare(['encode', p('notes.txt'), '-e', p('alice.pub')])).code).toBe(6);
    const r = await dare(['decode', p('notes.txt.dare'), '-i', p('alice.key'), '--json']);
    expect(r.code).toBe(6);
    const f = await dare(['decode', p('notes.txt.dare'), '-i', p('alice.key'), '--json', '--force']);
    expect(f.code, f.stderr).toBe(0);
    const j = JSON.parse(f.stdout) as { filename: string; contentType: string; annotations: string[]; authenticated: boolean };
    expect(j).toMatchObject({ filename: 'notes.txt', contentType: 'text/plain', authenticated: true });
    expect(Buffer.from(j.annotations[0]!, 'base64url').toString()).toBe('Subject: hello');
    expect((await dare(['decode', p('data.bin')])).code).toBe(2);
  });
  it('reads the reference 13.3 envelope only with --allow-unauthenticated', async () => {
    const fixture = new URL('../fixtures/envelope/13_3.json.txt', import.meta.url);
    writeFileSync(p('alice-ref.json'), JSON.stringify({ PrivateKeyECDH: { crv: 'Ed25519', Private: 'y2kAJdaAR1hyqHOYlIsH4-pOqV7qJU1iFZ2ZNZ68j8M' } }));
    const refused = await dare(['decode', '-', '-i', p('alice-ref.json'), '-o', '-'], { input: readFileSync(fixture) });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/no mac/);
    const ok = await dare(['decode', '-', '-i', p('alice-ref.json'), '-o', '-', '--allow-unauthenticated'], { input: readFileSync(fixture) });
    expect(ok.stdout).toBe('This is a test long enough to require multiple blocks');
  });
});
