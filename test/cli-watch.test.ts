/**
 * `dare watch`, `dare restore` and `dare status` through the real executable:
 * real folders, real chokidar events in a spawned watcher, kill -9, permission
 * errors (as an unprivileged user when the tests run as root), tampering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync,
  statSync, writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { encodeKeyFile, formatPublicKeySet, generateKeySet, publicKeySet } from '../lib/index.js';
import { DARE_BIN, dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-watch-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);

beforeAll(async () => {
  for (const who of ['me', 'other']) {
    const k = generateKeySet();
    writeFileSync(p(`${who}.key`), await encodeKeyFile(k), { mode: 0o600 });
    writeFileSync(p(`${who}.pub`), formatPublicKeySet(publicKeySet(k)) + '\n');
  }
});

type Tree = Map<string, { data?: Buffer; mode: number; mtime?: number }>;

function tree(root: string): Tree {
  const out: Tree = new Map();
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      const st = statSync(abs);
      const rel = relative(root, abs);
      if (e.isDirectory()) {
        out.set(rel, { mode: st.mode & 0o7777 });
        visit(abs);
      } else out.set(rel, { data: readFileSync(abs), mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs) });
    }
  };
  visit(root);
  return out;
}

/** Byte-for-byte: same paths, same contents, same modes and modification times. */
function expectSame(a: Tree | string, b: string): void {
  const x = typeof a === 'string' ? tree(a) : a;
  const y = tree(b);
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const [k, v] of x) {
    const w = y.get(k);
    expect(w?.mode, k).toBe(v.mode);
    if (v.data) {
      expect(w?.data?.equals(v.data), `${k} content`).toBe(true);
      expect(w?.mtime, `${k} mtime`).toBe(v.mtime);
    }
  }
}

function populate(src: string): void {
  mkdirSync(join(src, 'projects/alpha/drafts'), { recursive: true });
  mkdirSync(join(src, 'empty-folder'));
  writeFileSync(join(src, 'projects/alpha/secret-plan.txt'), 'launch on tuesday\n');
  writeFileSync(join(src, 'projects/alpha/drafts/empty-note.txt'), '');
  writeFileSync(join(src, 'photo.bin'), Buffer.from(Array.from({ length: 65_537 }, (_, i) => (i * 131 + 7) & 255)));
  writeFileSync(join(src, 'video.dat'), Buffer.alloc(4 * 1024 * 1024 + 3, 0xa5));
  chmodSync(join(src, 'projects/alpha/secret-plan.txt'), 0o600);
}

