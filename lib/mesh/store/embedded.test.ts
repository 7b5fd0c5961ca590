import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import {
  EMPTY_REPLICA, SequenceReader, SequenceWriter, checkFrames, contentDigest, cutSequence, decodeReplicaState, encodeReplicaState, readFrames, utf8,
} from '../../index.js';
import { openEmbeddedStore } from './embedded.js';
import { lastRecord, readJournal } from './journal.js';
import type { AccountEntry, AccountStore, ContainerAppend, ContainerState } from './store.js';
import { errorCode as code } from '../../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = () => join(dir, `root${counter++}`);
const udfOf = (s: string) => contentDigest(utf8(s), 'application/test');
const entry = (name: string, address: string): AccountEntry => ({
  profileUdf: udfOf(name), address, kind: 'user', status: 'active', profile: utf8(`profile of ${name}`), created: new Date().toISOString(),
});

/** A source sequence of `n` data frames (what a device wrote), as its path and its frames' bytes. */
async function source(n: number, size = 40, word = 'x'): Promise<{ path: string; frames: Uint8Array[] }> {
  const path = join(dir, `src${counter++}.dcat`);
  const w = await SequenceWriter.create(path, { type: 'Merkle' });
  for (let i = 0; i < n; i++) await w.append(utf8(`${word}${i} `.padEnd(size, '.')));
  await w.close();
  return { path, frames: (await readFrames(path, 0, { maxFrames: 1 << 20, maxBytes: 1 << 30 })).frames };
}

