/**
 * Error paths of the real `dare` executable: every failure is one `dare: error:` line
 * (and optional `dare: hint:` lines) on stderr, no stack trace, and the documented exit
 * code (README "Exit codes", cli/exit-codes.ts). Nothing is left at a named output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { DARE_BIN, dare, tempDir, type DareResult } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-errors-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + 7) & 255));
let secret = '';

/** The error voice: `dare: error:` first, then only hints; never a stack trace. */
function expectError(r: DareResult, code: number, pattern?: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0], r.stderr).toMatch(/^dare: error: \S/);
  for (const l of lines.slice(1)) expect(l, r.stderr).toMatch(/^dare: hint: /);
  expect(r.stderr).not.toMatch(/^\s+at |node:internal|Error:/m);
  if (pattern) expect(lines[0]).toMatch(pattern);
}

/** Runs dare with stdout on an already open file descriptor (here /dev/full). */
function dareToFd(args: string[], fd: number): Promise<DareResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DARE_BIN, ...args], { stdio: ['ignore', fd, 'pipe'] });
    const err: Buffer[] = [];
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr: Buffer.concat(err).toString('utf8'), stdoutBytes: Buffer.alloc(0) }));
  });
}

beforeAll(async () => {
  writeFileSync(p('data.bin'), payload);
  secret = (await dare(['key', 'secret'])).stdout.trim();
  for (const who of ['alice', 'bob']) {
    expect((await dare(['keygen', '-o', p(`${who}.key`)])).code).toBe(0);
    writeFileSync(p(`${who}.pub`), (await dare(['keygen', '--public', p(`${who}.key`)])).stdout);
  }
  writeFileSync(p('pass.txt'), 'right passphrase\n');
  expect((await dare(['keygen', '-o', p('locked.key'), '--passphrase-file', p('pass.txt')])).code).toBe(0);
  expect((await dare(['encode', p('data.bin'), '-o', p('data.dare'), '-e', p('alice.pub'), '-s', p('bob.key')])).code).toBe(0);
  expect((await dare(['encode', p('data.bin'), '-o', p('secret.dare'), '--key', secret])).code).toBe(0);
}, 60_000);

describe('usage errors: exit 2', () => {
  it('an unknown command', async () => expectError(await dare(['frobnicate']), 2));
  it('no command at all', async () => expectError(await dare([]), 2));
  it('a missing positional argument', async () => expectError(await dare(['decode']), 2));
  it('an unknown option', async () => expectError(await dare(['hash', 'digest', p('data.bin'), '--frob']), 2));
  it('a bad option value', async () => {
    expectError(await dare(['encode', p('data.bin'), '--encoding', 'xml', '-o', p('x.dare')]), 2);
    expectError(await dare(['hash', 'udf', p('data.bin'), '--bits', '7']), 2);
  });
  it('an output name that cannot be guessed', async () => expectError(await dare(['decode', p('data.bin'), '--key', secret]), 2));
});

