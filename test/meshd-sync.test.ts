/**
 * Accounts at a real `meshd` on 127.0.0.1 (test/helpers/meshd.ts), the `mesh` CLI in process:
 * create and bind, the same account recovered on a second home and every catalog synced both
 * ways, two writers in conflict rebased, an offline account bound later, unbind; and a service
 * root that holds none of the secrets written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DareError, readReplicaState } from '../lib/index.js';
import { AccountContext, MeshClient, MeshHome, readBinding, readEnvelope, syncAccount } from '../lib/mesh/index.js';
import { httpTransport } from '../cli/mesh/http.js';
import { field, mesh } from './helpers/mesh.js';
import { Meshd } from './helpers/meshd.js';

const root = mkdtempSync(join(tmpdir(), 'meshd-sync-'));
let svc: Meshd;
let n = 0;
beforeAll(async () => {
  svc = await Meshd.start('example.com');
});
afterAll(async () => {
  await svc?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(join(svc.root, '..'), { recursive: true, force: true });
});

function home() {
  const dir = join(root, `home${n++}`);
  const m = (args: string[], input?: string) => mesh(args, { input, env: { MESH_HOME: dir, MESH_RESOLVE: svc.resolve } });
  return { dir, m };
}
function secretFile(text: string): string {
  const p = join(root, `secret${n++}`);
  writeFileSync(p, text);
  return p;
}

/** Creates alice on h1, escrows it and recovers it on h2: two homes of one account. */
async function twoHomes(address: string) {
  const h1 = home();
  const c = await h1.m(['account', 'create', address]);
  expect(c.code, c.stderr).toBe(0);
  const rec = join(root, `rec${n++}`);
  const e = await h1.m(['account', 'escrow', '--shares', '3', '--quorum', '2', '-o', rec]);
  expect(e.code, e.stderr).toBe(0);
  const shares = e.stdout.trim().split('\n').slice(0, 2);
  const h2 = home();
  const r = await h2.m(['account', 'recover', '--record', rec, ...shares]);
  expect(r.code, r.stderr).toBe(0);
  return { h1, h2, created: c, recovered: r };
}

