/**
 * The command line as age and gpg users type it (issue 13 items 1, 9 and part of 12):
 * options before, between and after positionals, repeatable options that take one value
 * each, `--` ending the options, `-` only where it means stdin or stdout, and usage errors
 * that name what is missing or meant. In process, with real files and keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../lib/index.js';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-parse-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);

beforeAll(async () => {
  for (const who of ['bob', 'carol']) {
    expect((await dare(['keygen', '-o', p(`${who}.key`)])).code).toBe(0);
    writeFileSync(p(`${who}.pub`), (await dare(['keygen', '--public', p(`${who}.key`)])).stdout);
  }
  writeFileSync(p('notes.txt'), 'my notes\n');
  mkdirSync(p('docs'));
  writeFileSync(p('docs', 'plan.md'), '# plan\n');
});

const ok = async (args: string[], input?: string) => {
  const r = await dare(args, { input });
  expect(r.code, `dare ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};

describe('options anywhere (issue 13 item 1)', () => {
  it('encode and decode: -e/-i before the file, between, after; repeated -e for two recipients', async () => {
    await ok(['encode', '-e', p('bob.pub'), p('notes.txt')]);
    expect(existsSync(p('notes.txt.dare'))).toBe(true);
    await ok(['decode', '-i', p('bob.key'), p('notes.txt.dare'), '-o', p('a.txt')]);
    expect(readFileSync(p('a.txt'), 'utf8')).toBe('my notes\n');
    await ok(['encode', '-e', p('bob.pub'), '-e', p('carol.pub'), p('notes.txt'), '-o', p('two.dare'), '-a', 'Subject: x', '-a', 'second']);
    for (const who of ['bob', 'carol']) await ok(['decode', p('two.dare'), '-o', '-', '-i', p(`${who}.key`)]);
    await ok(['verify', '-i', p('bob.key'), p('notes.txt.dare')]);
  });

  it('archive, list, extract, append: options before the inputs do not swallow them', async () => {
    await ok(['archive', p('b.dare'), '-e', p('bob.pub'), p('docs')]);
    const l = await ok(['list', '-i', p('bob.key'), p('b.dare')]);
    expect(l.stdout).toContain('docs/plan.md');
    await ok(['extract', '-i', p('bob.key'), p('b.dare'), p('out'), '--file', 'docs/plan.md']);
    expect(readFileSync(p('out', 'docs', 'plan.md'), 'utf8')).toBe('# plan\n');
    writeFileSync(p('more.txt'), 'more\n');
    await ok(['append', '-i', p('bob.key'), p('b.dare'), p('more.txt')]);
    expect((await ok(['list', p('b.dare'), '-i', p('bob.key')])).stdout).toContain('more.txt');
  });

  it('-- ends the options: a file named -weird is a file', async () => {
    writeFileSync(p('-weird'), 'dash\n');
    const r = await dare(['encode', '-e', p('bob.pub'), '--', '-x'], { cwd: dir });
    // After --, -x is the file argument (which does not exist: exit 6), not an unknown option (exit 2).
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/-x: no such file/);
    const rel = await dare(['encode', '-e', p('bob.pub'), '--', '-weird'], { cwd: dir });
    expect(rel.code, rel.stderr).toBe(0);
    expect(existsSync(p('-weird.dare'))).toBe(true);
  });

  it('an option that needs a value says so instead of taking none', async () => {
    for (const args of [['encode', p('notes.txt'), '-e'], ['encode', p('notes.txt'), '-e', '-o', p('n.dare')], ['decode', p('notes.txt.dare'), '-i']]) {
      const r = await dare(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^dare: error: -[eio] needs a value/);
    }
  });
});

describe('- for stdin and stdout, and nowhere else (issue 13 item 9)', () => {
  it('extract to -, log show -, log verify - and restore - are usage errors naming the argument; no "‐stdio" anywhere', async () => {
    const cases: [string[], RegExp][] = [
      [['extract', p('b.dare'), '-', '-i', p('bob.key')], /does not apply to DEST of dare extract/],
      [['log', 'show', '-'], /does not apply to LOG of dare log show/],
      [['log', 'verify', '-'], /does not apply to LOG of dare log verify/],
      [['restore', p('mirror'), '-'], /does not apply to OUT of dare restore/],
      [['extract', p('b.dare'), p('o2'), '--file', '-', '-i', p('bob.key')], /does not apply to --file of dare extract/],
    ];
    for (const [args, message] of cases) {
      const r = await dare(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('\u2010');
    }
    expect(readdirSync(dir).some((n) => n.includes('stdio'))).toBe(false);
  });

  it('- reads stdin and writes stdout where it means that', async () => {
    const enc = await ok(['encode', '-', '-e', p('bob.pub')], 'from stdin\n');
    const dec = await dare(['decode', '-', '-i', p('bob.key')], { input: enc.stdoutBytes as unknown as string });
    expect(dec.code, dec.stderr).toBe(0);
    expect(dec.stdout).toBe('from stdin\n');
    const h = await ok(['hash', 'digest', '-', '--alg', 'sha256'], 'abc');
    expect(h.stdout.trim()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('usage errors that help (issue 13 item 12)', () => {
  it('dare --version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    for (const flag of ['--version', '-V']) expect((await ok([flag])).stdout.trim()).toBe(pkg.version);
  });

  it('a mistyped option gets a suggestion; a mistyped command too', async () => {
    const r = await dare(['encode', p('notes.txt'), '--encrpt', p('bob.pub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dare: error: unknown option --encrpt \(did you mean --encrypt\?\)/);
    const s = await dare(['decode', p('notes.txt.dare'), '--sigenr', p('bob.pub')]);
    expect(s.stderr).toMatch(/did you mean --signer\?/);
    const c = await dare(['decod', p('notes.txt.dare')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/unknown command "decod" \(did you mean decode\?\)/);
  });

  it('the missing argument is named, with the usage line; an extra one too', async () => {
    const r = await dare(['decode']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dare: error: missing FILE \(usage: dare decode <file>\)/);
    const two = await dare(['copy', p('b.dare')]);
    expect(two.stderr).toMatch(/missing OUTPUT \(usage: dare copy <archive> <output>\)/);
    const log = await dare(['log', 'prove', p('x.dlog')]);
    expect(log.stderr).toMatch(/missing ENTRY/);
    const extra = await dare(['decode', p('a'), p('b')]);
    expect(extra.stderr).toMatch(/unexpected argument ".*b" \(usage: dare decode <file>\)/);
  });

  it('--json errors are one JSON object on stderr, with the code and exit status', async () => {
    const r = await dare(['decode', p('nope.dare'), '-i', p('bob.key'), '--json']);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'IO', exit: 6, message: `${p('nope.dare')}: no such file or directory` } });
    const u = await dare(['decode', '--json']);
    expect(JSON.parse(u.stderr)).toMatchObject({ error: { code: 'USAGE', exit: 2, hint: 'see `dare --help`' } });
    expect(r.stdout + u.stdout).toBe('');
  });
});
