/**
 * Crashes and interruptions of real processes (issue 13 items 5, 13, 14; issue 12 finding 9):
 * kill -9 at random moments of `dare extract`, `dare decode -o F` and `dare archive`, then
 * what is left: every name holds its whole, checked content or is absent; temporaries are
 * 0600 and are removed by the next run in that folder. SIGINT and SIGTERM remove the
 * temporaries at once and the process dies of the signal.
 *
 * A handful of kills per command in `npm test`; DARE_KILLS=50 runs 50 each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DARE_BIN, dare, dareProcess, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-crash-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);
const KILLS = Number(process.env.DARE_KILLS ?? 3);
const TEMP = /\.dare-\d+-[0-9a-f]{8}-[0-9a-f]{12}\.tmp$/;

/** Deterministic pseudo-random bytes (xorshift), so that a failure can be reproduced. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  return b;
}

function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => relative(root, join(e.parentPath, e.name)));
}

interface Run {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  stderr(): string;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [DARE_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { exited, kill: (s) => child.kill(s), stderr: () => err };
}

/** How long an uninterrupted run takes, to spread the kills over it. */
async function timed(args: string[]): Promise<number> {
  const t = Date.now();
  const r = await dareProcess(args);
  expect(r.code, r.stderr).toBe(0);
  return Date.now() - t;
}

