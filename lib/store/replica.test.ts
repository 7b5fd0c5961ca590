import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { readFrames } from '../sequence/replica-file.js';
import { Catalog } from './catalog.js';
import { JsonCatalog, JSON_VALUE_CODEC } from './json-catalog.js';
import { Spool } from './spool.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-cat-replica-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `c${counter++}.dcat`);
const alice = generateKeySet();
const toAlice = { recipients: [publicKeySet(alice).encryption], keys: [{ crv: alice.encryption.crv, privateKey: alice.encryption.privateKey }] };

async function state(c: Catalog): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [id, v] of c.entries()) out[id] = fromUtf8(v);
  return out;
}

async function opened(path: string, o = {}): Promise<Record<string, string>> {
  const c = await Catalog.open(path, { ...toAlice, ...o });
  try {
    return await state(c);
  } finally {
    await c.close();
  }
}

/** Frame ends of a file, from its raw frames. */
async function frameEnds(path: string): Promise<number[]> {
  const { frames } = await readFrames(path, 0, { maxFrames: 1 << 20, maxBytes: 1 << 30 });
  let at = 0;
  return frames.map((f) => (at += f.length));
}

describe('catalog batches', () => {
  it('applies several changes as one append, each seeing the ones before it; histories stay linked', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('gone', utf8('g'));
    const out = await c.batch([
      { op: 'add', id: 'a', value: utf8('1') },
      { op: 'add', id: 'b', value: utf8('2') },
      { op: 'update', id: 'a', value: utf8('1b') },
      { op: 'delete', id: 'gone' },
      { op: 'put', id: 'gone', value: utf8('back') },
    ]);
    expect(out.map((i) => i?.versions)).toEqual([1, 1, 2, undefined, 1]);
    expect(await state(c)).toEqual({ a: '1b', b: '2', gone: 'back' });
    await c.close();
    expect(await opened(path)).toEqual({ a: '1b', b: '2', gone: 'back' });
    const again = await Catalog.open(path, toAlice);
    expect((await again.history('a')).map((v) => v.event)).toEqual(['New', 'Update']);
    expect((await again.history('gone')).map((v) => v.event)).toEqual(['New', 'Delete', 'New']);
    await again.close();
  });

  it('refuses a batch with a conflict before writing anything', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('x', utf8('x'));
    const size = statSync(path).size;
    expect(await code(c.batch([{ op: 'add', id: 'y', value: utf8('y') }, { op: 'add', id: 'x', value: utf8('again') }]))).toBe('CONFLICT');
    expect(await code(c.batch([{ op: 'add', id: 'y', value: utf8('y') }, { op: 'update', id: 'z', value: utf8('z') }]))).toBe('NOT_FOUND');
    expect(statSync(path).size).toBe(size);
    expect(c.ids()).toEqual(['x']);
    await c.add('y', utf8('y'));
    await c.close();
    expect(await opened(path)).toEqual({ x: 'x', y: 'y' });
  });

  it('a batch cut anywhere by a crash is all or nothing: not applied read-only, cut off by the next writer', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('before', utf8('b'));
    await c.close();
    const before = readFileSync(path);
    const c2 = await Catalog.open(path, toAlice);
    await c2.batch([0, 1, 2, 3].map((i) => ({ op: 'add' as const, id: `e${i}`, value: utf8(`v${i}`) })));
    await c2.close();
    const full = readFileSync(path);
    const ends = (await frameEnds(path)).filter((e) => e > before.length);
    // Every frame boundary inside the batch, and cuts inside its frames.
    const cuts = [...ends.slice(0, -1), ...ends.map((e) => e - 5), before.length + 1];
    for (const cut of cuts) {
      const p = file();
      writeFileSync(p, full.subarray(0, cut));
      expect(await opened(p, { readOnly: true }), `cut at ${cut}`).toEqual({ before: 'b' });
      const w = await Catalog.open(p, toAlice);
      expect(w.tornBytes).toBe(cut - before.length);
      expect(readFileSync(p).equals(before)).toBe(true);
      await w.add('after', utf8('a'));
      await w.close();
      expect(await opened(p)).toEqual({ before: 'b', after: 'a' });
    }
    expect(await opened(path)).toEqual({ before: 'b', e0: 'v0', e1: 'v1', e2: 'v2', e3: 'v3' });
  });
});

