/**
 * The writer lock under contention from real processes (issue 12, finding 7): many
 * child processes take and release one lock file at once, and take over a stale one at
 * once. Exactly one may hold it at any moment. Each holder proves it by creating a marker
 * file with O_EXCL while it holds the lock: a second holder at the same moment finds the
 * marker (EEXIST) and reports the overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const dir = mkdtempSync(join(tmpdir(), 'dare-lock-race-'));
const lockModule = join(dir, 'lock.mjs');
const child = join(dir, 'child.mjs');

beforeAll(() => {
  // The lock module as it is in the source tree, bundled for plain node children.
  buildSync({ entryPoints: [new URL('./lock.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'esm', outfile: lockModule, logLevel: 'silent' });
  writeFileSync(child, `
import { acquireLock } from ${JSON.stringify(lockModule)};
import { openSync, closeSync, rmSync, writeSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const [mode, lockPath, marker, barrier, n, runMs, holdMs] = process.argv.slice(2);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const count = (prefix) => readdirSync(barrier).filter((f) => f.startsWith(prefix)).length;
// Everyone starts at once: when all children have loaded.
writeFileSync(join(barrier, 'ready-' + process.pid), '');
while (count('ready-') < Number(n)) sleep(1);
const untilAt = Date.now() + Number(runMs);
let held = 0, conflicts = 0, overlaps = 0, errors = [];
const hold = () => {
  // Proof of exclusivity: only one holder can create the marker.
  let fd;
  try { fd = openSync(marker, 'wx'); } catch (e) { if (e.code === 'EEXIST') overlaps++; else errors.push(e.message); return; }
  sleep(Number(holdMs));
  closeSync(fd);
  rmSync(marker);
};
do {
  let lock;
  try { lock = acquireLock(lockPath, 'race'); } catch (e) {
    if (e.code === 'CONFLICT') conflicts++; else errors.push(e.message);
    // A moment before the next try, as a real writer waits: twenty processes spinning on two
    // loaded cores would starve the holder of the time to release.
    if (mode === 'churn') sleep(1);
  }
  if (mode === 'once') writeFileSync(join(barrier, 'tried-' + process.pid), '');
  if (lock) {
    held++;
    hold();
    // once: held until every child has tried
    if (mode === 'once') while (count('tried-') < Number(n)) sleep(1);
    lock.release();
  }
} while (mode === 'churn' && Date.now() < untilAt);
writeSync(1, JSON.stringify({ held, conflicts, overlaps, errors }));
`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ChildReport { held: number; conflicts: number; overlaps: number; errors: string[] }

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

/** Runs `n` children that start together once all of them have loaded. */
async function race(n: number, mode: 'churn' | 'once', lockPath: string, marker: string, runMs: number, holdMs: number): Promise<ChildReport[]> {
  const barrier = mkdtempSync(join(dir, 'barrier-'));
  const runs = Array.from({ length: n }, () => new Promise<ChildReport>((resolve, reject) => {
    const c = spawn(process.execPath, [child, mode, lockPath, marker, barrier, String(n), String(runMs), String(holdMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildReport) : reject(new Error(`child exit ${code}: ${err}`))));
  }));
  try {
    return await Promise.all(runs);
  } finally {
    rmSync(barrier, { recursive: true, force: true });
  }
}

describe('the writer lock under many racing processes', () => {
  it('take and release from 20 processes at once, repeatedly: never two holders, no lock left behind', async () => {
    for (let round = 0; round < 2; round++) {
      const lockPath = join(dir, `churn${round}.lock`);
      const reports = await race(20, 'churn', lockPath, join(dir, `churn${round}.holder`), 1000, 2);
      const sum = (k: 'held' | 'overlaps') => reports.reduce((a, r) => a + r[k], 0);
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
      expect(sum('overlaps'), `round ${round}: two processes held the lock at once`).toBe(0);
      expect(sum('held')).toBeGreaterThan(10);
      expect(readdirSync(dir).filter((f) => f.startsWith(`churn${round}.`) || f.includes('lock-'))).toEqual([]);
    }
  });

  it('a stale lock (its process is gone) taken over by 20 processes at once: exactly one gets it, every round', async () => {
    for (let round = 0; round < 2; round++) {
      const lockPath = join(dir, `stale${round}.lock`);
      writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), started: 'then' }) + '\n');
      const reports = await race(20, 'once', lockPath, join(dir, `stale${round}.holder`), 0, 1);
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
      expect(reports.reduce((a, r) => a + r.overlaps, 0)).toBe(0);
      expect(reports.filter((r) => r.held === 1)).toHaveLength(1);
      expect(reports.filter((r) => r.conflicts === 1)).toHaveLength(19);
      expect(() => readFileSync(lockPath)).toThrow(/ENOENT/);
    }
  });
});
