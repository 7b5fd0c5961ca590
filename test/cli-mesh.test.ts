/**
 * The `mesh` command line, in process (test/helpers/mesh.ts): every command's help, the
 * entries of each catalog, escrow and recovery, contact cards between two homes, and one
 * exit code per kind of failure, each leaving the home as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshHome } from '../lib/mesh/index.js';
import { field, mesh, meshProcess } from './helpers/mesh.js';

const root = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh home: `m(args)` runs mesh on it. */
function home(extra: Record<string, string> = {}) {
  const dir = join(root, `home${n++}`);
  const env = { MESH_HOME: dir, ...extra };
  const m = (args: string[], input?: string, more: Record<string, string> = {}) => mesh(args, { input, env: { ...env, ...more } });
  return { dir, env, m };
}
const file = (name: string) => join(root, `${n++}-${name}`);

/** Every file of a folder with its bytes (to show that a failed command changed nothing). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.idx')) out[p.slice(dir.length)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

describe('mesh: help', () => {
  const commands: Record<string, string[]> = {
    device: ['show'],
    account: ['create', 'list', 'status', 'delete', 'export', 'import', 'escrow', 'recover'],
    password: ['add', 'get', 'list', 'delete'],
    bookmark: ['add', 'get', 'list', 'delete'],
    calendar: ['add', 'get', 'list', 'delete'],
    network: ['add', 'get', 'list', 'delete'],
    contact: ['self', 'add', 'get', 'list', 'delete', 'export'],
  };
  it('every command has --help with examples, and the exit codes', async () => {
    const top = await mesh(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/8 refused by a Mesh service,\s+9 service unreachable/);
    for (const [group, verbs] of Object.entries(commands)) {
      for (const verb of verbs) {
        const r = await mesh([group, verb, '--help']);
        expect(r.code, `${group} ${verb}`).toBe(0);
        expect(r.stdout, `${group} ${verb}`).toMatch(/Examples:\n\s+mesh /);
        expect(r.stdout, `${group} ${verb}`).toMatch(/--home/);
      }
    }
  });
});

describe('mesh: a personal account', () => {
  it('entries of every catalog: add, get, list, delete, --json; --force to replace', async () => {
    const { m } = home();
    const created = await m(['account', 'create', 'alice']);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/warning: the private keys .* are not protected by a passphrase/);
    expect(field(created.stdout, 'Account')).toBe('alice');
    expect(field(created.stdout, 'Profile UDF')).toMatch(/^M[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
    // Passwords: from stdin, a file, never argv.
    expect((await m(['password', 'add', 'ftp.example.com', 'alice1'], 's3cret pass\n')).code).toBe(0);
    const pw = file('pw');
    writeFileSync(pw, 'other\nsecond line ignored\n');
    expect((await m(['password', 'add', 'mail.example.com', 'alice', '--password-file', pw, '--protocol', 'imap'])).code).toBe(0);
    const get = await m(['password', 'get', 'ftp.example.com']);
    expect(get.stdout).toBe('Service=ftp.example.com\nUsername=alice1\nPassword=s3cret pass\n');
    expect(JSON.parse((await m(['password', 'get', 'mail.example.com', '--json'])).stdout)).toEqual({ service: 'mail.example.com', username: 'alice', password: 'other', protocol: 'imap' });
    expect((await m(['password', 'list'])).stdout).toBe('ftp.example.com   alice1\nmail.example.com  alice   imap\n');
    const again = await m(['password', 'add', 'ftp.example.com', 'alice1'], 'new\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists \(use --force to replace it\)/);
    expect((await m(['password', 'add', 'ftp.example.com', 'alice1', '--force'], 'new\n')).stdout).toBe('Replaced=ftp.example.com\n');
    expect(field((await m(['password', 'get', 'ftp.example.com'])).stdout, 'Password')).toBe('new');
    expect((await m(['password', 'delete', 'ftp.example.com'])).code).toBe(0);
    expect((await m(['password', 'get', 'ftp.example.com'])).code).toBe(1);
    // Bookmarks, networks, calendar.
    expect((await m(['bookmark', 'add', 'https://example.com/', '--title', 'Example', '--path', 'Work'])).code).toBe(0);
    expect((await m(['bookmark', 'add', 'not a uri'])).code).toBe(2);
    expect((await m(['bookmark', 'get', 'https://example.com/'])).stdout).toBe('Uri=https://example.com/\nTitle=Example\nPath=Work\n');
    expect((await m(['network', 'add', 'home-wifi', '--username', 'alice', '--password-file', '-'], 'wifi-pass\n')).code).toBe(0);
    expect(JSON.parse((await m(['network', 'list', '--json'])).stdout)).toEqual([{ service: 'home-wifi', protocol: 'wifi', username: 'alice', password: 'wifi-pass' }]);
    const task = await m(['calendar', 'add', 'Dentist', '--start', '2027-01-05T09:00:00Z', '--finish', '2027-01-05T09:30:00Z', '--location', 'Main St 1']);
    const id = field(task.stdout, 'Added') as string;
    expect(id).toMatch(/^N/);
    expect((await m(['calendar', 'get', id.slice(0, 9)])).stdout).toBe(`Id=${id}\nTitle=Dentist\nStart=2027-01-05T09:00:00Z\nFinish=2027-01-05T09:30:00Z\nLocation=Main St 1\n`);
    expect((await m(['calendar', 'add', 'Back', '--start', '2027-01-05T09:00:00Z', '--finish', '2027-01-04'])).code).toBe(2);
    expect((await m(['calendar', 'add', 'Soon', '--start', 'tomorrow'])).code).toBe(2);
    const status = await m(['account', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ account: 'alice', roles: ['super'], keyStoreSealed: false, entries: { MMM_Credential: 1, MMM_Bookmark: 1, MMM_Task: 1, MMM_Network: 1, MMM_Device: 1 } });
  });

  it('secrets never on the command line; several accounts need --account', async () => {
    const { m } = home();
    expect((await m(['account', 'create', 'alice'])).code).toBe(0);
    const argv = await m(['password', 'add', 'x.example.com', 'u', '--password', 's3cret']);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/never goes on the command line/);
    expect((await m(['password', 'add', 'x.example.com', 'u'])).code).toBe(3); // stdin empty: no password
    expect((await m(['account', 'create', 'bob'])).code).toBe(0);
    const which = await m(['password', 'list']);
    expect(which.code).toBe(2);
    expect(which.stderr).toMatch(/2 accounts \(alice, bob\): name one with --account/);
    expect((await m(['password', 'list', '--account', 'bob'])).code).toBe(0);
    expect((await m(['password', 'list', '--account', 'carol'])).code).toBe(1);
    expect((await m(['account', 'create', 'bob'])).code).toBe(1);
    expect((await m(['account', 'create', 'bad name'])).code).toBe(3);
    // An address is bound at its service (test/meshd-*.test.ts); none answers here: exit 9.
    const bound = await m(['account', 'create', 'alice@example.com'], undefined, { MESH_RESOLVE: 'example.com=http://127.0.0.1:9' });
    expect(bound.code).toBe(9);
    expect(bound.stderr).toMatch(/unreachable/);
    expect((await m(['account', 'delete', 'bob'])).code).toBe(2);
    expect((await m(['account', 'delete', 'bob', '--yes'])).code).toBe(0);
    expect((await m(['account', 'list'])).stdout).toMatch(/^alice +M\S+ +offline +super\n$/);
  });

  it('a failed command changes nothing already stored; the home is locked by a writer', async () => {
    const { dir, m } = home();
    await m(['account', 'create', 'alice']);
    await m(['password', 'add', 'ftp.example.com', 'alice1'], 'one\n');
    const before = snapshot(dir);
    expect((await m(['password', 'add', 'ftp.example.com', 'alice1'], 'two\n')).code).toBe(1);
    expect((await m(['account', 'create', 'alice'])).code).toBe(1);
    expect((await m(['account', 'escrow', '--shares', '3', '--quorum', '4', '-o', file('x')])).code).toBe(2);
    expect((await m(['account', 'import', file('missing')])).code).toBe(6);
    expect(snapshot(dir)).toEqual(before);
    const held = await MeshHome.open(dir, { write: true });
    try {
      const locked = await m(['password', 'add', 'b.example.com', 'u'], 'x\n');
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/the Mesh home .* already writing it|in use/);
    } finally {
      await held.close();
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('a sealed key store: the passphrase from a file or MESH_PASSPHRASE; none or a wrong one is exit 5', async () => {
    const pass = file('pass');
    writeFileSync(pass, 'correct horse battery staple\n');
    const { dir, m } = home();
    const created = await m(['account', 'create', 'alice', '--passphrase-file', pass]);
    expect(created.code).toBe(0);
    expect(created.stderr).not.toMatch(/warning/);
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).toMatch(/^\{"MeshKeyStoreProtected"/);
    expect((await m(['password', 'add', 'ftp.example.com', 'alice1'], 's3cret\n', { MESH_PASSPHRASE: 'correct horse battery staple' })).code).toBe(0);
    const none = await m(['password', 'get', 'ftp.example.com']);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/protected by a passphrase\nmesh: hint: give --passphrase-file/);
    expect((await m(['password', 'get', 'ftp.example.com'], undefined, { MESH_PASSPHRASE: 'wrong' })).code).toBe(5);
    expect((await m(['device', 'show'])).code).toBe(0); // no private key needed
    expect((await m(['password', 'get', 'ftp.example.com', '--passphrase=x'])).code).toBe(2);
  });
});

describe('mesh: escrow and recovery', () => {
  it('K of N for the edges of the range; too few, wrong or malformed shares; --verify changes nothing', async () => {
    const { m } = home();
    await m(['account', 'create', 'alice']);
    for (const [shares, quorum, ok] of [[2, 2, true], [16, 15, true], [16, 16, false], [17, 2, false], [3, 1, false], [1, 2, false]] as const) {
      const r = await m(['account', 'escrow', '--shares', String(shares), '--quorum', String(quorum), '-o', file('rec'), '--json']);
      expect(r.code, `${quorum} of ${shares}`).toBe(ok ? 0 : 2);
      if (ok) expect(JSON.parse(r.stdout).shares).toHaveLength(shares);
    }
    const record = file('alice.escrow');
    const escrow = await m(['account', 'escrow', '--shares', '5', '--quorum', '3', '-o', record]);
    expect(escrow.code).toBe(0);
    expect((await m(['account', 'escrow', '--shares', '5', '--quorum', '3', '-o', record])).code).toBe(6);
    const shares = escrow.stdout.trim().split('\n');
    expect(shares).toHaveLength(5);
    expect(escrow.stderr).toMatch(/any 3 of these 5 shares recover the account/);
    const other = home();
    await other.m(['account', 'create', 'zed']);
    const otherShares = (await other.m(['account', 'escrow', '--shares', '5', '--quorum', '3', '-o', file('zed')])).stdout.trim().split('\n');
    const target = home();
    const recover = (input: string, ...extra: string[]) => target.m(['account', 'recover', '--record', record, ...extra], input);
    expect((await recover(shares.slice(0, 2).join('\n'))).code).toBe(5);
    expect((await recover([shares[0], shares[1], otherShares[2]].join('\n'))).code).toBe(5);
    expect((await recover('SAQM-0000-1111')).code).toBe(3);
    const verify = await recover(shares.slice(2).join('\n'), '--verify');
    expect(verify.code).toBe(0);
    expect(field(verify.stdout, 'Account')).toBe('alice');
    expect(() => readdirSync(target.dir)).toThrow(); // --verify created nothing, not even the home
    // Shares on the command line count too (with one from a file).
    const list = file('shares');
    writeFileSync(list, `# from the safe\n${shares[4]}\n`);
    const done = await target.m(['account', 'recover', '--record', record, shares[0] as string, shares[2] as string, '--shares-file', list]);
    expect(done.code).toBe(0);
    expect(field(done.stdout, 'Account')).toBe('alice');
    expect((await recover(shares.slice(0, 3).join('\n'))).code).toBe(1); // already in this home
    // A record that was changed: exit 4; one that is not a record: exit 3.
    const env = JSON.parse(readFileSync(record, 'utf8')) as [object, string, object];
    const at = env[1].length >> 1;
    const bad = file('bad.escrow');
    writeFileSync(bad, JSON.stringify([env[0], env[1].slice(0, at) + (env[1][at] === 'A' ? 'B' : 'A') + env[1].slice(at + 1), env[2]]));
    expect((await home().m(['account', 'recover', '--record', bad, '--verify'], shares.slice(0, 3).join('\n'))).code).toBe(4);
    const junk = file('junk');
    writeFileSync(junk, '{"not": "an envelope"}');
    expect((await home().m(['account', 'recover', '--record', junk, '--verify'], shares.slice(0, 3).join('\n'))).code).toBe(3);
  });
});

describe('mesh: contact cards', () => {
  it('a card signed by its account is added elsewhere; a changed or mis-anchored card is exit 4', async () => {
    const alice = home();
    const bob = home();
    await alice.m(['account', 'create', 'alice']);
    const bobUdf = field((await bob.m(['account', 'create', 'bob'])).stdout, 'Profile UDF') as string;
    expect((await alice.m(['contact', 'export', '-o', file('none')])).code).toBe(1);
    expect((await bob.m(['contact', 'self', '--name', 'Bob Example', '--email', 'bob@example.com', '--email', 'b@example.org'])).code).toBe(0);
    const card = file('bob.card');
    expect((await bob.m(['contact', 'export', '-o', card])).code).toBe(0);
    const added = await alice.m(['contact', 'add', card]);
    expect(added.stdout).toBe(`Added=${bobUdf}\n`);
    expect((await alice.m(['contact', 'list'])).stdout).toBe(`${bobUdf}  signed  Bob Example  bob@example.com,b@example.org\n`);
    expect((await alice.m(['contact', 'add', card])).code).toBe(1);
    expect((await bob.m(['contact', 'add', card])).code).toBe(1); // its own card
    // A changed card: the payload says someone else.
    const env = JSON.parse(readFileSync(card, 'utf8')) as [object, string, object];
    const payload = Buffer.from(env[1], 'base64url').toString('utf8').replace('Bob Example', 'Mallory X');
    const changed = file('changed.card');
    writeFileSync(changed, JSON.stringify([env[0], Buffer.from(payload).toString('base64url'), env[2]]));
    expect((await alice.m(['contact', 'add', changed, '--force'])).code).toBe(4);
    // Another account's profile under Bob's anchor: its UDF is not the anchor's.
    const carol = home();
    await carol.m(['account', 'create', 'carol']);
    await carol.m(['contact', 'self', '--name', 'Carol']);
    const carolCard = file('carol.card');
    await carol.m(['contact', 'export', '-o', carolCard]);
    const carolEnv = JSON.parse(readFileSync(carolCard, 'utf8')) as [object, string, object];
    const swapped = Buffer.from(carolEnv[1], 'base64url').toString('utf8').replace(/"Udf":"[^"]+","Validation":"Self"/, `"Udf":"${bobUdf}","Validation":"Self"`);
    const forged = file('forged.card');
    writeFileSync(forged, JSON.stringify([carolEnv[0], Buffer.from(swapped).toString('base64url'), carolEnv[2]]));
    expect((await alice.m(['contact', 'add', forged])).code).toBe(4);
    const junk = file('junk.card');
    writeFileSync(junk, '[1, 2');
    expect((await alice.m(['contact', 'add', junk])).code).toBe(3);
    // An unsigned contact is kept as unverified.
    const plain = file('plain.json');
    writeFileSync(plain, JSON.stringify({ ContactPerson: { CommonNames: [{ FullName: 'Dave' }], NetworkAddresses: [{ Address: 'dave@example.net' }] } }));
    expect((await alice.m(['contact', 'add', plain])).code).toBe(0);
    expect((await alice.m(['contact', 'list'])).stdout).toMatch(/\n\S+ +unverified +Dave +dave@example\.net\n$/);
  });
});

describe('mesh: the built executable', () => {
  it('runs, reads the password from a pipe, and exits with the codes of the table', async () => {
    const dir = join(root, `bin${n++}`);
    const env = { MESH_HOME: dir };
    expect((await meshProcess(['account', 'create', 'alice'], { env })).code).toBe(0);
    expect((await meshProcess(['password', 'add', 'ftp.example.com', 'alice1'], { env, input: 'piped\n' })).code).toBe(0);
    const get = await meshProcess(['password', 'get', 'ftp.example.com', '--json'], { env });
    expect(JSON.parse(get.stdout).password).toBe('piped');
    const bad = await meshProcess(['password', 'frobnicate'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mesh: error: /);
    writeFileSync(join(dir, 'keys.json'), '{"MeshKeyStore": {"Version": 1, "Accounts": [{"ProfileUdf": 7}]}}');
    const broken = await meshProcess(['password', 'get', 'ftp.example.com'], { env });
    expect(broken.code).toBe(3);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
  });
});
