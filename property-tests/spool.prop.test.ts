/**
 * Model-based test of spools: random post, mark, reopen, copyTo (with and without a
 * purge of Deleted messages) and torn tails against a Map of id -> {status, body,
 * last change}. After every step the statuses (in post order), the `since` filter and
 * every error agree with the model; at the end every body and history agree too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool, isDareError, type KeySet, type SpoolOpenOptions } from '../lib/index.js';
import { KEYS, SEED, runs } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-spool-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const IDS = ['NDIB-AAAA', 'NBLG-BBBB', 'KB3G-CCCC', 'm4'];
const id = fc.constantFrom(...IDS);
const status = fc.constantFrom('Initial', 'Read', 'Deleted', 'Sent', 'Closed', 'Rejected');

type Op =
  | { op: 'post'; id: string; body: Uint8Array; status?: string }
  | { op: 'mark'; id: string; status: string }
  | { op: 'reopen' }
  | { op: 'copyTo'; purge: boolean }
  | { op: 'tear'; junk: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('post' as const), id, body: fc.uint8Array({ maxLength: 64 }), status: fc.option(status, { nil: undefined }) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('mark' as const), id, status }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('reopen' as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('copyTo' as const), purge: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('tear' as const), junk: fc.uint8Array({ maxLength: 30 }).map((b) => Uint8Array.of(0xf4, ...b)) }), weight: 1 },
);

const bob = KEYS[1] as KeySet;
const modes: Record<string, SpoolOpenOptions> = {
  plain: {},
  secret: { secret: new Uint8Array(32).fill(0x33) },
  recipients: {
    recipients: [{ crv: bob.encryption.crv, publicKey: bob.encryption.publicKey }],
    keys: [{ crv: bob.encryption.crv, privateKey: bob.encryption.privateKey }],
  },
};

interface Model { status: string; body: Uint8Array; changed: number; statuses: string[] }

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isDareError(e)) return e.code;
    throw e;
  }
}

describe('spool model', () => {
  it('random post/mark/reopen/copyTo agree with a model', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...Object.keys(modes)), fc.array(opArb, { maxLength: 24 }), fc.nat(30), async (mode, ops, since) => {
      const o = modes[mode] as SpoolOpenOptions;
      let path = join(dir, `s${counter++}.dspl`);
      let s = await Spool.create(path, o);
      const model = new Map<string, Model>();
      let frame = 1; // next frame index: frame 0 is the header
      try {
        for (const step of ops) {
          switch (step.op) {
            case 'post': {
              const want = model.has(step.id) ? 'CONFLICT' : 'ok';
              expect(await outcome(s.post(step.id, step.body, { status: step.status }))).toBe(want);
              if (want === 'ok') {
                const st = step.status ?? 'Initial';
                model.set(step.id, { status: st, body: step.body, changed: frame++, statuses: [st] });
              }
              break;
            }
            case 'mark': {
              const m = model.get(step.id);
              expect(await outcome(s.mark(step.id, step.status))).toBe(m ? 'ok' : 'NOT_FOUND');
              if (m) Object.assign(m, { status: step.status, changed: frame++, statuses: [...m.statuses, step.status] });
              break;
            }
            case 'reopen':
              await s.close();
              s = await Spool.open(path, o);
              break;
            case 'copyTo': {
              const next = join(dir, `s${counter++}.dspl`);
              await s.copyTo(next, step.purge ? { omit: ['Deleted'] } : {});
              await s.close();
              path = next;
              s = await Spool.open(path, o);
              frame = 1;
              for (const [k, m] of [...model]) {
                if (step.purge && m.status === 'Deleted') model.delete(k);
                else Object.assign(m, { changed: frame++, statuses: [m.status] });
              }
              break;
            }
            case 'tear':
              await s.close();
              appendFileSync(path, step.junk);
              s = await Spool.open(path, o);
              expect(s.tornBytes).toBe(step.junk.length);
              break;
          }
          expect(s.messages().map((m) => [m.id, m.status, m.changed])).toEqual([...model].map(([k, m]) => [k, m.status, m.changed]));
        }
        expect(s.messages({ since }).map((m) => m.id)).toEqual([...model].filter(([, m]) => m.changed > since).map(([k]) => k));
        expect(s.messages({ status: 'Read' }).map((m) => m.id)).toEqual([...model].filter(([, m]) => m.status === 'Read').map(([k]) => k));
        await s.close();
        s = await Spool.open(path, o);
        for (const k of IDS) {
          const m = model.get(k);
          expect(s.status(k)).toBe(m?.status);
          expect(await s.get(k)).toEqual(m?.body);
          expect((await s.history(k)).map((e) => e.status)).toEqual(m?.statuses ?? []);
        }
      } finally {
        await s.close();
      }
    }), { seed: SEED, numRuns: runs(40), endOnFailure: true });
  });
});
