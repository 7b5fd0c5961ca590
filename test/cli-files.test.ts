/**
 * Files users point dare at (issue 13 items 3, 4, 8, 17 and parts of 12): plaintext only when
 * asked, outputs that are devices or FIFOs, the wrong kind of file, all-or-nothing extraction,
 * an archive of the folder it is written in, one exit code per situation, progress on a
 * terminal. In process, except where a second process reads a FIFO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keySetFingerprint, parsePublicKeySet } from '../lib/index.js';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-files-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);

beforeAll(async () => {
  expect((await dare(['keygen', '-o', p('me.key')])).code).toBe(0);
  writeFileSync(p('me.pub'), (await dare(['keygen', '--public', p('me.key')])).stdout);
  writeFileSync(p('notes.txt'), 'my notes\n');
  mkdirSync(p('docs', 'sub'), { recursive: true });
  writeFileSync(p('docs', 'a.txt'), 'a\n');
  writeFileSync(p('docs', 'sub', 'b.txt'), 'b\n');
  expect((await dare(['archive', p('docs.dare'), p('docs'), '-e', p('me.pub')])).code).toBe(0);
  expect((await dare(['encode', p('notes.txt'), '-e', p('me.pub')])).code).toBe(0);
});

describe('plaintext only when asked (issue 13 item 3)', () => {
  it('encode and archive without -e, --key or -s are usage errors naming the options and --plaintext; nothing is written', async () => {
    for (const args of [['encode', p('notes.txt'), '-o', p('plain.dare')], ['archive', p('plain-a.dare'), p('docs')]]) {
      const r = await dare(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toMatch(/needs -e PUBKEY .*--key SECRET .*-s KEYFILE .*--plaintext/);
      expect(existsSync(args[0] === 'encode' ? p('plain.dare') : p('plain-a.dare'))).toBe(false);
    }
    const deliberate = await dare(['encode', p('notes.txt'), '-o', p('plain.dare'), '--plaintext']);
    expect(deliberate.code, deliberate.stderr).toBe(0);
    expect(deliberate.stderr).toMatch(/plain\.dare: not encrypted/);
    expect((await dare(['encode', p('notes.txt'), '-o', p('x.dare'), '--plaintext', '-e', p('me.pub')])).code).toBe(2);
  });

  it('-s alone is signed plaintext, and the note says so', async () => {
    const r = await dare(['encode', p('notes.txt'), '-s', p('me.key'), '-o', p('signed.dare')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^dare: note: .*signed\.dare: signed, not encrypted: anyone who has the file can read it$/m);
    const a = await dare(['archive', p('signed-a.dare'), p('docs'), '-s', p('me.key')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/signed-a\.dare: signed, not encrypted/);
    expect((await dare(['encode', p('notes.txt'), '-e', p('me.pub'), '-o', p('quiet.dare')])).stderr).toBe('');
  });
});

describe('outputs that are not regular files (issue 13 item 4)', () => {
  it('-o /dev/null is written without --force, and a device node given --force stays a device', async () => {
    const r = await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', '/dev/null']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    // A character device of our own (root in the test machine), so the real /dev/null is never at stake.
    const made = spawnSync('mknod', [p('null-dev'), 'c', '1', '3']);
    if (made.status === 0) {
      const f = await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', p('null-dev'), '--force']);
      expect(f.code, f.stderr).toBe(0);
      expect(lstatSync(p('null-dev')).isCharacterDevice()).toBe(true);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } else {
      // Not allowed to make device nodes here: /dev/null with --force proves the same without replacing it.
      expect((await dare(['encode', p('notes.txt'), '-e', p('me.pub'), '-o', '/dev/null', '--force'])).code).toBe(0);
      expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    }
  });

  it('a FIFO is written directly (a reader gets the bytes), never replaced by a file', async () => {
    spawnSync('mkfifo', [p('pipe')]);
    const reader = spawn('cat', [p('pipe')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const got: Buffer[] = [];
    reader.stdout.on('data', (d: Buffer) => got.push(d));
    const closed = new Promise((r) => reader.on('close', r));
    const r = await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', p('pipe'), '--force']);
    expect(r.code, r.stderr).toBe(0);
    await closed;
    expect(Buffer.concat(got).toString()).toBe('my notes\n');
    expect(lstatSync(p('pipe')).isFIFO()).toBe(true);
  });

  it('a regular file is still refused without --force, and a folder always', async () => {
    writeFileSync(p('exists.txt'), 'keep');
    expect((await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', p('exists.txt')])).code).toBe(6);
    expect(readFileSync(p('exists.txt'), 'utf8')).toBe('keep');
    const d = await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', p('docs'), '--force']);
    expect(d.code).toBe(6);
    expect(d.stderr).toMatch(/is a directory/);
  });

  it('a decoded file is created through a 0600 temporary and then gets its own mode', async () => {
    const r = await dare(['decode', p('notes.txt.dare'), '-i', p('me.key'), '-o', p('mode.txt')]);
    expect(r.code).toBe(0);
    // 0644 less the umask, as any new file: the temporary was 0600 (test/cli-crash.test.ts sees it mid-write).
    expect(statSync(p('mode.txt')).mode & 0o777).toBe(0o644 & ~process.umask());
  });
});

describe('the wrong kind of file (issue 13 item 8)', () => {
  it('says what the file is and what reads it, exit 3', async () => {
    const cases: [string[], RegExp, RegExp][] = [
      [['decode', p('docs.dare'), '-i', p('me.key'), '-o', '-'], /docs\.dare is an archive, not an envelope/, /use dare extract or dare list/],
      [['list', p('notes.txt.dare'), '-i', p('me.key')], /notes\.txt\.dare is an envelope, not an archive/, /use dare decode or dare verify/],
      [['extract', p('notes.txt'), p('o'), '-i', p('me.key')], /notes\.txt: not a DARE file/, /dare inspect/],
      [['log', 'show', p('docs.dare'), '-i', p('me.key')], /docs\.dare is an archive, not a log/, /use dare extract or dare list/],
      [['verify', p('me.pub')], /me\.pub is a public key/, /use -e or --signer/],
    ];
    for (const [args, error, hint] of cases) {
      const r = await dare(args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(error);
      expect(r.stderr).toMatch(new RegExp(`dare: hint: .*${hint.source}`));
      expect(r.stderr).not.toMatch(/jbcd|json-b|tag 0x/i);
    }
  });
});

describe('extraction, per file or all or nothing (issue 13 items 12 and 17)', () => {
  it('--atomic: a failure leaves no DEST at all; success renames the whole tree into place', async () => {
    // An unencrypted archive whose second file is damaged: a per-file extraction places the first.
    mkdirSync(p('two', 'z'), { recursive: true });
    writeFileSync(p('two', 'first.txt'), 'FIRST-FILE-CONTENT');
    writeFileSync(p('two', 'z', 'second.txt'), 'SECOND-FILE-CONTENT');
    expect((await dare(['archive', p('two.dare'), p('two'), '--plaintext'])).code).toBe(0);
    const bad = readFileSync(p('two.dare'));
    const at = bad.indexOf(Buffer.from('SECOND-FILE-CONTENT'));
    expect(at).toBeGreaterThan(0);
    bad[at] = (bad[at] as number) ^ 0x01;
    writeFileSync(p('bad.dare'), bad);
    const perFile = await dare(['extract', p('bad.dare'), p('per-file')]);
    expect(perFile.code, perFile.stderr).toBe(4);
    expect(readFileSync(p('per-file', 'two', 'first.txt'), 'utf8')).toBe('FIRST-FILE-CONTENT');
    expect(existsSync(p('per-file', 'two', 'z', 'second.txt'))).toBe(false);
    const atomic = await dare(['extract', p('bad.dare'), p('all-or-none'), '--atomic']);
    expect(atomic.code).toBe(4);
    expect(existsSync(p('all-or-none'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('all-or-none'))).toEqual([]);
    const good = await dare(['extract', p('docs.dare'), p('whole'), '-i', p('me.key'), '--atomic']);
    expect(good.code, good.stderr).toBe(0);
    expect(readFileSync(p('whole', 'docs', 'sub', 'b.txt'), 'utf8')).toBe('b\n');
    const again = await dare(['extract', p('docs.dare'), p('whole'), '-i', p('me.key'), '--atomic']);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/--atomic extracts into a new or empty folder/);
    expect((await dare(['extract', '--help'])).stdout.replace(/\s+/g, ' ')).toMatch(/Extraction is per file: if a later file fails \(exit 4\), the earlier ones stay; --atomic makes it all or nothing/);
  });

  it('dare archive x.dare . leaves out its own temporary and lock', async () => {
    const here = p('self');
    mkdirSync(here);
    writeFileSync(join(here, 'one.txt'), '1');
    const r = await dare(['archive', 'self.dare', '.', '-e', p('me.pub')], { cwd: here });
    expect(r.code, r.stderr).toBe(0);
    const l = await dare(['list', join(here, 'self.dare'), '-i', p('me.key'), '--json']);
    expect((JSON.parse(l.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path)).toEqual(['one.txt']);
    const a = await dare(['append', 'self.dare', '.', '-i', p('me.key')], { cwd: here });
    expect(a.code, a.stderr).toBe(0);
    const l2 = await dare(['list', join(here, 'self.dare'), '-i', p('me.key'), '--json']);
    expect((JSON.parse(l2.stdout) as { entries: { path: string }[] }).entries.map((e) => e.path)).toEqual(['one.txt']);
  });

  it('progress on a terminal shows totals, the rate and the time left', async () => {
    writeFileSync(p('big.bin'), Buffer.alloc(24 << 20, 7));
    const e = await dare(['encode', p('big.bin'), '-e', p('me.pub')], { tty: true });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/encoding: [\d.]+ (KiB|MiB) of 24\.0 MiB \(\d+%\), [\d.]+ (B|KiB|MiB|GiB)\/s(, \d+ s left)?/);
    const d = await dare(['decode', p('big.bin.dare'), '-i', p('me.key'), '-o', p('big.out')], { tty: true });
    expect(d.stderr).toMatch(/decoding: .* of 24\.0 MiB \(\d+%\), [\d.]+ \w+\/s/);
    const x = await dare(['extract', p('docs.dare'), p('progress-out'), '-i', p('me.key')], { tty: true });
    expect(x.code).toBe(0);
    // Two entries extract faster than the first progress tick: no line then, and none without a terminal.
    expect((await dare(['encode', p('big.bin'), '-e', p('me.pub'), '-o', p('quiet.bin.dare')])).stderr).toBe('');
  });
});

describe('who signed, when it is not who was trusted (issue 13 item 12)', () => {
  it('"not signed by a trusted key" names the key that did sign: envelope, archive, log', async () => {
    expect((await dare(['keygen', '-o', p('other.key')])).code).toBe(0);
    writeFileSync(p('other.pub'), (await dare(['keygen', '--public', p('other.key')])).stdout);
    const me = keySetFingerprint(parsePublicKeySet(readFileSync(p('me.pub'), 'utf8').trim()));
    expect((await dare(['encode', p('notes.txt'), '-s', p('me.key'), '-o', p('by-me.dare')])).code).toBe(0);
    expect((await dare(['archive', p('by-me-a.dare'), p('docs'), '-s', p('me.key')])).code).toBe(0);
    expect((await dare(['log', 'create', p('by-me.dlog'), '--sign', p('me.key')])).code).toBe(0);
    expect((await dare(['log', 'append', p('by-me.dlog'), 'x', '--sign', p('me.key')])).code).toBe(0);
    for (const args of [['verify', p('by-me.dare')], ['verify', p('by-me-a.dare')], ['list', p('by-me-a.dare')], ['log', 'verify', p('by-me.dlog')]]) {
      const r = await dare([...args, '--signer', p('other.pub')]);
      expect(r.code, args.join(' ')).toBe(4);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`not signed by a trusted key.*signed by ${me}`));
    }
  });
});

describe('one exit code per situation (issue 13 item 12, README "Exit codes")', () => {
  it('no key given for encrypted data is 5 in every command that reads it', async () => {
    expect((await dare(['log', 'create', p('e.dlog'), '-e', p('me.pub')])).code).toBe(0);
    expect((await dare(['log', 'append', p('e.dlog'), 'entry', '-e', p('me.pub')])).code).toBe(0);
    for (const args of [['decode', p('notes.txt.dare'), '-o', '-'], ['list', p('docs.dare')], ['extract', p('docs.dare'), p('nk')], ['log', 'show', p('e.dlog')], ['copy', p('docs.dare'), p('c.dare')]]) {
      const r = await dare(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(5);
    }
  });

  it('no such entry is 1 in every command', async () => {
    for (const args of [['extract', p('docs.dare'), p('ne'), '--file', 'docs/nope', '-i', p('me.key')], ['log', 'prove', p('e.dlog'), '9'], ['delete', p('docs.dare'), 'nope', '-i', p('me.key')]]) {
      const r = await dare(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/no entry|no such entry/);
    }
  });

  it('a missing input is 6, a bad argument 2, bad data 3', async () => {
    for (const args of [['decode', p('none.dare'), '-i', p('me.key')], ['list', p('none.dare')], ['log', 'show', p('none.dlog')], ['hash', 'udf', p('none')]]) {
      expect((await dare(args)).code, args.join(' ')).toBe(6);
    }
    expect((await dare(['log', 'prove', p('e.dlog'), 'x'])).code).toBe(2);
    writeFileSync(p('cut.dare'), readFileSync(p('notes.txt.dare')).subarray(0, 40));
    expect((await dare(['decode', p('cut.dare'), '-i', p('me.key'), '-o', '-'])).code).toBe(3);
  });
});