describe('I/O errors: exit 6', () => {
  it('a missing input file', async () => expectError(await dare(['decode', p('nope.dare'), '-o', '-']), 6, /no such file/));
  it('a directory where a file is expected', async () => {
    mkdirSync(p('adir'), { recursive: true });
    expectError(await dare(['hash', 'digest', p('adir')]), 6, /directory/);
    expectError(await dare(['decode', p('data.dare'), '-i', p('adir'), '-o', '-']), 6);
  });
  it('a missing key file', async () => expectError(await dare(['decode', p('data.dare'), '-i', p('nokey.key'), '-o', '-']), 6));
  // Root reads any file, so this case exists only for unprivileged runs.
  if (process.getuid?.() !== 0) it('an unreadable file (when not running as root)', async () => {
    writeFileSync(p('secret.bin'), 'x');
    chmodSync(p('secret.bin'), 0o000);
    expectError(await dare(['hash', 'digest', p('secret.bin')]), 6, /permission denied/);
  });
  it('an output that exists is not replaced', async () => {
    writeFileSync(p('exists.bin'), 'keep me');
    expectError(await dare(['decode', p('secret.dare'), '--key', secret, '-o', p('exists.bin')]), 6, /already exists/);
    expect(readFileSync(p('exists.bin'), 'utf8')).toBe('keep me');
  });
  it('a full disk on stdout (/dev/full)', async () => {
    if (!existsSync('/dev/full')) return;
    const fd = openSync('/dev/full', 'w');
    try {
      expectError(await dareToFd(['decode', p('secret.dare'), '--key', secret, '-o', '-'], fd), 6, /no space left/);
      expectError(await dareToFd(['hash', 'digest', p('data.bin')], fd), 6, /no space left/);
      expectError(await dareToFd(['key', 'secret'], fd), 6, /no space left/);
      expectError(await dareToFd(['keygen'], fd), 6, /no space left/);
    } finally {
      closeSync(fd);
    }
  });
  it('an interrupted pipe (the reader exits early) ends quietly with exit 0, as cat does (issue 13 item 12)', () => {
    const script = `"$0" "$1" decode "$2" --key "$3" -o - 2>"$4" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', script, process.execPath, DARE_BIN, p('secret.dare'), secret, p('epipe.err')], { encoding: 'utf8' });
    expect(Number(r.stdout.trim())).toBe(0);
    expect(readFileSync(p('epipe.err'), 'utf8')).toBe('');
  });
});

describe('bad data, integrity and keys', () => {
  it('a wrong passphrase is exit 5', async () => {
    writeFileSync(p('wrong.txt'), 'wrong passphrase\n');
    expectError(await dare(['decode', p('data.dare'), '-i', p('locked.key'), '--passphrase-file', p('wrong.txt'), '-o', '-']), 5, /passphrase/);
    expectError(await dare(['decode', p('data.dare'), '-i', p('locked.key'), '-o', '-'], { env: { DARE_PASSPHRASE: 'nope' } }), 5);
  });
  it('no matching recipient is exit 5', async () => {
    expectError(await dare(['decode', p('data.dare'), '-i', p('bob.key'), '-o', p('out-nokey.bin')]), 5);
    expectError(await dare(['decode', p('secret.dare'), '--key', (await dare(['key', 'secret'])).stdout.trim(), '-o', '-']), 5);
    expect(existsSync(p('out-nokey.bin'))).toBe(false);
  });
  it('a malformed key file and a bad public key are exit 5', async () => {
    writeFileSync(p('junk.key'), '{"DareKeySet": {"encryption": 1}}');
    expectError(await dare(['decode', p('data.dare'), '-i', p('junk.key'), '-o', '-']), 5);
    expectError(await dare(['encode', p('data.bin'), '-e', 'dare1aaaa', '-o', p('x2.dare')]), 5);
  });
  it('a tampered envelope is exit 4 and leaves no output file', async () => {
    const b = readFileSync(p('data.dare'));
    // A flip inside the payload is an integrity failure (4); elsewhere it may also break the
    // syntax of the trailer (3). Either way nothing is written.
    for (const [at, codes] of [[Math.floor(b.length / 2), [4]], [b.length - 40, [3, 4]], [b.length - 200, [3, 4]]] as const) {
      const bad = Buffer.from(b);
      bad[at] = (bad[at] as number) ^ 0x10;
      writeFileSync(p('bad.dare'), bad);
      for (const args of [['decode', p('bad.dare'), '-i', p('alice.key'), '-o', p('bad.out')], ['verify', p('bad.dare'), '--signer', p('bob.pub')]]) {
        const r = await dare(args);
        expect(codes as readonly number[], r.stderr).toContain(r.code);
        expectError(r, r.code);
      }
      expect(existsSync(p('bad.out'))).toBe(false);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
  it('a truncated envelope is exit 3 and leaves no output file', async () => {
    const b = readFileSync(p('data.dare'));
    for (const at of [0, 1, 40, Math.floor(b.length / 2), b.length - 1]) {
      writeFileSync(p('cut.dare'), b.subarray(0, at));
      expectError(await dare(['decode', p('cut.dare'), '-i', p('alice.key'), '-o', p('cut.out')]), 3);
      expect(existsSync(p('cut.out'))).toBe(false);
    }
  });
  it('garbage on stdin is exit 3', async () => {
    expectError(await dare(['decode', '-', '--key', secret, '-o', '-'], { input: 'not an envelope at all' }), 3);
    expectError(await dare(['verify', '-'], { input: Buffer.from([0x5b, 0x8b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }), 3);
  });
  it('a digest that does not match --expect is exit 7', async () => {
    expectError(await dare(['hash', 'udf', p('data.bin'), '--expect', 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4']), 7);
  });
});