interface Watcher {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: () => string;
  waitFor: (pred: (e: Record<string, unknown>) => boolean, what: string, ms?: number) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `dare watch ... --json` and parses its event stream. */
function startWatcher(args: string[], user?: { uid: number; gid: number }): Watcher {
  const child = spawn(process.execPath, [DARE_BIN, 'watch', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], ...user });
  const events: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  let wake: () => void = () => undefined;
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
    wake();
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const waitFor = async (pred: (e: Record<string, unknown>) => boolean, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${what} event; events: ${JSON.stringify(events)}; stderr: ${err}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  return { child, events, stderr: () => err, waitFor, exited };
}

async function stop(w: Watcher): Promise<void> {
  w.child.kill('SIGTERM');
  const r = await w.exited;
  expect(r.code, w.stderr()).toBe(0);
}

const me = ['-i', p('me.key')];

describe('dare watch --once, dare restore, dare status', () => {
  it('catches up, restores byte for byte, names nothing in plaintext, verifies signatures', async () => {
    const src = p('once-src');
    const dest = p('once-dest');
    mkdirSync(src);
    populate(src);
    const w = await dare(['watch', src, dest, ...me, '--sign', p('me.key'), '--once', '--settle', '0', '--json']);
    expect(w.code, w.stderr).toBe(0);
    const done = JSON.parse(w.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(done).toMatchObject({ event: 'done', files: 4, failed: 0 });
    for (const rel of tree(dest).keys()) expect(rel).not.toMatch(/projects|alpha|secret|plan|photo|video|empty|draft/);
    for (const [rel, v] of tree(dest)) if (v.data) expect(v.data.toString('latin1'), rel).not.toMatch(/secret-plan|launch on|empty-folder/);

    const r = await dare(['restore', dest, p('once-out'), ...me, '--signer', p('me.pub')]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(src, p('once-out'));

    const st = await dare(['status', dest, ...me, '--json', '--deep']);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ files: 4, dirs: 4, missing: [], damaged: [], deepChecked: true, pending: { put: [], delete: [] } });
    const text = await dare(['status', dest, ...me]);
    expect(text.stdout).toMatch(/^mirrored: 4 files \(4\.1 MiB\), 4 folders/m);
    expect(text.stdout).toMatch(/^pending: nothing/m);
    expect(text.stdout).toMatch(/^signed: up to entry \d+ by M/m);

    const again = await dare(['watch', src, dest, ...me, '--sign', p('me.key'), '--once', '--settle', '0', '--json']);
    expect(again.stdout).toMatch(/"event":"done","changes":0/);

    const stranger = await dare(['restore', dest, p('once-out2'), ...me, '--signer', p('other.pub')]);
    expect(stranger.code).toBe(4);
    expect(stranger.stderr).toMatch(/^dare: error: .*trusted/);
    expect(existsSync(p('once-out2', 'photo.bin'))).toBe(false);
  });

  it('a tampered object: restore exits 4, writes nothing for that file, restores the rest', async () => {
    const src = p('tamper-src');
    const dest = p('tamper-dest');
    mkdirSync(src);
    writeFileSync(join(src, 'ok.txt'), 'untouched');
    writeFileSync(join(src, 'victim.txt'), 'y'.repeat(10_000));
    expect((await dare(['watch', src, dest, ...me, '--once', '--settle', '0'])).code).toBe(0);
    const log = await dare(['status', dest, ...me, '--log', '--json']);
    const lines = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { op: string; path?: string; size?: number });
    expect(lines.filter((l) => l.op === 'put').map((l) => l.path).sort()).toEqual(['ok.txt', 'victim.txt']);
    // The largest object is the victim's.
    const objects = [...tree(join(dest, 'objects'))].filter(([, v]) => v.data).sort(([, a], [, b]) => (b.data?.length ?? 0) - (a.data?.length ?? 0));
    const file = join(dest, 'objects', objects[0]?.[0] as string);
    const bytes = readFileSync(file);
    bytes[bytes.length - 500] = (bytes[bytes.length - 500] as number) ^ 0x40;
    writeFileSync(file, bytes);
    const r = await dare(['restore', dest, p('tamper-out'), ...me]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/dare: warning: victim\.txt: .*\(not written\)/);
    expect(r.stderr).toMatch(/^dare: error: 1 file\(s\) failed verification/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(p('tamper-out'))).toEqual(['ok.txt']);
    expect((await dare(['status', dest, ...me, '--deep'])).code).toBe(4);
  });

  it('reports hostile and mistaken use in one line with its exit code', async () => {
    const src = p('once-src');
    const dest = p('once-dest');
    const noKey = await dare(['watch', src, p('misc-dest'), '--once']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^dare: error: dare watch needs --identity/);
    expect((await dare(['watch', src, join(src, 'inner'), ...me, '--once'])).code).toBe(1);
    const wrongKey = await dare(['restore', dest, p('misc-out'), '-i', p('other.key')]);
    expect(wrongKey.code).toBe(5);
    expect(wrongKey.stderr).toMatch(/^dare: error: .*does not open/);
    expect((await dare(['restore', dest, p('misc-out'), ...me, '--at', 'yesterday-ish'])).code).toBe(2);
    // No key for an encrypted mirror is exit 5, as everywhere (issue 13 item 12).
    const noKeyRestore = await dare(['restore', dest, p('misc-out')]);
    expect(noKeyRestore.code, noKeyRestore.stderr).toBe(5);
    // A time before the first entry says so (exit 1: nothing recorded then), instead of restoring nothing.
    const early = await dare(['restore', dest, p('misc-early'), ...me, '--at', '2000-01-01T00:00:00Z']);
    expect(early.code, early.stderr).toBe(1);
    expect(early.stderr).toMatch(/^dare: error: --at 2000-01-01T00:00:00.000Z is before the first entry of the journal \(recorded 20/);
    expect(existsSync(p('misc-early'))).toBe(false);
    const clobber = await dare(['restore', dest, p('once-out'), ...me]);
    expect(clobber.code).toBe(6);
    expect(clobber.stderr).toMatch(/already exists \(use --force/);
    expect((await dare(['restore', src, p('misc-out'), ...me])).code).toBe(6);
    for (const r of [noKey, wrongKey, clobber]) {
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    }
    expect(existsSync(p('misc-out'))).toBe(false);
  });
});

describe('dare watch (live, spawned)', () => {
  it('follows creates, edits, editor saves, renames and deletes; restores now and an earlier entry', async () => {
    const src = p('live-src');
    const dest = p('live-dest');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'b.txt'), 'bravo version 1\n');
    writeFileSync(join(src, 'd.txt'), 'delta moves\n');
    writeFileSync(join(src, 'e.txt'), 'echo goes\n');
    const original = tree(src);
    const w = startWatcher([src, dest, ...me, '--settle', '150']);
    const first = await w.waitFor((e) => e.event === 'checkpoint', 'first checkpoint');
    await w.waitFor((e) => e.event === 'ready', 'ready');

    writeFileSync(join(src, 'c.txt'), 'charlie is new\n');
    appendFileSync(join(src, 'a.txt'), 'more alpha\n');
    // An editor's save: a temporary file renamed over the original.
    writeFileSync(join(src, '.b.txt.swp'), 'bravo version 2\n');
    renameSync(join(src, '.b.txt.swp'), join(src, 'b.txt'));
    renameSync(join(src, 'd.txt'), join(src, 'sub', 'd-moved.txt'));
    rmSync(join(src, 'e.txt'));

    await w.waitFor((e) => e.event === 'put' && e.path === 'c.txt', 'put c.txt');
    await w.waitFor((e) => e.event === 'put' && e.path === 'a.txt', 'put a.txt');
    await w.waitFor((e) => e.event === 'put' && e.path === 'b.txt', 'put b.txt');
    await w.waitFor((e) => e.event === 'rename' && e.from === 'd.txt' && e.path === 'sub/d-moved.txt', 'rename d.txt');
    await w.waitFor((e) => e.event === 'delete' && e.path === 'e.txt', 'delete e.txt');
    const last = w.events.filter((e) => e.event !== 'checkpoint' && e.event !== 'ready').at(-1);
    await w.waitFor((e) => e.event === 'checkpoint' && (e.entry as number) > (last?.entry as number), 'checkpoint after the changes');
    await stop(w);
    expect(w.stderr()).toBe('');
    expect(existsSync(join(dest, 'lock'))).toBe(false);

    const now = await dare(['restore', dest, p('live-out'), ...me]);
    expect(now.code, now.stderr).toBe(0);
    expectSame(src, p('live-out'));
    const before = await dare(['restore', dest, p('live-before'), ...me, '--entry', String(first.entry)]);
    expect(before.code, before.stderr).toBe(0);
    expectSame(original, p('live-before'));
    const one = await dare(['restore', dest, p('live-one'), ...me, '--entry', String(first.entry), '--file', 'e.txt']);
    expect(one.code, one.stderr).toBe(0);
    expect(readFileSync(p('live-one', 'e.txt'), 'utf8')).toBe('echo goes\n');
  });

  it('--exclude: excluded folders and files are neither watched nor mirrored, live or in the catch-up', async () => {
    const src = p('x-src');
    const dest = p('x-dest');
    mkdirSync(join(src, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(src, 'node_modules', 'dep', 'index.js'), 'dependency\n');
    writeFileSync(join(src, 'keep.txt'), 'keep\n');
    const w = startWatcher([src, dest, ...me, '--settle', '100', '-x', 'node_modules', '-x', '*.tmp']);
    await w.waitFor((e) => e.event === 'ready', 'ready');
    writeFileSync(join(src, 'node_modules', 'dep', 'new.js'), 'more dependency\n');
    writeFileSync(join(src, 'scratch.tmp'), 'scratch\n');
    writeFileSync(join(src, 'later.txt'), 'later\n');
    await w.waitFor((e) => e.event === 'put' && e.path === 'later.txt', 'put later.txt');
    const last = w.events.filter((e) => e.event === 'put').at(-1);
    await w.waitFor((e) => e.event === 'checkpoint' && (e.entry as number) > (last?.entry as number), 'checkpoint after later.txt');
    await stop(w);
    const puts = w.events.filter((e) => e.event === 'put').map((e) => e.path).sort();
    expect(puts).toEqual(['keep.txt', 'later.txt']);
    const st = await dare(['status', dest, ...me, '--source', src, '-x', 'node_modules', '-x', '*.tmp', '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).pending).toEqual({ put: [], delete: [] });
    const bad = await dare(['watch', src, dest, ...me, '--once', '-x', '']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^dare: error: --exclude: bad exclude pattern/);
  });

  it('kill -9 during the catch-up of many files, then a restart: no entry twice, nothing lost', async () => {
    const src = p('kill-src');
    const dest = p('kill-dest');
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(src, `dir${d}`), { recursive: true });
      for (let f = 0; f < 20; f++) writeFileSync(join(src, `dir${d}`, `file${f}.txt`), `dir ${d} file ${f}\n`.repeat(40));
    }
    const w = startWatcher([src, dest, ...me, '--settle', '0']);
    // Killed as soon as some puts were reported; on a loaded machine the watcher may be further
    // along (or done) by the time the kill lands, so what the restart must do is measured from
    // the journal it left, not assumed.
    await w.waitFor(() => w.events.some((e) => e.event === 'put'), 'a put');
    w.child.kill('SIGKILL');
    expect((await w.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(dest, 'lock'))).toBe(true);
    const before = await dare(['status', dest, ...me, '--log', '--json']);
    expect(before.code, before.stderr).toBe(0);
    // Changes recorded before the kill: the 200 files and their 10 folders make 210 in all.
    const committed = new Set(before.stdout.trim().split('\n').map((l) => JSON.parse(l) as { op: string; path?: string }).filter((l) => l.op === 'put' || l.op === 'mkdir').map((l) => `${l.op} ${l.path}`));

    const again = await dare(['watch', src, dest, ...me, '--once', '--settle', '0', '--json']);
    expect(again.code, again.stderr).toBe(0);
    // It picked up where it left off: only what was not committed before the kill is done again.
    const done = JSON.parse(again.stdout.trim().split('\n').at(-1) as string) as { changes: number };
    expect(done.changes).toBe(210 - committed.size);
    const log = await dare(['status', dest, ...me, '--log', '--json']);
    const puts = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { op: string; path?: string }).filter((l) => l.op === 'put').map((l) => l.path);
    expect(puts).toHaveLength(200);
    expect(new Set(puts).size).toBe(200);
    const out = await dare(['restore', dest, p('kill-out'), ...me]);
    expect(out.code, out.stderr).toBe(0);
    expectSame(src, p('kill-out'));
    const objects = [...tree(join(dest, 'objects')).values()].filter((v) => v.data).length;
    expect(objects).toBe(200);
  });

  it('an unreadable file is reported and skipped, then retried once it is readable', async () => {
    const base = p('perm');
    const src = join(base, 'src');
    const dest = join(base, 'dest');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'ok.txt'), 'readable');
    writeFileSync(join(src, 'locked.txt'), 'not yet');
    mkdirSync(join(src, 'locked-dir'));
    writeFileSync(join(src, 'locked-dir', 'inner.txt'), 'inside a closed folder');
    cpSync(p('me.key'), join(base, 'me.key'));
    // Root reads anything: then the watcher runs as an unprivileged user.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    if (user) {
      chmodSync(dir, 0o711);
      for (const x of [base, src, join(src, 'ok.txt'), join(src, 'locked.txt'), join(src, 'locked-dir'), join(src, 'locked-dir', 'inner.txt'), join(base, 'me.key')]) {
        chownSync(x, user.uid, user.gid);
      }
    }
    chmodSync(join(src, 'locked.txt'), 0o000);
    chmodSync(join(src, 'locked-dir'), 0o000);
    const key = ['-i', join(base, 'me.key')];
    const once = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [DARE_BIN, 'watch', src, dest, ...key, '--once', '--settle', '0'], { stdio: ['ignore', 'ignore', 'pipe'], ...user });
      let e = '';
      c.stderr?.on('data', (d: Buffer) => (e += d.toString()));
      c.on('close', (code) => resolve({ code, stderr: e }));
    });
    expect(once.code).toBe(6);
    expect(once.stderr).toMatch(/^dare: warning: locked\.txt: permission denied \(skipped; retried later\)$/m);
    expect(once.stderr).toMatch(/^dare: warning: locked-dir: permission denied \(skipped; retried later\)$/m);
    expect(once.stderr).toMatch(/^dare: error: 2 path\(s\) could not be read/m);

    const w = startWatcher([src, dest, ...key, '--settle', '100', '--retry', '1'], user);
    await w.waitFor((e) => e.event === 'skip' && e.path === 'locked.txt', 'skip locked.txt');
    await w.waitFor((e) => e.event === 'ready', 'ready');
    chmodSync(join(src, 'locked.txt'), 0o644);
    chmodSync(join(src, 'locked-dir'), 0o755);
    await w.waitFor((e) => e.event === 'put' && e.path === 'locked.txt', 'put locked.txt after the retry');
    await w.waitFor((e) => e.event === 'put' && e.path === 'locked-dir/inner.txt', 'put locked-dir/inner.txt after the retry');
    // The folder is watched now that it can be read.
    writeFileSync(join(src, 'locked-dir', 'inner.txt'), 'changed later');
    await w.waitFor((e) => e.event === 'put' && e.path === 'locked-dir/inner.txt' && w.events.filter((x) => x.path === 'locked-dir/inner.txt').length === 2, 'second put of inner.txt');
    await stop(w);
    const r = await dare(['restore', dest, p('perm-out'), ...me]);
    expect(r.code, r.stderr).toBe(0);
    expectSame(src, p('perm-out'));
  });
});
