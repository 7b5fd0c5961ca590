/**
 * Several stateless front ends on one database (issue 19 "Tests"): three separate Node
 * processes, each with its own PostgreSQL store and pool (test/store-conformance-frontend.ts,
 * bundled by esbuild for this run), against one schema. A write through one is read through
 * the others at once; concurrent Transacts on one account from all three (each front end
 * writing catalog entries on its synced copy, as a device does) leave heads that moved exactly
 * once per accepted Transact, frames contiguous and the winners' own, the same winners in both
 * containers (all or nothing), and sequences that pass lib's keyless check and open as catalogs
 * holding every accepted entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Catalog, EMPTY_REPLICA, checkFrames } from '../lib/index.js';
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

  it('concurrent transacts on one account from all three: one accept per expected head, the sequences valid and whole', async () => {
    const entry = newAccount();
    await ends[0]?.call('bind', { entry: { ...entry, profile: hex(entry.profile) } });
    const attempts = 15;
    const secrets = { MMM_Inbound: randomBytes(32).toString('hex'), MMM_Access: randomBytes(32).toString('hex') };
    type Race = { won: { inbound: number[]; access: number[]; frames: Record<string, string> }[]; conflicts: number };
    const races = await Promise.all(ends.map((e) => e.call<Race>('race', { udf: entry.profileUdf, attempts, secrets })));
    const wins = races.flatMap((r) => r.won);
    expect(races.reduce((n, r) => n + r.won.length + r.conflicts, 0)).toBe(attempts * 3);
    // A conflict is an attempt whose head some win moved since it was read: at most two per win.
    expect(wins.length).toBeGreaterThanOrEqual(attempts);
    // Exactly one accept per expected head: the indexes won are 0..n-1, each once, in both containers.
    for (const [key, perWin] of [['inbound', 2], ['access', 1]] as const) {
      const won = wins.flatMap((w) => w[key]).sort((x, y) => x - y);
      expect(won).toEqual(Array.from({ length: won.length }, (_, i) => i));
      expect(won.length).toBe(wins.length * perWin + 1); // + the catalog's header frame
    }
    const claimed: Record<string, string> = Object.assign({}, ...wins.map((w) => w.frames));
    const dir = await mkdtemp(join(tmpdir(), 'store-race-'));
    try {
      for (const [container, perWin] of [['MMM_Inbound', 2], ['MMM_Access', 1]] as const) {
        const views = await Promise.all(ends.map((fe) => fe.call<{ frames: string[]; head: number }>('readAll', { udf: entry.profileUdf, container })));
        for (const v of views) expect(v).toEqual(views[0]);
        const frames = (views[0]?.frames ?? []).map((f) => new Uint8Array(Buffer.from(f, 'hex')));
        // Each stored frame is the one its winner sent, and the whole is a valid DARE sequence
        // (lib's keyless check) and a catalog holding every accepted entry, under its key.
        expect(frames.map((f, i) => hex(f) === claimed[`${container}#${i}`])).toEqual(frames.map(() => true));
        const { state } = await checkFrames(EMPTY_REPLICA, frames);
        expect(state.index).toBe((views[0]?.head ?? -2));
        const path = join(dir, `${container}.dcat`);
        await writeFile(path, Buffer.concat(frames));
        const catalog = await Catalog.open(path, { secret: new Uint8Array(Buffer.from(secrets[container], 'hex')) });
        expect(catalog.ids()).toHaveLength(wins.length * perWin);
        await catalog.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