describe('catalog replicas', () => {
  it('refresh sees another writer\'s entries, and a batch only once it is whole', async () => {
    const path = file();
    const w = await Catalog.create(path, toAlice);
    await w.add('one', utf8('1'));
    const r = await Catalog.open(path, { ...toAlice, readOnly: true });
    expect(r.ids()).toEqual(['one']);
    await w.add('two', utf8('2'));
    await w.update('one', utf8('1b'));
    expect(await r.refresh()).toBe(2);
    expect(await state(r)).toEqual({ one: '1b', two: '2' });
    expect(await r.refresh()).toBe(0);
    // A batch appearing bit by bit (another process writing it) is applied when it is whole.
    const copy = file();
    copyFileSync(path, copy);
    const rc = await Catalog.open(copy, { ...toAlice, readOnly: true });
    const start = statSync(path).size;
    await w.batch([{ op: 'add', id: 'three', value: utf8('3') }, { op: 'delete', id: 'two' }, { op: 'add', id: 'four', value: utf8('4') }]);
    const all = readFileSync(path);
    const ends = (await frameEnds(path)).filter((e) => e > start);
    let at = start;
    for (const cut of [ends[0] as number - 3, ends[1] as number, ends[2] as number - 1]) {
      appendFileSync(copy, all.subarray(at, cut));
      at = cut;
      expect(await rc.refresh(), `at ${cut}`).toBe(0);
      expect(rc.ids()).toEqual(['one', 'two']);
    }
    appendFileSync(copy, all.subarray(at));
    expect(await rc.refresh()).toBe(3);
    expect(await state(rc)).toEqual({ one: '1b', three: '3', four: '4' });
    expect(await r.refresh()).toBe(3);
    await Promise.all([rc.close(), r.close(), w.close()]);
  });

  it('appends another copy\'s frames verbatim into an open writable catalog, then writes after them', async () => {
    const a = file();
    const ca = await Catalog.create(a, { ...toAlice, signer: alice.signature, sealOnClose: false });
    await ca.add('x', utf8('x'));
    const b = file();
    copyFileSync(a, b);
    const cb = await Catalog.open(b, toAlice);
    await ca.add('y', utf8('y'));
    await ca.batch([{ op: 'update', id: 'x', value: utf8('x2') }, { op: 'add', id: 'z', value: utf8('z') }]);
    const mine = await readFrames(a, cb.frameCount, { maxFrames: 100, maxBytes: 1 << 20 });
    expect(await cb.appendFrames(mine.frames)).toBe(3);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    expect(await state(cb)).toEqual({ x: 'x2', y: 'y', z: 'z' });
    // A frame of another sequence, or one already there, is refused and changes nothing.
    expect(await code(cb.appendFrames(mine.frames.slice(0, 1)))).toBe('SEQUENCE_ORDER');
    await cb.add('w', utf8('w'));
    await cb.close();
    expect(await opened(b)).toEqual({ x: 'x2', y: 'y', z: 'z', w: 'w' });
    // sealOnClose false: no meta frame was added at close.
    const before = (await frameEnds(a)).length;
    await ca.close();
    expect((await frameEnds(a)).length).toBe(before);
    const sealed = await Catalog.open(a, { ...toAlice, signer: alice.signature });
    await sealed.add('s', utf8('s'));
    await sealed.close();
    expect((await frameEnds(a)).length).toBe(before + 2);
  });
});

describe('typed catalogs and spools as replicas', () => {
  it('a JSON catalog batches typed values; a spool refreshes and takes another copy\'s frames', async () => {
    const path = file();
    const j = await JsonCatalog.create(path, JSON_VALUE_CODEC, toAlice);
    await j.batch([{ op: 'add', id: 'a', value: { n: 1 } }, { op: 'add', id: 'b', value: [true] }, { op: 'update', id: 'a', value: { n: 2 } }]);
    await j.close();
    const j2 = await JsonCatalog.open(path, JSON_VALUE_CODEC, toAlice);
    expect([await j2.get('a'), await j2.get('b')]).toEqual([{ n: 2 }, [true]]);
    await j2.close();

    const sp = file();
    const w = await Spool.create(sp, toAlice);
    await w.post('m1', utf8('one'));
    const copy = file();
    copyFileSync(sp, copy);
    const r = await Spool.open(sp, { ...toAlice, readOnly: true });
    const c = await Spool.open(copy, toAlice);
    await w.post('m2', utf8('two'));
    await w.mark('m1', 'Read');
    expect(await r.refresh()).toBe(2);
    expect(r.messages().map((m) => [m.id, m.status])).toEqual([['m1', 'Read'], ['m2', 'Initial']]);
    const frames = (await readFrames(sp, c.frameCount, { maxFrames: 10, maxBytes: 1 << 20 })).frames;
    expect(await c.appendFrames(frames)).toBe(2);
    expect(c.messages().map((m) => [m.id, m.status])).toEqual([['m1', 'Read'], ['m2', 'Initial']]);
    expect(readFileSync(copy).equals(readFileSync(sp))).toBe(true);
    await Promise.all([w.close(), r.close(), c.close()]);
  });
});
