/**
 * Several stateless front ends on one database (issue 19 "Tests"): three separate Node
 * processes, each with its own PostgreSQL store and pool (test/store-conformance-frontend.ts,
 * bundled by esbuild for this run), against one schema. A write through one is read through
 * the others at once; concurrent Transacts on one account from all three leave heads that
 * moved exactly once per accepted Transact, with contiguous frames, each transaction's frames
 * together (no interleaving) and the same winners in both containers (all or nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { migrate } from '../server/store/postgres.js';
import { newAccount } from './store-conformance.test-util.js';
import { appendOf, catalogFrames, hex, NO_HEAD } from './store-conformance-frames.test-util.js';
import { createTestDatabase, newSchema, type TestDatabase } from './store-conformance-pg.test-util.js';

interface Answer { id: number; ok: boolean; result?: unknown; error?: string }

class FrontEnd {
  private next = 1;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  readonly ready: Promise<void>;
  readonly stderr: string[] = [];
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  constructor(name: string, child: ChildProcessWithoutNullStreams) {
    this.name = name;
    this.child = child;
    let resolveReady: () => void = () => undefined;
    this.ready = new Promise((r) => { resolveReady = r; });
    child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as Answer & { ready?: string };
      if (msg.ready !== undefined) return resolveReady();
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }
  async call<T>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    const answer = new Promise<Answer>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    const a = await answer;
    if (!a.ok) throw new Error(`${this.name}: ${a.error}`);
    return a.result as T;
  }
}

let db: TestDatabase;
let dir: string;
let ends: FrontEnd[] = [];
const schema = newSchema();

beforeAll(async () => {
  db = await createTestDatabase('frontends');
  await migrate(db.url, { schema });
  dir = await mkdtemp(join(tmpdir(), 'store-frontend-'));
  const script = join(dir, 'frontend.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./store-conformance-frontend.ts', import.meta.url))],
    outfile: script, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
    external: ['pg-native'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  ends = ['a', 'b', 'c'].map((n) => new FrontEnd(n, spawn(process.execPath, [script, db.url, schema, n], { stdio: 'pipe' })));
  await Promise.all(ends.map((e) => e.ready));
}, 60_000);

afterAll(async () => {
  for (const e of ends) {
    e.child.stdin.end();
    if (e.child.exitCode === null) await new Promise((r) => e.child.once('exit', r));
  }
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const wire = (a: ReturnType<typeof appendOf>) => ({
  container: a.container,
  expected: { index: a.expected.index, apex: hex(a.expected.apex) },
  frames: a.frames.map(hex),
  next: { index: a.next.index, apex: hex(a.next.apex), frontier: hex(a.next.frontier) },
});

describe('three front ends on one database', () => {
  it('a write through one is read through the other two at once; a conflict through another sees it', async () => {
    const [a, b, c] = ends as [FrontEnd, FrontEnd, FrontEnd];
    const entry = newAccount();
    await a.call('bind', { entry: { ...entry, profile: hex(entry.profile) } });
    await expect(b.call('bind', { entry: { ...newAccount({ address: entry.address }), profile: '00' } })).rejects.toThrow(/bound already/);
    const frames = await catalogFrames(6, 100);
    const t = appendOf(frames, 'MMM_Contact', NO_HEAD('MMM_Contact'), 4);
    expect(await a.call('transact', { udf: entry.profileUdf, requestId: 'w1', appends: [wire(t)] })).toEqual({ accepted: true, heads: [3] });
    for (const fe of [b, c]) {
      const got = await fe.call<{ frames: string[]; head: number }>('readAll', { udf: entry.profileUdf, container: 'MMM_Contact' });
      expect(got.head).toBe(3);
      expect(got.frames).toEqual(frames.slice(0, 4).map((f) => hex(f.bytes)));
    }
    // The same expected head through another front end is a Conflict; the retry of w1 through a third returns its outcome.
    expect(await b.call('transact', { udf: entry.profileUdf, requestId: 'w2', appends: [wire(t)] })).toEqual({ accepted: false, conflicts: [3] });
    expect(await c.call('transact', { udf: entry.profileUdf, requestId: 'w1', appends: [wire(t)] })).toEqual({ accepted: true, heads: [3] });
  });

  it('concurrent transacts on one account from all three: one accept per expected head, frames contiguous and whole', async () => {
    const entry = newAccount();
    await ends[0]?.call('bind', { entry: { ...entry, profile: hex(entry.profile) } });
    const attempts = 25;
    type Race = { won: { inbound: number[]; access: number[]; frames: Record<string, string> }[]; conflicts: number };
    const races = await Promise.all(ends.map((e) => e.call<Race>('race', { udf: entry.profileUdf, attempts })));
    const wins = races.flatMap((r) => r.won);
    // Every attempt either won or conflicted; with three writers on two cores some of both.
    expect(races.reduce((n, r) => n + r.won.length + r.conflicts, 0)).toBe(attempts * 3);
    // A conflict is an attempt whose head some win moved since it was read: at most two per win.
    expect(wins.length).toBeGreaterThanOrEqual(attempts);
    const inbound = wins.flatMap((w) => w.inbound).sort((x, y) => x - y);
    const access = wins.flatMap((w) => w.access).sort((x, y) => x - y);
    // Exactly one accept per expected head: the indexes won are 0..n-1, each once, in both containers.
    expect(inbound).toEqual(Array.from({ length: wins.length * 2 }, (_, i) => i));
    expect(access).toEqual(Array.from({ length: wins.length }, (_, i) => i));
    // Each winner's frames are the stored ones at its indexes, read through every front end.
    const claimed: Record<string, string> = Object.assign({}, ...wins.map((w) => w.frames));
    for (const fe of ends) {
      for (const container of ['MMM_Inbound', 'MMM_Access']) {
        const got = await fe.call<{ frames: string[]; head: number }>('readAll', { udf: entry.profileUdf, container });
        expect(got.frames).toHaveLength(got.head + 1);
        expect(got.frames.map((f, i) => f === claimed[`${container}#${i}`])).toEqual(got.frames.map(() => true));
      }
    }
    // The transactions of one front end landed in its order (its own request ids and rebases).
    for (const r of races) {
      const firsts = r.won.map((w) => w.access[0] ?? -1);
      expect([...firsts].sort((x, y) => x - y)).toEqual(firsts);
    }
  });
});
