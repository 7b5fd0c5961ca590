/**
 * meshd on PostgreSQL (issue 19): `meshd migrate-db`, two front ends of one service on one
 * database (each a real process on its own port), a home on each: what one writes through one
 * front end the other reads through the other. `meshd status --store`, and `meshd export` /
 * `import` moving the service onto the embedded store, served by a third front end with no change
 * for the devices. The machine's PostgreSQL (test/store-conformance-pg.test-util.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { field, mesh } from './helpers/mesh.js';
import { MESHD_BIN, Meshd } from './helpers/meshd.js';
import { createTestDatabase, type TestDatabase } from './store-conformance-pg.test-util.js';

const root = mkdtempSync(join(tmpdir(), 'meshd-pg-'));
let db: TestDatabase;
let a: Meshd;
let b: Meshd;
let n = 0;

function meshd(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MESHD_BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function home(front: Meshd) {
  const dir = join(root, `home${n++}`);
  return (args: string[]) => mesh(args, { env: { MESH_HOME: dir, MESH_RESOLVE: front.resolve } });
}

beforeAll(async () => {
  db = await createTestDatabase('meshd');
  const m = meshd(['migrate-db', '--store', db.url]);
  expect(m.code, m.stderr).toBe(0);
  expect(m.stdout).toMatch(/^Schema=0 -> [1-9]\d*\n$/);
  // Twice is fine: nothing left to apply.
  expect(meshd(['migrate-db', '--store', db.url]).stdout).toMatch(/^Schema=([1-9]\d*) -> \1\n$/);
  a = Meshd.init('example.com', join(root, 'svc'));
  a.store = db.url;
  b = a.frontEnd(db.url);
  await Promise.all([a.serve(), b.serve()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('meshd on PostgreSQL, two front ends', () => {
  it('a write through one front end is read through the other; status, export and import', async () => {
    expect(a.port).not.toBe(b.port);
    expect(a.logs.find((l) => l.msg === 'listening')?.store).toBe('postgres');
    const h1 = home(a);
    const c = await h1(['account', 'create', 'alice@example.com']);
    expect(c.code, c.stderr).toBe(0);
    expect(field(c.stdout, 'Service UDF')).toBe(a.serviceUdf);
    const pw = join(root, 'pw');
    writeFileSync(pw, 'pw-Okapi-2718');
    expect((await h1(['password', 'add', 'ftp.example.com', 'alice', '--password-file', pw])).code).toBe(0);

    // A second home of the account, recovered from escrow, talks to the other front end.
    const rec = join(root, 'rec');
    const e = await h1(['account', 'escrow', '--shares', '3', '--quorum', '2', '-o', rec]);
    expect(e.code, e.stderr).toBe(0);
    const h2 = home(b);
    const r = await h2(['account', 'recover', '--record', rec, ...e.stdout.trim().split('\n').slice(0, 2)]);
    expect(r.code, r.stderr).toBe(0);
    const got = await h2(['password', 'get', 'ftp.example.com']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('pw-Okapi-2718');
    expect((await h2(['bookmark', 'add', 'https://front-b.example/', '--title', 'Written-Through-B'])).code).toBe(0);
    const seen = await h1(['bookmark', 'list']);
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.stdout).toContain('Written-Through-B');

    const st = meshd(['status', '--root', a.root, '--store', db.url]);
    expect(st.code, st.stderr).toBe(0);
    expect(field(st.stdout, 'Store')).toBe('postgres');
    expect(field(st.stdout, 'Accounts')).toBe('1');

    // The service moves onto the embedded store; a third front end serves it, the devices see no change.
    const out = join(root, 'export');
    const x = meshd(['export', '--store', db.url, '--to', out]);
    expect(x.code, x.stderr).toBe(0);
    expect(x.stdout).toMatch(/^Exported accounts=1 containers=\d+ frames=\d+ bytes=\d+\n$/);
    const embedded = join(root, 'embedded');
    const i = meshd(['import', '--from', out, '--store', embedded]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout.replace('Imported', 'Exported')).toBe(x.stdout);
    const c3 = a.frontEnd(embedded);
    await c3.serve();
    try {
      const h3 = (args: string[]) => mesh(args, { env: { MESH_HOME: join(root, 'home0'), MESH_RESOLVE: c3.resolve } });
      const s = await h3(['account', 'sync']);
      expect(s.code, s.stderr).toBe(0);
      const after = await h3(['password', 'get', 'ftp.example.com']);
      expect(after.stdout).toContain('pw-Okapi-2718');
    } finally {
      await c3.stop();
    }
  }, 180_000);

  it('refuses migrate-db without a PostgreSQL URL, and an unreachable database is exit 9 in one line', () => {
    const m = meshd(['migrate-db', '--store', join(root, 'folder')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^meshd: error: migrate-db: --store must be a postgres:\/\/ URL/);
    const u = meshd(['status', '--root', a.root, '--store', 'postgres://postgres@127.0.0.1:1/none']);
    expect(u.code).toBe(9);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
  });
});
