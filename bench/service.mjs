#!/usr/bin/env node
// The Mesh service section of the benchmarks (issue 15 "Performance"): a real `meshd` (bin/meshd.js,
// the embedded store, durable acknowledgement: every Transact is fsynced before it is answered) on
// 127.0.0.1, and a load client in Node with C concurrent clients, each its own account:
//   - Transact of one catalog entry (a real MMM_Credential frame, encrypted and signed on the
//     client, checked by the service against the stored head, appended and fsynced);
//   - Status; Download of the last frame.
// The frames and the signed requests are made before the timed phase (each request has its own
// RID and expected head), so the clock measures the service, not the client's signing.
// Reports requests/s, p50/p99 latency and meshd's RSS (VmRSS at the end, VmHWM peak).
//
//   node bench/service.mjs [--json]       BENCH_SERVICE_CLIENTS=1,16,64  BENCH_SERVICE_SECONDS (per row, default 4)
//   BENCH_SERVICE_STORE=postgres://postgres@127.0.0.1/test   the PostgreSQL store (a fresh schema, dropped after)
//   BENCH_SERVICE_FRONTENDS=3                                 meshd processes of one service on that store;
//                                                             client i talks to front end i mod N (issue 19)
//
// bench/run.mjs may call `runServiceBench()` for its "service" section; it owns the table layout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const MESHD = join(ROOT, 'bin', 'meshd.js');
const lib = await import(join(ROOT, 'dist', 'lib', 'index.js'));
const mesh = await import(join(ROOT, 'dist', 'lib', 'mesh', 'index.js'));

// A fresh agent per phase: a socket idle across a long preparation may be closed by meshd's keep-alive timeout.
let agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function startMeshd(root, store = []) {
  const child = spawn(process.execPath, [...(process.env.BENCH_MESHD_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_MESHD_PROF] : []), MESHD, 'serve', '--root', root, '--listen', '127.0.0.1:0', '--rate-account', '0', '--rate-address', '0', ...store], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(buf);
      if (m) {
        // Keep draining its log so it never blocks on a full pipe.
        buf = '';
        resolve({ child, port: Number(m[1]) });
      } else if (buf.length > 1 << 16) buf = buf.slice(-4096);
    });
    child.on('exit', (code) => reject(new Error(`meshd exited ${code}`)));
  });
}

function memoryOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** The largest RSS among the front ends (each is its own process with its own limit). */
function memoryOfAll(pids) {
  const all = pids.map(memoryOf);
  return { rssMiB: Math.max(...all.map((m) => m.rssMiB)), peakMiB: Math.max(...all.map((m) => m.peakMiB)) };
}

/** Runs `meshd ARGS` to its end; rejects on a failure. */
function meshdOnce(args) {
  const c = spawn(process.execPath, [MESHD, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`meshd ${args[0]} exited ${code}`)))));
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** One client: an account at the service, its home open, and what it can sign. */
async function makeClient(dir, url, i) {
  const home = await mesh.MeshHome.open(join(dir, `home${i}`), { write: true });
  const transport = (u, b) => post(u, b);
  const binding = mesh.serviceBinding({ url, transport });
  await mesh.createAccount(home, { name: `user${i}@example.com`, binding });
  const ctx = new mesh.AccountContext(home, await home.account());
  const b = mesh.readBinding(ctx.record);
  const cred = await mesh.deviceCredential(ctx, b);
  return { home, ctx, cred, head: b.heads.get('MMM_Credential') };
}

/** `n` pre-signed Transacts of one new entry each, chained from the client's head. */
async function transacts(client, n) {
  const { ctx, cred } = client;
  const path = ctx.catalogPath('MMM_Credential');
  let state = (await lib.readReplicaState(path)).state;
  const from = state.index;
  const c = await ctx.openCatalog('MMM_Credential', true);
  for (let k = 0; k < n; k++) {
    const e = mesh.meshObject('CatalogedCredential', { Service: `s${from + k}.example`, Username: 'bench', Password: `p${k}` });
    await c.put(`s${from + k}.example`, mesh.encodeMeshObject(e), { contentType: mesh.MESH_OBJECT_CONTENT_TYPE });
  }
  await c.close();
  const frames = [];
  for (let at = from + 1; at <= from + n;) {
    const page = await lib.readFrames(path, at, { maxFrames: 1024, maxBytes: 1 << 24 });
    frames.push(...page.frames);
    at += page.frames.length;
  }
  const out = [];
  for (const f of frames) {
    const fields = {
      Account: cred.profileUdf, EnvelopedConnectionDevice: cred.connection.$envelope,
      Updates: [{ Container: 'MMM_Credential', Index: state.index, Digest: lib.base64urlEncode(state.apex), Envelopes: [lib.base64urlEncode(f)] }],
    };
    out.push((await mesh.signRequest('TransactRequest', fields, cred.signer)).bytes);
    state = (await lib.checkFrames(state, [f])).state;
  }
  // The local replica is ahead of the service now; the timed phase brings the service level.
  return out;
}

