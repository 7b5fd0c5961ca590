import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, copyFileSync,
} from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { dare, tempDir } from './helpers/dare.js';
import { craftArchive } from '../lib/archive/craft.test-util.js';
import { ArchiveReader } from '../lib/archive/reader.js';

const { dir, cleanup } = tempDir('dare-archive-cli-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);
const T = new Date('2022-06-07T08:09:10.125Z');
const DIRS = 20;
const PER_DIR = 100;

function contentOf(d: number, f: number): string {
  return `dir ${d} file ${f}\n`.repeat(1 + ((d * 7 + f) % 13));
}

beforeAll(async () => {
  for (const who of ['alice', 'bob']) {
    const r = await dare(['keygen', '-o', p(`${who}.key`)]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(p(`${who}.pub`), /public key: (dare1[a-z2-7]+)/.exec(r.stdout)![1]! + '\n');
  }
  // 2000 files in 20 nested directories, an empty directory and a symbolic link.
  for (let d = 0; d < DIRS; d++) {
    const sub = p('tree', `group${d % 4}`, `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < PER_DIR; f++) writeFileSync(join(sub, `f${f}.txt`), contentOf(d, f));
  }
  mkdirSync(p('tree', 'empty'));
  symlinkSync('group0/d0/f0.txt', p('tree', 'link'));
  chmodSync(p('tree', 'group1', 'd1', 'f1.txt'), 0o600);
  chmodSync(p('tree', 'group2', 'd2', 'f2.txt'), 0o755);
  utimesSync(p('tree', 'group3', 'd3', 'f3.txt'), T, T);
  utimesSync(p('tree', 'empty'), T, T);
}, 60_000);

const noTemp = (d: string) => readdirSync(d, { recursive: true }).filter((n) => String(n).includes('.tmp'));

describe('dare archive / list / extract / verify', () => {
  it('round-trips 2000 files in nested directories with their metadata, signed', async () => {
    const a = await dare(['archive', p('tree.dare'), p('tree'), '-s', p('alice.key'), '--json']);
    expect(a.code, a.stderr).toBe(0);
    const j = JSON.parse(a.stdout) as { entries: number; signed: boolean };
    expect(j).toMatchObject({ entries: DIRS * PER_DIR + DIRS + 4 + 1 + 1 + 1, signed: true });
    const list = await dare(['list', p('tree.dare'), '--json']);
    const entries = (JSON.parse(list.stdout) as { entries: { path: string; kind: string; mode: string; modified: string; target?: string; size: number }[] }).entries;
    expect(entries.filter((e) => e.kind === 'file')).toHaveLength(DIRS * PER_DIR);
    expect(entries.find((e) => e.path === 'tree/link')).toMatchObject({ kind: 'symlink', target: 'group0/d0/f0.txt' });
    expect(entries.find((e) => e.path === 'tree/group1/d1/f1.txt')?.mode).toBe('0600');
    expect(entries.find((e) => e.path === 'tree/group3/d3/f3.txt')?.modified).toBe(T.toISOString());
    const text = await dare(['list', p('tree.dare')]);
    expect(text.stdout).toMatch(/^-rwxr-xr-x +\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ tree\/group2\/d2\/f2.txt$/m);
    expect(text.stdout).toMatch(/^lrwxrwxrwx +0 .* tree\/link -> group0\/d0\/f0.txt$/m);

    const x = await dare(['extract', p('tree.dare'), p('out'), '--signer', p('alice.pub')]);
    expect(x.code, x.stderr).toBe(0);
    for (let d = 0; d < DIRS; d++) {
      for (let f = 0; f < PER_DIR; f++) expect(readFileSync(p('out', 'tree', `group${d % 4}`, `d${d}`, `f${f}.txt`), 'utf8')).toBe(contentOf(d, f));
    }
    expect(statSync(p('out/tree/group1/d1/f1.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(p('out/tree/group2/d2/f2.txt')).mode & 0o777).toBe(0o755);
    expect(statSync(p('out/tree/group3/d3/f3.txt')).mtime.getTime()).toBe(T.getTime());
    expect(statSync(p('out/tree/empty')).mtime.getTime()).toBe(T.getTime());
    expect(readdirSync(p('out/tree/empty'))).toEqual([]);
    expect(noTemp(p('out'))).toEqual([]);
  }, 60_000);

  it('verify: the right signer passes, a wrong one exits 4, plain verify reports the tree and index', async () => {
    const ok = await dare(['verify', p('tree.dare'), '--signer', p('alice.pub')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok: archive of \d+ frames, tree ok, index of 2027 entries ok, signed on frame \d+ by M[A-Z2-7-]+ trusted/);
    const wrong = await dare(['verify', p('tree.dare'), '--signer', p('bob.pub')]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/^dare: error: .*not signed by a trusted key/);
    expect((await dare(['extract', p('tree.dare'), p('out-wrong'), '--signer', p('bob.pub')])).code).toBe(4);
    expect(existsSync(p('out-wrong'))).toBe(false);
    const j = JSON.parse((await dare(['verify', p('tree.dare'), '--json'])).stdout) as { kind: string; structureChecked: boolean; signatures: unknown[] };
    expect(j).toMatchObject({ kind: 'archive', structureChecked: true });
    expect(j.signatures).toHaveLength(1);
  });

  it('a changed byte: verify and extract exit 4, and no output file appears', async () => {
    const bytes = readFileSync(p('tree.dare'));
    const at = bytes.indexOf(Buffer.from(contentOf(7, 42)));
    expect(at).toBeGreaterThan(0);
    bytes[at + 3] = bytes[at + 3]! ^ 1;
    writeFileSync(p('bad.dare'), bytes);
    expect((await dare(['verify', p('bad.dare')])).code).toBe(4);
    const x = await dare(['extract', p('bad.dare'), p('bad-out'), '--file', 'tree/group3/d7/f42.txt']);
    expect(x.code).toBe(4);
    expect(x.stderr.trim().split('\n')).toHaveLength(1);
    expect(x.stderr).toMatch(/^dare: error: /);
    expect(existsSync(p('bad-out/tree/group3/d7/f42.txt'))).toBe(false);
    // Nothing else either: the folders made for the file are removed again (issue 13 item 12).
    expect(existsSync(p('bad-out'))).toBe(false);
  });

  it('encrypts names and contents to a recipient; reading needs the key (exit 5)', async () => {
    const a = await dare(['archive', p('enc.dare'), p('tree', 'group0', 'd4'), p('tree', 'empty'), '-e', p('bob.pub')]);
    expect(a.code, a.stderr).toBe(0);
    const raw = readFileSync(p('enc.dare')).toString('latin1');
    for (const s of ['f17.txt', 'd4/', 'dir 4 file', 'empty']) expect(raw).not.toContain(s);
    const no = await dare(['list', p('enc.dare')]);
    expect(no.code).toBe(5);
    expect(no.stderr).toMatch(/give --identity or --key/);
    expect((await dare(['list', p('enc.dare'), '-i', p('alice.key')])).code).toBe(5);
    const x = await dare(['extract', p('enc.dare'), p('enc-out'), '-i', p('bob.key'), '--file', 'd4/f17.txt', '--json']);
    expect(x.code, x.stderr).toBe(0);
    expect(JSON.parse(x.stdout)).toMatchObject({ files: 1, directories: 0 });
    expect(readFileSync(p('enc-out/d4/f17.txt'), 'utf8')).toBe(contentOf(4, 17));
    expect(readdirSync(p('enc-out/d4'))).toEqual(['f17.txt']);
    const v = await dare(['verify', p('enc.dare')]);
    expect(v.stdout).toMatch(/metadata, index and macs not checked \(no key\)/);
  });

  it('write-only append: a host with public keys only adds signed entries; the owner verifies, re-indexes, extracts', async () => {
    // Bob owns the backup (his key reads it); Alice's host signs and appends without Bob's private key.
    writeFileSync(p('wo1.txt'), 'first\n');
    const a = await dare(['archive', p('wo.dare'), p('wo1.txt'), '-e', p('bob.pub'), '-s', p('alice.key')]);
    expect(a.code, a.stderr).toBe(0);
    writeFileSync(p('wo2.txt'), 'second\n');
    const w = await dare(['append', p('wo.dare'), p('wo2.txt'), '-s', p('alice.key'), '--json']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/^dare: note: write-only append \(no key reads the index\)/);
    expect(JSON.parse(w.stdout)).toMatchObject({ entries: 1, signed: true, writeOnly: true });
    expect((await dare(['delete', p('wo.dare'), 'wo1.txt', '-s', p('alice.key')])).code).toBe(5);
    const l = await dare(['list', p('wo.dare'), '-i', p('bob.key')]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/wo1\.txt[\s\S]*wo2\.txt/);
    const v = await dare(['verify', p('wo.dare'), '-i', p('bob.key'), '--signer', p('alice.pub')]);
    expect(v.code, v.stderr).toBe(0);
    // Without an index, extraction trusting a signer authenticates a scan of every header against the signed seal.
    const x = await dare(['extract', p('wo.dare'), p('wo-out0'), '-i', p('bob.key'), '--signer', p('alice.pub')]);
    expect(x.code, x.stderr).toBe(0);
    expect(readFileSync(p('wo-out0', 'wo2.txt'), 'utf8')).toBe('second\n');
    const i = await dare(['index', p('wo.dare'), '-i', p('bob.key'), '-s', p('alice.key')]);
    expect(i.code, i.stderr).toBe(0);
    const x2 = await dare(['extract', p('wo.dare'), p('wo-out'), '-i', p('bob.key'), '--signer', p('alice.pub')]);
    expect(x2.code, x2.stderr).toBe(0);
    expect(readFileSync(p('wo-out', 'wo2.txt'), 'utf8')).toBe('second\n');
  });

  it('encrypts under a shared secret', async () => {
    const secret = (await dare(['key', 'secret'])).stdout.trim();
    expect((await dare(['archive', p('sec.dare'), p('tree', 'group1', 'd5'), '--key', secret])).code).toBe(0);
    expect((await dare(['list', p('sec.dare')])).code).toBe(5);
    const l = await dare(['list', p('sec.dare'), '--key', secret, '--json']);
    expect((JSON.parse(l.stdout) as { entries: unknown[] }).entries).toHaveLength(PER_DIR + 1);
    expect((await dare(['verify', p('sec.dare'), '--key', secret])).stdout).toMatch(/frames mac ok, index of 101 entries ok/);
  });

  it('never overwrites without --force; never writes outside DEST for a crafted archive', async () => {
    mkdirSync(p('f-out'));
    writeFileSync(p('f-out', 'x.txt'), 'mine');
    await craftArchive(p('x.dare'), [{ path: 'x.txt', data: 'archived' }]);
    const r = await dare(['extract', p('x.dare'), p('f-out')]);
    expect(r.code).toBe(6);
    expect(readFileSync(p('f-out', 'x.txt'), 'utf8')).toBe('mine');
    expect((await dare(['extract', p('x.dare'), p('f-out'), '--force'])).code).toBe(0);
    expect(readFileSync(p('f-out', 'x.txt'), 'utf8')).toBe('archived');

    mkdirSync(p('box', 'dest'), { recursive: true });
    await craftArchive(p('box', 'evil.dare'), [{ path: 'fine.txt', data: 'ok' }, { path: '../../escaped.txt', data: 'evil' }]);
    const e = await dare(['extract', p('box', 'evil.dare'), p('box', 'dest')]);
    expect(e.code).toBe(3);
    expect(e.stderr).toMatch(/^dare: error: unsafe entry path "..\/..\/escaped.txt"/);
    expect(readdirSync(p('box')).sort()).toEqual(['dest', 'evil.dare']);
    expect(readdirSync(p('box', 'dest'))).toEqual([]);
    expect(existsSync(join(dir, '..', 'escaped.txt'))).toBe(false);
  });
});

async function tarOf(entries: { name: string; type?: tar.Header['type']; data?: string; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644, mtime: T }, Buffer.from(e.data ?? ''));
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('tar interop and stdio', () => {
  it('refuses hostile tar input with a clear message and leaves no archive', async () => {
    const cases: [Buffer, RegExp][] = [
      [await tarOf([{ name: 'a/../../up.txt', data: 'x' }]), /tar entry "a\/..\/..\/up.txt" refused/],
      [await tarOf([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', data: 'x' }]), /tar entry "l\/passwd" refused: .*symbolic link/],
      [await tarOf([{ name: 'back\\slash', data: 'x' }]), /backslash/],
    ];
    for (const [bytes, message] of cases) {
      const r = await dare(['archive', p('hostile.dare'), '--from-tar', '-', '--plaintext'], { input: bytes });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(existsSync(p('hostile.dare'))).toBe(false);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const ok = await dare(['archive', p('sane.dare'), '--from-tar', '-', '--plaintext'], {
      input: await tarOf([{ name: '/abs/x.txt', data: 'abs' }, { name: 'abs/h', type: 'link', linkname: 'abs/x.txt' }]),
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/removed the leading "\/"[\s\S]*hard link/);
    mkdirSync(p('sane-out'));
    expect((await dare(['extract', p('sane.dare'), p('sane-out')])).code).toBe(0);
    expect(readdirSync(p('sane-out'), { recursive: true }).map(String).sort()).toEqual(['abs', join('abs', 'x.txt')]);
  });

  it('pipes: tar from stdin to an archive on stdout, listed from stdin, extracted as tar to stdout', async () => {
    const t = await tarOf([{ name: 'p/', type: 'directory' }, { name: 'p/q.txt', data: 'piped' }]);
    const a = await dare(['archive', '-', '--from-tar', '-', '-s', p('alice.key')], { input: t });
    expect(a.code, a.stderr).toBe(0);
    const l = await dare(['list', '-', '--signer', p('alice.pub')], { input: a.stdoutBytes });
    expect(l.stdout).toMatch(/ p\/q.txt\n$/);
    const x = await dare(['extract', '-', '--to-tar', '-'], { input: a.stdoutBytes });
    expect(x.code, x.stderr).toBe(0);
    const ex = tar.extract();
    const got: string[] = [];
    const done = (async () => {
      for await (const e of ex) {
        let body = '';
        for await (const c of e) body += String(c);
        got.push(`${e.header.type}:${e.header.name}:${body}`);
      }
    })();
    ex.end(x.stdoutBytes);
    await done;
    expect(got).toEqual(['directory:p/:', 'file:p/q.txt:piped']);
  });
});

describe('dare append / delete / copy / index', () => {
  it('delete keeps the bytes; copy --purge removes them; copy re-encrypts', async () => {
    mkdirSync(p('d-src'));
    writeFileSync(p('d-src', 'secret.txt'), 'PLAINTEXT-TO-REDACT');
    writeFileSync(p('d-src', 'public.txt'), 'stays');
    expect((await dare(['archive', p('d.dare'), p('d-src'), '--plaintext'])).code).toBe(0);
    const del = await dare(['delete', p('d.dare'), 'd-src/secret.txt', '--json']);
    expect(del.code, del.stderr).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ deleted: ['d-src/secret.txt'], entries: 2 });
    expect((await dare(['delete', p('d.dare'), 'd-src/nothing'])).code).toBe(1);
    expect(readFileSync(p('d.dare')).toString('latin1')).toContain('PLAINTEXT-TO-REDACT');
    expect((await dare(['list', p('d.dare')])).stdout).not.toMatch(/secret/);
    const c = await dare(['copy', p('d.dare'), p('purged.dare'), '--purge', '-e', p('bob.pub')]);
    expect(c.code, c.stderr).toBe(0);
    expect(readFileSync(p('purged.dare')).toString('latin1')).not.toContain('PLAINTEXT-TO-REDACT');
    expect((await dare(['list', p('purged.dare')])).code).toBe(5);
    const back = await dare(['copy', p('purged.dare'), p('plain-again.dare'), '-i', p('bob.key'), '--decrypt']);
    expect(back.code, back.stderr).toBe(0);
    const l = await dare(['list', p('plain-again.dare'), '--json']);
    expect((JSON.parse(l.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path)).toEqual(['d-src', 'd-src/public.txt']);
    expect(readFileSync(p('plain-again.dare')).toString('latin1')).not.toContain('PLAINTEXT-TO-REDACT');
  });

  it('append to a signed archive needs --sign, re-signs, and recovers from a torn tail', async () => {
    mkdirSync(p('ap'));
    writeFileSync(p('ap', 'one.txt'), 'one');
    writeFileSync(p('two.txt'), 'two');
    writeFileSync(p('three.txt'), 'three');
    expect((await dare(['archive', p('ap.dare'), p('ap'), '-s', p('alice.key')])).code).toBe(0);
    const unsigned = await dare(['append', p('ap.dare'), p('two.txt')]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toMatch(/give --sign KEYFILE/);
    const ap = await dare(['append', p('ap.dare'), p('two.txt'), '-s', p('alice.key')]);
    expect(ap.code, ap.stderr).toBe(0);
    expect((await dare(['verify', p('ap.dare'), '--signer', p('alice.pub')])).code).toBe(0);
    // An append cut off mid-frame: the next append cuts the torn tail and goes on.
    const size = statSync(p('ap.dare')).size;
    copyFileSync(p('ap.dare'), p('ap-before.dare'));
    writeFileSync(p('ap.dare'), Buffer.concat([readFileSync(p('ap.dare')), readFileSync(p('ap-before.dare')).subarray(size - 300, size - 100)]));
    truncateSync(p('ap.dare'), size + 150);
    const torn = await dare(['append', p('ap.dare'), p('three.txt'), '-s', p('alice.key')]);
    expect(torn.code, torn.stderr).toBe(0);
    const l = await dare(['list', p('ap.dare'), '--signer', p('alice.pub'), '--json']);
    expect((JSON.parse(l.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path)).toEqual(['ap', 'ap/one.txt', 'two.txt', 'three.txt']);
    expect((await dare(['verify', p('ap.dare'), '--signer', p('alice.pub')])).code).toBe(0);
  });

  it('index: an archive whose index was cut off is read by a scan and re-indexed (and re-signed)', async () => {
    copyFileSync(p('ap.dare'), p('cut.dare'));
    const r = await ArchiveReader.open(p('cut.dare'));
    const last = r.sequence.last;
    await r.close();
    truncateSync(p('cut.dare'), last.position);
    const l = await dare(['list', p('cut.dare')]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stderr).toMatch(/no index after the last frame/);
    expect(l.stdout).toMatch(/three.txt/);
    expect((await dare(['verify', p('cut.dare'), '--signer', p('alice.pub')])).code).toBe(4);
    // The entries of the interrupted append were never signed: the new index vouches for them only with --adopt.
    const refused = await dare(['index', p('cut.dare'), '-s', p('alice.key')]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/not written by this session/);
    const ix = await dare(['index', p('cut.dare'), '-s', p('alice.key'), '--adopt', '--json']);
    expect(ix.code, ix.stderr).toBe(0);
    expect(JSON.parse(ix.stdout)).toMatchObject({ entries: 4, signed: true });
    const l2 = await dare(['list', p('cut.dare'), '--signer', p('alice.pub')]);
    expect(l2.code, l2.stderr).toBe(0);
    expect(l2.stderr).toBe('');
  });

  it('every archive command has --help with examples', async () => {
    for (const c of ['archive', 'list', 'extract', 'append', 'delete', 'copy', 'index']) {
      const h = await dare([c, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/Examples:\n\s+dare /);
    }
  }, 30_000);
});
