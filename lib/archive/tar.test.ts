/**
 * tar import never changes a name silently (issue 13 item 16): names that are not UTF-8
 * (ustar field or PAX record), a NUL in a PAX path, a folder after a file of that name, a
 * name given twice. Real tar bytes from tar-stream, patched where a packer would not write
 * them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { fromUtf8 } from '../internal/bytes.js';
import { errorCode } from '../internal/error-code.test-util.js';
import { ArchiveReader, ArchiveWriter, addTar } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

type Entry = { name: string; type?: tar.Header['type']; data?: string; pax?: Record<string, string> };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', mode: 0o644, mtime: new Date(0), pax: e.pax }, Buffer.from(e.data ?? ''));
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Replaces the bytes of `marker` (as first found) by `bytes` of the same length, fixing the header checksum when it is in a header. */
function patch(t: Buffer, marker: string, bytes: number[]): Buffer {
  const out = Buffer.from(t);
  const at = out.indexOf(Buffer.from(marker));
  expect(at).toBeGreaterThanOrEqual(0);
  Buffer.from(bytes).copy(out, at);
  const block = at - (at % 512);
  if (at % 512 < 100) {
    // The name field of a header: recompute the checksum (spaces in its own field, 6 octal digits, NUL, space).
    out.fill(0x20, block + 148, block + 156);
    let sum = 0;
    for (let i = block; i < block + 512; i++) sum += out[i] as number;
    out.write(sum.toString(8).padStart(6, '0') + '\0 ', block + 148, 'latin1');
  }
  return out;
}

async function importTar(bytes: Buffer): Promise<{ notes: string[]; entries: Map<string, string> }> {
  const file = join(dir, `t${n++}.dare`);
  const w = await ArchiveWriter.create(file);
  const notes: string[] = [];
  try {
    await addTar(w, (async function* () { yield bytes; })(), { onNote: (m) => notes.push(m) });
    await w.finish();
  } catch (e) {
    await w.abort();
    throw e;
  }
  const r = await ArchiveReader.open(file);
  const entries = new Map<string, string>();
  try {
    for (const e of r.entries()) {
      let text: string = e.kind;
      if (e.kind === 'file') {
        const parts: Uint8Array[] = [];
        for await (const c of r.content(e)) parts.push(c);
        text = fromUtf8(Buffer.concat(parts));
      }
      entries.set(e.path, text);
    }
  } finally {
    await r.close();
  }
  return { notes, entries };
}

describe('tar import keeps every name exactly or refuses it', () => {
  it('a ustar name that is not UTF-8 is refused (0xff and 0xfe would both become U+FFFD)', async () => {
    const t = patch(await tarOf([{ name: 'XXone', data: 'a' }, { name: 'YYone', data: 'b' }]), 'XXone', [0xff, 0x41]);
    expect(await errorCode(importTar(t))).toBe('MALFORMED');
    await expect(importTar(t)).rejects.toThrow(/name is not UTF-8/);
    // UTF-8 names pass through exactly, and so does a name that only looks odd.
    const ok = await importTar(await tarOf([{ name: 'caf\u00e9/\u6771\u4eac.txt', data: 'x' }]));
    expect([...ok.entries.keys()]).toEqual(['caf\u00e9/\u6771\u4eac.txt']);
  });

  it('a PAX path that is not UTF-8 is refused; a NUL in a PAX path is refused, not cut', async () => {
    const bad = patch(await tarOf([{ name: 'short', pax: { path: 'PAXPATHX' }, data: 'a' }]), 'PAXPATHX', [0x50, 0x41, 0xc3, 0x28, 0x50, 0x41, 0x54, 0x48]);
    await expect(importTar(bad)).rejects.toThrow(/PAX path is not UTF-8/);
    const nul = await tarOf([{ name: 'short', pax: { path: 'keep\u0000cut' }, data: 'a' }]);
    expect(await errorCode(importTar(nul))).toBe('MALFORMED');
    await expect(importTar(nul)).rejects.toThrow(/control character/);
  });

  it('a folder after a file of the same name is refused (and the other way round)', async () => {
    await expect(importTar(await tarOf([{ name: 'x', data: 'file' }, { name: 'x/', type: 'directory' }]))).rejects.toThrow(/"x" came before as a file, now as a directory/);
    await expect(importTar(await tarOf([{ name: 'd/', type: 'directory' }, { name: 'd', data: 'file' }]))).rejects.toThrow(/came before as a directory, now as a file/);
  });

  it('a name given twice is reported; the later entry is kept, as tar does', async () => {
    const r = await importTar(await tarOf([{ name: 'a.txt', data: 'first' }, { name: './a.txt', data: 'second' }]));
    expect(r.entries.get('a.txt')).toBe('second');
    expect(r.notes.some((m) => /"a\.txt" appears again; the later file is kept/.test(m))).toBe(true);
  });
});
