/**
 * Export and import between stores (server/store/transfer.ts, for `meshd export` / `meshd
 * import`), through server/store/open.ts's openStore: a PostgreSQL store exported to a folder
 * and imported into another is the same store (accounts, heads with their frontiers, every
 * frame's bytes); embedded -> PostgreSQL -> embedded likewise, the last root's container files
 * byte-identical to the exported ones; a changed, cut or lengthened frame in the folder is
 * refused with nothing bound; a non-empty target folder and an account already bound are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDareError } from '../lib/index.js';
import type { AccountStore } from '../lib/mesh/index.js';
import { exportStore, importStore, migrateStore, openStore } from '../server/store/open.js';
import { newAccount, readAll } from './store-conformance.test-util.js';
import { appendOf, catalogFrames, hex, NO_HEAD, type RealFrame } from './store-conformance-frames.test-util.js';
import { createTestDatabase, newSchema, type TestDatabase } from './store-conformance-pg.test-util.js';

let db: TestDatabase;
let dir: string;
let frames: RealFrame[];
beforeAll(async () => {
  db = await createTestDatabase('transfer');
  dir = await mkdtemp(join(tmpdir(), 'store-transfer-'));
  frames = await catalogFrames(30, 400);
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshStore(): Promise<AccountStore> {
  const schema = newSchema();
  expect((await migrateStore(db.url, { schema }))?.applied).toEqual([1]);
  return openStore(db.url, { schema });
}

/** Everything a store holds, as comparable text. */
async function snapshot(store: AccountStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.accounts()) {
    out.push(`${e.profileUdf} ${e.address} ${e.kind} ${e.status} ${e.created} ${hex(e.profile)}`);
    for (const h of await store.heads(e.profileUdf)) {
      out.push(`  ${h.container}@${h.index} ${hex(h.apex)} ${hex(h.frontier)}`);
      for (const f of await readAll(store, e.profileUdf, h.container, 4)) out.push(`    ${hex(f)}`);
    }
  }
  return out.sort();
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    if (isDareError(e)) return e.code;
    throw e;
  }
}

describe('export and import', () => {
  let source: AccountStore;
  let udfs: string[];
  let exported: string;

  beforeAll(async () => {
    source = await freshStore();
    udfs = [];
    for (let n = 0; n < 3; n++) {
      const a = newAccount({ kind: n === 2 ? 'group' : 'user' });
      await source.bind(a);
      udfs.push(a.profileUdf);
      if (n === 1) continue; // an account with no containers travels too
      const first = appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 5 + n);
      await source.transact(a.profileUdf, 'r1', [first, appendOf(frames, 'MMM_Inbound', NO_HEAD('MMM_Inbound'), 12)]);
      await source.transact(a.profileUdf, 'r2', [appendOf(frames, 'MMM_Access', first.next, 3)]);
    }
    exported = join(dir, 'export');
    const report = await exportStore(source, exported);
    expect(report).toEqual({ accounts: 3, containers: 4, frames: 2 * 12 + 8 + 10, bytes: expect.any(Number) });
  });
  afterAll(async () => {
    await source?.close();
  });

  it('a store exported and imported into an empty one is the same store, every frame byte for byte', async () => {
    const target = await freshStore();
    try {
      const report = await importStore(exported, target);
      expect(report.accounts).toBe(3);
      expect(report.frames).toBe(42);
      expect(await snapshot(target)).toEqual(await snapshot(source));
      // The target is a working store: the next Transact builds on the imported head.
      const [h] = await target.heads(udfs[0] as string, ['MMM_Access']);
      expect(h?.index).toBe(7);
      expect((await target.transact(udfs[0] as string, 'next', [appendOf(frames, 'MMM_Access', h ?? NO_HEAD('MMM_Access'), 1)])).accepted).toBe(true);
      // A second import of the same folder finds the accounts bound.
      expect(await code(importStore(exported, target))).toBe('CONFLICT');
    } finally {
      await target.close();
    }
  });

  it('each container file is the sequence itself: the frames back to back', async () => {
    const file = await readFile(join(exported, 'accounts', udfs[0] as string, 'MMM_Inbound.dspl'));
    expect(hex(file)).toBe(frames.slice(0, 12).map((f) => hex(f.bytes)).join(''));
  });

  it('a changed, cut or lengthened frame in the folder is refused, and nothing of that account is bound', async () => {
    const path = join(exported, 'accounts', udfs[2] as string, 'MMM_Access.dcat');
    const original = await readFile(path);
    try {
      for (const [bad, want] of [
        [Buffer.concat([original.subarray(0, 100), Buffer.from([original[100]! ^ 1]), original.subarray(101)]), 'DIGEST_MISMATCH'],
        [original.subarray(0, original.length - 1), 'TRUNCATED'],
        [Buffer.concat([original, Buffer.from([0])]), 'TRAILING_DATA'],
      ] as const) {
        await writeFile(path, bad);
        const target = await freshStore();
        try {
          expect(await code(importStore(exported, target))).toBe(want);
          expect(await target.account(udfs[2] as string)).toBeUndefined();
        } finally {
          await target.close();
        }
      }
    } finally {
      await writeFile(path, original);
    }
  });

  it('refuses a target folder that is not empty, and a manifest that is not one', async () => {
    expect(await code(exportStore(source, exported))).toBe('OUTPUT_EXISTS');
    const bogus = join(dir, 'bogus');
    await exportStore(source, bogus);
    await writeFile(join(bogus, 'manifest.json'), '{"format":"something else"}');
    const target = await freshStore();
    try {
      expect(await code(importStore(bogus, target))).toBe('MALFORMED');
    } finally {
      await target.close();
    }
  });

  it('openStore: a postgres:// URL is the PostgreSQL driver; a folder is the embedded driver', async () => {
    const s = await freshStore();
    expect((await s.status()).driver).toBe('postgres');
    await s.close();
    expect(await migrateStore(join(dir, 'root'))).toBeUndefined();
    const e = await openStore(join(dir, 'root'));
    expect((await e.status()).driver).toBe('embedded');
    await e.close();
  });

  it('embedded -> PostgreSQL -> embedded: the same store, and the last root holds the exported files byte for byte', async () => {
    const first = await openStore(join(dir, 'embedded-1'));
    const pgStore = await freshStore();
    const last = await openStore(join(dir, 'embedded-2'));
    try {
      expect((await importStore(exported, first)).accounts).toBe(3);
      const viaEmbedded = join(dir, 'export-embedded');
      await exportStore(first, viaEmbedded);
      await importStore(viaEmbedded, pgStore);
      const viaPg = join(dir, 'export-pg');
      await exportStore(pgStore, viaPg);
      await importStore(viaPg, last);
      const want = await snapshot(source);
      for (const s of [first, pgStore, last]) expect(await snapshot(s)).toEqual(want);
      for (const c of ['MMM_Access.dcat', 'MMM_Inbound.dspl']) {
        const exportedFile = await readFile(join(exported, 'accounts', udfs[0] as string, c));
        expect(hex(await readFile(join(dir, 'embedded-2', 'accounts', udfs[0] as string, c)))).toBe(hex(exportedFile));
        expect(hex(await readFile(join(viaPg, 'accounts', udfs[0] as string, c)))).toBe(hex(exportedFile));
      }
    } finally {
      await Promise.all([first.close(), pgStore.close(), last.close()]);
    }
  });
});