async function reads(client, n, type) {
  const { cred } = client;
  const base = { Account: cred.profileUdf, EnvelopedConnectionDevice: cred.connection.$envelope };
  const out = [];
  for (let k = 0; k < n; k++) {
    const fields = type === 'StatusRequest' ? base : { ...base, Select: [{ Container: 'MMM_Device', IndexMin: 1 }] };
    out.push((await mesh.signRequest(type, fields, cred.signer)).bytes);
  }
  return out;
}

/** Sends each client's requests in order (client i to urls[i mod N]), all clients at once; checks every answer is 200. */
async function drive(urls, perClient) {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(perClient.map(async (requests, i) => {
    const url = urls[i % urls.length];
    for (const body of requests) {
      const t = performance.now();
      const r = await post(url, body);
      latencies.push(performance.now() - t);
      if (r.status !== 200) failures++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failures };
}

export async function runServiceBench(options = {}) {
  const levels = (process.env.BENCH_SERVICE_CLIENTS ?? '1,16,64').split(',').map(Number);
  const seconds = Number(process.env.BENCH_SERVICE_SECONDS ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));
  const svc = join(dir, 'svc');
  const init = spawn(process.execPath, [MESHD, 'init', '--domain', 'example.com', '--root', svc], { stdio: 'ignore' });
  await new Promise((r) => init.on('exit', r));
  const pgUrl = process.env.BENCH_SERVICE_STORE;
  const schema = `bench_${process.pid}`;
  const store = pgUrl ? ['--store', pgUrl, '--schema', schema] : [];
  if (pgUrl) await meshdOnce(['migrate-db', ...store]);
  const fronts = [];
  for (let i = 0; i < Number(pgUrl ? (process.env.BENCH_SERVICE_FRONTENDS ?? 1) : 1); i++) fronts.push(await startMeshd(svc, store));
  const urls = fronts.map((f) => `http://127.0.0.1:${f.port}/.well-known/mmm/`);
  const label = pgUrl ? `postgres, ${fronts.length} front end${fronts.length > 1 ? 's' : ''}` : 'embedded';
  const rows = [];
  try {
    const clients = [];
    for (let i = 0; i < Math.max(...levels); i++) clients.push(await makeClient(dir, urls[i % urls.length], i));
    for (const c of levels) {
      // Aim at `seconds` of load at BENCH_SERVICE_RATE requests/s in all (default 100: what this
      // machine does, see README), at least 10 requests per client.
      const n = Math.max(10, Math.ceil((Number(process.env.BENCH_SERVICE_RATE ?? 100) * seconds) / c));
      for (const [op, make] of [['Transact', (cl) => transacts(cl, n)], ['Status', (cl) => reads(cl, n, 'StatusRequest')], ['Download', (cl) => reads(cl, n, 'DownloadRequest')]]) {
        const prepared = [];
        for (const cl of clients.slice(0, c)) prepared.push(await make(cl));
        const r = await drive(urls, prepared);
        rows.push({ op, store: label, clients: c, ...r, ...memoryOfAll(fronts.map((f) => f.child.pid)) });
        options.progress?.(rows[rows.length - 1]);
      }
    }
    for (const cl of clients) await cl.home.close();
  } finally {
    await Promise.all(fronts.map(({ child }) => {
      child.kill('SIGTERM');
      return new Promise((r) => child.on('exit', r));
    }));
    agent.destroy();
    if (pgUrl) {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function serviceTable(rows) {
  const lines = ['| operation | store | clients | requests | req/s | p50 ms | p99 ms | meshd RSS MiB (peak) | failures |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.op} | ${r.store ?? 'embedded'} | ${r.clients} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rssMiB.toFixed(0)} (${r.peakMiB.toFixed(0)}) | ${r.failures} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runServiceBench({ progress: (r) => process.stderr.write(`${r.op} [${r.store}] x${r.clients}: ${r.perSecond.toFixed(0)}/s p99 ${r.p99.toFixed(1)} ms\n`) });
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write(serviceTable(rows) + '\n');
  const tag = process.env.BENCH_SERVICE_STORE ? `-postgres-${process.env.BENCH_SERVICE_FRONTENDS ?? 1}` : '';
  writeFileSync(join(ROOT, 'bench', 'results', `service${tag}-latest.json`), JSON.stringify(rows, null, 1) + '\n');
}
