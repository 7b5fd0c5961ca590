import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../internal/bytes.js';
import { asBinary } from '../encoding/json.js';
import { isJsonObject } from '../encoding/value.js';
import { JsonCatalog, JSON_VALUE_CODEC, type JsonCodec } from './json-catalog.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-jcat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `j${counter++}.dcat`);
const secret = new Uint8Array(32).fill(3);

/** A Mesh-like entry: CatalogedBookmark with a binary field. */
interface Bookmark {
  uri: string;
  title: string;
  tag: Uint8Array;
}

const bookmarkCodec: JsonCodec<Bookmark> = {
  encode: (b) => ({ CatalogedBookmark: { Uri: b.uri, Title: b.title, Tag: b.tag } }),
  decode: (j) => {
    const o = isJsonObject(j) ? j.CatalogedBookmark : undefined;
    if (!isJsonObject(o) || typeof o.Uri !== 'string' || typeof o.Title !== 'string') throw new TypeError('not a CatalogedBookmark');
    return { uri: o.Uri, title: o.Title, tag: asBinary(o.Tag) };
  },
};


describe('JsonCatalog', () => {
  it('stores typed entries through a codec, encrypted, and reads them back after reopen', async () => {
    const path = file();
    const c = await JsonCatalog.create(path, bookmarkCodec, { secret });
    const a: Bookmark = { uri: 'https://example.com/', title: 'Example', tag: Uint8Array.of(1, 2, 3) };
    await c.add(a.uri, a);
    await c.update(a.uri, { ...a, title: 'Example, renamed' });
    await c.put('https://example.net/', { uri: 'https://example.net/', title: 'Net', tag: new Uint8Array(0) });
    expect(await code(c.add(a.uri, a))).toBe('CONFLICT');
    await c.close();
    const r = await JsonCatalog.open(path, bookmarkCodec, { secret });
    expect(await r.get(a.uri)).toEqual({ ...a, title: 'Example, renamed' });
    expect(r.info(a.uri)?.contentType).toBe('application/json');
    const all: [string, Bookmark][] = [];
    for await (const e of r.entries()) all.push(e);
    expect(all.map(([id, b]) => [id, b.title])).toEqual([[a.uri, 'Example, renamed'], ['https://example.net/', 'Net']]);
    expect((await r.history(a.uri)).map((v) => v.value?.title)).toEqual(['Example', 'Example, renamed']);
    await r.close();
  });

  it('a stored value that does not parse or that the codec rejects is MALFORMED', async () => {
    const path = file();
    const c = await JsonCatalog.create(path, JSON_VALUE_CODEC);
    await c.add('ok', { any: ['json', 1, null] });
    await c.raw.add('not json', utf8('{"unclosed":'));
    await c.raw.add('bad utf8', Uint8Array.of(0x22, 0xff, 0x22));
    await c.raw.add('deep', utf8('['.repeat(200) + ']'.repeat(200)));
    await c.add('wrong shape', { CatalogedBookmark: { Uri: 7 } });
    expect(await c.get('ok')).toEqual({ any: ['json', 1, null] });
    expect(await code(c.get('not json'))).toBe('MALFORMED');
    expect(await code(c.get('bad utf8'))).toBe('MALFORMED');
    expect(await code(c.get('deep'))).toBe('LIMIT_EXCEEDED');
    await c.close();
    const typed = await JsonCatalog.open(path, bookmarkCodec, { readOnly: true });
    expect(await code(typed.get('wrong shape'))).toBe('MALFORMED');
    await typed.close();
  });
});
