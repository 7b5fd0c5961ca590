import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { isDareError } from '../errors.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { SequenceWriter } from '../sequence/writer.js';
import { SequenceReader } from '../sequence/reader.js';
import { verifySequence } from '../sequence/verify.js';
import type { ContentMeta } from '../envelope/content-meta.js';
import { Catalog, CATALOG_CONTENT_TYPE } from './catalog.js';
import { Spool } from './spool.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-cat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `c${counter++}.dcat`);
const alice = generateKeySet();
const bob = generateKeySet();
const aliceKey = { crv: alice.encryption.crv, privateKey: alice.encryption.privateKey };
const bobKey = { crv: bob.encryption.crv, privateKey: bob.encryption.privateKey };
const toAlice = { recipients: [publicKeySet(alice).encryption], keys: [aliceKey] };
const secret = new Uint8Array(32).fill(7);


function flip(b: Buffer, at: number, mask: number): void {
  b.writeUInt8(b.readUInt8(at) ^ mask, at);
}

async function state(c: Catalog): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [id, v] of c.entries()) out[id] = fromUtf8(v);
  return out;
}

const modes = [
  { name: 'plaintext', opts: {} },
  { name: 'recipients', opts: toAlice },
  { name: 'shared secret', opts: { secret } },
] as const;

