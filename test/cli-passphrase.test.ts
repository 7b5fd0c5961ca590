import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKeyFile, generateKeySet } from '../lib/index.js';
import { DARE_BIN, dare, dareProcess, tempDir, type DareResult } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-pass-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const PASS = 'correct horse battery staple';
const payload = Buffer.from('the payload, encrypted to a key whose file is protected by a passphrase\n');

/** Runs the built dare with one more descriptor: the child's fd 3 is `fd3` (a file descriptor, or a pipe we write to). */
function dareFd3(args: string[], fd3: number | { write: string; end: boolean }): Promise<DareResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DARE_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe', typeof fd3 === 'number' ? fd3 : 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    child.stdin?.end();
    if (typeof fd3 !== 'number') {
      const pipe = child.stdio[3] as NodeJS.WritableStream;
      pipe.on('error', () => undefined);
      pipe.write(fd3.write);
      // Left open: dare must stop at the line end, not wait for the end of the pipe.
      if (fd3.end) pipe.end();
      else child.on('close', () => pipe.end());
    }
  });
}

const decodeArgs = () => ['decode', p('msg.dare'), '-i', p('locked.key'), '-o', '-'];

/**
 * A protected key file at a low scrypt cost (2^12): the tests here are about where the
 * passphrase comes from, and each unseal at the default 2^17 costs a second or more. keygen
 * writes the default cost below (cmd.key), and one decode reads such a file.
 */
async function cheapLockedKey(path: string): Promise<void> {
  writeFileSync(path, await encodeKeyFile(generateKeySet(), PASS, { N: 1 << 12, r: 8, p: 1 }), { mode: 0o600 });
}

beforeAll(async () => {
  writeFileSync(p('pass.txt'), PASS + '\n');
  writeFileSync(p('wrong.txt'), 'not the passphrase\n');
  await cheapLockedKey(p('locked.key'));
  const pub = await dare(['keygen', '--public', p('locked.key'), '--passphrase-file', p('pass.txt')]);
  expect(pub.code, pub.stderr).toBe(0);
  writeFileSync(p('locked.pub'), pub.stdout);
  writeFileSync(p('msg.txt'), payload);
  const e = await dare(['encode', p('msg.txt'), '-o', p('msg.dare'), '-e', p('locked.pub')]);
  expect(e.code, e.stderr).toBe(0);
}, 60_000);

