/**
 * fixtures/catalog: catalogs and spools written by an earlier build
 * (fixtures/catalog/make-fixtures.mjs). Reading them back pins the on-disk format of
 * docs/FORMAT.md §11: frame 0's content type, the ContentMeta fields of each frame,
 * the Previous/First links and the shared-secret encryption.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, fromUtf8 } from '../internal/bytes.js';
import { SequenceReader } from '../sequence/reader.js';
import { verifySequence } from '../sequence/verify.js';
import { Catalog } from './catalog.js';
import { JsonCatalog, JSON_VALUE_CODEC } from './json-catalog.js';
import { Spool } from './spool.js';

const at = (name: string) => fileURLToPath(new URL(`../../fixtures/catalog/${name}`, import.meta.url));
const expected = JSON.parse(readFileSync(at('expected.json'), 'utf8')) as {
  secretHex: string;
  catalog: { ids: string[]; values: Record<string, string>; history: Record<string, [string, string | null][]>; frames: number };
  spool: { messages: [string, string, number][]; history: Record<string, string[]> };
};
const secret = fromHex(expected.secretHex);

describe('fixtures/catalog', () => {
  for (const [name, options] of [['plain.dcat', {}], ['secret.dcat', { secret }]] as const) {
    it(`${name}: state, history and structure`, async () => {
      const c = await Catalog.open(at(name), { ...options, readOnly: true });
      expect(c.ids()).toEqual(expected.catalog.ids);
      expect(c.frameCount).toBe(expected.catalog.frames);
      for (const [k, v] of Object.entries(expected.catalog.values)) expect(fromUtf8((await c.get(k)) as Uint8Array)).toBe(v);
      for (const [k, h] of Object.entries(expected.catalog.history)) {
        expect((await c.history(k)).map((e) => [e.event, e.value === undefined ? null : fromUtf8(e.value)])).toEqual(h);
      }
      expect(c.info('alice@example.com')).toMatchObject({ contentType: 'text/plain', versions: 2, first: 1 });
      await c.close();
      const r = await SequenceReader.open(at(name), { secrets: [secret] });
      const report = await verifySequence(r);
      expect(report.structureChecked).toBe(true);
      expect(report.authenticated).toBe(name === 'secret.dcat' ? expected.catalog.frames - 1 : 0);
      await r.close();
    });
  }

  it('plain.dcat: the frame metadata is the documented ContentMeta', async () => {
    const r = await SequenceReader.open(at('plain.dcat'));
    const metas: unknown[] = [];
    for await (const f of r.frames()) {
      const m = (await r.open(f)).contentMeta;
      metas.push(f.index === 0 ? m?.contentType : { ...m?.other, cty: m?.contentType, dated: m?.modified !== undefined });
    }
    await r.close();
    expect(metas).toEqual([
      'application/mmm-catalog',
      { UniqueId: 'alice@example.com', Event: 'New', cty: 'text/plain', dated: true },
      { UniqueId: 'bob@example.com', Event: 'New', cty: undefined, dated: true },
      { UniqueId: 'alice@example.com', Event: 'Update', First: 1, Previous: 1, cty: 'text/plain', dated: true },
      { UniqueId: 'bob@example.com', Event: 'Delete', First: 2, Previous: 2, cty: undefined, dated: true },
      { UniqueId: 'carol@example.com', Event: 'New', cty: undefined, dated: true },
      { UniqueId: 'bob@example.com', Event: 'New', Previous: 4, cty: undefined, dated: true },
    ]); // no seal frame: the catalog was not signed
  });

  it('secret.dcat: identifiers and values are not in the clear', () => {
    const raw = readFileSync(at('secret.dcat')).toString('latin1');
    for (const s of ['alice', 'bob', 'Carol', 'Update', 'UniqueId']) expect(raw).not.toContain(s);
  });

  it('bookmarks.dcat: a JSON entry', async () => {
    const j = await JsonCatalog.open(at('bookmarks.dcat'), JSON_VALUE_CODEC, { readOnly: true });
    expect(await j.get('https://example.com/')).toEqual({ CatalogedBookmark: { Uri: 'https://example.com/', Title: 'Example' } });
    expect(j.info('https://example.com/')?.contentType).toBe('application/json');
    await j.close();
  });

  it('inbound.dspl: statuses, history and the status frame payload', async () => {
    const s = await Spool.open(at('inbound.dspl'), { readOnly: true });
    expect(s.messages().map((m) => [m.id, m.status, m.changed])).toEqual(expected.spool.messages);
    for (const [k, h] of Object.entries(expected.spool.history)) expect((await s.history(k)).map((e) => e.status)).toEqual(h);
    const deleted = (await s.history('NBLG-MESS-AGE2'))[1];
    expect(deleted?.payload && fromUtf8(deleted.payload)).toBe('{"MessageComplete":{}}');
    expect(s.info('NDIB-MESS-AGE1')?.messageType).toBe('MessageContact');
    await s.close();
  });
});
