#!/usr/bin/env node
// The PostgreSQL store driver alone (server/store/postgres.ts, built to dist/): Transacts/s and
// latency at 1 and 16 concurrent clients, each on its own account (the service's common case),
// then 16 clients on one account (all but one of each round conflict and rebase), then Download
// pages. Kept apart from bench/run.mjs (the perf engineer's): `npm run build && node bench/store-pg.mjs`.
//
// Each Transact appends one real DARE catalog frame (an encrypted catalog written with the
// library, its frames reused in turn: the store does not check them) with durable commit
// (synchronous_commit on: the WAL is flushed before the answer).
//
// Options: --seconds N (per row, default 5), --procs N (a row of N front-end processes with 16
// clients each, default 3; 1 for none), --url postgres://... (default DARE_PG_URL or
// postgres://postgres@127.0.0.1:5432/test; a database bench_store_<pid> is created there and dropped).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Catalog, SequenceReader, contentDigest, utf8 } from '../dist/lib/index.js';
import { migrate, openPostgresStore } from '../dist/server/store/postgres.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const seconds = Number(opt('seconds', '5'));
const adminUrl = opt('url', process.env.DARE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

async function admin(sql) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function realFrames(n) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-store-'));
  const path = join(dir, 'MMM_Credential.dcat');
  const cat = await Catalog.create(path, { secret: randomBytes(32) });
  for (let i = 0; i < n; i++) await cat.add(`entry-${i}`, randomBytes(300));
  await cat.close();
  const file = await readFile(path);
  const r = await SequenceReader.open(path);
  const frames = [];
  for await (const v of r.frames()) frames.push(new Uint8Array(file.subarray(v.position, v.end)));
  await r.close();
  await rm(dir, { recursive: true, force: true });
  return frames.slice(1);
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

function append(frames, container, head) {
  const index = head.index + 1;
  return {
    container,
    expected: head,
    frames: [frames[index % frames.length]],
    next: { container, index, apex: randomBytes(32), frontier: randomBytes(64) },
  };
}

async function run(label, clients, body) {
  const latencies = [];
  let done = 0;
  let conflicts = 0;
  const end = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const state = await body.setup(c);
    while (Date.now() < end) {
      const t0 = performance.now();
      const ok = await body.step(state);
      latencies.push(performance.now() - t0);
      if (ok) done++;
      else conflicts++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const row = { row: label, clients, 'ops/s': Math.round(done / elapsed), conflicts, 'p50 ms': +pct(latencies, 0.5).toFixed(2), 'p99 ms': +pct(latencies, 0.99).toFixed(2) };
  console.log(JSON.stringify(row));
  return row;
}

// A worker process (--worker URL CLIENTS): the own-account row alone, as one of several front ends.
const workerUrl = opt('worker', undefined);
if (workerUrl !== undefined) {
  const store = await openPostgresStore(workerUrl, { poolSize: 16 });
  const frames = await realFrames(64);
  const row = await run(`transact, own account, process ${process.pid}`, Number(opt('clients', '16')), ownAccountRows(store, frames));
  await store.close();
  console.log(JSON.stringify({ worker: row }));
  process.exit(0);
}

function ownAccountRows(store, frames) {
  return {
    async setup() {
      const udf = contentDigest(utf8(randomBytes(16).toString('hex')), 'application/test');
      await store.bind({ profileUdf: udf, address: `${udf.toLowerCase().replaceAll('-', '')}@example.com`, kind: 'user', status: 'active', profile: randomBytes(400), created: new Date().toISOString() });
      return { udf, head: { container: 'MMM_Credential', index: -1, apex: new Uint8Array(0) }, k: 0 };
    },
    async step(s) {
      const a = append(frames, 'MMM_Credential', s.head);
      const o = await store.transact(s.udf, `r${s.k++}`, [a]);
      if (o.accepted) s.head = { container: a.container, index: a.next.index, apex: a.next.apex };
      return o.accepted;
    },
  };
}

/** N processes at once, each a front end with 16 clients on their own accounts: summed ops/s. */
async function severalProcesses(url, n) {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const rows = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', url, '--clients', '16', '--seconds', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"worker"'));
      if (code !== 0 || line === undefined) reject(new Error(`bench worker exited ${code}`));
      else resolve(JSON.parse(line).worker);
    });
  })));
  const row = {
    row: `transact, own account, ${n} processes`, clients: 16 * n, 'ops/s': rows.reduce((t, r) => t + r['ops/s'], 0), conflicts: 0,
    'p50 ms': Math.max(...rows.map((r) => r['p50 ms'])), 'p99 ms': Math.max(...rows.map((r) => r['p99 ms'])),
  };
  console.log(JSON.stringify(row));
  return row;
}

const procs = Number(opt('procs', '3'));
const dbName = `bench_store_${process.pid}`;
await admin(`CREATE DATABASE ${dbName}`);
const u = new URL(adminUrl);
u.pathname = `/${dbName}`;
const url = u.toString();
const rows = [];
try {
  await migrate(url);
  const store = await openPostgresStore(url, { poolSize: 16 });
  const frames = await realFrames(64);
  let accounts = 0;
  const bindOne = async () => {
    const n = ++accounts;
    const udf = contentDigest(utf8(`bench ${n} ${randomBytes(8).toString('hex')}`), 'application/test');
    await store.bind({ profileUdf: udf, address: `bench${n}@example.com`, kind: 'user', status: 'active', profile: randomBytes(400), created: new Date().toISOString() });
    return udf;
  };
  const own = ownAccountRows(store, frames);
  for (const clients of [1, 16]) rows.push(await run('transact, own account', clients, own));
  if (procs > 1) rows.push(await severalProcesses(url, procs));

  const shared = await bindOne();
  let k = 0;
  rows.push(await run('transact, one account (rebase on conflict)', 16, {
    async setup() {
      return {};
    },
    async step() {
      const [head] = await store.heads(shared, ['MMM_Credential']);
      const o = await store.transact(shared, `s${k++}`, [append(frames, 'MMM_Credential', head)]);
      return o.accepted;
    },
  }));

  const reader = await bindOne();
  let head = { container: 'MMM_Credential', index: -1, apex: new Uint8Array(0) };
  for (let i = 0; i < 200; i++) {
    const a = append(frames, 'MMM_Credential', head);
    await store.transact(reader, `d${i}`, [a]);
    head = { container: a.container, index: a.next.index, apex: a.next.apex };
  }
  for (const clients of [1, 16]) {
    rows.push(await run('download page (100 frames)', clients, {
      async setup() {
        return {};
      },
      async step() {
        const page = await store.read(reader, 'MMM_Credential', 50, { maxFrames: 100, maxBytes: 1 << 20 });
        return page.frames.length === 100;
      },
    }));
  }
  await store.close();
} finally {
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}
console.table(rows);
