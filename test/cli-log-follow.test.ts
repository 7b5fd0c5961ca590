/**
 * `dare log append LOG -` as a long-running session (`tail -f app.log | dare log append
 * audit.dlog - --sign alice.key`): checkpoints while stdin stays open, a clean end on
 * SIGTERM/SIGINT/SIGHUP, and what a kill -9 leaves. Real processes, pipes and signals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DARE_BIN, dare, tempDir } from './helpers/dare.js';
import { parsePublicKeySet } from '../lib/keys/keyset.js';
import { LogReader } from '../lib/log/reader.js';
import type { VerificationKey } from '../lib/keys/types.js';

const { dir, cleanup } = tempDir('dare-log-follow-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
let alicePub: VerificationKey;

beforeAll(async () => {
  expect((await dare(['keygen', '-o', p('alice.key')])).code).toBe(0);
  writeFileSync(p('alice.pub'), (await dare(['keygen', '--public', p('alice.key')])).stdout);
  alicePub = parsePublicKeySet(readFileSync(p('alice.pub'), 'utf8').trim()).signature;
}, 60_000);

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `dare ARGS` with a stdin pipe left open for the test to write to, and its exit. */
function follow(args: string[]): { child: ChildProcessWithoutNullStreams; write: (s: string | Buffer) => Promise<void>; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [DARE_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  const write = (s: string | Buffer) => new Promise<void>((resolve, reject) => child.stdin.write(s, (e) => (e ? reject(e) : resolve())));
  return { child, write, exited };
}

/** The log's state as a verifier with Alice as trusted signer sees it, or the error code. */
async function signedState(log: string): Promise<{ entries: number; lastSigned: number } | string> {
  let r: LogReader | undefined;
  try {
    r = await LogReader.open(log, { trustedSigners: [alicePub] });
    const v = await r.verify();
    if (v.tornBytes > 0) return 'torn';
    return { entries: v.entries, lastSigned: v.lastSigned };
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  } finally {
    await r?.close();
  }
}

/** Polls `check` every 50 ms until it returns true; fails after `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function shown(log: string): Promise<string[]> {
  const r = await dare(['log', 'show', log, '-i', p('alice.key')]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[2] as string);
}

async function newLog(name: string): Promise<string> {
  const log = p(name);
  const c = await dare(['log', 'create', log, '-e', p('alice.pub'), '--sign', p('alice.key')]);
  expect(c.code, c.stderr).toBe(0);
  return log;
}

const isVerified = (log: string, entries: number) => async () => {
  const s = await signedState(log);
  return typeof s === 'object' && s.entries === entries && s.lastSigned === entries;
};

describe('dare log append - as a long-running session', () => {
  it('checkpoints while stdin stays open (the log verifies with --signer), and SIGTERM finishes the session', async () => {
    const log = await newLog('follow.dlog');
    const run = follow(['log', 'append', log, '-', '--sign', p('alice.key')]);
    await run.write('line 1\nline 2\nline 3\n');
    await run.write('line 4\nline 5\n');
    // The idle checkpoint: entry 5, held back until now, is on disk with the signature.
    await until('the first checkpoint', isVerified(log, 5));
    expect(run.child.exitCode).toBeNull();
    const v = await dare(['log', 'verify', log, '--signer', p('alice.pub'), '-i', p('alice.key')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/: ok: 5 entries, tree ok, macs ok, signed through entry 5 by \S+ \(trusted\)\n$/);
    expect(run.child.exitCode).toBeNull();
    // One writer at a time: a second append while the session runs stops before it touches the file.
    const size = statSync(log).size;
    const second = await dare(['log', 'append', log, 'from another process', '--sign', p('alice.key')]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^dare: error: ${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: in use by process ${run.child.pid} `));
    expect(statSync(log).size).toBe(size);
    // A burst far larger than the pipe (64 KiB) and SIGTERM as soon as its last byte is in
    // the pipe: the process is still writing entries, lines are still unread in the pipe,
    // and they are all kept.
    const burst = Array.from({ length: 12_000 }, (_, i) => `burst ${i + 1}`);
    await run.write(`${burst.join('\n')}\n`);
    await run.write('last line has no newline');
    run.child.kill('SIGTERM');
    const e = await run.exited;
    expect(e.stderr).toMatch(/^dare: note: stopped by SIGTERM: the session was finished and synced; the unended last line \(24 bytes\) is an entry; stdin was still open/);
    expect(e.stdout).toBe(`${log}: appended entries 1-12006, signed\n`);
    // Died of the signal once done (a shell reports 143); the handlers were removed first.
    expect(e.signal).toBe('SIGTERM');
    expect(await shown(log)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', ...burst, 'last line has no newline']);
    const v2 = await dare(['log', 'verify', log, '--signer', p('alice.pub'), '-i', p('alice.key')]);
    expect(v2.code, v2.stderr).toBe(0);
    expect(v2.stdout).toMatch(/12006 entries, .*signed through entry 12006/);
  });

  it('SIGINT and SIGHUP finish the same way; --json reports the signal and the checkpoints', async () => {
    for (const sig of ['SIGINT', 'SIGHUP'] as const) {
      const log = await newLog(`follow-${sig}.dlog`);
      const run = follow(['log', 'append', log, '-', '--sign', p('alice.key'), '--json', '--sync-interval', '100']);
      await run.write('a\nb\n');
      await until('a checkpoint', isVerified(log, 2));
      await run.write('c\n');
      run.child.kill(sig);
      const e = await run.exited;
      expect(e.signal, e.stderr).toBe(sig);
      expect(e.stderr).toBe(''); // no notes with --json
      const j = JSON.parse(e.stdout) as Record<string, unknown>;
      expect(j).toMatchObject({ appended: 3, first: 1, last: 3, signed: true, signal: sig });
      expect(j.checkpoints).toBeGreaterThanOrEqual(1);
      expect(await shown(log)).toEqual(['a', 'b', 'c']);
      expect(await signedState(log)).toEqual({ entries: 3, lastSigned: 3 });
    }
  });

  it('kill -9 after a checkpoint: every entry up to it stays; the next append cuts the torn tail, continues and verifies', async () => {
    const log = await newLog('killed.dlog');
    // Checkpoints by count only, so that the state at the kill is known.
    const run = follow(['log', 'append', log, '-', '--sign', p('alice.key'), '--sync-entries', '4', '--sync-interval', '600000', '--sync-max-delay', '600000']);
    await run.write('kept 1\nkept 2\nkept 3\nkept 4\n');
    await until('the checkpoint after 4 entries', isVerified(log, 4));
    const atCheckpoint = statSync(log).size;
    // Entry 5 is 2 MiB: written when line 6 arrives, its first MiB goes to disk before its trailer.
    await run.write(`${'x'.repeat(2 << 20)}\nlost 6\n`);
    await until('a partly written entry 5', () => statSync(log).size > atCheckpoint + (1 << 20));
    run.child.kill('SIGKILL');
    const e = await run.exited;
    expect(e.signal).toBe('SIGKILL');
    expect(e.stdout).toBe('');
    const torn = await dare(['log', 'verify', log]);
    expect(torn.code).toBe(3);
    expect(torn.stderr).toMatch(/bytes after entry 4 are a torn append/);
    const before = await LogReader.open(log);
    expect([before.lastEntry, before.tornBytes > 1 << 20]).toEqual([4, true]);
    await before.close();
    // A new signed session cuts the torn tail and continues from entry 5.
    const next = await dare(['log', 'append', log, '-', '--sign', p('alice.key')], { input: 'after 1\nafter 2\n' });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/^dare: warning: .*: cut a torn tail of \d+ bytes after entry 4 \(an interrupted append\)\n$/);
    expect(next.stdout).toBe(`${log}: appended entries 5-6, signed\n`);
    expect(statSync(log).size).toBeLessThan(atCheckpoint + 10_000);
    expect(await shown(log)).toEqual(['kept 1', 'kept 2', 'kept 3', 'kept 4', 'after 1', 'after 2']);
    const v = await dare(['log', 'verify', log, '--signer', p('alice.pub'), '-i', p('alice.key')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/6 entries, tree ok, macs ok, signed through entry 6/);
  });

  it('a steady stream that is never idle still checkpoints by deadline; --sync-entries counts', async () => {
    const log = await newLog('steady.dlog');
    const run = follow(['log', 'append', log, '-', '--sign', p('alice.key'), '--json', '--sync-interval', '600000', '--sync-max-delay', '200']);
    // The clock starts once the process appends (on a loaded machine its start-up can take
    // most of the stream, which then arrives in one burst and checkpoints once).
    const empty = statSync(log).size;
    let n = 0;
    await run.write(`tick ${++n}\n`);
    await until('the first entry appended', () => statSync(log).size > empty);
    const started = Date.now();
    while (Date.now() - started < 1500) {
      await run.write(`tick ${++n}\n`);
      await new Promise((r) => setTimeout(r, 40));
    }
    run.child.stdin.end();
    const e = await run.exited;
    expect(e.code, e.stderr).toBe(0);
    const j = JSON.parse(e.stdout) as { appended: number; checkpoints: number; signed: boolean; signal: unknown };
    expect(j).toMatchObject({ appended: n, signed: true, signal: null });
    // Without the deadline there would be none (the idle interval is never reached).
    expect(j.checkpoints).toBeGreaterThanOrEqual(2);
    expect(await signedState(log)).toEqual({ entries: n, lastSigned: n });

    const counted = await newLog('counted.dlog');
    const lines = Array.from({ length: 25 }, (_, i) => `e${i + 1}`).join('\n');
    const c = await dare(['log', 'append', counted, '-', '--sign', p('alice.key'), '--json', '--sync-entries', '10', '--sync-interval', '600000', '--sync-max-delay', '600000'], { input: lines });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ appended: 25, checkpoints: 2, signed: true });
    // Entries 10 and 20 were signed at the checkpoints, 25 at the end (frame 0 by log create --sign).
    const r = await LogReader.open(counted);
    expect((await r.verify()).signatures.map((s) => s.frame)).toEqual([0, 10, 20, 25]);
    await r.close();
  });

  it('refuses sync options that do not apply or are out of range; help explains checkpoints and the loss bound', async () => {
    const log = await newLog('usage.dlog');
    const size = statSync(log).size;
    for (const extra of [['x', '--sync-interval', '10'], ['-', '--sync-entries', '0'], ['-', '--sync-interval', '-1'], ['-', '--sync-max-delay', '1.5']]) {
      const r = await dare(['log', 'append', log, ...extra]);
      expect(`${extra.join(' ')}: ${r.code}`).toBe(`${extra.join(' ')}: 2`);
      expect(r.stderr).toMatch(/^dare: error: --sync-/);
    }
    expect(statSync(log).size).toBe(size);
    const h = await dare(['log', 'append', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('tail -f app.log | dare log append audit.dlog -');
    // Phrases as yargs wraps them: any run of white space between words.
    const says = (phrase: string) => expect(h.stdout).toMatch(new RegExp(phrase.replace(/[()]/g, '\\$&').split(' ').join('\\s+')));
    says('a checkpoint writes out and fsyncs every entry read so far and, with --sign, signs the last one over the apex');
    says('when stdin has been idle for --sync-interval ms (default 250)');
    says('A crash, kill -9 or power loss loses at most the entries read since the last checkpoint');
    says('SIGINT, SIGTERM or SIGHUP end the session cleanly');
    says('(exit status 130, 143 or 129)');
  });
});
