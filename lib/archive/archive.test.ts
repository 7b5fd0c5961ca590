import { afterAll, describe, expect, it } from 'vitest';
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync,
  utimesSync, writeFileSync, chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { generateKeySet, parsePublicKeySet, publicKeySet } from '../keys/keyset.js';
import { toHex } from '../internal/bytes.js';
import { verifySequence } from '../sequence/verify.js';
import { SequenceReader } from '../sequence/reader.js';
import { FileReader } from '../platform/file.js';
import type { RandomAccessReader } from '../internal/random-access.js';
import { ArchiveReader, ArchiveWriter, addPath, addTar, archiveToTar, copyArchive, extractArchive, checkEntryPath } from './index.js';
import { readFileExactly } from '../platform/tree.js';
import { craftArchive } from './craft.test-util.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const root = mkdtempSync(join(tmpdir(), 'dare-archive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'd') => {
  const d = join(root, `${name}${n++}`);
  mkdirSync(d);
  return d;
};
const alice = generateKeySet();
const bob = generateKeySet();
const aliceKeys = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }] };
const T1 = new Date('2021-03-04T05:06:07.250Z');
const T2 = new Date('2020-01-02T03:04:05.500Z');


/** src/{a/b/x.txt, a/y.bin (0600), empty/, link -> a/b/x.txt}, with fixed times. */
function tree(): string {
  const d = fresh('src');
  const s = join(d, 'src');
  mkdirSync(join(s, 'a/b'), { recursive: true });
  mkdirSync(join(s, 'empty'));
  writeFileSync(join(s, 'a/b/x.txt'), 'hello archive');
  writeFileSync(join(s, 'a/y.bin'), Buffer.alloc(200_000, 9));
  chmodSync(join(s, 'a/y.bin'), 0o600);
  symlinkSync('a/b/x.txt', join(s, 'link'));
  for (const p of ['a/b/x.txt', 'a/y.bin', 'a/b', 'a', 'empty', '.']) utimesSync(join(s, p), T1, T1);
  return s;
}

async function build(file: string, src: string, options: ConstructorParameters<typeof Object>[0] = {}): Promise<void> {
  const w = await ArchiveWriter.create(file, options as object);
  await addPath(w, src, 'src');
  await w.finish();
}

/** A RandomAccessReader that records every read. */
class Counting implements RandomAccessReader {
  reads: [number, number][] = [];
  private readonly inner: FileReader;
  constructor(inner: FileReader) {
    this.inner = inner;
  }
  size() {
    return this.inner.size();
  }
  read(p: number, l: number) {
    this.reads.push([p, l]);
    return this.inner.read(p, l);
  }
}

