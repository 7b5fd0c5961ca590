import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-log-test-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
let secret = '';

beforeAll(async () => {
  for (const who of ['alice', 'bob']) {
    expect((await dare(['keygen', '-o', p(`${who}.key`)])).code).toBe(0);
    writeFileSync(p(`${who}.pub`), (await dare(['keygen', '--public', p(`${who}.key`)])).stdout);
  }
  secret = (await dare(['key', 'secret'])).stdout.trim();
}, 60_000);

/** stderr is one `dare: error:` line, maybe followed by one hint: never a stack trace. */
function oneLineError(stderr: string): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines[0]).toMatch(/^dare: error: /);
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(stderr).not.toMatch(/\n\s+at /);
}

interface ProofJson { DareLogProof: { Index: number; TreeSize: number; Path: string[]; Apex: string; ApexPath: string[]; Signatures: { signature: string }[] } }

function flipB64(s: string, byte = 0): string {
  const b = Buffer.from(s, 'base64url');
  b[byte] = (b[byte] as number) ^ 0x01;
  return b.toString('base64url');
}

describe('dare log: plain log', () => {
  it('creates, appends text, a file and stdin lines, shows entries and ranges', async () => {
    const log = p('plain.dlog');
    expect((await dare(['log', 'create', log])).stdout).toBe(`${log}: created, not encrypted, not signed\n`);
    expect((await dare(['log', 'create', log])).code).toBe(6);
    const one = await dare(['log', 'append', log, 'first entry']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe(`${log}: appended entry 1\n`);
    writeFileSync(p('entry.txt'), 'a file\twith a tab\nand a newline');
    expect((await dare(['log', 'append', log, '--file', p('entry.txt')])).code).toBe(0);
    const lines = await dare(['log', 'append', log, '-', '--json'], { input: 'line three\r\nline four\n\nline six' });
    expect(lines.code, lines.stderr).toBe(0);
    expect(JSON.parse(lines.stdout)).toMatchObject({ appended: 4, first: 3, last: 6, signed: false, tornBytes: 0 });
    const show = await dare(['log', 'show', log]);
    expect(show.code, show.stderr).toBe(0);
    const rows = show.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(rows.map((r) => r[2])).toEqual(['first entry', 'a file\\twith a tab\\nand a newline', 'line three', 'line four', '', 'line six']);
    for (const r of rows) expect(Date.parse(r[1] as string)).toBeGreaterThan(Date.now() - 600_000);
    const range = await dare(['log', 'show', log, '--from', '3', '--to', '4', '--json']);
    const json = range.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; text: string; created: string });
    expect(json.map((e) => [e.index, e.text])).toEqual([[3, 'line three'], [4, 'line four']]);
    expect((await dare(['log', 'show', log, '--from', '6', '--to', '99'])).stdout.split('\n')[0]).toMatch(/^6\t.*\tline six$/);
    expect((await dare(['log', 'show', log, '--from', '0'])).code).toBe(2);
  });

  it('escapes terminal control sequences in entries and marks binary entries', async () => {
    const log = p('ctl.dlog');
    await dare(['log', 'create', log]);
    await dare(['log', 'append', log, 'evil \x1b[2J\x07 text']);
    writeFileSync(p('bin.dat'), Buffer.from([0xff, 0x00, 0xfe]));
    await dare(['log', 'append', log, '--file', p('bin.dat')]);
    const show = await dare(['log', 'show', log]);
    expect(show.stdout).not.toContain('\x1b');
    expect(show.stdout).toContain('evil \\u001b[2J\\u0007 text');
    expect(show.stdout).toMatch(/\t\[3 bytes, not UTF-8 text: use --json\]\n$/);
    const j = (await dare(['log', 'show', log, '--json', '--from', '2'])).stdout;
    expect(Buffer.from((JSON.parse(j) as { data: string }).data, 'base64url')).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
  });

  it('verify passes, and a changed byte fails with exit 4', async () => {
    const log = p('plain.dlog');
    const ok = await dare(['log', 'verify', log]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${log}: ok: 6 entries, tree ok, not signed\n`);
    expect((await dare(['log', 'verify', log, '--threads', '1'])).stdout).toBe(ok.stdout);
    const bytes = readFileSync(log);
    const at = bytes.indexOf('line four');
    expect(at).toBeGreaterThan(0);
    bytes[at] = (bytes[at] as number) ^ 0x20;
    writeFileSync(p('tampered.dlog'), bytes);
    const bad = await dare(['log', 'verify', p('tampered.dlog')]);
    expect(bad.code).toBe(4);
    oneLineError(bad.stderr);
    expect(bad.stderr).toMatch(/frame 4: payload digest does not match/);
    // The tree is checked too: a TreeNode changed in a trailer.
    const t = readFileSync(log);
    const tn = t.lastIndexOf('TreeNode');
    t[tn + 12] = (t[tn + 12] as number) ^ 0x01;
    writeFileSync(p('tampered2.dlog'), t);
    expect((await dare(['log', 'verify', p('tampered2.dlog')])).code).toBe(4);
  });

  it('refuses usage mistakes and files that are not logs with one line', async () => {
    const log = p('plain.dlog');
    for (const args of [['log', 'append', log], ['log', 'append', log, 'x', '--file', p('entry.txt')], ['log'], ['log', 'prove', log, '0'],
      ['log', 'verify', log, '--threads', '0'], ['verify', log, '--threads', '1.5']]) {
      const r = await dare(args);
      expect(r.code).toBe(2);
      oneLineError(r.stderr);
    }
    const notLog = await dare(['log', 'show', p('entry.txt')]);
    expect(notLog.code).toBe(3);
    oneLineError(notLog.stderr);
    const missing = await dare(['log', 'append', p('nope.dlog'), 'x']);
    expect(missing.code).toBe(6);
    oneLineError(missing.stderr);
  });
});

describe('dare log: encrypted logs', () => {
  it('to a recipient: appending needs no key, reading needs the private key', async () => {
    const log = p('enc.dlog');
    expect((await dare(['log', 'create', log, '-e', p('alice.pub')])).stdout).toMatch(/encrypted to 1 key, not signed/);
    // Nothing vouches for the recipients an unsigned log names: they are given again.
    expect((await dare(['log', 'append', log, '-'], { input: 'secret one\n' })).code).toBe(4);
    expect((await dare(['log', 'append', log, '-', '-e', p('alice.pub')], { input: 'secret one\nsecret two\n' })).code).toBe(0);
    expect(readFileSync(log).toString('latin1')).not.toContain('secret');
    const noKey = await dare(['log', 'show', log]);
    // No key given for encrypted data is exit 5 in every command (README exit codes).
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toMatch(/the log is encrypted and no key was given\ndare: hint: give -i KEYFILE or --key SECRET/);
    expect((await dare(['log', 'show', log, '-i', p('bob.key')])).code).toBe(5);
    const show = await dare(['log', 'show', log, '-i', p('alice.key')]);
    expect(show.stdout.split('\n').map((l) => l.split('\t')[2])).toEqual(['secret one', 'secret two', undefined]);
    expect((await dare(['log', 'verify', log])).stdout).toMatch(/macs not checked \(no key\) for 2 entries/);
    expect((await dare(['log', 'verify', log, '-i', p('alice.key')])).stdout).toMatch(/2 entries, tree ok, macs ok/);
    // A ciphertext byte changed: the digest fails without a key, and with one.
    const bytes = readFileSync(log);
    bytes[bytes.length - 300] = (bytes[bytes.length - 300] as number) ^ 0x04;
    writeFileSync(p('enc-bad.dlog'), bytes);
    expect((await dare(['log', 'verify', p('enc-bad.dlog'), '-i', p('alice.key')])).code).toBe(4);
  });

  it('under a shared secret: appending and reading need the secret', async () => {
    const log = p('secret.dlog');
    expect((await dare(['log', 'create', log, '--key', secret])).code).toBe(0);
    const noKey = await dare(['log', 'append', log, 'x']);
    expect(noKey.code).toBe(5);
    oneLineError(noKey.stderr);
    expect((await dare(['log', 'append', log, 'team note', '--key', secret])).code).toBe(0);
    const show = await dare(['log', 'show', log, '--key', secret, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ index: 1, text: 'team note' });
    expect((await dare(['log', 'create', p('both.dlog'), '--key', secret, '-e', p('alice.pub')])).code).toBe(2);
  });
});

describe('dare log: signed logs and proofs', () => {
  const log = p('signed.dlog');
  it('signs each session with --sign; verify --signer requires a signature on the last entry', async () => {
    expect((await dare(['log', 'create', log, '-e', p('alice.pub'), '--sign', p('alice.key')])).stdout).toMatch(/encrypted to 1 key, signed/);
    const lines = Array.from({ length: 40 }, (_, i) => `event ${i + 1}`).join('\n');
    const a = await dare(['log', 'append', log, '-', '--sign', p('alice.key')], { input: lines });
    expect(a.stdout).toBe(`${log}: appended entries 1-40, signed\n`);
    const v = await dare(['log', 'verify', log, '--signer', p('alice.pub'), '-i', p('alice.key'), '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, entries: 40, lastSigned: 40, authenticated: 40, signatures: [{ trusted: true }] });
    expect((await dare(['log', 'verify', log, '--signer', p('bob.pub')])).code).toBe(4);
    expect((await dare(['log', 'append', log, 'x', '--sign', p('bob.key')])).code).toBe(5);
    const unsigned = await dare(['log', 'append', log, 'late entry', '--signer', p('alice.pub')]);
    expect(unsigned.code).toBe(0);
    expect(unsigned.stderr).toMatch(/^dare: note: .* is a signed log but --sign was not given: entry 41 not covered/);
    const v2 = await dare(['log', 'verify', log, '--signer', p('alice.pub')]);
    expect(v2.code).toBe(4);
    expect(v2.stderr).toMatch(/entry 41 after the last signature \(entry 40\): unsigned/);
    const plain = await dare(['log', 'verify', log]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('dare: note: entry 41 is not covered by a signature yet\n');
  });

  it('prove / check-proof: against the latest signed apex, no key needed', async () => {
    const r = await dare(['log', 'prove', log, '17', '-o', p('e17.proof')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/proof of entry 17 against the apex of 41 frames \(signed\)/);
    const late = await dare(['log', 'prove', log, '41']);
    expect(late.code).toBe(4);
    expect(late.stderr).toMatch(/entry 41 is not covered by a signature yet/);
    expect((await dare(['log', 'prove', log, '41', '--allow-unsigned'])).code).toBe(0);
    const ok = await dare(['log', 'check-proof', p('e17.proof'), '--signer', p('alice.pub')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/: ok: entry 17 is in the tree of 41 frames, signed by M[A-Z2-7-]+ \(trusted\)\n$/);
    const piped = await dare(['log', 'check-proof', '-', '--json'], { input: readFileSync(p('e17.proof')) });
    expect(JSON.parse(piped.stdout)).toMatchObject({ ok: true, index: 17, treeSize: 41, encrypted: true, signatures: [{ status: 'valid', trusted: false }] });
    expect(piped.stderr).toBe(''); // notes are not mixed into --json runs
    expect((await dare(['log', 'check-proof', p('e17.proof'), '--signer', p('bob.pub')])).code).toBe(4);
    const enc = await dare(['log', 'check-proof', p('e17.proof'), '--entry', p('entry.txt')]);
    expect(enc.code).toBe(3);
    expect(enc.stderr).toMatch(/encrypted/);
  });

  it('a tampered proof exits 4: audit path, apex, apex path, signature, index, tree size', async () => {
    const base = JSON.parse(readFileSync(p('e17.proof'), 'utf8')) as ProofJson;
    const variants: [string, (o: ProofJson['DareLogProof']) => void][] = [
      ['path', (o) => { o.Path[1] = flipB64(o.Path[1] as string, 7); }],
      ['apex', (o) => { o.Apex = flipB64(o.Apex, 63); }],
      ['apex path', (o) => { o.ApexPath[0] = flipB64(o.ApexPath[0] as string); }],
      ['signature', (o) => { o.Signatures[0]!.signature = flipB64(o.Signatures[0]!.signature, 10); }],
      ['index', (o) => { o.Index ^= 1; }],
      ['tree size', (o) => { o.TreeSize -= 1; }],
    ];
    for (const [what, change] of variants) {
      const o = structuredClone(base);
      change(o.DareLogProof);
      writeFileSync(p('bad.proof'), JSON.stringify(o));
      const r = await dare(['log', 'check-proof', p('bad.proof'), '--signer', p('alice.pub')]);
      expect(`${what}: ${r.code}`).toBe(`${what}: 4`);
      oneLineError(r.stderr);
    }
    for (const junk of ['not json', '{"DareLogProof":{}}', JSON.stringify({ DareLogProof: { ...base.DareLogProof, Path: Array(100).fill(base.DareLogProof.Apex) } })]) {
      writeFileSync(p('junk.proof'), junk);
      const r = await dare(['log', 'check-proof', p('junk.proof')]);
      expect(r.code).toBe(3);
      oneLineError(r.stderr);
    }
  });

  it('check-proof --entry matches the bytes of a plaintext entry', async () => {
    const plainLog = p('plain.dlog');
    const proof = await dare(['log', 'prove', plainLog, '2']);
    expect(proof.code, proof.stderr).toBe(0);
    writeFileSync(p('e2.proof'), proof.stdout);
    const ok = await dare(['log', 'check-proof', p('e2.proof'), '--entry', p('entry.txt')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok: entry 2 \(appended 20\d\d-.*Z\), bytes match is in the tree of 7 frames, not signed/);
    expect(ok.stderr).toMatch(/^dare: note: the proof is not signed/);
    writeFileSync(p('other.txt'), 'a file\twith a tab\nand a newline!');
    const bad = await dare(['log', 'check-proof', p('e2.proof'), '--entry', p('other.txt')]);
    expect(bad.code).toBe(4);
    oneLineError(bad.stderr);
  });
});

describe('dare log: torn appends', () => {
  it('a cut inside the last entry: verify exits 3, append cuts it and continues, earlier entries stay', async () => {
    const log = p('torn.dlog');
    await dare(['log', 'create', log, '-e', p('alice.pub'), '--sign', p('alice.key')]);
    await dare(['log', 'append', log, '-', '--sign', p('alice.key')], { input: 'kept 1\nkept 2\n' });
    const good = statSync(log).size;
    await dare(['log', 'append', log, 'to be torn', '--sign', p('alice.key')]);
    const full = statSync(log).size;
    for (const cut of [1, Math.floor((full - good) / 2), full - good - 1]) {
      const copy = p(`torn-${cut}.dlog`);
      copyFileSync(log, copy);
      truncateSync(copy, good + cut);
      const v = await dare(['log', 'verify', copy]);
      expect(v.code).toBe(3);
      expect(v.stderr).toMatch(new RegExp(`${cut} bytes after entry 2 are a torn append`));
      const show = await dare(['log', 'show', copy, '-i', p('alice.key')]);
      expect(show.code).toBe(0);
      expect(show.stdout.split('\n').map((l) => l.split('\t')[2])).toEqual(['kept 1', 'kept 2', undefined]);
      expect(show.stderr).toMatch(/torn append/);
      const a = await dare(['log', 'append', copy, 'after the cut', '--sign', p('alice.key')]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stderr).toMatch(new RegExp(`^dare: warning: .*: cut a torn tail of ${cut} bytes after entry 2`));
      expect(a.stdout).toMatch(/appended entry 3, signed/);
      const v2 = await dare(['log', 'verify', copy, '--signer', p('alice.pub'), '-i', p('alice.key')]);
      expect(v2.code, v2.stderr).toBe(0);
    }
  });
});

describe('dare log: help', () => {
  it('every subcommand has examples', async () => {
    const top = await dare(['log', '--help']);
    for (const c of ['create', 'append', 'show', 'verify', 'prove', 'check-proof']) expect(top.stdout).toContain(`dare log ${c}`);
    for (const c of ['create', 'append', 'show', 'verify', 'prove', 'check-proof']) {
      const r = await dare(['log', c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n\s+dare log /);
    }
  });
});
