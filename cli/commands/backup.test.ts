/**
 * The README's daily backup through the built CLI (issue 13, item 7): a host that holds no
 * private key appends every day; the archive grows by what changed, not by everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from '../../test/helpers/dare.js';

const { dir, cleanup } = tempDir('dare-backup-cli-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);
// The host's state folder (the manifest lives there), not the tester's.
const env = { XDG_STATE_HOME: p('state') };
const run = (args: string[]) => dare(args, { env });

beforeAll(async () => {
  for (const who of ['owner', 'host']) {
    const r = await run(['keygen', '-o', p(`${who}.key`)]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(p(`${who}.pub`), /public key: (dare1[a-z2-7]+)/.exec(r.stdout)![1]! + '\n');
  }
  mkdirSync(p('docs', 'notes'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(p('docs', 'notes', `n${i}.txt`), `note ${i}\n`.repeat(6000));
}, 30_000);

const size = () => statSync(p('backup.dare')).size;

describe('the daily write-only backup', () => {
  it('grows by the changes only; the owner restores the latest; --full stores everything', async () => {
    const b = p('backup.dare');
    const created = await run(['archive', b, p('docs'), '-e', p('owner.pub'), '-s', p('host.key')]);
    expect(created.code, created.stderr).toBe(0);
    const s0 = size();
    expect(s0).toBeGreaterThan(20 * 6000 * 7);
    const manifests = readdirSync(p('state', 'dare', 'backups'));
    expect(manifests).toHaveLength(1);
    expect(readFileSync(p('state', 'dare', 'backups', manifests[0] as string), 'utf8')).not.toMatch(/notes\/|\.txt|note 1/);
    // Day 1: nothing changed.
    const d1 = await run(['append', b, p('docs'), '-s', p('host.key'), '--json']);
    expect(d1.code, d1.stderr).toBe(0);
    expect(JSON.parse(d1.stdout)).toMatchObject({ added: 0, unchanged: 22, writeOnly: true });
    expect(size()).toBe(s0);
    // Day 2: one note edited, one new.
    appendFileSync(p('docs', 'notes', 'n5.txt'), 'one more line\n');
    writeFileSync(p('docs', 'notes', 'new.txt'), 'new note\n');
    const d2 = await run(['append', b, p('docs'), '-s', p('host.key')]);
    expect(d2.code, d2.stderr).toBe(0);
    expect(d2.stderr).toMatch(/dare: note: 20 entries unchanged in the archive, not stored again/);
    const grew = size() - s0;
    expect(grew).toBeGreaterThan(6000 * 7);
    expect(grew).toBeLessThan(6000 * 7 + 12_000); // n5.txt, new.txt, the folder entry, the seal
    expect((await run(['verify', b, '--signer', p('host.pub'), '-i', p('owner.key')])).code).toBe(0);
    const out = await run(['extract', b, p('restored'), '-i', p('owner.key')]);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(p('restored', 'docs', 'notes', 'n5.txt'), 'utf8')).toMatch(/one more line\n$/);
    expect(existsSync(p('restored', 'docs', 'notes', 'new.txt'))).toBe(true);
    // The owner's key reads the index: an append with it compares with the index (digests).
    expect((await run(['index', b, '-i', p('owner.key'), '-s', p('host.key')])).code).toBe(0);
    const keyed = await run(['append', b, p('docs'), '-i', p('owner.key'), '-s', p('host.key'), '--json']);
    expect(JSON.parse(keyed.stdout)).toMatchObject({ added: 0, unchanged: 23 });
    // --full: everything again.
    const before = size();
    expect((await run(['append', b, p('docs'), '-s', p('host.key'), '--full'])).code).toBe(0);
    expect(size() - before).toBeGreaterThan(20 * 6000 * 7);
  });
});