/** The append of `frames` after the head `at`, with the state the service's check gives. */
async function appendOf(container: string, at: ContainerState | undefined, frames: Uint8Array[]): Promise<ContainerAppend> {
  const from = at && at.index >= 0 ? decodeReplicaState(at.frontier) : EMPTY_REPLICA;
  const { state } = await checkFrames(from, frames);
  return {
    container, frames,
    expected: { container, index: from.index, apex: from.apex },
    next: { container, index: state.index, apex: state.apex, frontier: encodeReplicaState(state) },
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const containerFile = (root: string, udf: string, c: string) => join(root, 'accounts', udf, `${c}.dcat`);

async function withStore<T>(root: string, fn: (s: AccountStore) => Promise<T>): Promise<T> {
  const s = await openEmbeddedStore(root);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('embedded store: accounts', () => {
  it('binds, looks up by canonical address, refuses reuse, unbinds, and keeps it all across reopen', async () => {
    const root = fresh();
    const alice = entry('alice', 'Alice@Example.COM');
    await withStore(root, async (s) => {
      await s.bind(alice);
      expect((await s.account(alice.profileUdf))?.address).toBe('Alice@example.com');
      expect((await s.accountByAddress('Alice@EXAMPLE.com'))?.profileUdf).toBe(alice.profileUdf);
      expect(await s.accountByAddress('bob@example.com')).toBeUndefined();
      expect(await code(s.bind(entry('mallet', 'Alice@example.com')))).toBe('CONFLICT');
      expect(await code(s.bind({ ...alice, address: 'other@example.com' }))).toBe('CONFLICT');
      expect(await code(s.bind({ ...entry('x', 'x@example.com'), profileUdf: '../../escape' }))).toBe('UDF_INVALID');
      expect(await code(s.bind({ ...entry('x', 'x@example.com'), profileUdf: alice.profileUdf.toLowerCase() }))).toBe('UDF_INVALID');
      expect(await code(s.bind(entry('y', 'no-at-sign')))).toBe('MALFORMED');
      await s.bind(entry('bob', 'bob@example.com'));
      expect((await s.status()).accounts).toBe(2);
    });
    expect(readdirSync(join(root, 'accounts')).sort()).toEqual([alice.profileUdf, udfOf('bob')].sort());
    await withStore(root, async (s) => {
      const all: string[] = [];
      for await (const a of s.accounts()) all.push(a.address);
      expect(all.sort()).toEqual(['Alice@example.com', 'bob@example.com']);
      const got = await s.account(alice.profileUdf);
      expect(sameBytes(got?.profile as Uint8Array, alice.profile)).toBe(true);
      const c = await source(3);
      await s.transact(alice.profileUdf, 'r1', [await appendOf('MMM_Contact', undefined, c.frames)]);
      expect(await s.unbind(alice.profileUdf)).toBe(true);
      expect(await s.unbind(alice.profileUdf)).toBe(false);
      expect(await s.account(alice.profileUdf)).toBeUndefined();
      expect(await code(s.heads(alice.profileUdf))).toBe('NOT_FOUND');
      expect(existsSync(join(root, 'accounts', alice.profileUdf))).toBe(false);
      await s.bind({ ...entry('carol', 'Alice@example.com') });
    });
    await withStore(root, async (s) => {
      expect((await s.accountByAddress('Alice@example.com'))?.profileUdf).toBe(udfOf('carol'));
      expect((await s.status()).accounts).toBe(2);
    });
  });

  it('one process per root: a second open is refused while the first holds it', async () => {
    const root = fresh();
    const s = await openEmbeddedStore(root);
    expect(await code(openEmbeddedStore(root))).toBe('CONFLICT');
    await s.close();
    await (await openEmbeddedStore(root)).close();
  });
});

describe('embedded store: transact', () => {
  it('is all or nothing: a conflict on one of two containers writes to neither', async () => {
    const root = fresh();
    const alice = entry('alice', 'alice@example.com');
    const a = await source(12);
    const b = await source(12, 60);
    await withStore(root, async (s) => {
      await s.bind(alice);
      const u = alice.profileUdf;
      const first = await s.transact(u, 'r1', [await appendOf('MMM_Contact', undefined, a.frames.slice(0, 5)), await appendOf('mmm_credential', undefined, b.frames.slice(0, 3))]);
      expect(first.accepted).toBe(true);
      const [ha, hb] = await s.heads(u, ['MMM_Contact', 'MMM_Credential']);
      expect([ha?.index, hb?.index]).toEqual([4, 2]);
      const before = [readFileSync(containerFile(root, u, 'MMM_Contact')), readFileSync(containerFile(root, u, 'MMM_Credential'))];
      // Credential's client built on a head it no longer has (index 1).
      const stale = { ...(hb as ContainerState), index: 1 };
      const out = await s.transact(u, 'r2', [await appendOf('MMM_Contact', ha, a.frames.slice(5, 8)), { ...(await appendOf('MMM_Credential', hb, b.frames.slice(3, 5))), expected: stale }]);
      expect(out.accepted).toBe(false);
      expect(out.accepted ? [] : out.conflicts.map((c) => [c.container, c.index])).toEqual([['MMM_Credential', 2]]);
      expect(readFileSync(containerFile(root, u, 'MMM_Contact')).equals(before[0] as Buffer)).toBe(true);
      expect(readFileSync(containerFile(root, u, 'MMM_Credential')).equals(before[1] as Buffer)).toBe(true);
      const ok = await s.transact(u, 'r3', [await appendOf('MMM_Contact', ha, a.frames.slice(5)), await appendOf('MMM_Credential', hb, b.frames.slice(3))]);
      expect(ok.accepted && ok.heads.map((h) => h.index)).toEqual([12, 12]);
      expect(await code(s.transact(u, 'r4', [await appendOf('MMM_Nothing', undefined, a.frames.slice(0, 1))]))).toBe('MALFORMED');
      expect(await code(s.transact(u, 'r6', [{ container: 'MMM_Bookmark' } as unknown as ContainerAppend]))).toBe('MALFORMED');
      expect(await code(s.transact(u, 'r7', null as unknown as ContainerAppend[]))).toBe('MALFORMED');
      const bad = await appendOf('MMM_Bookmark', undefined, a.frames.slice(0, 2));
      expect(await code(s.transact(u, 'r5', [{ ...bad, frames: a.frames.slice(0, 1) }]))).toBe('MALFORMED');
    });
    expect(readFileSync(containerFile(root, alice.profileUdf, 'MMM_Contact')).equals(readFileSync(a.path))).toBe(true);
    expect(readFileSync(containerFile(root, alice.profileUdf, 'MMM_Credential')).equals(readFileSync(b.path))).toBe(true);
    // The container files are the sequences: the normal reader opens them.
    const r = await SequenceReader.open(containerFile(root, alice.profileUdf, 'MMM_Contact'));
    expect(r.last.index).toBe(12);
    await r.close();
  });

  it('answers a retried request id with its first outcome, also after a restart', async () => {
    const root = fresh();
    const u = udfOf('alice');
    const a = await source(6);
    let first: ContainerAppend | undefined;
    await withStore(root, async (s) => {
      await s.bind(entry('alice', 'alice@example.com'));
      first = await appendOf('MMM_Contact', undefined, a.frames.slice(0, 4));
      const out = await s.transact(u, 'req-1', [first]);
      const again = await s.transact(u, 'req-1', [first]);
      expect(again).toEqual(out);
      expect((await s.heads(u, ['MMM_Contact']))[0]?.index).toBe(3);
      expect((await s.transact(u, 'req-2', [first])).accepted).toBe(false);
    });
    const size = statSync(containerFile(root, u, 'MMM_Contact')).size;
    await withStore(root, async (s) => {
      const out = await s.transact(u, 'req-1', [first as ContainerAppend]);
      expect(out.accepted && out.heads[0]?.index).toBe(3);
    });
    expect(statSync(containerFile(root, u, 'MMM_Contact')).size).toBe(size);
  });

  it('keeps at most maxOpenAccounts open: idle ones are closed and reopened, concurrent Transacts all land', async () => {
    const root = fresh();
    const a = await source(12);
    const s = await openEmbeddedStore(root, { maxOpenAccounts: 2 });
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    for (const n of users) await s.bind(entry(n, `${n}@example.com`));
    const appends: ContainerAppend[] = [];
    let st: ContainerState | undefined;
    for (let i = 0; i < 12; i++) {
      const ap = await appendOf('MMM_Contact', st, a.frames.slice(i, i + 1));
      appends.push(ap);
      st = { ...ap.next };
    }
    // Round robin: each account is closed while the others run and opened again for its next
    // Transact; within a round, two at once on the same account and a read race the closing.
    for (let i = 0; i < 12; i += 2) {
      for (const n of users) {
        const [x, y, h] = await Promise.all([
          s.transact(udfOf(n), `r${i}`, [appends[i] as ContainerAppend]),
          s.transact(udfOf(n), `r${i + 1}`, [appends[i + 1] as ContainerAppend]),
          s.heads(udfOf(n), ['MMM_Contact']),
        ]);
        expect([x.accepted, y.accepted, h[0]?.index]).toEqual([true, true, i + 1]);
      }
    }
    for (const n of users) expect((await s.heads(udfOf(n), ['MMM_Contact']))[0]?.index).toBe(11);
    await s.close();
  });

  it('recovery rolls an unfinished Transact forward: commit lost, containers torn or untouched', async () => {
    const root = fresh();
    const u = udfOf('alice');
    const a = await source(10);
    const b = await source(10, 70);
    await withStore(root, async (s) => {
      await s.bind(entry('alice', 'alice@example.com'));
      await s.transact(u, 'r1', [await appendOf('MMM_Contact', undefined, a.frames.slice(0, 4)), await appendOf('MMM_Task', undefined, b.frames.slice(0, 4))]);
      const [ha, hb] = await s.heads(u, ['MMM_Contact', 'MMM_Task']);
      await s.transact(u, 'r2', [await appendOf('MMM_Contact', ha, a.frames.slice(4)), await appendOf('MMM_Task', hb, b.frames.slice(4))]);
    });
    const journal = join(root, 'accounts', u, 'journal.dlog');
    const ca = containerFile(root, u, 'MMM_Contact');
    const cb = containerFile(root, u, 'MMM_Task');
    // Killed right after r2's intent: its commit (and the checkpoint of close) lost; one
    // container torn in the middle of r2's frames, the other not written at all.
    const records = await readJournal(journal);
    const at = records.findIndex((x) => x.kind === 'intent' && x.requestId === 'r2');
    await cutSequence(journal, at + 1);
    expect((await lastRecord(journal))?.kind).toBe('intent');
    truncateSync(ca, statSync(ca).size - 100);
    const endOf4 = (await checkFrames(EMPTY_REPLICA, b.frames.slice(0, 4))).state.end;
    truncateSync(cb, endOf4);
    await withStore(root, async (s) => {
      expect((await s.heads(u, ['MMM_Contact', 'MMM_Task'])).map((h) => h.index)).toEqual([10, 10]);
      expect((await s.transact(u, 'r2', [])).accepted).toBe(true);
    });
    expect(readFileSync(ca).equals(readFileSync(a.path))).toBe(true);
    expect(readFileSync(cb).equals(readFileSync(b.path))).toBe(true);
  });
});

describe('embedded store: power cut', () => {
  it('container writes lost since the last checkpoint are replayed from the fsynced intents', async () => {
    const root = fresh();
    const u = udfOf('alice');
    const a = await source(30, 100);
    const s = await openEmbeddedStore(root);
    await s.bind(entry('alice', 'alice@example.com'));
    await s.transact(u, 'r0', [await appendOf('MMM_Network', undefined, a.frames.slice(0, 5))]);
    const path = containerFile(root, u, 'MMM_Network');
    let h = (await s.heads(u, ['MMM_Network']))[0];
    for (let i = 0; i < 5; i++) {
      await s.transact(u, `r${i + 1}`, [await appendOf('MMM_Network', h, a.frames.slice(5 + 5 * i, 10 + 5 * i))]);
      h = (await s.heads(u, ['MMM_Network']))[0];
    }
    // What a power cut could leave while the store runs: the journal's fsynced intents, the
    // container's pages written after the last fsync lost. A copy of the root stands for it.
    const copy = fresh();
    await import('node:fs/promises').then((fs) => fs.cp(root, copy, { recursive: true }));
    for (const lock of ['meshd.lock', 'accounts.dcat.lock']) rmSync(join(copy, lock), { force: true });
    const lost = containerFile(copy, u, 'MMM_Network');
    truncateSync(lost, (await checkFrames(EMPTY_REPLICA, a.frames.slice(0, 7))).state.end + 33);
    await s.close();
    await withStore(copy, async (c) => {
      expect((await c.heads(u, ['MMM_Network']))[0]?.index).toBe(29);
      expect((await c.transact(u, 'r3', [])).accepted).toBe(true);
    });
    const prefix = readFileSync(a.path).subarray(0, (await checkFrames(EMPTY_REPLICA, a.frames.slice(0, 30))).state.end);
    expect(readFileSync(lost).equals(prefix)).toBe(true);
    expect(readFileSync(path).equals(prefix)).toBe(true);
  });
});

describe('embedded store: reads and the replay cache', () => {
  it('reads a container in pages within the limits, never past the head', async () => {
    const root = fresh();
    const u = udfOf('alice');
    const a = await source(50, 300);
    await withStore(root, async (s) => {
      await s.bind(entry('alice', 'alice@example.com'));
      await s.transact(u, 'r1', [await appendOf('MMM_Bookmark', undefined, a.frames)]);
      const got: Uint8Array[] = [];
      let from: number | undefined = 0;
      let pages = 0;
      while (from !== undefined) {
        const p = await s.read(u, 'MMM_Bookmark', from, { maxFrames: 8, maxBytes: 2000 });
        expect(p.head.index).toBe(50);
        expect(p.frames.length).toBeLessThanOrEqual(8);
        expect(p.frames.length === 1 || p.frames.reduce((n, f) => n + f.length, 0) <= 2000).toBe(true);
        got.push(...p.frames);
        from = p.next;
        pages++;
      }
      expect(pages).toBeGreaterThan(8);
      expect(got.length).toBe(51);
      expect(got.every((f, i) => sameBytes(f, a.frames[i] as Uint8Array))).toBe(true);
      expect((await s.read(u, 'MMM_Bookmark', 51, { maxFrames: 8, maxBytes: 2000 })).frames).toHaveLength(0);
      const none = await s.read(u, 'MMM_Contact', 0, { maxFrames: 8, maxBytes: 2000 });
      expect([none.frames.length, none.head.index]).toEqual([0, -1]);
      expect(await code(s.read(u, '../accounts.dcat', 0, { maxFrames: 1, maxBytes: 1 }))).toBe('MALFORMED');
      expect(await code(s.read(u, 'MMM_Bookmark', 0, { maxFrames: 0, maxBytes: 1 }))).toBe('MALFORMED');
      expect(await code(s.read(udfOf('nobody'), 'MMM_Bookmark', 0, { maxFrames: 1, maxBytes: 1 }))).toBe('NOT_FOUND');
    });
  });

  it('remembers request ids durably with group commit, refuses replays after a restart, and is bounded', async () => {
    const root = fresh();
    const now = Date.now();
    await withStore(root, async (s) => {
      expect(await s.remember('id-a', now + 60_000)).toBe(true);
      expect(await s.remember('id-a', now + 60_000)).toBe(false);
      const many = await Promise.all(Array.from({ length: 2000 }, (_, i) => s.remember(`id-${i}`, now + 60_000)));
      expect(many.every((x) => x)).toBe(true);
      expect(await s.remember('id-old', now - 1)).toBe(true);
    });
    const r = await SequenceReader.open(join(root, 'replay.dlog'));
    // Group commit: far fewer frames (fsyncs) than ids.
    expect(r.last.index).toBeLessThan(200);
    await r.close();
    await withStore(root, async (s) => {
      expect(await s.remember('id-a', now + 60_000)).toBe(false);
      expect(await s.remember('id-1999', now + 60_000)).toBe(false);
      expect(await s.remember('id-new', now + 60_000)).toBe(true);
      expect(await code(s.remember('', now + 1000))).toBe('MALFORMED');
    });
    const small = await openEmbeddedStore(fresh(), { maxReplayIds: 3 });
    for (const id of ['a', 'b', 'c']) expect(await small.remember(id, Date.now() + 60_000)).toBe(true);
    expect(await code(small.remember('d', Date.now() + 60_000))).toBe('UNAVAILABLE');
    await small.close();
    // Each owner (account) has its own share: one that fills it is refused alone.
    const shared = await openEmbeddedStore(fresh(), { maxReplayIds: 16, maxReplayIdsPerAccount: 2 });
    for (const id of ['a1', 'a2']) expect(await shared.remember(id, Date.now() + 60_000, 'A')).toBe(true);
    expect(await code(shared.remember('a3', Date.now() + 60_000, 'A'))).toBe('UNAVAILABLE');
    expect(await shared.remember('b1', Date.now() + 60_000, 'B')).toBe(true);
    expect(await shared.remember('a1', Date.now() + 60_000, 'A')).toBe(false);
    await shared.close();
  });
});

// kill -9 of a real process in the middle of big multi-container Transacts (the built dist/:
// `npm test` builds it first). MESH_KILLS=30 runs 30 kills.
const KILLS = Number(process.env.MESH_KILLS ?? 5);
const DIST = fileURLToPath(new URL('../../../dist/lib/', import.meta.url));

const CHILD = `
import { openEmbeddedStore } from ${JSON.stringify(pathToFileURL(join(DIST, 'mesh/index.js')).href)};
import { EMPTY_REPLICA, checkFrames, decodeReplicaState, encodeReplicaState, readFrames } from ${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)};
const [root, src, udf, per, total] = process.argv.slice(2);
const names = ['MMM_Contact', 'MMM_Credential', 'MMM_Bookmark'];
const store = await openEmbeddedStore(root);
process.stdout.write('ready\\n');
for (;;) {
  const heads = await store.heads(udf, names);
  const k = (heads[0].index + 1) / Number(per);
  if (k >= Number(total)) break;
  const appends = [];
  for (const [i, name] of names.entries()) {
    const h = heads[i];
    const from = h.index < 0 ? EMPTY_REPLICA : decodeReplicaState(h.frontier);
    const page = await readFrames(src + '/' + name + '.dcat', h.index + 1, { maxFrames: Number(per), maxBytes: 1 << 30 });
    const { state } = await checkFrames(from, page.frames);
    appends.push({ container: name, frames: page.frames, expected: { container: name, index: h.index, apex: h.apex },
      next: { container: name, index: state.index, apex: state.apex, frontier: encodeReplicaState(state) } });
  }
  const out = await store.transact(udf, 't' + k, appends);
  if (!out.accepted) { process.stderr.write('conflict\\n'); process.exit(3); }
  process.stdout.write('ack ' + k + '\\n');
}
await store.close();
process.stdout.write('done\\n');
`;

describe('embedded store: kill -9', () => {
  const PER = 16;
  const TOTAL = 10;
  const NAMES = ['MMM_Contact', 'MMM_Credential', 'MMM_Bookmark'];
  let src = '';
  beforeAll(async () => {
    src = join(dir, 'kill-src');
    await import('node:fs/promises').then((fs) => fs.mkdir(src));
    for (const [i, name] of NAMES.entries()) {
      const w = await SequenceWriter.create(join(src, `${name}.dcat`), { type: 'Merkle' });
      // Frame 0 plus PER * TOTAL - 1 frames of 12 KiB: about 2 MiB per Transact over the three.
      for (let f = 1; f < PER * TOTAL; f++) await w.append(new Uint8Array(12 << 10).fill((f * 7 + i) & 255));
      await w.close();
    }
    writeFileSync(join(dir, 'child.mjs'), CHILD);
  });

  function run(root: string, udf: string): { acks: number[]; ready: Promise<void>; exited: Promise<number | null>; kill: () => void; err: () => string } {
    const child = spawn(process.execPath, [join(dir, 'child.mjs'), root, src, udf, String(PER), String(TOTAL)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: number[] = [];
    let out = '';
    let err = '';
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) ready();
      for (const m of out.matchAll(/ack (\d+)\n/g)) if (!acks.includes(Number(m[1]))) acks.push(Number(m[1]));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => { ready(); r(c); }));
    return { acks, ready: readyP, exited, kill: () => child.kill('SIGKILL'), err: () => err };
  }

  it(`every container at its old head or with all the frames, every acknowledged Transact there (${KILLS} kills)`, async () => {
    expect(existsSync(join(DIST, 'mesh/store/embedded.js')), 'dist/ is built (npm run build)').toBe(true);
    let root = fresh();
    const u = udfOf('alice');
    await withStore(root, (s) => s.bind(entry('alice', 'alice@example.com')));
    let acked = -1;
    let landed = 0;
    const log: number[] = [];
    let unfinished = 0;
    for (let i = 0; i < KILLS; i++) {
      if (log.at(-1) === TOTAL) {
        // Run through: start again on a new root, so that every kill can land in a Transact.
        root = fresh();
        acked = -1;
        await withStore(root, (s) => s.bind(entry('alice', 'alice@example.com')));
      }
      const r = run(root, u);
      await r.ready;
      await new Promise((res) => setTimeout(res, 20 + ((i * 137) % 400)));
      r.kill();
      const c = await r.exited;
      if (c === null) landed++;
      else expect(c, r.err()).toBe(0);
      acked = Math.max(acked, ...r.acks);
      // Killed between an intent and its commit: the reopen below rolls it forward.
      if ((await lastRecord(join(root, 'accounts', u, 'journal.dlog')))?.kind === 'intent') unfinished++;
      await withStore(root, async (s) => {
        const heads = await s.heads(u, NAMES);
        const done = heads.map((h) => (h.index + 1) / PER);
        log.push(done[0] as number);
        if (process.env.MESH_KILLS) console.log(`kill ${i}: ${JSON.stringify(done)} acked ${acked}, unfinished so far ${unfinished}`);
        // All or nothing across the three containers, and nothing acknowledged lost.
        expect(new Set(done).size, JSON.stringify(done)).toBe(1);
        expect(Number.isInteger(done[0])).toBe(true);
        expect(done[0] as number).toBeGreaterThanOrEqual(acked + 1);
        for (const [j, name] of NAMES.entries()) {
          const path = containerFile(root, u, name);
          const f = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
          expect(f.length).toBe(decodeReplicaState((heads[j] as ContainerState).frontier).end);
          expect(f.equals(readFileSync(join(src, `${name}.dcat`)).subarray(0, f.length))).toBe(true);
        }
        // The last acknowledged request, retried after the kill, gets its first outcome.
        if (acked >= 0) expect((await s.transact(u, `t${acked}`, [])).accepted).toBe(true);
      });
    }
    expect(landed).toBeGreaterThan(0);
    // The kills landed at different points of the run (not all before the first Transact).
    expect(new Set(log).size, JSON.stringify(log)).toBeGreaterThan(1);
    const last = run(root, u);
    expect(await last.exited, last.err()).toBe(0);
    for (const name of NAMES) expect(readFileSync(containerFile(root, u, name)).equals(readFileSync(join(src, `${name}.dcat`)))).toBe(true);
  });
});