describe('meshd: accounts and sync', () => {
  it('account create binds at the service: Account=, Profile UDF=, Service UDF= (the one meshd init printed)', async () => {
    const h = home();
    const r = await h.m(['account', 'create', 'Carol@Example.com']);
    expect(r.code, r.stderr).toBe(0);
    expect(field(r.stdout, 'Account')).toBe('carol@example.com');
    expect(field(r.stdout, 'Service UDF')).toBe(svc.serviceUdf);
    expect(field(r.stdout, 'Profile UDF')).toMatch(/^M[A-Z2-7-]+$/);
    const s = await h.m(['account', 'status']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain(`Service UDF=${svc.serviceUdf}`);
    expect(field(s.stdout, 'MMM_Device head')).toBe('1 (service 1)');
    // The service has it: a second create of the address is refused (exit 8).
    const again = await home().m(['account', 'create', 'carol@example.com']);
    expect(again.code).toBe(8);
    expect(again.stderr).toMatch(/bound already/);
    // Another domain's address is refused by this service.
    const other = await mesh(['account', 'create', 'dave@example.org'], { env: { MESH_HOME: join(root, `home${n++}`), MESH_RESOLVE: `example.org=${svc.url}` } });
    expect(other.code).toBe(8);
    expect(other.stderr).toMatch(/holds accounts of example.com only/);
  });

  it('a second home of the same account (recovered) gets every catalog from the service, and changes flow both ways', async () => {
    const { h1, h2 } = await twoHomes('alice@example.com');
    expect((await h1.m(['password', 'add', 'ftp.example.com', 'alice1', '--password-file', secretFile('pw-Zebra-4411')])).code).toBe(0);
    expect((await h1.m(['bookmark', 'add', 'https://news.example/', '--title', 'Bookmark-Title-Quokka'])).code).toBe(0);
    expect((await h1.m(['calendar', 'add', 'Calendar-Title-Narwhal', '--start', '2027-01-05T09:00:00Z'])).code).toBe(0);
    expect((await h1.m(['network', 'add', 'wifi-home', '--username', 'alice', '--password-file', secretFile('net-Pass-Okapi')])).code).toBe(0);
    const g = await h2.m(['password', 'get', 'ftp.example.com']);
    expect(g.code, g.stderr).toBe(0);
    expect(field(g.stdout, 'Password')).toBe('pw-Zebra-4411');
    expect((await h2.m(['bookmark', 'list'])).stdout).toContain('https://news.example/');
    expect((await h2.m(['calendar', 'list'])).stdout).toContain('Calendar-Title-Narwhal');
    expect((await h2.m(['network', 'get', 'wifi-home'])).stdout).toContain('net-Pass-Okapi');
    // And back: h2 writes, h1 reads; h1 also learns of h2's device.
    expect((await h2.m(['password', 'add', 'mail.example.com', 'al', '--password-file', secretFile('pw-Mail-9090')])).code).toBe(0);
    expect((await h2.m(['password', 'delete', 'ftp.example.com'])).code).toBe(0);
    const l = await h1.m(['password', 'list']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toContain('mail.example.com');
    expect(l.stdout).not.toContain('ftp.example.com');
    const st = await h1.m(['account', 'status', '--json']);
    const j = JSON.parse(st.stdout) as { entries: Record<string, number>; heads: Record<string, { local: number; service: number; pending: number }> };
    expect(j.entries.MMM_Device).toBe(2);
    for (const h of Object.values(j.heads)) expect(h.pending).toBe(0);
    // The service root holds none of the secrets, titles or names written.
    const bytes: Buffer[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else bytes.push(readFileSync(join(d, e.name)));
      }
    };
    walk(svc.root);
    const all = Buffer.concat(bytes);
    for (const secret of ['pw-Zebra-4411', 'pw-Mail-9090', 'net-Pass-Okapi', 'Bookmark-Title-Quokka', 'Calendar-Title-Narwhal', 'ftp.example.com', 'news.example']) {
      expect(all.includes(Buffer.from(secret)), secret).toBe(false);
    }
  });

  it('two writers in conflict: the second is rebased onto the first, nothing is lost', async () => {
    const { h1, h2 } = await twoHomes('bob@example.com');
    // Both write offline, then sync: one wins the head, the other rebases its entry on top.
    expect((await h1.m(['password', 'add', 'one.example', 'u1', '--password-file', secretFile('p1'), '--offline'])).code).toBe(0);
    expect((await h2.m(['password', 'add', 'two.example', 'u2', '--password-file', secretFile('p2'), '--offline'])).code).toBe(0);
    const s1 = await h1.m(['account', 'sync', '--json']);
    expect(s1.code, s1.stderr).toBe(0);
    expect(JSON.parse(s1.stdout).uploaded.MMM_Credential).toBe(1);
    const s2 = await h2.m(['account', 'sync', '--json']);
    expect(s2.code, s2.stderr).toBe(0);
    const r2 = JSON.parse(s2.stdout) as { rebased: string[]; downloaded: Record<string, number>; uploaded: Record<string, number> };
    expect(r2.rebased).toContain('MMM_Credential');
    expect(r2.downloaded.MMM_Credential).toBe(1);
    expect(r2.uploaded.MMM_Credential).toBe(1);
    for (const h of [h1, h2]) {
      const l = await h.m(['password', 'list']);
      expect(l.code, l.stderr).toBe(0);
      expect(l.stdout).toContain('one.example');
      expect(l.stdout).toContain('two.example');
    }
  });

  it('an offline account is bound later with account bind, and delete unbinds it at the service', async () => {
    const h = home();
    expect((await h.m(['account', 'create', 'erin'])).code).toBe(0);
    expect((await h.m(['password', 'add', 'x.example', 'erin', '--password-file', secretFile('px')])).code).toBe(0);
    const b = await h.m(['account', 'bind', 'erin', 'erin@example.com']);
    expect(b.code, b.stderr).toBe(0);
    expect(field(b.stdout, 'Account')).toBe('erin@example.com');
    expect(field(b.stdout, 'Service UDF')).toBe(svc.serviceUdf);
    const s = await h.m(['account', 'status']);
    expect(field(s.stdout, 'MMM_Credential head')).toBe('1 (service 1)');
    const d = await h.m(['account', 'delete', 'erin@example.com', '--yes']);
    expect(d.code, d.stderr).toBe(0);
    // Unbound: the address is free again.
    const again = await home().m(['account', 'create', 'erin@example.com']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('an unreachable service is exit 9 with the reason in one line; --offline still works', async () => {
    const h = home();
    expect((await h.m(['account', 'create', 'frank@example.com'])).code).toBe(0);
    const down = await mesh(['password', 'list'], { env: { MESH_HOME: h.dir, MESH_RESOLVE: 'example.com=http://127.0.0.1:9' } });
    expect(down.code).toBe(9);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/unreachable/);
    const off = await mesh(['password', 'list', '--offline'], { env: { MESH_HOME: h.dir, MESH_RESOLVE: 'example.com=http://127.0.0.1:9' } });
    expect(off.code, off.stderr).toBe(0);
  });

  it('an upload that landed but whose answer was lost is recognised on the next sync: no rebase, no duplicate frames', async () => {
    const h = home();
    expect((await h.m(['account', 'create', 'gina@example.com'])).code).toBe(0);
    expect((await h.m(['password', 'add', 'lost.example', 'g', '--password-file', secretFile('pl'), '--offline'])).code).toBe(0);
    const home1 = await MeshHome.open(h.dir, { write: true });
    try {
      const ctx = new AccountContext(home1, await home1.account());
      const b = readBinding(ctx.record) as NonNullable<ReturnType<typeof readBinding>>;
      // The request reaches the service; its answer never comes back.
      const losing = await MeshClient.connect({
        url: svc.url, serviceUdf: b.serviceUdf,
        transport: async (url, body) => {
          const answer = await httpTransport(url, body);
          if ((await readEnvelope(body, 'request')).type === 'TransactRequest') {
            throw new DareError('UNAVAILABLE', 'the answer was lost');
          }
          return answer;
        },
      });
      await expect(syncAccount(ctx, losing)).rejects.toThrow(/lost/);
      const path = ctx.catalogPath('MMM_Credential');
      const before = (await readReplicaState(path)).state.index;
      const report = await syncAccount(ctx, await MeshClient.connect({ url: svc.url, transport: httpTransport, serviceUdf: b.serviceUdf }));
      expect(report.rebased).toEqual([]);
      expect(report.uploaded).toEqual({});
      expect((await readReplicaState(path)).state.index).toBe(before);
    } finally {
      await home1.close();
    }
    const s = await h.m(['account', 'status', '--json']);
    const j = JSON.parse(s.stdout) as { heads: Record<string, { local: number; service: number; pending: number }> };
    expect(j.heads.MMM_Credential).toEqual({ local: 1, service: 1, pending: 0 });
  });
});
