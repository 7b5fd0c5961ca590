/**
 * Model-based test of catalogs: random sequences of add, update, put, delete, reopen,
 * copyTo and a torn tail (a crash in the middle of an append) against a Map. After
 * every step the identifiers (in order) and every error agree with the model; at the
 * end every value and every history agree too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, isDareError, type CatalogOpenOptions, type KeySet } from '../lib/index.js';
import { KEYS, SEED, runs } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-cat-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const IDS = ['a', 'b', 'c', 'ünï', 'MMM_Contact/alice@example.com'];
const id = fc.constantFrom(...IDS);
const value = fc.uint8Array({ maxLength: 48 });

type Op =
  | { op: 'add' | 'update' | 'put'; id: string; value: Uint8Array }
  | { op: 'delete'; id: string }
  | { op: 'reopen' | 'copyTo' }
  | { op: 'tear'; junk: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom('add' as const, 'update' as const, 'put' as const), id, value }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), id }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom('reopen' as const, 'copyTo' as const) }), weight: 1 },
  // The start of a frame that never finished: JBCD frame tag, then anything.
  { arbitrary: fc.record({ op: fc.constant('tear' as const), junk: fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.of(0xf4, ...b)) }), weight: 1 },
);

const alice = KEYS[0] as KeySet;
const carol = KEYS[2] as KeySet; // X448
const modes: Record<string, CatalogOpenOptions> = {
  plain: {},
  secret: { secret: new Uint8Array(32).fill(0x5a) },
  recipients: {
    recipients: [{ crv: carol.encryption.crv, publicKey: carol.encryption.publicKey }],
    keys: [{ crv: carol.encryption.crv, privateKey: carol.encryption.privateKey }],
    signer: alice.signature,
    trustedSigners: [{ crv: alice.signature.crv, publicKey: alice.signature.publicKey }],
  },
};

interface Event { event: 'New' | 'Update' | 'Delete'; value?: Uint8Array }

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isDareError(e)) return e.code;
    throw e;
  }
}

describe('catalog model', () => {
  it('random operations agree with a Map, across reopen, copyTo and torn tails', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...Object.keys(modes)), fc.array(opArb, { maxLength: 24 }), async (mode, ops) => {
      const o = modes[mode] as CatalogOpenOptions;
      let path = join(dir, `c${counter++}.dcat`);
      let c = await Catalog.create(path, o);
      const model = new Map<string, Uint8Array>();
      const history = new Map<string, Event[]>();
      const log = (k: string, e: Event) => history.set(k, [...(history.get(k) ?? []), e]);
      try {
        for (const step of ops) {
          switch (step.op) {
            case 'add': {
              const want = model.has(step.id) ? 'CONFLICT' : 'ok';
              expect(await outcome(c.add(step.id, step.value))).toBe(want);
              if (want === 'ok') {
                model.set(step.id, step.value);
                log(step.id, { event: 'New', value: step.value });
              }
              break;
            }
            case 'update': {
              const want = model.has(step.id) ? 'ok' : 'NOT_FOUND';
              expect(await outcome(c.update(step.id, step.value))).toBe(want);
              if (want === 'ok') {
                model.set(step.id, step.value);
                log(step.id, { event: 'Update', value: step.value });
              }
              break;
            }
            case 'put':
              await c.put(step.id, step.value);
              log(step.id, { event: model.has(step.id) ? 'Update' : 'New', value: step.value });
              model.set(step.id, step.value);
              break;
            case 'delete': {
              const want = model.has(step.id) ? 'ok' : 'NOT_FOUND';
              expect(await outcome(c.delete(step.id))).toBe(want);
              if (want === 'ok') {
                model.delete(step.id);
                log(step.id, { event: 'Delete' });
              }
              break;
            }
            case 'reopen':
              await c.close();
              c = await Catalog.open(path, o);
              break;
            case 'copyTo': {
              const next = join(dir, `c${counter++}.dcat`);
              await c.copyTo(next);
              await c.close();
              path = next;
              c = await Catalog.open(path, o);
              history.clear();
              for (const [k, v] of model) history.set(k, [{ event: 'New', value: v }]);
              break;
            }
            case 'tear':
              await c.close();
              appendFileSync(path, step.junk);
              c = await Catalog.open(path, { ...o, trustedSigners: undefined }); // the seal is no longer last
              expect(c.tornBytes).toBe(step.junk.length);
              break;
          }
          expect(c.ids()).toEqual([...model.keys()]);
        }
        await c.close();
        c = await Catalog.open(path, o);
        expect(c.ids()).toEqual([...model.keys()]);
        for (const [k, v] of model) expect(await c.get(k)).toEqual(v);
        for (const k of IDS) {
          expect(c.has(k)).toBe(model.has(k));
          const h = (await c.history(k)).map((e) => ({ event: e.event, value: e.value }));
          expect(h).toEqual(history.get(k) ?? []);
        }
      } finally {
        await c.close();
      }
    }), { seed: SEED, numRuns: runs(60), endOnFailure: true });
  });

  it('a mutated or cut catalog file gives a DareError or a consistent state, never anything else', async () => {
    const o = modes.secret as CatalogOpenOptions;
    const base = join(dir, `c${counter++}.dcat`);
    const c = await Catalog.create(base, o);
    for (let i = 0; i < 6; i++) await c.add(`id${i}`, new Uint8Array(40 * i).fill(i));
    await c.update('id1', Uint8Array.of(1));
    await c.delete('id2');
    await c.close();
    const original = readFileSync(base);
    const mutation = fc.oneof(
      fc.record({ cut: fc.nat(original.length - 1) }),
      fc.record({ flips: fc.array(fc.record({ at: fc.nat(original.length - 1), mask: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }) }),
    );
    await fc.assert(fc.asyncProperty(mutation, fc.boolean(), async (m, readOnly) => {
      const b = Buffer.from('cut' in m ? original.subarray(0, m.cut) : original);
      if ('flips' in m) for (const f of m.flips) b.writeUInt8(b.readUInt8(f.at) ^ f.mask, f.at);
      const path = join(dir, `c${counter++}.dcat`);
      writeFileSync(path, b);
      try {
        const r = await Catalog.open(path, { ...o, readOnly });
        try {
          for await (const [k, v] of r.entries()) expect(r.has(k) && v instanceof Uint8Array).toBe(true);
        } finally {
          await r.close();
        }
      } catch (e) {
        if (!isDareError(e)) throw e;
      }
    }), { seed: SEED, numRuns: runs(150) });
  });
});