describe('catalog', () => {
  for (const { name, opts } of modes) {
    it(`${name}: add, update, delete, get, errors, reopen gives the same state`, async () => {
      const path = file();
      const c = await Catalog.create(path, opts);
      await c.add('alice', utf8('a1'));
      await c.add('bob', utf8('b1'), { contentType: 'text/plain' });
      await c.update('alice', utf8('a2'));
      await c.add('carol', utf8('c1'));
      await c.delete('bob');
      await c.put('dave', utf8('d1'));
      await c.put('dave', utf8('d2'));
      expect(await code(c.add('alice', utf8('x')))).toBe('CONFLICT');
      expect(await code(c.update('bob', utf8('x')))).toBe('NOT_FOUND');
      expect(await code(c.delete('nobody'))).toBe('NOT_FOUND');
      expect(c.ids()).toEqual(['alice', 'carol', 'dave']);
      expect(c.has('bob')).toBe(false);
      expect(await c.get('bob')).toBeUndefined();
      expect(fromUtf8((await c.get('alice')) as Uint8Array)).toBe('a2');
      expect(c.info('alice')).toMatchObject({ id: 'alice', versions: 2, first: 1, index: 3 });
      const before = await state(c);
      expect(before).toEqual({ alice: 'a2', carol: 'c1', dave: 'd2' });
      await c.close();
      const r = await Catalog.open(path, opts);
      expect(await state(r)).toEqual(before);
      expect(r.ids()).toEqual(['alice', 'carol', 'dave']);
      expect(r.info('dave')).toMatchObject({ versions: 2 });
      await r.add('bob', utf8('b2'));
      expect((await r.history('bob')).map((v) => [v.event, v.value && fromUtf8(v.value)])).toEqual([
        ['New', 'b1'], ['Delete', undefined], ['New', 'b2'],
      ]);
      await r.close();
      const raw = readFileSync(path).toString('latin1');
      if (name !== 'plaintext') {
        // Identifiers and values are in the cloaked EDS and the ciphertext only.
        for (const s of ['alice', 'carol', 'dave', 'Update']) expect(raw).not.toContain(s);
      } else {
        expect(raw).toContain('alice');
      }
      const v = await SequenceReader.open(path, { keys: [aliceKey], secrets: [secret] });
      expect((await verifySequence(v)).structureChecked).toBe(true);
      await v.close();
    });
  }

  it('encrypted: no key, a wrong key or a wrong secret is NO_MATCHING_KEY', async () => {
    const p1 = file();
    const c = await Catalog.create(p1, toAlice);
    await c.add('k', utf8('v'));
    await c.close();
    expect(await code(Catalog.open(p1))).toBe('NO_MATCHING_KEY');
    expect(await code(Catalog.open(p1, { keys: [bobKey] }))).toBe('NO_MATCHING_KEY');
    const p2 = file();
    const s = await Catalog.create(p2, { secret });
    await s.add('k', utf8('v'));
    await s.close();
    expect(await code(Catalog.open(p2, { secret: new Uint8Array(32).fill(8) }))).toBe('NO_MATCHING_KEY');
    expect(await code(Catalog.open(p2))).toBe('NO_MATCHING_KEY');
  });

  it('a shared-secret catalog opened without the secret cannot append, and stays usable', async () => {
    const path = file();
    await (await Catalog.create(path, { secret })).close();
    const c = await Catalog.open(path);
    expect(await code(c.add('k', utf8('v')))).toBe('NO_MATCHING_KEY');
    expect(c.size).toBe(0);
    await c.close();
    const d = await Catalog.open(path, { secret });
    await d.add('k', utf8('v'));
    expect(fromUtf8((await d.get('k')) as Uint8Array)).toBe('v');
    await d.close();
  });

  it('re-keying at open: new frames go to the new recipient, old ones keep their key', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('old', utf8('1'));
    await c.close();
    const d = await Catalog.open(path, { keys: [aliceKey], recipients: [publicKeySet(bob).encryption] });
    await d.add('new', utf8('2'));
    await d.close();
    expect(await code(Catalog.open(path, { keys: [aliceKey] }))).toBe('NO_MATCHING_KEY');
    const e = await Catalog.open(path, { keys: [aliceKey, bobKey] });
    expect(await state(e)).toEqual({ old: '1', new: '2' });
    await e.close();
  });

  it('signed: close seals the apex; trusted signers are enforced', async () => {
    const path = file();
    const c = await Catalog.create(path, { signer: alice.signature });
    await c.add('a', utf8('1'));
    await c.add('b', utf8('2'));
    await c.close();
    const trusted = (k: typeof alice) => Catalog.open(path, { trustedSigners: [publicKeySet(k).signature], readOnly: true });
    const ok = await trusted(alice);
    expect(await state(ok)).toEqual({ a: '1', b: '2' });
    await ok.close();
    expect(await code(trusted(bob))).toBe('SIGNATURE_INVALID');
    // Appended without the signer: the tail is unsigned.
    const d = await Catalog.open(path);
    await d.delete('a');
    await d.close();
    expect(await code(trusted(alice))).toBe('SIGNATURE_INVALID');
    const e = await Catalog.open(path, { signer: alice.signature });
    await e.seal();
    await e.close();
    const f = await trusted(alice);
    expect(f.ids()).toEqual(['b']);
    await f.close();
  });

  it('signFrames: every data frame signs the apex, so a writer that never reaches close() leaves a signed file', async () => {
    const path = file();
    const c = await Catalog.create(path, { signer: alice.signature, signFrames: true });
    await c.add('a', utf8('1'));
    await c.add('b', utf8('2'));
    // No close(): as if the process were killed after the appends. (Released without sealing.)
    const frames = c.frameCount;
    const bytes = readFileSync(path);
    writeFileSync(path + '.copy', bytes);
    await c.close();
    const trusted = (p: string) => Catalog.open(p, { trustedSigners: [publicKeySet(alice).signature], readOnly: true });
    const copy = await trusted(path + '.copy');
    expect(await state(copy)).toEqual({ a: '1', b: '2' });
    expect(copy.frameCount).toBe(frames);
    await copy.close();
    // Without signFrames the same moment leaves an unsigned tail, which trusted readers refuse.
    const plain = file();
    const d = await Catalog.create(plain, { signer: alice.signature });
    await d.add('a', utf8('1'));
    writeFileSync(plain + '.copy', readFileSync(plain));
    await d.close();
    expect(await code(trusted(plain + '.copy'))).toBe('SIGNATURE_INVALID');
    // close() after signed frames adds no seal frame.
    const e = await Catalog.open(path, { signer: alice.signature, signFrames: true });
    await e.close();
    expect(readFileSync(path).length).toBe(bytes.length);
  });

  it('recovers from a torn last frame: the interrupted change is lost, the rest kept', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('a', utf8('1'));
    await c.add('b', utf8('2'));
    await c.close();
    const good = statSync(path).size;
    const d = await Catalog.open(path, toAlice);
    await d.update('a', utf8('3'.repeat(1000)));
    await d.close();
    truncateSync(path, statSync(path).size - 100);
    const ro = await Catalog.open(path, { ...toAlice, readOnly: true });
    expect(ro.tornBytes).toBeGreaterThan(0);
    expect(await state(ro)).toEqual({ a: '1', b: '2' });
    expect(await code(() => ro.add('x', utf8('x')))).toBe('TypeError');
    await ro.close();
    expect(statSync(path).size).toBeGreaterThan(good); // read-only leaves the file alone
    const e = await Catalog.open(path, toAlice);
    expect(e.tornBytes).toBeGreaterThan(0);
    expect(statSync(path).size).toBe(good);
    await e.update('a', utf8('4'));
    await e.close();
    appendFileSync(path, Uint8Array.of(0xf4, 0x10, 0x00));
    const f = await Catalog.open(path, toAlice);
    expect(f.tornBytes).toBe(3);
    expect(await state(f)).toEqual({ a: '4', b: '2' });
    await f.close();
  });

  it('tampering is a typed error: payload (on read) and header (on open)', async () => {
    const path = file();
    const c = await Catalog.create(path);
    await c.add('entry', utf8('VALUE-VALUE-VALUE'));
    await c.add('other', utf8('x'));
    await c.close();
    const bytes = readFileSync(path);
    const at = bytes.indexOf('VALUE-VALUE');
    const payload = Buffer.from(bytes);
    flip(payload, at, 1);
    writeFileSync(path, payload);
    const r = await Catalog.open(path);
    expect(await code(r.get('entry'))).toBe('DIGEST_MISMATCH');
    expect(fromUtf8((await r.get('other')) as Uint8Array)).toBe('x');
    await r.close();
    const header = Buffer.from(bytes);
    flip(header, header.indexOf('"entry"') + 2, 1); // 'entry' -> 'eotry' in the clear ContentMetaData
    writeFileSync(path, header);
    expect(await code(Catalog.open(path))).toBe('MERKLE_MISMATCH');
  });

  it('values are read from the file on demand, not held: a change on disk after open is seen', async () => {
    const path = file();
    const c = await Catalog.create(path);
    // Larger than the file reader's one 64 KiB block cache, so that the read goes to the file.
    await c.add('k', utf8('ORIGINAL-VALUE'.padEnd(100_000, '.')));
    await c.close();
    const r = await Catalog.open(path, { readOnly: true });
    const b = readFileSync(path);
    flip(b, b.indexOf('ORIGINAL-VALUE'), 1);
    writeFileSync(path, b);
    expect(await code(r.get('k'))).toBe('DIGEST_MISMATCH');
    await r.close();
  });

  it('an encrypted payload flipped on disk fails its check on read', async () => {
    const path = file();
    const c = await Catalog.create(path, { secret });
    await c.add('entry', new Uint8Array(4000).fill(1));
    await c.close();
    const b = readFileSync(path);
    flip(b, b.length - 2000, 0x80); // inside the ciphertext of frame 1
    writeFileSync(path, b);
    const r = await Catalog.open(path, { secret, readOnly: true });
    expect(await code(r.get('entry'))).toBe('DIGEST_MISMATCH');
    await r.close();
  });

  it('hostile histories are SEQUENCE_ORDER or HEADER_MALFORMED, never a crash', async () => {
    const forge = async (metas: (Record<string, unknown> | undefined)[]): Promise<string> => {
      const path = file();
      const w = await SequenceWriter.create(path, { contentMeta: { contentType: CATALOG_CONTENT_TYPE } });
      for (const m of metas) await w.append(utf8('v'), m ? { contentMeta: { other: m } as ContentMeta } : {});
      await w.close();
      return code(Catalog.open(path).then((c) => c.close()));
    };
    expect(await forge([{ UniqueId: 'a', Event: 'Update' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'New' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'Update', Previous: 2 }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'b', Event: 'New' }, { UniqueId: 'a', Event: 'Update', Previous: 2 }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'Delete' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'Status', Status: 'Read' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'Erase' }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ Event: 'New' }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 7, Event: 'New' }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 'x'.repeat(5000), Event: 'New' }])).toBe('LIMIT_EXCEEDED');
    expect(await forge([undefined])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 'a', Event: 'New', Previous: 'one' }])).toBe('HEADER_MALFORMED');
  });

  it('frames without Previous links (another writer) open, and history scans', async () => {
    const path = file();
    const w = await SequenceWriter.create(path, { contentMeta: { contentType: CATALOG_CONTENT_TYPE } });
    const meta = (id: string, e: string) => ({ contentMeta: { other: { UniqueId: id, Event: e } } });
    await w.append(utf8('a1'), meta('a', 'New'));
    await w.append(utf8('b1'), meta('b', 'New'));
    await w.append(utf8('a2'), meta('a', 'Update'));
    await w.append(new Uint8Array(0), meta('a', 'Delete'));
    await w.append(utf8('a3'), meta('a', 'New'));
    await w.close();
    const c = await Catalog.open(path);
    expect(await state(c)).toEqual({ a: 'a3', b: 'b1' });
    expect((await c.history('a')).map((v) => v.event)).toEqual(['New', 'Update', 'Delete', 'New']);
    await c.update('a', utf8('a4'));
    expect((await c.history('a')).map((v) => v.value && fromUtf8(v.value))).toEqual(['a1', 'a2', undefined, 'a3', 'a4']);
    await c.close();
  });

  it('copyTo keeps the live state, drops history, and keeps or changes the keys', async () => {
    const path = file();
    const c = await Catalog.create(path, { ...toAlice, signer: alice.signature });
    for (let i = 0; i < 10; i++) await c.add(`k${i}`, utf8(`v${i}`), { contentType: 'text/plain' });
    for (let i = 0; i < 10; i += 2) await c.update(`k${i}`, utf8(`w${i}`));
    for (let i = 0; i < 10; i += 3) await c.delete(`k${i}`);
    const live = await state(c);
    const same = file();
    await c.copyTo(same);
    const plain = file();
    await c.copyTo(plain, { keys: {} });
    const rekeyed = file();
    await c.copyTo(rekeyed, { keys: { recipients: [publicKeySet(bob).encryption] } });
    expect(await code(c.copyTo(same))).toBe('OUTPUT_EXISTS');
    await c.close();
    const s = await Catalog.open(same, { keys: [aliceKey], trustedSigners: [publicKeySet(alice).signature] });
    expect(await state(s)).toEqual(live);
    expect(s.frameCount).toBe(1 + Object.keys(live).length + 1); // frame 0, entries, seal
    expect(s.info('k1')).toMatchObject({ contentType: 'text/plain', versions: 1 });
    expect((await s.history('k2')).length).toBe(1);
    await s.close();
    const p = await Catalog.open(plain);
    expect(await state(p)).toEqual(live);
    await p.close();
    expect(await code(Catalog.open(rekeyed, { keys: [aliceKey] }))).toBe('NO_MATCHING_KEY');
    const r = await Catalog.open(rekeyed, { keys: [bobKey] });
    expect(await state(r)).toEqual(live);
    await r.close();
  });

  it('a failed copy leaves no file', async () => {
    const path = file();
    const c = await Catalog.create(path, toAlice);
    await c.add('a', utf8('1'));
    const target = file();
    // An all-zero X25519 key gives an all-zero agreement, which is refused at the first write.
    expect(await code(c.copyTo(target, { keys: { recipients: [{ crv: 'X25519', publicKey: new Uint8Array(32) }] } }))).not.toBe('ok');
    expect(existsSync(target)).toBe(false);
    await c.close();
  });

  it('serialises concurrent changes: one add of an identifier wins', async () => {
    const path = file();
    const c = await Catalog.create(path);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => code(c.add('same', utf8(`v${i}`)))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(11);
    await c.close();
    const r = await Catalog.open(path);
    expect(r.size).toBe(1);
    await r.close();
  });

  it('checks what it is given and what it opens', async () => {
    const path = file();
    const c = await Catalog.create(path, { maxValueBytes: 10 });
    expect(await code(() => c.add('', utf8('x')))).toBe('RangeError');
    expect(await code(() => c.add('x'.repeat(1025), utf8('x')))).toBe('RangeError');
    expect(await code(() => c.add('\ud800', utf8('x')))).toBe('RangeError');
    expect(await code(() => c.add('k', 'text' as unknown as Uint8Array))).toBe('TypeError');
    await c.add('big', new Uint8Array(11));
    expect(await code(c.get('big'))).toBe('LIMIT_EXCEEDED');
    await c.add('ünïcødé 🗝', utf8('ok'));
    await c.close();
    expect(await code(c.get('big'))).toBe('TypeError');
    const reopened = await Catalog.open(path);
    expect(reopened.ids()).toEqual(['big', 'ünïcødé 🗝']);
    // One writer at a time (lib/platform/lock.ts): a second writer while it is open is CONFLICT.
    expect(await code(Catalog.open(path))).toBe('CONFLICT');
    await reopened.close();
    expect(await code(Catalog.create(path))).toBe('OUTPUT_EXISTS');
    expect(await code(Catalog.open(join(dir, 'missing.dcat')))).toBe('IO');
    const spool = file();
    await (await Spool.create(spool)).close();
    expect(await code(Catalog.open(spool))).toBe('MISMATCH');
    const junk = file();
    writeFileSync(junk, 'not a sequence at all');
    expect(isDareError(await Catalog.open(junk).catch((e: unknown) => e))).toBe(true);
    expect(await code(Catalog.open(junk, { readOnly: true }))).not.toBe('ok');
  });
});
