import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, utimesSync, truncateSync, appendFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateKeySet, parseSecret, generateSecret, utf8, type KeySet } from '../lib/index.js';
import { SequenceWriter } from '../lib/sequence/writer.js';
import { Mirror, restoreMirror, syncOnce, mirrorHistory, mirrorStatus, type MirrorKeys } from './index.js';
import { encryptFile } from './objects.js';
import { checkPath, decodeEntry, encodeEntry } from './entries.js';
import { errorCode as code } from '../lib/internal/error-code.test-util.js';

const root = mkdtempSync(join(tmpdir(), 'dare-mirror-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => {
  const d = join(root, `${name}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const me: KeySet = generateKeySet();
const writeKeys: MirrorKeys = {
  recipients: [{ crv: me.encryption.crv, publicKey: me.encryption.publicKey }],
  decryptionKeys: [{ crv: me.encryption.crv, privateKey: me.encryption.privateKey }],
};
const readKeys: MirrorKeys = { decryptionKeys: writeKeys.decryptionKeys };

/** Every file and directory below `dir`: relative path -> bytes (files) or 'dir', with mode and mtime. */
function tree(dir: string): Map<string, { data?: Buffer; mode: number; mtimeMs?: number }> {
  const out = new Map<string, { data?: Buffer; mode: number; mtimeMs?: number }>();
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      const rel = relative(dir, abs);
      const st = statSync(abs);
      if (e.isDirectory()) {
        out.set(rel, { mode: st.mode & 0o7777 });
        visit(abs);
      } else out.set(rel, { data: readFileSync(abs), mode: st.mode & 0o7777, mtimeMs: Math.floor(st.mtimeMs) });
    }
  };
  visit(dir);
  return out;
}

function expectSameTree(a: string, b: string): void {
  const x = tree(a);
  const y = tree(b);
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const [k, v] of x) {
    const w = y.get(k);
    expect(w?.mode, k).toBe(v.mode);
    if (v.data) {
      expect(w?.data?.equals(v.data), k).toBe(true);
      expect(w?.mtimeMs, k).toBe(v.mtimeMs);
    }
  }
}

function populate(src: string): void {
  mkdirSync(join(src, 'notes/2025/deep'), { recursive: true });
  mkdirSync(join(src, 'empty-folder'));
  writeFileSync(join(src, 'notes/plan.txt'), 'the secret plan\n');
  writeFileSync(join(src, 'notes/2025/deep/empty.txt'), '');
  writeFileSync(join(src, 'binary.bin'), Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 31) & 255)));
  writeFileSync(join(src, 'large.dat'), Buffer.alloc(3 * 1024 * 1024 + 5, 0x5a));
  fs.chmod(join(src, 'notes/plan.txt'), 0o600);
}

async function entries(dest: string) {
  return mirrorHistory(dest, readKeys);
}


describe('watched-folder mirror (library)', () => {
  it('catches up, restores byte for byte with modes and times, and hides every plaintext name', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    const out = join(fresh('out'), 'restored');
    populate(src);
    utimesSync(join(src, 'binary.bin'), 1_600_000_000, 1_600_000_000.25);
    const r = await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    expect(r.files).toBe(4);
    expect(r.failed.size).toBe(0);
    const res = await restoreMirror(dest, out, { keys: readKeys });
    expect(res.failed).toEqual([]);
    expect(res.files).toBe(4);
    expectSameTree(src, out);
    // No plaintext name or content anywhere in DEST: not in file names, not in the journal or objects.
    for (const rel of tree(dest).keys()) {
      for (const word of ['notes', 'plan', 'binary', 'large', 'empty', '2025', 'deep']) expect(rel).not.toContain(word);
    }
    for (const [rel, v] of tree(dest)) {
      if (!v.data) continue;
      const text = v.data.toString('latin1');
      for (const word of ['plan.txt', 'secret plan', 'empty-folder', 'large.dat']) expect(text, rel).not.toContain(word);
    }
  });

  it('records only what changed: unchanged files give no entry, a touched file reuses its object', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    populate(src);
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const before = await entries(dest);
    expect((await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 })).changes).toBe(0);
    expect(await entries(dest)).toEqual(before);
    const objects = () => tree(join(dest, 'objects'));
    const count = [...objects().values()].filter((v) => v.data).length;
    utimesSync(join(src, 'large.dat'), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(src, 'notes/plan.txt'), 'a new plan\n');
    const r = await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    expect(r.changes).toBe(2);
    const after = (await entries(dest)).slice(before.length);
    expect(after.map((h) => `${h.op} ${h.path ?? ''}`)).toEqual(['put large.dat', 'put notes/plan.txt', 'checkpoint ']);
    // The touched file kept its object; the edited one got a new one (the old stays for the history).
    expect([...objects().values()].filter((v) => v.data).length).toBe(count + 1);
  });

  it('restores an earlier state by entry and by time, and a single file', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    writeFileSync(join(src, 'a.txt'), 'version 1');
    writeFileSync(join(src, 'b.txt'), 'b');
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const first = (await entries(dest)).at(-1);
    await new Promise((r) => setTimeout(r, 20));
    const middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(src, 'a.txt'), 'version 2');
    await fs.rm(join(src, 'b.txt'));
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const byEntry = fresh('out');
    await restoreMirror(dest, byEntry, { keys: readKeys, entry: first?.entry });
    expect(readFileSync(join(byEntry, 'a.txt'), 'utf8')).toBe('version 1');
    expect(readFileSync(join(byEntry, 'b.txt'), 'utf8')).toBe('b');
    const byTime = fresh('out');
    await restoreMirror(dest, byTime, { keys: readKeys, at: middle, file: 'a.txt' });
    expect(readdirSync(byTime)).toEqual(['a.txt']);
    expect(readFileSync(join(byTime, 'a.txt'), 'utf8')).toBe('version 1');
    const now = fresh('out');
    await restoreMirror(dest, now, { keys: readKeys });
    expectSameTree(src, now);
    expect(await code(restoreMirror(dest, now, { keys: readKeys }))).toBe('OUTPUT_EXISTS');
    expect(await code(restoreMirror(dest, fresh('out'), { keys: readKeys, file: 'b.txt' }))).toBe('NOT_FOUND');
  });

  it('a tampered object fails its check and nothing is written for it; the rest is restored', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    writeFileSync(join(src, 'good.txt'), 'fine');
    writeFileSync(join(src, 'bad.txt'), 'x'.repeat(5000));
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const state = (await Mirror.open(src, dest, { keys: writeKeys }).then(async (m) => {
      const s = m.state.files.get('bad.txt');
      await m.close();
      return s;
    }));
    const objects = tree(join(dest, 'objects'));
    const [rel] = [...objects.keys()].filter((k) => k.endsWith(`${state?.object}.dare`));
    const file = join(dest, 'objects', rel as string);
    const bytes = readFileSync(file);
    bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 1;
    writeFileSync(file, bytes);
    const out = fresh('out');
    const r = await restoreMirror(dest, out, { keys: readKeys });
    expect(r.failed.map((f) => f.path)).toEqual(['bad.txt']);
    // The ciphertext digest or the MAC catches it, depending on the byte.
    expect(['DIGEST_MISMATCH', 'MAC_INVALID']).toContain(r.failed[0]?.error.code);
    expect(readdirSync(out)).toEqual(['good.txt']);
    const st = await mirrorStatus(dest, { keys: readKeys, deep: true, source: src });
    expect(st.damaged.map((d) => d.path)).toEqual(['bad.txt']);
    expect(st.pending).toEqual({ put: [], delete: [] });
  });

  it('recovers from a crash: torn journal tail cut, unrecorded objects removed, nothing lost or recorded twice', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    for (let i = 0; i < 30; i++) writeFileSync(join(src, `f${i}.txt`), `file ${i}`);
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const before = await entries(dest);
    // A crash after an object was written but before its entry, in the middle of appending a frame.
    writeFileSync(join(src, 'late.txt'), 'late');
    mkdirSync(join(dest, 'objects', 'ZZ'));
    writeFileSync(join(dest, 'objects', 'ZZ', 'AZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ.dare'), 'orphan');
    appendFileSync(join(dest, 'journal.dares'), Buffer.from([0xf0, 0x40, 0x01, 0x02, 0x03]));
    writeFileSync(join(dest, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), started: 'x' }));
    const events: string[] = [];
    const r = await syncOnce(src, dest, { keys: writeKeys, settleMs: 0, onEvent: (e) => events.push(JSON.stringify(e)) });
    expect(r.changes).toBe(1);
    expect(events[0]).toMatch(/"tornBytes":5,"orphans":1/);
    const after = await entries(dest);
    expect(after.slice(0, before.length)).toEqual(before);
    const puts = after.filter((h) => h.op === 'put').map((h) => h.path);
    expect(new Set(puts).size).toBe(puts.length);
    expect(puts).toHaveLength(31);
    const out = fresh('out');
    await restoreMirror(dest, out, { keys: readKeys });
    expectSameTree(src, out);
  });

  it('a file deleted while it is encrypted leaves nothing behind and is recorded as deleted', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    const big = join(src, 'big.bin');
    writeFileSync(big, Buffer.alloc(24 << 20, 1));
    const tmp = fresh('tmp');
    const pending = encryptFile(big, 'big.bin', tmp, { recipients: writeKeys.recipients ?? [] });
    await fs.rm(big);
    expect((await pending).kind).toBe('gone');
    expect(readdirSync(tmp)).toEqual([]);
    writeFileSync(big, 'small now');
    const m = await Mirror.open(src, dest, { keys: writeKeys, settleMs: 0 });
    try {
      await m.sync();
      expect(m.state.files.has('big.bin')).toBe(true);
      await fs.rm(big);
      expect((await m.sync(['big.bin'])).changes).toBe(1);
      expect(m.state.files.has('big.bin')).toBe(false);
    } finally {
      await m.close();
    }
  });

  it('detects renames by content and reuses the object', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    mkdirSync(join(src, 'old'));
    writeFileSync(join(src, 'old/report.txt'), 'quarterly numbers');
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    mkdirSync(join(src, 'new'));
    await fs.rename(join(src, 'old/report.txt'), join(src, 'new/report-final.txt'));
    await fs.rm(join(src, 'old'), { recursive: true });
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const h = (await entries(dest)).filter((x) => ['rename', 'put', 'delete', 'rmdir', 'mkdir'].includes(x.op)).slice(-3);
    expect(h.map((x) => `${x.op} ${x.from ? x.from + ' -> ' : ''}${x.path}`)).toEqual(['rename old/report.txt -> new/report-final.txt', 'rmdir old', 'mkdir new']);
    const out = fresh('out');
    await restoreMirror(dest, out, { keys: readKeys });
    expectSameTree(src, out);
  });

  it('refuses wrong keys, a changed recipient list, a missing signer and a mirror inside its source', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    writeFileSync(join(src, 'a'), 'a');
    const signer = generateKeySet().signature;
    await syncOnce(src, dest, { keys: { ...writeKeys, signer }, settleMs: 0 });
    const other = generateKeySet();
    const otherKeys = { decryptionKeys: [{ crv: other.encryption.crv, privateKey: other.encryption.privateKey }] };
    expect(await code(restoreMirror(dest, fresh('out'), { keys: otherKeys }))).toBe('NO_MATCHING_KEY');
    expect(await code(syncOnce(src, dest, { keys: writeKeys }))).toBe('CONFLICT');
    expect(await code(syncOnce(src, dest, { keys: { ...writeKeys, signer, recipients: [{ crv: other.encryption.crv, publicKey: other.encryption.publicKey }] } }))).toBe('CONFLICT');
    expect(await code(syncOnce(src, join(src, 'inner'), { keys: writeKeys }))).toBe('CONFLICT');
    // Trusted signers: the right one restores; another one finds no trusted signature.
    const pub = { crv: signer.crv, publicKey: signer.publicKey };
    expect((await restoreMirror(dest, fresh('out'), { keys: { ...readKeys, trustedSigners: [pub] } })).files).toBe(1);
    const stranger = generateKeySet().signature;
    expect(await code(restoreMirror(dest, fresh('out'), { keys: { ...readKeys, trustedSigners: [{ crv: stranger.crv, publicKey: stranger.publicKey }] } }))).toBe('SIGNATURE_INVALID');
  });

  it('rejects journal paths that leave the folder, even in a correctly encrypted journal', async () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a//b', './a', '', 'a\0b']) expect(() => checkPath(bad)).toThrow();
    expect(checkPath('a/b c/d.txt')).toBe('a/b c/d.txt');
    expect(() => decodeEntry(utf8('{"op":"delete","path":"../../etc/passwd","time":"t"}'))).toThrow(/leaves the folder/);
    // A forger holding the secret writes a valid, encrypted entry with a hostile path.
    const secret = parseSecret(generateSecret(256)).key;
    const src = fresh('src');
    const dest = fresh('dest');
    writeFileSync(join(src, 'a'), 'a');
    await syncOnce(src, dest, { keys: { secret }, settleMs: 0 });
    const w = await SequenceWriter.open(join(dest, 'journal.dares'), { secret });
    await w.append(encodeEntry({ op: 'mkdir', path: '../escaped', mode: 0o755, time: new Date().toISOString() }));
    await w.close();
    const out = fresh('out');
    expect(await code(restoreMirror(dest, join(out, 'r'), { keys: { secret } }))).toBe('MALFORMED');
    expect(readdirSync(out)).toEqual([]);
  });

  it('keeps working when the journal is cut anywhere in its last frame', async () => {
    const src = fresh('src');
    const dest = fresh('dest');
    writeFileSync(join(src, 'a'), 'a');
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    writeFileSync(join(src, 'b'), 'b');
    const size = statSync(join(dest, 'journal.dares')).size;
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const full = statSync(join(dest, 'journal.dares')).size;
    truncateSync(join(dest, 'journal.dares'), size + Math.floor((full - size) / 2));
    await syncOnce(src, dest, { keys: writeKeys, settleMs: 0 });
    const out = fresh('out');
    await restoreMirror(dest, out, { keys: readKeys });
    expectSameTree(src, out);
  });
});