const delays = (ms: number) => Array.from({ length: KILLS }, (_, i) => Math.round(ms * (0.15 + (0.8 * (i + 0.5)) / KILLS)));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ready()` or the run ended (or 20 s passed). */
async function until(ready: () => boolean, run: Run): Promise<void> {
  let ended = false;
  void run.exited.then(() => (ended = true));
  const deadline = Date.now() + 20_000;
  while (!ready() && !ended && Date.now() < deadline) await sleep(5);
}

/** Kills the run after `ms`; true when it was still running (the kill landed). */
async function killAfter(run: Run, ms: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<boolean> {
  const done = await Promise.race([run.exited.then(() => true), sleep(ms).then(() => false)]);
  if (done) return false;
  run.kill(signal);
  const r = await run.exited;
  return r.signal === signal;
}

/** Every temporary left in `root` is 0600 and named as ours. */
function leftovers(root: string): string[] {
  const names = walk(root).filter((n) => n.endsWith('.tmp'));
  for (const n of names) {
    expect(n, 'a temporary named as lib/platform/temp-file.ts names them').toMatch(TEMP);
    expect(statSync(join(root, n)).mode & 0o777, `${n} mode`).toBe(0o600);
  }
  return names;
}

const src = p('src');
const files = new Map<string, Buffer>();
beforeAll(async () => {
  expect((await dare(['keygen', '-o', p('me.key')])).code).toBe(0);
  writeFileSync(p('me.pub'), (await dare(['keygen', '--public', p('me.key')])).stdout);
  for (let i = 0; i < 120; i++) files.set(`d${i % 6}/f${i}.bin`, bytes(20_000 + ((i * 7919) % 40_000), i + 1));
  for (let i = 0; i < 3; i++) files.set(`big/b${i}.bin`, bytes(3 << 20, 1000 + i));
  for (const [name, data] of files) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), data);
  }
  expect((await dare(['archive', p('a.dare'), `${src}/.`, '-e', p('me.pub')])).code).toBe(0);
  writeFileSync(p('big.bin'), bytes(48 << 20, 77));
  expect((await dare(['encode', p('big.bin'), '-e', p('me.pub'), '-o', p('big.dare')])).code).toBe(0);
}, 120_000);

describe('kill -9 at random moments (issue 13 items 13 and 14)', () => {
  it(`extract: each name holds its whole content or is absent; the next run cleans up (${KILLS} kills)`, async () => {
    const full = await timed(['extract', p('a.dare'), p('x-timed'), '-i', p('me.key')]);
    let landed = 0;
    for (const [k, ms] of delays(full).entries()) {
      const out = p(`x${k}`);
      if (await killAfter(start(['extract', p('a.dare'), out, '-i', p('me.key')]), ms)) landed++;
      if (existsSync(out)) {
        for (const name of walk(out).filter((n) => !n.endsWith('.tmp'))) {
          expect(readFileSync(join(out, name)).equals(files.get(name) as Buffer), `${name} after a kill at ${ms} ms`).toBe(true);
        }
        leftovers(out);
      }
      // The next run in that folder removes what the killed one left and completes.
      const again = await dare(['extract', p('a.dare'), out, '-i', p('me.key'), '--force']);
      expect(again.code, again.stderr).toBe(0);
      expect(walk(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(walk(out).sort()).toEqual([...files.keys()].sort());
      rmSync(out, { recursive: true });
    }
    expect(landed, 'kills that landed while extract ran').toBeGreaterThan(0);
  }, 300_000);

  it(`decode -o F: F is absent or whole; the temporary is 0600 and the next decode there removes it (${KILLS} kills)`, async () => {
    const out = p('dec');
    mkdirSync(out);
    // The kills are spread over the time the temporary exists (from its appearance to the end
    // of an uninterrupted run): on a loaded machine the start-up before it varies too much for
    // delays measured from the start.
    const timedRun = start(['decode', p('big.dare'), '-i', p('me.key'), '-o', join(out, 'timed.bin')]);
    await until(() => readdirSync(out).some((n) => TEMP.test(n)), timedRun);
    const appeared = Date.now();
    expect((await timedRun.exited).code, timedRun.stderr()).toBe(0);
    const window = Date.now() - appeared;
    rmSync(join(out, 'timed.bin'));
    let sawTemp = 0;
    for (const ms of delays(window)) {
      const run = start(['decode', p('big.dare'), '-i', p('me.key'), '-o', join(out, 'big.bin')]);
      await until(() => readdirSync(out).some((n) => TEMP.test(n)), run);
      await killAfter(run, ms);
      if (existsSync(join(out, 'big.bin'))) expect(statSync(join(out, 'big.bin')).size).toBe(48 << 20);
      sawTemp += leftovers(out).length;
      rmSync(join(out, 'big.bin'), { force: true });
      // The next decode into that folder clears the leftovers of the dead process.
      writeFileSync(p('small.txt'), 'small\n');
      expect((await dare(['encode', p('small.txt'), '-e', p('me.pub'), '-o', p('small.dare'), '--force'])).code).toBe(0);
      const next = await dare(['decode', p('small.dare'), '-i', p('me.key'), '-o', join(out, 'small.txt'), '--force']);
      expect(next.code, next.stderr).toBe(0);
      expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    }
    expect(sawTemp, 'kills that left a temporary').toBeGreaterThan(0);
  }, 300_000);

  it(`archive: no archive or a whole one; the temporary is 0600 and the next archive there removes it (${KILLS} kills)`, async () => {
    const out = p('arch');
    mkdirSync(out);
    const full = await timed(['archive', join(out, 'timed.dare'), `${src}/.`, '-e', p('me.pub')]);
    rmSync(join(out, 'timed.dare'));
    for (const ms of delays(full)) {
      await killAfter(start(['archive', join(out, 'k.dare'), `${src}/.`, '-e', p('me.pub')]), ms);
      if (existsSync(join(out, 'k.dare'))) expect((await dare(['verify', join(out, 'k.dare'), '-i', p('me.key')])).code).toBe(0);
      leftovers(out);
      rmSync(join(out, 'k.dare'), { force: true });
      const next = await dare(['archive', join(out, 'n.dare'), p('small.txt'), '-e', p('me.pub'), '--force']);
      expect(next.code, next.stderr).toBe(0);
      // k.dare.lock of the dead writer stays until k.dare is written again (it is taken over then).
      expect(readdirSync(out).filter((n) => n.includes('.tmp'))).toEqual([]);
    }
  }, 300_000);
});

describe('SIGINT and SIGTERM remove the temporaries (issue 13 item 5)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during decode -o F, extract and encode: nothing left, and the process dies of the signal`, async () => {
      const out = p(`sig-${signal}`);
      mkdirSync(out);
      const runs: [string, string[]][] = [
        ['decode', ['decode', p('big.dare'), '-i', p('me.key'), '-o', join(out, 'big.bin')]],
        ['extract', ['extract', p('a.dare'), join(out, 'x'), '-i', p('me.key'), '--file', 'big']],
        ['encode', ['encode', p('big.bin'), '-e', p('me.pub'), '-o', join(out, 'big.dare')]],
      ];
      for (const [what, args] of runs) {
        const run = start(args);
        // Wait until its temporary exists: then the signal lands mid-write.
        const deadline = Date.now() + 20_000;
        while (!walk(out).some((n) => TEMP.test(n)) && Date.now() < deadline) await sleep(5);
        expect(walk(out).some((n) => TEMP.test(n)), `${what} made a temporary`).toBe(true);
        run.kill(signal);
        const r = await run.exited;
        expect(r.signal, `${what}: ${run.stderr()}`).toBe(signal);
        expect(walk(out).filter((n) => n.endsWith('.tmp')), what).toEqual([]);
        expect(existsSync(join(out, 'big.bin')) || existsSync(join(out, 'big.dare')), what).toBe(false);
      }
    }, 120_000);
  }
});