describe('archives', () => {
  it('round-trips files, empty directories and symbolic links with modes and times', async () => {
    const src = tree();
    const file = join(fresh(), 'a.dare');
    await build(file, src);
    const r = await ArchiveReader.open(file);
    expect(r.indexed).toBe(true);
    expect(r.entries().map((e) => `${e.kind}:${e.path}`)).toEqual([
      'directory:src', 'directory:src/a', 'directory:src/a/b', 'file:src/a/b/x.txt', 'file:src/a/y.bin', 'directory:src/empty', 'symlink:src/link',
    ]);
    const dest = fresh('out');
    const rep = await extractArchive(r, dest, r.entries());
    await r.close();
    expect(rep).toEqual({ files: 2, directories: 4, symlinks: 1, bytes: 200_013 });
    expect(readFileSync(join(dest, 'src/a/b/x.txt'), 'utf8')).toBe('hello archive');
    expect(readFileSync(join(dest, 'src/a/y.bin')).equals(Buffer.alloc(200_000, 9))).toBe(true);
    expect(statSync(join(dest, 'src/a/y.bin')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(dest, 'src/link'))).toBe('a/b/x.txt');
    expect(lstatSync(join(dest, 'src/link')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dest, 'src/empty'))).toEqual([]);
    for (const p of ['src/a/b/x.txt', 'src/a', 'src/a/b', 'src/empty', 'src']) expect(statSync(join(dest, p)).mtime.getTime()).toBe(T1.getTime());
  });

  it('extracting one file reads frame 0, the last frame and that file\'s frame only', async () => {
    const src = fresh('many');
    for (let i = 0; i < 300; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.txt`), `file number ${i} `.repeat(200));
    for (const enc of [false, true]) {
      const file = join(fresh(), 'many.dare');
      const w = await ArchiveWriter.create(file, enc ? { recipients: [publicKeySet(alice).encryption] } : {});
      await addPath(w, src, 'many');
      await w.finish();
      // Frame boundaries, for mapping reads to frames.
      const all = await ArchiveReader.open(file, aliceKeys);
      const frames: [number, number, number][] = [];
      for await (const v of all.sequence.frames()) frames.push([v.index, v.position, v.end]);
      await all.close();
      const inner = await FileReader.open(file);
      const counting = new Counting(inner);
      const r = await ArchiveReader.open(counting, aliceKeys);
      const target = r.get('many/f150.txt');
      expect(target).toBeDefined();
      let text = '';
      for await (const p of r.content(target!)) text += Buffer.from(p).toString();
      expect(text).toBe('file number 150 '.repeat(200));
      await inner.close();
      const touched = new Set<number>();
      for (const [p, l] of counting.reads) {
        for (const [i, s, e] of frames) if (p < e && p + Math.max(l, 1) > s) touched.add(i);
      }
      const last = frames[frames.length - 1]![0];
      // Encrypted: frame 1 carries the session's key exchange (ExchangePosition). Opening also
      // reads the frame before the last one (and, for an odd last index, the TreePosition
      // target of that frame) to tell the file's own last frame from one inside a payload.
      const anchors = last % 2 === 0 ? [last - 1] : [last - 1, last - 2];
      const expected = [...new Set([0, ...(enc ? [1] : []), target!.index, ...anchors, last])].sort((a, b) => a - b);
      expect([...touched].sort((a, b) => a - b)).toEqual(expected);
      const bytes = counting.reads.reduce((s, [, l]) => s + l, 0);
      expect(bytes).toBeLessThan(statSync(file).size / 5);
    }
  });

  it('encrypts contents and metadata (names, sizes, modes) to a recipient or a shared secret', async () => {
    const src = tree();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    for (const [opts, read] of [
      [{ recipients: [publicKeySet(alice).encryption] }, aliceKeys],
      [{ secret }, { secrets: [secret] }],
    ] as const) {
      const file = join(fresh(), 'e.dare');
      await build(file, src, opts);
      const raw = readFileSync(file).toString('latin1');
      for (const s of ['hello archive', 'x.txt', 'y.bin', 'empty', 'a/b', 'ArchiveEntry', 'Modified']) expect(raw).not.toContain(s);
      expect(await code(ArchiveReader.open(file))).toBe('NO_MATCHING_KEY');
      const r = await ArchiveReader.open(file, read);
      expect(r.get('src/a/y.bin')?.mode).toBe(0o600);
      const dest = fresh('out');
      await extractArchive(r, dest, r.select(['src/a/b']));
      expect(readFileSync(join(dest, 'src/a/b/x.txt'), 'utf8')).toBe('hello archive');
      expect(existsSync(join(dest, 'src/a/y.bin'))).toBe(false);
      await r.close();
    }
  });

  it('authenticates a signed archive through its index: right key, wrong key, changed tree node', async () => {
    const src = tree();
    const file = join(fresh(), 's.dare');
    await build(file, src, { signer: alice.signature });
    const open = (k: typeof alice) => ArchiveReader.open(file, { trustedSigners: [publicKeySet(k).signature] });
    const r = await open(alice);
    expect(r.trust?.some((s) => s.trusted)).toBe(true);
    expect((await r.authenticate()).some((s) => s.trusted)).toBe(true);
    await r.close();
    // Trust given is trust enforced: open itself refuses another signer.
    expect(await code(open(bob))).toBe('SIGNATURE_INVALID');
    // Frame 7 holds TreeNode(7), part of the frontier the apex of frame 8 is computed from.
    const reader = await ArchiveReader.open(file);
    const f7 = await reader.sequence.frame(7);
    await reader.close();
    const bytes = readFileSync(file);
    const node = f7.trailer!.treeNode!;
    // TreeNode follows TreeDigest in the trailer (they are equal when 8 frames make a perfect tree).
    const at = bytes.lastIndexOf(Buffer.from(node), f7.end);
    expect(at).toBeGreaterThan(f7.position);
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(file, bytes);
    expect(await code(open(alice))).toBe('MERKLE_MISMATCH');
  });

  it('a changed content byte fails the entry (DIGEST_MISMATCH) and extraction leaves no file and no empty folder it made', async () => {
    const src = tree();
    const file = join(fresh(), 't.dare');
    await build(file, src);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('hello archive'));
    bytes[at] = bytes[at]! ^ 0x20;
    writeFileSync(file, bytes);
    const r = await ArchiveReader.open(file);
    const dest = fresh('out');
    expect(await code(extractArchive(r, dest, r.select(['src/a/b/x.txt'])))).toBe('DIGEST_MISMATCH');
    await r.close();
    expect(existsSync(join(dest, 'src/a/b/x.txt'))).toBe(false);
    // The folders made for it (src, src/a, src/a/b) are gone again; DEST existed before and stays.
    expect(readdirSync(dest)).toEqual([]);
  });

  it('refuses crafted paths before writing anything, and never writes outside DEST', async () => {
    const hostile: { path: string; kind?: 'file' | 'symlink' | 'directory'; target?: string; data?: string }[][] = [
      [{ path: 'ok.txt', data: 'fine' }, { path: '../escape.txt', data: 'evil' }],
      [{ path: '/tmp/abs.txt', data: 'evil' }],
      [{ path: 'a/./b', data: 'evil' }],
      [{ path: 'a//b', data: 'evil' }],
      [{ path: 'a\\..\\..\\b', data: 'evil' }],
      [{ path: 'nul\u0000.txt', data: 'evil' }],
      [{ path: 'C:evil', data: 'evil' }],
      [{ path: 'l', kind: 'symlink', target: '..' }, { path: 'l/escape.txt', data: 'evil' }],
    ];
    for (const entries of hostile) {
      const box = fresh('box');
      const file = join(box, 'crafted.dare');
      await craftArchive(file, entries);
      const dest = join(box, 'dest');
      const r = await ArchiveReader.open(file);
      expect(await code(extractArchive(r, dest, r.entries()))).toBe('MALFORMED');
      await r.close();
      expect(readdirSync(box).sort()).toEqual(['crafted.dare']);
    }
    for (const p of ['a', 'a/b.c', 'ü/名前', '.hidden', 'a..b']) expect(() => checkEntryPath(p)).not.toThrow();
  });

  it('never writes through a symbolic link already in DEST', async () => {
    const box = fresh('box');
    const outside = join(box, 'outside');
    mkdirSync(outside);
    const file = join(box, 'c.dare');
    await craftArchive(file, [{ path: 'l/x.txt', data: 'evil' }]);
    const dest = join(box, 'dest');
    mkdirSync(dest);
    symlinkSync(outside, join(dest, 'l'));
    const r = await ArchiveReader.open(file);
    expect(await code(extractArchive(r, dest, r.entries(), { force: true }))).toBe('IO');
    await r.close();
    expect(readdirSync(outside)).toEqual([]);
  });

  it('replaces existing files only with force, and replaces a link rather than writing through it', async () => {
    const box = fresh('box');
    const file = join(box, 'f.dare');
    await craftArchive(file, [{ path: 'x.txt', data: 'new' }]);
    const dest = join(box, 'dest');
    mkdirSync(dest);
    writeFileSync(join(dest, 'x.txt'), 'old');
    const r = await ArchiveReader.open(file);
    expect(await code(extractArchive(r, dest, r.entries()))).toBe('OUTPUT_EXISTS');
    expect(readFileSync(join(dest, 'x.txt'), 'utf8')).toBe('old');
    await extractArchive(r, dest, r.entries(), { force: true });
    expect(readFileSync(join(dest, 'x.txt'), 'utf8')).toBe('new');
    rmSync(join(dest, 'x.txt'));
    writeFileSync(join(box, 'victim'), 'keep');
    symlinkSync(join(box, 'victim'), join(dest, 'x.txt'));
    await extractArchive(r, dest, r.entries(), { force: true });
    await r.close();
    expect(readFileSync(join(box, 'victim'), 'utf8')).toBe('keep');
    expect(lstatSync(join(dest, 'x.txt')).isFile()).toBe(true);
    expect(readdirSync(dest)).toEqual(['x.txt']);
  });

  it('imports tar streams: sanitizes a leading "/", refuses escapes and entries below links, skips hard links', async () => {
    const makeTar = async (entries: { name: string; type?: tar.Header['type']; data?: string; linkname?: string; size?: number }[]) => {
      const pack = tar.pack();
      for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mtime: T2, mode: 0o640 }, Buffer.from(e.data ?? ''));
      pack.finalize();
      const parts: Buffer[] = [];
      for await (const c of pack) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    const run = async (bytes: Buffer) => {
      const file = join(fresh(), 'tar.dare');
      const notes: string[] = [];
      const w = await ArchiveWriter.create(file);
      try {
        const rep = await addTar(w, (async function* () { yield bytes; })(), { onNote: (m) => notes.push(m) });
        await w.finish();
        return { rep, notes, file };
      } catch (e) {
        await w.abort();
        expect(existsSync(file)).toBe(false);
        throw e;
      }
    };
    const ok = await run(await makeTar([
      { name: './dir/', type: 'directory' }, { name: '/dir/abs.txt', data: 'abs' }, { name: 'dir/h', type: 'link', linkname: 'dir/abs.txt' },
    ]));
    expect(ok.rep).toEqual({ added: 2, skipped: 1 });
    expect(ok.notes.join('\n')).toMatch(/removed the leading "\/"[\s\S]*hard link/);
    const r = await ArchiveReader.open(ok.file);
    expect(r.entries().map((e) => [e.path, e.mode, e.modified])).toEqual([
      ['dir', 0o640, '2020-01-02T03:04:05.000Z'], ['dir/abs.txt', 0o640, '2020-01-02T03:04:05.000Z'],
    ]);
    await r.close();
    await expect(run(await makeTar([{ name: '../up.txt', data: 'x' }]))).rejects.toThrow(/refused.*"\.\." component/);
    await expect(run(await makeTar([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', data: 'x' }]))).rejects.toThrow(/below the symbolic link|is a symbolic link/);
    // A header declaring far more data than follows: truncated, no archive left.
    const big = await makeTar([{ name: 'big.bin', data: 'x'.repeat(600) }]);
    big.write('77777777777', 124, 'ascii');
    const hdr = big.subarray(0, 512);
    let sum = 0;
    hdr.fill(0x20, 148, 156);
    for (const b of hdr) sum += b;
    big.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    expect(await code(run(big.subarray(0, 2048)))).toMatch(/TRUNCATED|IO/);
  });

  it('exports entries as tar and imports them back', async () => {
    const src = tree();
    const file = join(fresh(), 'x.dare');
    await build(file, src);
    const r = await ArchiveReader.open(file);
    const parts: Uint8Array[] = [];
    for await (const c of archiveToTar(r, r.entries())) parts.push(c);
    const back = join(fresh(), 'back.dare');
    const w = await ArchiveWriter.create(back);
    await addTar(w, (async function* () { yield Buffer.concat(parts); })());
    await w.finish();
    const r2 = await ArchiveReader.open(back);
    expect(r2.entries().map((e) => [e.path, e.kind, e.size, e.mode, e.target])).toEqual(r.entries().map((e) => [e.path, e.kind, e.size, e.mode, e.target]));
    await r.close();
    await r2.close();
  });

  it('delete keeps the bytes until a purged copy drops them; copies re-encrypt', async () => {
    const src = fresh('src');
    writeFileSync(join(src, 'secret.txt'), 'TOP-SECRET-PLAINTEXT');
    writeFileSync(join(src, 'keep.txt'), 'keep me');
    const file = join(fresh(), 'del.dare');
    const w = await ArchiveWriter.create(file);
    await addPath(w, src, 'src');
    await w.finish();
    const w2 = await ArchiveWriter.open(file);
    expect(await w2.remove('src/secret.txt')).toEqual(['src/secret.txt']);
    expect(await code(w2.remove('src/nothing'))).toBe('NOT_FOUND');
    await w2.finish();
    expect(readFileSync(file).toString('latin1')).toContain('TOP-SECRET-PLAINTEXT');
    for (const purge of [false, true]) {
      const r = await ArchiveReader.open(file);
      expect(r.entries().map((e) => e.path)).toEqual(['src', 'src/keep.txt']);
      const out = join(fresh(), 'copy.dare');
      const cw = await ArchiveWriter.create(out, purge ? {} : { recipients: [publicKeySet(bob).encryption] });
      await copyArchive(r, cw, { purge });
      await cw.finish();
      await r.close();
      const raw = readFileSync(out).toString('latin1');
      expect(raw.includes('TOP-SECRET-PLAINTEXT')).toBe(false);
      expect(raw.includes('keep me')).toBe(purge);
      const r2 = await ArchiveReader.open(out, { keys: [{ crv: 'X25519', privateKey: bob.encryption.privateKey }] });
      expect(r2.entries().map((e) => e.path)).toEqual(['src', 'src/keep.txt']);
      let history = 0;
      for await (const _ of r2.history()) history++;
      expect(history).toBe(purge ? 2 : 4);
      await r2.close();
    }
  });

  it('recovers from an append cut mid-frame and from a missing index', async () => {
    const src = tree();
    const file = join(fresh(), 'torn.dare');
    await build(file, src);
    const good = statSync(file).size;
    const w = await ArchiveWriter.open(file);
    await w.add({ path: 'late.txt', kind: 'file', size: 5, mode: 0o644, modified: T2.toISOString() }, Buffer.from('late!'));
    await w.finish();
    const r0 = await ArchiveReader.open(file);
    const late = r0.get('late.txt')!;
    await r0.close();
    // Cut inside the index frame: the last intact frame is the entry, with no index after it.
    truncateSync(file, statSync(file).size - 10);
    const r = await ArchiveReader.open(file);
    expect(r.indexed).toBe(false);
    expect(r.sequence.tornBytes).toBeGreaterThan(0);
    expect(r.get('late.txt')?.index).toBe(late.index);
    await r.close();
    // Cut inside the entry frame: back to the first index.
    truncateSync(file, late.position + 20);
    const w2 = await ArchiveWriter.open(file);
    expect(w2.sequence.tornBytes).toBe(20);
    await w2.add({ path: 'again.txt', kind: 'file', size: 2, mode: 0o600, modified: T2.toISOString() }, Buffer.from('ok'));
    await w2.finish();
    const r2 = await ArchiveReader.open(file);
    expect(r2.indexed).toBe(true);
    expect(r2.get('late.txt')).toBeUndefined();
    expect(r2.get('again.txt')?.size).toBe(2);
    await r2.checkIndex();
    await r2.close();
    expect(statSync(file).size).toBeGreaterThan(good);
  });

  it('an aborted session leaves the archive as it was; a file that changes size while read fails cleanly', async () => {
    const src = tree();
    const file = join(fresh(), 'ab.dare');
    await build(file, src);
    const before = readFileSync(file);
    const w = await ArchiveWriter.open(file);
    await w.add({ path: 'x', kind: 'directory', size: 0, mode: 0o755, modified: T2.toISOString() });
    const grown = join(src, 'a/y.bin');
    await expect(w.add({ path: 'y', kind: 'file', size: 100, mode: 0o644, modified: T2.toISOString() }, readFileExactly(grown, 100))).rejects.toThrow(/grew while it was read/);
    await w.abort();
    expect(readFileSync(file).equals(before)).toBe(true);
    const chunks = readFileExactly(grown, 300_000);
    await expect((async () => { for await (const _ of chunks) { /* read */ } })()).rejects.toThrow(/shrank/);
    expect(await code(ArchiveWriter.create(file))).toBe('OUTPUT_EXISTS');
  });

  it('reads the v1 format fixture: listing, contents, history, signature (fixtures/archive)', async () => {
    const fx = (n: string) => new URL(`../../fixtures/archive/${n}`, import.meta.url);
    const expected = JSON.parse(readFileSync(fx('v1-signed.json'), 'utf8')) as { entries: unknown[]; contents: Record<string, string> };
    const signer = parsePublicKeySet(readFileSync(fx('signer.pub'), 'utf8').trim()).signature;
    const r = await ArchiveReader.open(fileURLToPath(fx('v1-signed.dare')), { trustedSigners: [signer] });
    expect(r.entries().map((e) => ({ ...e, frameDigest: toHex(e.frameDigest) }))).toEqual(expected.entries);
    await r.authenticate();
    for (const [path, text] of Object.entries(expected.contents)) {
      let got = '';
      for await (const piece of r.content(r.get(path)!)) got += Buffer.from(piece).toString();
      expect(got).toBe(text);
    }
    const kinds: string[] = [];
    for await (const h of r.history()) kinds.push(h.kind === 'entry' ? h.entry.path : `-${h.path}`);
    expect(kinds).toEqual(['pkg', 'pkg/README.txt', 'pkg/bin', 'pkg/bin/run.sh', 'pkg/empty', 'pkg/latest', 'pkg/old.txt', 'pkg/README.txt', '-pkg/old.txt']);
    await r.checkIndex();
    expect((await verifySequence(r.sequence)).lastSigned).toBe(r.sequence.last.index);
    await r.close();
  });

  it('reads an archive signed before signing purposes (fixtures/archive/v1-signed-legacy.dare): its legacy apex signature is trusted only when accepted', async () => {
    const fx = (n: string) => fileURLToPath(new URL(`../../fixtures/archive/${n}`, import.meta.url));
    const signer = parsePublicKeySet(readFileSync(fx('legacy-signer.pub'), 'utf8').trim()).signature;
    const refused = await ArchiveReader.open(fx('v1-signed-legacy.dare'), { trustedSigners: [signer] }).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/legacy signature/) as unknown });
    const r = await ArchiveReader.open(fx('v1-signed-legacy.dare'), { trustedSigners: [signer], acceptLegacySignatures: true });
    expect(r.trust?.map((s) => [s.trusted, s.legacy])).toEqual([[true, true]]);
    expect(r.entries().map((e) => e.path)).toEqual(['pkg', 'pkg/bin', 'pkg/bin/run.sh', 'pkg/empty', 'pkg/latest', 'pkg/README.txt']);
    expect((await verifySequence(r.sequence)).lastSigned).toBe(r.sequence.last.index);
    await r.close();
    const seq = await SequenceReader.open(fx('v1-signed-legacy.dare'), { trustedSigners: [signer] });
    expect(await code(verifySequence(seq))).toBe('SIGNATURE_INVALID');
    await seq.close();
  });

  it('refuses entries below a file or link, and replacing a non-empty directory', async () => {
    const w = await ArchiveWriter.create(join(fresh(), 'c.dare'));
    const t = T2.toISOString();
    await w.add({ path: 'f', kind: 'file', size: 0, mode: 0o644, modified: t });
    expect(await code(w.add({ path: 'f/g', kind: 'file', size: 0, mode: 0o644, modified: t }))).toBe('CONFLICT');
    await w.add({ path: 'd/e', kind: 'file', size: 0, mode: 0o644, modified: t });
    await w.add({ path: 'd', kind: 'directory', size: 0, mode: 0o755, modified: t });
    expect(await code(w.add({ path: 'd', kind: 'symlink', size: 0, mode: 0o777, modified: t, target: '/' }))).toBe('CONFLICT');
    expect(await code(w.add({ path: '../x', kind: 'file', size: 0, mode: 0o644, modified: t }))).toBe('MALFORMED');
    await w.abort();
  });
});