describe('passphrase sources (real CLI, real scrypt)', () => {
  it('--passphrase-file: right opens, wrong is exit 5, a missing file is exit 6', async () => {
    const ok = await dare([...decodeArgs(), '--passphrase-file', p('pass.txt')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdoutBytes.equals(payload)).toBe(true);
    const wrong = await dare([...decodeArgs(), '--passphrase-file', p('wrong.txt')]);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/^dare: error: .*wrong passphrase/);
    expect(wrong.stdout).toBe('');
    expect((await dare([...decodeArgs(), '--passphrase-file', p('nope.txt')])).code).toBe(6);
  }, 30_000);

  it('--passphrase-fd: a file opened on fd 3 (as `3< pass.txt`), a pipe left open, and a wrong one', async () => {
    const fd = openSync(p('pass.txt'), 'r');
    try {
      const ok = await dareFd3([...decodeArgs(), '--passphrase-fd', '3'], fd);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdoutBytes.equals(payload)).toBe(true);
    } finally {
      closeSync(fd);
    }
    const piped = await dareFd3([...decodeArgs(), '--passphrase-fd', '3'], { write: PASS + '\nsecond line\n', end: false });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdoutBytes.equals(payload)).toBe(true);
    const wrong = await dareFd3([...decodeArgs(), '--passphrase-fd', '3'], { write: 'nope\n', end: true });
    expect(wrong.code).toBe(5);
    expect(wrong.stdout).toBe('');
    // Through a real shell redirection, as users write it.
    const sh = await new Promise<number>((resolve) => {
      const c = spawn('/bin/sh', ['-c', `"${process.execPath}" "${DARE_BIN}" keygen --public "${p('locked.key')}" --passphrase-fd 3 3< "${p('pass.txt')}" > "${p('sh.pub')}"`], { stdio: 'ignore' });
      c.on('close', (code) => resolve(code ?? -1));
    });
    expect(sh).toBe(0);
    expect(readFileSync(p('sh.pub'), 'utf8')).toBe(readFileSync(p('locked.pub'), 'utf8'));
    // stdin duplicated onto another descriptor: shares its pipe with fd 0, and is given.
    const dup = await new Promise<number>((resolve) => {
      const c = spawn('/bin/sh', ['-c', `printf '%s\\n' '${PASS}' | "${process.execPath}" "${DARE_BIN}" keygen --public "${p('locked.key')}" --passphrase-fd 7 7<&0 > "${p('dup.pub')}"`], { stdio: 'ignore' });
      c.on('close', (code) => resolve(code ?? -1));
    });
    expect(dup).toBe(0);
    expect(readFileSync(p('dup.pub'), 'utf8')).toBe(readFileSync(p('locked.pub'), 'utf8'));
  }, 30_000);

  it('--passphrase-fd: a descriptor that is not open is exit 6, a standard stream exit 2', async () => {
    // 3 and 9 are not given: Node's own event loop descriptors sit there, and must not be read.
    for (const fd of ['3', '9', '40']) {
      const closed = await dareProcess([...decodeArgs(), '--passphrase-fd', fd]);
      expect(closed.code, fd).toBe(6);
      expect(closed.stderr).toMatch(new RegExp(`^dare: error: .*--passphrase-fd ${fd}: no such open file descriptor`));
    }
    for (const fd of ['0', '1', '2']) expect((await dare([...decodeArgs(), '--passphrase-fd', fd])).code).toBe(2);
  }, 30_000);

  it('--passphrase-command: first line of its stdout; nothing of it reaches ours; its stderr reaches ours', async () => {
    const cmd = `printf '%s\\nLEAKED-SECOND-LINE\\n' '${PASS}'; echo from-the-command >&2`;
    const ok = await dare([...decodeArgs(), '--passphrase-command', cmd]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdoutBytes.equals(payload)).toBe(true);
    expect(ok.stderr).toContain('from-the-command');
    expect(ok.stderr).not.toContain('LEAKED');
    const wrong = await dare([...decodeArgs(), '--passphrase-command', 'echo wrong']);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
  }, 30_000);

  it('--passphrase-command: a failing or empty command is exit 5 with a clear message, and no output', async () => {
    const failed = await dare([...decodeArgs(), '--passphrase-command', `echo '${PASS}'; exit 3`]);
    expect(failed.code).toBe(5);
    expect(failed.stderr).toMatch(/^dare: error: .*--passphrase-command: the command failed \(exit status 3\)/m);
    expect(failed.stdout).toBe('');
    const missing = await dare([...decodeArgs(), '--passphrase-command', 'no-such-command-for-dare-test']);
    expect(missing.code).toBe(5);
    const empty = await dare([...decodeArgs(), '--passphrase-command', 'true']);
    expect(empty.code).toBe(5);
    expect(empty.stderr).toMatch(/passphrase is empty/);
    for (const r of [failed, missing, empty]) expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a command runs once per invocation, even for two protected key files', async () => {
    await cheapLockedKey(p('locked2.key'));
    const count = p('count.txt');
    const r = await dare([...decodeArgs(), '-i', p('locked2.key'), '--passphrase-command', `echo run >> '${count}'; echo '${PASS}'`]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(count, 'utf8')).toBe('run\n');
    // And not at all when no key file needs it.
    const plain = await dare(['keygen', '-o', p('plain.key')]);
    expect(plain.code).toBe(0);
    expect((await dare(['keygen', '--public', p('plain.key'), '--passphrase-command', `echo run >> '${p('count2.txt')}'; echo x`])).code).toBe(0);
    expect(existsSync(p('count2.txt'))).toBe(false);
  }, 30_000);

  it('keygen takes the new passphrase from a command; DARE_PASSPHRASE still works; one source at a time', async () => {
    const k = await dare(['keygen', '-o', p('cmd.key'), '--passphrase-command', `echo '${PASS}'`]);
    expect(k.code, k.stderr).toBe(0);
    expect(readFileSync(p('cmd.key'), 'utf8')).toMatch(/DareKeySetProtected/);
    // The default cost, as keygen writes it, is read back.
    expect((await dare(['keygen', '--public', p('cmd.key'), '--passphrase-file', p('pass.txt')])).code).toBe(0);
    expect((await dare(decodeArgs(), { env: { DARE_PASSPHRASE: PASS } })).code).toBe(0);
    expect((await dare(decodeArgs(), { env: { DARE_PASSPHRASE: 'wrong' } })).code).toBe(5);
    const two = await dare([...decodeArgs(), '--passphrase-file', p('pass.txt'), '--passphrase-command', 'echo x']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/one passphrase source/);
    // A passphrase on the command line is refused, not silently read as --passphrase=false.
    const inline = await dare([...decodeArgs(), `--passphrase=${PASS}`]);
    expect(inline.code).toBe(2);
    expect(inline.stderr).toMatch(/--passphrase takes no value/);
    expect(inline.stdout).toBe('');
  }, 30_000);

  it('every command that reads key files offers every source', async () => {
    for (const cmd of [['encode'], ['decode'], ['verify'], ['keygen'], ['inspect'], ['rekey'], ['archive'], ['list'], ['extract'], ['log', 'create'], ['log', 'append'], ['watch']]) {
      const h = await dare([...cmd, '--help']);
      expect(h.code, cmd.join(' ')).toBe(0);
      for (const o of ['--passphrase-file', '--passphrase-fd', '--passphrase-command']) expect(h.stdout, `${cmd.join(' ')} ${o}`).toContain(o);
    }
  }, 60_000);
});
