import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { SequenceWriter } from '../sequence/writer.js';
import { Catalog } from './catalog.js';
import { Spool, SPOOL_CONTENT_TYPE, SPOOL_STATUSES } from './spool.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `s${counter++}.dspl`);
const alice = generateKeySet();
const bob = generateKeySet();
const aliceKey = { crv: alice.encryption.crv, privateKey: alice.encryption.privateKey };
const toAlice = { recipients: [publicKeySet(alice).encryption], keys: [aliceKey] };
const secret = new Uint8Array(32).fill(9);


const statuses = (s: Spool) => Object.fromEntries(s.messages().map((m) => [m.id, m.status]));

describe('spool', () => {
  for (const [name, opts] of [['plaintext', {}], ['recipients', toAlice], ['shared secret', { secret }]] as const) {
    it(`${name}: post, mark, get, filter, errors, reopen gives the same state`, async () => {
      const path = file();
      const s = await Spool.create(path, opts);
      await s.post('m1', utf8('hello'), { messageType: 'MessageContact' });
      await s.post('m2', utf8('world'));
      await s.post('m3', utf8('third'), { status: 'Read' });
      await s.mark('m1', 'Read');
      await s.mark('m2', 'Deleted');
      await s.mark('m1', 'Initial'); // back to unread (mesh-schema-08 §5.2)
      await s.mark('m2', 'Read'); // undeleted (protocol-09 §8.2)
      expect(await code(s.post('m1', utf8('again')))).toBe('CONFLICT');
      expect(await code(s.mark('nope', 'Read'))).toBe('NOT_FOUND');
      expect(statuses(s)).toEqual({ m1: 'Initial', m2: 'Read', m3: 'Read' });
      expect(s.messages({ status: 'Read' }).map((m) => m.id)).toEqual(['m2', 'm3']);
      expect(s.messages({ status: ['Initial', 'Deleted'] }).map((m) => m.id)).toEqual(['m1']);
      const changedAfter3 = s.messages({ since: 3 }).map((m) => m.id);
      expect(changedAfter3).toEqual(['m1', 'm2']);
      expect(s.info('m1')).toMatchObject({ index: 1, messageType: 'MessageContact', changed: 6 });
      expect(fromUtf8((await s.get('m2')) as Uint8Array)).toBe('world');
      expect(await s.get('none')).toBeUndefined();
      const all = s.messages();
      await s.close();
      const r = await Spool.open(path, opts);
      expect(r.messages()).toEqual(all);
      expect((await r.history('m2')).map((e) => [e.event, e.status])).toEqual([['New', 'Initial'], ['Status', 'Deleted'], ['Status', 'Read']]);
      expect((await r.history('m3')).map((e) => e.status)).toEqual(['Read']);
      expect(await r.history('none')).toEqual([]);
      await r.close();
      if (name !== 'plaintext') {
        const raw = readFileSync(path).toString('latin1');
        for (const x of ['hello', 'Deleted', 'MessageContact']) expect(raw).not.toContain(x);
      }
    });
  }

  it('status frames may carry a payload (a MessageComplete), read back in history', async () => {
    const path = file();
    const s = await Spool.create(path);
    await s.post('m', utf8('msg'));
    await s.mark('m', 'Closed', { payload: utf8('{"MessageComplete":{}}') });
    await s.close();
    const r = await Spool.open(path, { readOnly: true });
    const h = await r.history('m');
    expect(h[1]?.payload && fromUtf8(h[1].payload)).toBe('{"MessageComplete":{}}');
    expect(h[0]?.payload).toBeUndefined();
    await r.close();
  });

  it('a status set restricts post and mark (CONFLICT), not what is read', async () => {
    const path = file();
    const s = await Spool.create(path, { statuses: SPOOL_STATUSES.local });
    await s.post('pin', utf8('MessagePin'));
    await s.mark('pin', 'Closed');
    expect(await code(s.mark('pin', 'Sent'))).toBe('CONFLICT');
    expect(await code(() => s.mark('pin', 'no spaces'))).toBe('RangeError');
    expect(await code(s.post('x', utf8(''), { status: 'Read' }))).toBe('CONFLICT');
    await s.close();
    const r = await Spool.open(path, { statuses: SPOOL_STATUSES.inbound });
    expect(r.status('pin')).toBe('Closed');
    await r.close();
  });

  it('torn tail: the interrupted mark is lost, everything before it kept', async () => {
    const path = file();
    const s = await Spool.create(path, toAlice);
    await s.post('a', new Uint8Array(3000).fill(1));
    await s.mark('a', 'Read');
    await s.close();
    const good = statSync(path).size;
    const t = await Spool.open(path, toAlice);
    await t.mark('a', 'Deleted');
    await t.close();
    truncateSync(path, good + 10);
    const r = await Spool.open(path, toAlice);
    expect(r.tornBytes).toBe(10);
    expect(r.status('a')).toBe('Read');
    await r.mark('a', 'Deleted');
    await r.close();
    const q = await Spool.open(path, toAlice);
    expect(q.status('a')).toBe('Deleted');
    expect((await q.get('a'))?.length).toBe(3000);
    await q.close();
  });

  it('signed spools: close seals; other signers and unsealed tails are refused', async () => {
    const path = file();
    const s = await Spool.create(path, { signer: bob.signature });
    await s.post('m', utf8('x'));
    await s.close();
    const trusted = (k: typeof bob) => Spool.open(path, { readOnly: true, trustedSigners: [publicKeySet(k).signature] });
    await (await trusted(bob)).close();
    expect(await code(trusted(alice))).toBe('SIGNATURE_INVALID');
  });

  it('wrong keys, hostile frames and wrong files are typed errors', async () => {
    const path = file();
    const s = await Spool.create(path, toAlice);
    await s.post('m', utf8('x'));
    await s.close();
    expect(await code(Spool.open(path, { keys: [{ crv: bob.encryption.crv, privateKey: bob.encryption.privateKey }] }))).toBe('NO_MATCHING_KEY');
    const forge = async (metas: Record<string, unknown>[]): Promise<string> => {
      const p = file();
      const w = await SequenceWriter.create(p, { contentMeta: { contentType: SPOOL_CONTENT_TYPE } });
      for (const m of metas) await w.append(utf8('v'), { contentMeta: { other: m as never } });
      await w.close();
      return code(Spool.open(p).then((x) => x.close()));
    };
    expect(await forge([{ UniqueId: 'a', Event: 'Status', Status: 'Read' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'New' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'Status' }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'Update' }])).toBe('SEQUENCE_ORDER');
    expect(await forge([{ UniqueId: 'a', Event: 'New', Status: '<script>' }])).toBe('HEADER_MALFORMED');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'a', Event: 'Status', Status: 'Read', First: 1, Previous: 1 }])).toBe('ok');
    expect(await forge([{ UniqueId: 'a', Event: 'New' }, { UniqueId: 'b', Event: 'New' }, { UniqueId: 'a', Event: 'Status', Status: 'Read', Previous: 2 }])).toBe('SEQUENCE_ORDER');
    const cat = file();
    await (await Catalog.create(cat)).close();
    expect(await code(Spool.open(cat))).toBe('MISMATCH');
  });

  it('status frames without Previous links (another writer): history scans', async () => {
    const p = file();
    const w = await SequenceWriter.create(p, { contentMeta: { contentType: SPOOL_CONTENT_TYPE } });
    await w.append(utf8('one'), { contentMeta: { other: { UniqueId: 'a', Event: 'New' } } });
    await w.append(utf8('two'), { contentMeta: { other: { UniqueId: 'b', Event: 'New' } } });
    await w.append(new Uint8Array(0), { contentMeta: { other: { UniqueId: 'a', Event: 'Status', Status: 'Read' } } });
    await w.close();
    const s = await Spool.open(p);
    expect(statuses(s)).toEqual({ a: 'Read', b: 'Initial' });
    await s.mark('a', 'Deleted');
    expect((await s.history('a')).map((e) => e.status)).toEqual(['Initial', 'Read', 'Deleted']);
    await s.close();
  });

  it('copyTo: current statuses as initial statuses, omit purges, keys kept or changed', async () => {
    const path = file();
    const s = await Spool.create(path, { secret });
    for (let i = 0; i < 8; i++) await s.post(`m${i}`, utf8(`body ${i}`), { messageType: 'MessageContact' });
    await s.mark('m1', 'Read');
    await s.mark('m2', 'Deleted');
    await s.mark('m5', 'Deleted');
    const same = file();
    await s.copyTo(same);
    const purged = file();
    await s.copyTo(purged, { omit: ['Deleted'], keys: toAlice });
    const before = s.messages();
    await s.close();
    const a = await Spool.open(same, { secret });
    expect(a.messages().map(({ id, status, messageType, posted }) => ({ id, status, messageType, posted })))
      .toEqual(before.map(({ id, status, messageType, posted }) => ({ id, status, messageType, posted })));
    expect(a.frameCount).toBe(9);
    expect(fromUtf8((await a.get('m7')) as Uint8Array)).toBe('body 7');
    await a.close();
    const b = await Spool.open(purged, toAlice);
    expect(b.messages().map((m) => m.id)).toEqual(['m0', 'm1', 'm3', 'm4', 'm6', 'm7']);
    expect(b.status('m1')).toBe('Read');
    await b.close();
  });
});
