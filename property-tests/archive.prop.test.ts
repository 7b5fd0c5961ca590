/**
 * Model-based test of archives: random sequences of add, update, delete, re-index,
 * copy (with and without purge), reopen and torn tails against a Map from path to
 * contents, in plaintext, shared-secret and recipient modes (signed in some runs).
 * After every run the archive must list exactly the model, give back every file's
 * bytes, verify as a sequence, and agree with a scan of its frames.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArchiveReader, ArchiveWriter, copyArchive, generateKeySet, isDareError, publicKeySet, verifySequence, type ArchiveReadOptions, type ArchiveKeys,
} from '../lib/index.js';
import { runs } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-archive-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const next = () => join(dir, `a${counter++}.dare`);

const PATHS = ['a.txt', 'b.bin', 'd/x.txt', 'd/y.txt', 'e/f/g.txt', 'e/h.txt'];
const keys = generateKeySet();
const secret = crypto.getRandomValues(new Uint8Array(32));
const T = '2023-01-01T00:00:00.000Z';

type Op =
  | { op: 'add'; path: string; data: Uint8Array }
  | { op: 'delete'; path: string }
  | { op: 'index' }
  | { op: 'copy'; purge: boolean }
  | { op: 'reopen' }
  | { op: 'tear'; junk: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), path: fc.constantFrom(...PATHS), data: fc.uint8Array({ maxLength: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS, 'd', 'e', 'e/f') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('index' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copy' as const), purge: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tear' as const), junk: fc.uint8Array({ minLength: 1, maxLength: 120 }) }) },
);

const modeArb = fc.record({ enc: fc.constantFrom('none', 'secret', 'recipient'), signed: fc.boolean() });

function setup(mode: { enc: string; signed: boolean }): { write: ArchiveKeys; read: ArchiveReadOptions } {
  const write: ArchiveKeys = {
    recipients: mode.enc === 'recipient' ? [publicKeySet(keys).encryption] : undefined,
    secret: mode.enc === 'secret' ? secret : undefined,
    signer: mode.signed ? keys.signature : undefined,
  };
  const read: ArchiveReadOptions = {
    keys: [{ crv: keys.encryption.crv, privateKey: keys.encryption.privateKey }],
    secrets: [secret],
    trustedSigners: mode.signed ? [publicKeySet(keys).signature] : [],
  };
  return { write, read };
}

async function readAll(r: ArchiveReader, path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of r.content(r.get(path)!)) parts.push(p);
  return Buffer.concat(parts);
}

describe('archive model', () => {
  it('matches a Map under add/update/delete/index/copy/reopen/torn tails', async () => {
    await fc.assert(
      fc.asyncProperty(modeArb, fc.array(opArb, { minLength: 1, maxLength: 14 }), async (mode, ops) => {
        const { write, read } = setup(mode);
        const model = new Map<string, Uint8Array>();
        let file = next();
        let w = await ArchiveWriter.create(file, write);
        const open = async (rescan = false) => ArchiveWriter.open(file, { ...read, ...write, rescan });
        for (const o of ops) {
          if (o.op === 'add') {
            await w.add({ path: o.path, kind: 'file', size: o.data.length, mode: 0o640, modified: T }, o.data);
            model.set(o.path, o.data);
          } else if (o.op === 'delete') {
            const gone = [...model.keys()].filter((p) => p === o.path || p.startsWith(o.path + '/'));
            try {
              expect((await w.remove(o.path)).sort()).toEqual(gone.sort());
            } catch (e) {
              if (!isDareError(e, 'NOT_FOUND')) throw e;
              expect(gone).toEqual([]);
            }
            for (const p of gone) model.delete(p);
          } else if (o.op === 'index') {
            await w.finish();
            const ix = await open(true);
            await ix.finish({ forceIndex: true });
            w = await open();
          } else if (o.op === 'copy') {
            await w.finish();
            const r = await ArchiveReader.open(file, read);
            const out = next();
            const cw = await ArchiveWriter.create(out, write);
            await copyArchive(r, cw, { purge: o.purge });
            await cw.finish();
            await r.close();
            file = out;
            w = await open();
          } else if (o.op === 'reopen') {
            await w.finish();
            w = await open();
          } else {
            // An append cut off mid-frame leaves junk after the last frame.
            await w.finish();
            appendFileSync(file, o.junk);
            w = await open();
          }
        }
        await w.finish();
        const r = await ArchiveReader.open(file, read);
        try {
          expect(r.indexed).toBe(true);
          if (mode.signed) await r.authenticate();
          const files = r.entries().filter((e) => e.kind === 'file');
          expect(files.map((e) => e.path).sort()).toEqual([...model.keys()].sort());
          for (const [p, data] of model) expect(Buffer.from(await readAll(r, p)).equals(Buffer.from(data))).toBe(true);
          await r.checkIndex();
          const rep = await verifySequence(r.sequence);
          expect(rep.structureChecked).toBe(true);
        } finally {
          await r.close();
        }
      }),
      { seed: 0xa4c417e, numRuns: runs(25), endOnFailure: true },
    );
  }, 120_000);
});
