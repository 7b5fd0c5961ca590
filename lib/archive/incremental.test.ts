/**
 * Incremental appends (issue 13, item 7): an append skips what the archive already holds
 * unchanged, by the index with a key that reads it, or by this host's manifest when it is
 * write-only. Real files through addPath.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { collectBytes } from '../internal/bytes.js';
import { ArchiveWriter } from './writer.js';
import { ArchiveReader } from './reader.js';
import { BackupManifest } from './manifest.js';
import { addPath } from './walk.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-incremental-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const p = (...s: string[]) => join(dir, ...s);
const owner = generateKeySet();
const host = generateKeySet();
const signerOf = (k: typeof owner) => ({ crv: k.signature.crv, privateKey: k.signature.privateKey, publicKey: k.signature.publicKey });
const ownerKeys = { keys: [{ crv: 'X25519' as const, privateKey: owner.encryption.privateKey }] };

function tree(): string {
  const src = p(`src${n++}`);
  mkdirSync(join(src, 'sub'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(src, 'sub', `f${i}.txt`), `file ${i}\n`.repeat(500));
  writeFileSync(join(src, 'big.bin'), Buffer.alloc(600_000, 3));
  return src;
}

/** One append session of `src` (as `dare append`): the entries written and skipped. */
async function append(w: ArchiveWriter, src: string): Promise<{ written: string[]; unchanged: number; grew: number }> {
  const before = statSync(w.path).size;
  const written: string[] = [];
  let unchanged = 0;
  await addPath(w, src, 'docs', { onEntry: (m) => written.push(m.path), onUnchanged: () => unchanged++ });
  const s = await w.finish();
  expect(s.unchanged ?? 0).toBe(unchanged);
  return { written, unchanged, grew: statSync(w.path).size - before };
}

async function contents(path: string): Promise<Record<string, string>> {
  const r = await ArchiveReader.open(path, ownerKeys);
  try {
    const out: Record<string, string> = {};
    for (const e of r.entries()) if (e.kind === 'file') out[e.path] = new TextDecoder().decode(await collectBytes(r.content(e)));
    return out;
  } finally {
    await r.close();
  }
}

describe('incremental appends', () => {
  it('with the key: what the index holds unchanged is skipped; a change of content alone (same size and time) is found by its digest', async () => {
    const src = tree();
    const path = p('keyed.dare');
    const c = await ArchiveWriter.create(path, { recipients: [publicKeySet(owner).encryption], signer: signerOf(host) });
    await addPath(c, src, 'docs');
    await c.finish();
    const same = await append(await ArchiveWriter.open(path, { ...ownerKeys, signer: signerOf(host), incremental: true }), src);
    expect(same).toEqual({ written: [], unchanged: 23, grew: 0 });
    // Same size, same time, other bytes: only its digest differs.
    const f = join(src, 'sub', 'f3.txt');
    const st = statSync(f);
    writeFileSync(f, 'FILE 3\n'.repeat(500));
    utimesSync(f, st.atime, st.mtime);
    writeFileSync(join(src, 'new.txt'), 'new\n');
    const changed = await append(await ArchiveWriter.open(path, { ...ownerKeys, signer: signerOf(host), incremental: true }), src);
    expect(changed.written.sort()).toEqual(['docs', 'docs/new.txt', 'docs/sub/f3.txt']); // docs/ itself: its mtime changed
    expect(changed.unchanged).toBe(21);
    expect(changed.grew).toBeLessThan(20_000);
    expect((await contents(path))['docs/sub/f3.txt']).toBe('FILE 3\n'.repeat(500));
    // Not incremental: everything again.
    const full = await append(await ArchiveWriter.open(path, { ...ownerKeys, signer: signerOf(host) }), src);
    expect(full.written).toHaveLength(24);
  });

  it('write-only: the host\'s manifest from dare archive on; foreign frames or another key set it aside; it holds no plaintext', async () => {
    const src = tree();
    const path = p('wo.dare');
    const mpath = p('state', 'wo.json');
    const c = await ArchiveWriter.create(path, { recipients: [publicKeySet(owner).encryption], signer: signerOf(host), manifest: BackupManifest.empty(mpath, signerOf(host)) });
    await addPath(c, src, 'docs');
    await c.finish();
    expect(statSync(mpath).mode & 0o777).toBe(0o600);
    const text = readFileSync(mpath, 'utf8');
    // Only base64url MACs: no name (they hold "/" or "."), no content.
    expect(text).not.toMatch(/docs\/|\.txt|big\.bin|file 3/);
    const session = async (m?: BackupManifest) => ArchiveWriter.openWriteOnly(path, { signer: signerOf(host), manifest: m ?? await BackupManifest.load(mpath, signerOf(host)) });
    expect(await append(await session(), src)).toEqual({ written: [], unchanged: 23, grew: 0 });
    writeFileSync(join(src, 'sub', 'f7.txt'), 'changed\n');
    const day2 = await append(await session(), src);
    expect(day2.written.sort()).toEqual(['docs/sub/f7.txt']);
    expect(day2.grew).toBeLessThan(10_000);
    expect(await append(await session(), src)).toMatchObject({ written: [], unchanged: 23, grew: 0 });
    expect((await contents(path))['docs/sub/f7.txt']).toBe('changed\n');
    // The owner re-indexes: frames the host did not write; its next append sends everything once.
    const o = await ArchiveWriter.open(path, { ...ownerKeys, signer: signerOf(host), rescan: true });
    await o.finish({ forceIndex: true });
    const m = await BackupManifest.load(mpath, signerOf(host));
    const after = await append(await session(m), src);
    expect(m.stale).toMatch(/frames this host did not write/);
    expect(after.written).toHaveLength(23);
    expect(await append(await session(), src)).toMatchObject({ written: [], unchanged: 23 });
    // Another host key: that manifest says nothing for it.
    const other = signerOf(generateKeySet());
    expect((await BackupManifest.load(mpath, other)).size).toBe(0);
  });
});
