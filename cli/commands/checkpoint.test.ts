/**
 * Issue 12, finding 5, through the built CLI: a backup or log cut back to an earlier signed
 * state verifies "ok ... trusted"; against a checkpoint kept from a later state,
 * `dare verify --since` and `dare log verify --since` exit 4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from '../../test/helpers/dare.js';

const { dir, cleanup } = tempDir('dare-checkpoint-cli-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);

beforeAll(async () => {
  for (const who of ['owner', 'host']) {
    const r = await dare(['keygen', '-o', p(`${who}.key`)]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(p(`${who}.pub`), /public key: (dare1[a-z2-7]+)/.exec(r.stdout)![1]! + '\n');
  }
  mkdirSync(p('docs'));
  writeFileSync(p('docs', 'a.txt'), 'monday\n');
}, 30_000);

describe('dare checkpoint and --since', () => {
  it('a backup rolled back to Monday verifies as signed, but not --since the checkpoint of Tuesday (exit 4)', async () => {
    const b = p('backup.dare');
    expect((await dare(['archive', b, p('docs'), '-e', p('owner.pub'), '-s', p('host.key')])).code).toBe(0);
    copyFileSync(b, p('monday.dare'));
    // No key is needed to checkpoint an encrypted archive.
    const mon = await dare(['checkpoint', b, '-o', p('monday.cp'), '--signer', p('host.pub')]);
    expect(mon.code, mon.stderr).toBe(0);
    expect(mon.stdout).toMatch(/: checkpoint of 4 frames, signed by M[A-Z2-7-]+ \(trusted\), written to .*monday\.cp\n$/);
    expect(statSync(p('monday.cp')).size).toBeLessThan(4096);
    writeFileSync(p('docs', 'b.txt'), 'tuesday\n');
    expect((await dare(['append', b, p('docs'), '-s', p('host.key')])).code).toBe(0);
    const tue = await dare(['checkpoint', b, '-o', p('tuesday.cp'), '--json']);
    expect(JSON.parse(tue.stdout)).toMatchObject({ treeSize: expect.any(Number) });
    const ok = await dare(['verify', b, '--signer', p('host.pub'), '--since', p('monday.cp')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/extends the checkpoint of 4 frames \(now \d+\)/);
    expect((await dare(['verify', b, '--since', p('tuesday.cp'), '--json'])).stdout).toMatch(/"since":\{"treeSize":\d+,"extends":true\}/);
    // Someone with write access to the storage puts Monday's file back.
    copyFileSync(p('monday.dare'), b);
    const signed = await dare(['verify', b, '--signer', p('host.pub')]);
    expect(signed.code).toBe(0); // a signature cannot tell
    const rolled = await dare(['verify', b, '--signer', p('host.pub'), '--since', p('tuesday.cp')]);
    expect(rolled.code).toBe(4);
    expect(rolled.stderr).toMatch(/fewer than the \d+ of the checkpoint: it was cut back to an earlier state \(rolled back\) or replaced/);
    // ... and the host, not knowing, appends to it: as long as Tuesday's, but not an extension of it.
    writeFileSync(p('docs', 'c.txt'), 'wednesday\n');
    expect((await dare(['append', b, p('docs'), '-s', p('host.key')])).code).toBe(0);
    const rewritten = await dare(['verify', b, '--signer', p('host.pub'), '--since', p('tuesday.cp')]);
    expect(rewritten.code).toBe(4);
    expect(rewritten.stderr).toMatch(/does not extend the checkpoint/);
  });

  it('a log: log verify --since; a damaged or foreign checkpoint is refused; an envelope has no --since', async () => {
    const log = p('audit.dlog');
    expect((await dare(['log', 'create', log, '--sign', p('owner.key')])).code).toBe(0);
    expect((await dare(['log', 'append', log, 'one', '--sign', p('owner.key')])).code).toBe(0);
    const before = readFileSync(log);
    expect((await dare(['log', 'append', log, 'two', '--sign', p('owner.key')])).code).toBe(0);
    const cp = await dare(['checkpoint', log]);
    expect(cp.code, cp.stderr).toBe(0);
    writeFileSync(p('audit.cp'), cp.stdout);
    const ok = await dare(['log', 'verify', log, '--signer', p('owner.pub'), '--since', p('audit.cp')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/extends the checkpoint of 3 frames \(unchanged\)/);
    writeFileSync(log, before);
    expect((await dare(['log', 'verify', log, '--signer', p('owner.pub')])).code).toBe(0);
    expect((await dare(['log', 'verify', log, '--signer', p('owner.pub'), '--since', p('audit.cp')])).code).toBe(4);
    writeFileSync(p('bad.cp'), cp.stdout.replace('"TreeSize": 3', '"TreeSize": 2'));
    expect((await dare(['log', 'verify', log, '--since', p('bad.cp')])).code).toBe(4);
    writeFileSync(p('junk.cp'), '{"DareCheckpoint": 1}');
    expect((await dare(['log', 'verify', log, '--since', p('junk.cp')])).code).toBe(3);
    // Unsigned: only with --allow-unsigned.
    const plain = p('plain.dlog');
    expect((await dare(['log', 'create', plain])).code).toBe(0);
    expect((await dare(['checkpoint', plain])).code).toBe(4);
    expect((await dare(['checkpoint', plain, '--allow-unsigned'])).code).toBe(0);
    writeFileSync(p('note.txt'), 'x');
    expect((await dare(['encode', p('note.txt'), '-s', p('owner.key')])).code).toBe(0);
    expect((await dare(['verify', p('note.txt.dare'), '--since', p('audit.cp')])).code).toBe(2);
  });
});
