/**
 * The store conformance suite (issue 19 "Tests": one suite runs every store operation against
 * both drivers): every method of lib/mesh/store/store.ts's AccountStore and the edge cases its
 * comments promise, on real DARE frames (test/store-conformance-frames.test-util.ts).
 *
 * `open` gives a fresh, empty store; `reopen` closes it and opens the same data again (what a
 * restart does); `cleanup` closes whatever is open and removes the data.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { contentDigest, isDareError, utf8 } from '../lib/index.js';
import type { AccountEntry, AccountStore, ContainerHead, TransactOutcome } from '../lib/mesh/index.js';
import { appendOf, catalogFrames, catalogSource, headAfter, headOf, headText, hex, NO_HEAD, type FrameSource, type RealFrame } from './store-conformance-frames.test-util.js';

export interface OpenedStore {
  store: AccountStore;
  reopen(): Promise<AccountStore>;
  cleanup(): Promise<void>;
}

let accountCounter = 0;
/** A new account entry with a unique UDF and address. */
export function newAccount(overrides: Partial<AccountEntry> = {}): AccountEntry {
  const n = ++accountCounter;
  return {
    // Canonical UDF text, as the service's accounts have (the embedded driver names folders with it).
    profileUdf: contentDigest(utf8(`account ${n} ${randomBytes(8).toString('hex')}`), 'application/test'),
    address: `user${n}-${randomBytes(3).toString('hex')}@example.com`,
    kind: 'user',
    status: 'active',
    profile: new Uint8Array(randomBytes(300)),
    created: new Date(Date.UTC(2026, 11, 4, 3, 0, n % 60)).toISOString(),
    ...overrides,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isDareError(e)) return e.code;
    throw e;
  }
  return 'resolved';
}

function entryText(e: AccountEntry | undefined): string {
  return e === undefined ? 'none' : `${e.profileUdf}|${e.address}|${e.kind}|${e.status}|${hex(e.profile)}|${e.created}`;
}

function conflictsOf(o: TransactOutcome): string[] {
  expect(o.accepted).toBe(false);
  return o.accepted ? [] : o.conflicts.map(headText);
}

/** Every frame of a container, following `next` through pages. */
export async function readAll(store: AccountStore, udf: string, container: string, pageFrames = 1000): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let from: number | undefined = 0;
  while (from !== undefined) {
    const page = await store.read(udf, container, from, { maxFrames: pageFrames, maxBytes: 1 << 24 });
    out.push(...page.frames);
    from = page.next;
  }
  return out;
}

export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store conformance: ${name}`, () => {
    let frames: RealFrame[];
    let other: RealFrame[];
    let opened: OpenedStore;
    let store: AccountStore;

    beforeAll(async () => {
      [frames, other] = await Promise.all([catalogFrames(40, 300), catalogFrames(40, 300)]);
    });
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });
    afterAll(() => undefined);

    async function bound(): Promise<AccountEntry> {
      const a = newAccount();
      await store.bind(a);
      return a;
    }

    describe('accounts', () => {
      it('binds, finds by UDF and by address, lists, counts, with the profile bytes and created time exact', async () => {
        const a = newAccount();
        const b = newAccount({ kind: 'group', status: 'hold' });
        await store.bind(a);
        await store.bind(b);
        expect(entryText(await store.account(a.profileUdf))).toBe(entryText(a));
        expect(entryText(await store.accountByAddress(b.address))).toBe(entryText(b));
        expect(await store.account(newAccount().profileUdf)).toBeUndefined();
        expect(await store.accountByAddress('nobody@example.com')).toBeUndefined();
        const listed: string[] = [];
        for await (const e of store.accounts()) listed.push(entryText(e));
        expect(listed.sort()).toEqual([entryText(a), entryText(b)].sort());
        const status = await store.status();
        expect(status.accounts).toBe(2);
        expect(typeof status.driver).toBe('string');
      });

      it('refuses a second bind of an address (CONFLICT) and of a profile UDF (CONFLICT), changing nothing', async () => {
        const a = await bound();
        expect(await codeOf(store.bind(newAccount({ address: a.address })))).toBe('CONFLICT');
        expect(await codeOf(store.bind(newAccount({ profileUdf: a.profileUdf })))).toBe('CONFLICT');
        expect(entryText(await store.account(a.profileUdf))).toBe(entryText(a));
        expect((await store.status()).accounts).toBe(1);
      });

      it('unbind removes the account and its containers; a second unbind is false; the UDF can bind again, empty', async () => {
        const a = await bound();
        const t = await store.transact(a.profileUdf, 'r1', [appendOf(frames, 'MMM_Contact', NO_HEAD('MMM_Contact'), 3)]);
        expect(t.accepted).toBe(true);
        expect(await store.unbind(a.profileUdf)).toBe(true);
        expect(await store.unbind(a.profileUdf)).toBe(false);
        expect(await store.account(a.profileUdf)).toBeUndefined();
        expect(await store.accountByAddress(a.address)).toBeUndefined();
        expect((await store.status()).accounts).toBe(0);
        await store.bind(a);
        expect(await store.heads(a.profileUdf)).toEqual([]);
        const page = await store.read(a.profileUdf, 'MMM_Contact', 0, { maxFrames: 10, maxBytes: 1 << 20 });
        expect(page.frames).toHaveLength(0);
        expect(page.head.index).toBe(-1);
      });

      it('lists many accounts, each once', async () => {
        const all = Array.from({ length: 30 }, () => newAccount());
        for (const a of all) await store.bind(a);
        const seen = new Set<string>();
        for await (const e of store.accounts()) seen.add(e.profileUdf);
        expect(seen.size).toBe(30);
      });
    });

    describe('hostile input', () => {
      it('a profile UDF that is not canonical UDF text is UDF_INVALID; an address that is not one is MALFORMED', async () => {
        for (const udf of ['MBUNKNOWN', '../etc', '', 'mb2a-aaaa']) {
          expect(await codeOf(store.bind(newAccount({ profileUdf: udf })))).toBe('UDF_INVALID');
          expect(await codeOf(store.heads(udf))).toBe('UDF_INVALID');
        }
        for (const address of ['no-at-sign', '@example.com', 'alice@', 'a b@example.com']) {
          expect(await codeOf(store.bind(newAccount({ address })))).toBe('MALFORMED');
        }
        expect(await codeOf(store.bind(newAccount({ kind: 'robot' as AccountEntry['kind'] })))).toBe('MALFORMED');
        expect(await codeOf(store.bind(newAccount({ status: 'gone' as AccountEntry['status'] })))).toBe('MALFORMED');
        expect((await store.status()).accounts).toBe(0);
      });

      it('addresses are canonical: the domain in lower case, found whatever its case', async () => {
        const a = newAccount();
        const [local, domain] = a.address.split('@') as [string, string];
        await store.bind({ ...a, address: `${local}@${domain.toUpperCase()}` });
        expect((await store.account(a.profileUdf))?.address).toBe(a.address);
        expect((await store.accountByAddress(`${local}@${domain.toUpperCase()}`))?.profileUdf).toBe(a.profileUdf);
        expect(await codeOf(store.bind(newAccount({ address: `${local}@${domain.replace(/^./, (c) => c.toUpperCase())}` })))).toBe('CONFLICT');
      });

      it('a container that is not a store label, bad read bounds, a container named twice, frames that do not give the next head: MALFORMED', async () => {
        const a = await bound();
        expect(await codeOf(store.read(a.profileUdf, '../MMM_Access', 0, { maxFrames: 1, maxBytes: 1 }))).toBe('MALFORMED');
        expect(await codeOf(store.transact(a.profileUdf, 'r0', [appendOf(frames, 'MMM_Nonsense', NO_HEAD('MMM_Nonsense'))]))).toBe('MALFORMED');
        for (const [from, limits] of [[-1, { maxFrames: 1, maxBytes: 1 }], [0, { maxFrames: 0, maxBytes: 1 }], [0, { maxFrames: 1, maxBytes: 0 }], [0.5, { maxFrames: 1, maxBytes: 1 }]] as const) {
          expect(await codeOf(store.read(a.profileUdf, 'MMM_Access', from, limits))).toBe('MALFORMED');
        }
        const twice = appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'));
        expect(await codeOf(store.transact(a.profileUdf, 'r1', [twice, twice]))).toBe('MALFORMED');
        const short = { ...appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 3), frames: frames.slice(0, 2).map((f) => f.bytes) };
        expect(await codeOf(store.transact(a.profileUdf, 'r2', [short]))).toBe('MALFORMED');
        expect(await codeOf(store.transact(a.profileUdf, '', [appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'))]))).toBe('MALFORMED');
        expect(await store.heads(a.profileUdf)).toEqual([]);
      });
    });

    describe('heads', () => {
      it('a new account has none; a missing container has index -1 and an empty apex, in the order asked', async () => {
        const a = await bound();
        expect(await store.heads(a.profileUdf)).toEqual([]);
        await store.transact(a.profileUdf, 'r', [appendOf(frames, 'MMM_Device', NO_HEAD('MMM_Device'), 2)]);
        const hs = await store.heads(a.profileUdf, ['MMM_Task', 'MMM_Device', 'MMM_Access']);
        expect(hs.map((h) => [h.container, h.index, h.apex.length])).toEqual([['MMM_Task', -1, 0], ['MMM_Device', 1, frames[1]?.apex.length], ['MMM_Access', -1, 0]]);
        expect(hex(hs[1]?.frontier ?? new Uint8Array())).toBe(hex(frames[1]?.frontier ?? new Uint8Array()));
        expect(hex(hs[1]?.apex ?? new Uint8Array())).toBe(hex(frames[1]?.apex ?? new Uint8Array()));
      });

      it('all heads of an account when no list is given', async () => {
        const a = await bound();
        await store.transact(a.profileUdf, 'r', [
          appendOf(frames, 'MMM_Device', NO_HEAD('MMM_Device'), 2), appendOf(other, 'MMM_Access', NO_HEAD('MMM_Access'), 1),
        ]);
        const hs = await store.heads(a.profileUdf);
        expect(hs.map((h) => `${h.container}@${h.index}`).sort()).toEqual(['MMM_Access@0', 'MMM_Device@1']);
      });

      it('an unknown account is NOT_FOUND for heads, read and transact', async () => {
        const unknown = newAccount().profileUdf;
        expect(await codeOf(store.heads(unknown))).toBe('NOT_FOUND');
        expect(await codeOf(store.read(unknown, 'MMM_Access', 0, { maxFrames: 1, maxBytes: 1 }))).toBe('NOT_FOUND');
        expect(await codeOf(store.transact(unknown, 'r', [appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'))]))).toBe('NOT_FOUND');
        const onHead = { container: 'MMM_Access', index: 0, apex: frames[0]?.apex ?? new Uint8Array() };
        expect(await codeOf(store.transact(unknown, 'r2', [appendOf(frames, 'MMM_Access', onHead)]))).toBe('NOT_FOUND');
      });
    });

    describe('transact', () => {
      it('creates a container from expected -1, appends on its head, and keeps every frame byte for byte', async () => {
        const a = await bound();
        const first = appendOf(frames, 'MMM_Credential', NO_HEAD('MMM_Credential'), 5);
        const t1 = await store.transact(a.profileUdf, 'r1', [first]);
        expect(t1.accepted && t1.heads.map(headText)).toEqual([headText(headAfter(first))]);
        const second = appendOf(frames, 'MMM_Credential', headAfter(first), 3);
        const t2 = await store.transact(a.profileUdf, 'r2', [second]);
        expect(t2.accepted && t2.heads.map(headText)).toEqual([headText(headAfter(second))]);
        const all = await readAll(store, a.profileUdf, 'MMM_Credential');
        expect(all.map(hex)).toEqual(frames.slice(0, 8).map((f) => hex(f.bytes)));
        const [h] = await store.heads(a.profileUdf, ['MMM_Credential']);
        expect(h?.index).toBe(7);
        expect(hex(h?.frontier ?? new Uint8Array())).toBe(hex(frames[7]?.frontier ?? new Uint8Array()));
      });

      it('a stale index, a wrong apex, or -1 for an existing container is a Conflict listing the current head', async () => {
        const a = await bound();
        const c = 'MMM_Bookmark';
        const first = appendOf(frames, c, NO_HEAD(c), 3);
        await store.transact(a.profileUdf, 'r1', [first]);
        const now = headText(headAfter(first));
        const stale = appendOf(other, c, { container: c, index: 1, apex: frames[1]?.apex ?? new Uint8Array() });
        expect(conflictsOf(await store.transact(a.profileUdf, 'r2', [stale]))).toEqual([now]);
        const wrongApex = appendOf(other, c, { container: c, index: 2, apex: other[2]?.apex ?? new Uint8Array() });
        expect(conflictsOf(await store.transact(a.profileUdf, 'r3', [wrongApex]))).toEqual([now]);
        expect(conflictsOf(await store.transact(a.profileUdf, 'r4', [appendOf(other, c, NO_HEAD(c))]))).toEqual([now]);
        const ahead = appendOf(other, c, { container: c, index: 5, apex: other[5]?.apex ?? new Uint8Array() });
        expect(conflictsOf(await store.transact(a.profileUdf, 'r5', [ahead]))).toEqual([now]);
        expect((await readAll(store, a.profileUdf, c)).map(hex)).toEqual(frames.slice(0, 3).map((f) => hex(f.bytes)));
      });

      it('expected head of a missing container (index >= 0) is a Conflict with index -1', async () => {
        const a = await bound();
        const c = 'MMM_Network';
        const o = await store.transact(a.profileUdf, 'r', [appendOf(frames, c, { container: c, index: 0, apex: frames[0]?.apex ?? new Uint8Array() })]);
        expect(conflictsOf(o)).toEqual([headText(NO_HEAD(c))]);
        expect(await store.heads(a.profileUdf)).toEqual([]);
      });

      it('is all or nothing across containers: one conflicting writes none, and only it is listed', async () => {
        const a = await bound();
        const base = [appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 2), appendOf(frames, 'MMM_Device', NO_HEAD('MMM_Device'), 2)];
        await store.transact(a.profileUdf, 'r1', base);
        const [access, device] = base.map(headAfter) as [ContainerHead, ContainerHead];
        const o = await store.transact(a.profileUdf, 'r2', [
          appendOf(frames, 'MMM_Access', access, 2), // fine
          appendOf(frames, 'MMM_Task', NO_HEAD('MMM_Task'), 1), // fine, new
          appendOf(other, 'MMM_Device', { container: 'MMM_Device', index: 0, apex: frames[0]?.apex ?? new Uint8Array() }), // stale
        ]);
        expect(conflictsOf(o)).toEqual([headText(device)]);
        const hs = await store.heads(a.profileUdf, ['MMM_Access', 'MMM_Device', 'MMM_Task']);
        expect(hs.map(headText)).toEqual([headText(access), headText(device), headText(NO_HEAD('MMM_Task'))]);
        expect(await readAll(store, a.profileUdf, 'MMM_Access')).toHaveLength(2);
        expect(await readAll(store, a.profileUdf, 'MMM_Task')).toHaveLength(0);
        // The same request on the right heads goes through whole.
        const ok = await store.transact(a.profileUdf, 'r3', [
          appendOf(frames, 'MMM_Access', access, 2), appendOf(frames, 'MMM_Task', NO_HEAD('MMM_Task'), 1), appendOf(frames, 'MMM_Device', device, 1),
        ]);
        expect(ok.accepted && ok.heads.map((h) => `${h.container}@${h.index}`)).toEqual(['MMM_Access@3', 'MMM_Task@0', 'MMM_Device@2']);
      });

      it('a retried request id returns the first outcome and writes nothing twice', async () => {
        const a = await bound();
        const c = 'MMM_Contact';
        const first = appendOf(frames, c, NO_HEAD(c), 4);
        const o1 = await store.transact(a.profileUdf, 'retry-me', [first]);
        const o2 = await store.transact(a.profileUdf, 'retry-me', [first]);
        expect(o1.accepted).toBe(true);
        expect(o2.accepted && o2.heads.map(headText)).toEqual([headText(headAfter(first))]);
        expect(await readAll(store, a.profileUdf, c)).toHaveLength(4);
        // A retry carrying other frames still gets the first outcome, and writes nothing.
        const o3 = await store.transact(a.profileUdf, 'retry-me', [appendOf(other, c, headAfter(first), 2)]);
        expect(o3.accepted && o3.heads.map(headText)).toEqual([headText(headAfter(first))]);
        expect((await readAll(store, a.profileUdf, c)).map(hex)).toEqual(frames.slice(0, 4).map((f) => hex(f.bytes)));
        // A retried conflict stays a conflict and writes nothing.
        const bad = appendOf(other, c, NO_HEAD(c));
        expect((await store.transact(a.profileUdf, 'conflicting', [bad])).accepted).toBe(false);
        expect((await store.transact(a.profileUdf, 'conflicting', [bad])).accepted).toBe(false);
        expect(await readAll(store, a.profileUdf, c)).toHaveLength(4);
      });

      it('concurrent transacts on one head: exactly one accepts, the others conflict with its head', async () => {
        const a = await bound();
        const c = 'MMM_Inbound';
        const base = await catalogSource(1, 64);
        await store.transact(a.profileUdf, 'seed', [appendOf(base.frames, c, NO_HEAD(c), 2)]);
        const expected = headOf(base.frames, c, 1);
        // Six writers, each with two valid frames of its own after the same head.
        const sources = (await base.fork(6, 2)).map((f) => f.frames);
        const attempts = sources.map((src, w) => store.transact(a.profileUdf, `race-${w}`, [appendOf(src, c, expected, 2)]));
        const outcomes = await Promise.all(attempts);
        const winners = outcomes.flatMap((o, w) => (o.accepted ? [w] : []));
        expect(winners).toHaveLength(1);
        const w = winners[0] as number;
        const winner = sources[w] ?? [];
        const winnerHead = headText(headAfter(appendOf(winner, c, expected, 2)));
        for (const o of outcomes) if (!o.accepted) expect(o.conflicts.map(headText)).toEqual([winnerHead]);
        const all = await readAll(store, a.profileUdf, c);
        expect(all.map(hex)).toEqual(winner.slice(0, 4).map((f) => hex(f.bytes)));
      });

      it('concurrent writers over several rounds and two containers: the heads only move by accepted transacts, frames contiguous', async () => {
        const a = await bound();
        const writers = 4;
        const rounds = 6;
        // Each container's sequence so far; every round each writer forks it with a frame of its own.
        const current = new Map<string, FrameSource>([['MMM_Access', await catalogSource(0, 64)], ['MMM_Device', await catalogSource(0, 64)]]);
        let accepted = 0;
        for (let round = 0; round < rounds; round++) {
          const hs = await store.heads(a.profileUdf, ['MMM_Access', 'MMM_Device']);
          const forks = new Map<string, FrameSource[]>();
          for (const [c, src] of current) forks.set(c, await src.fork(writers));
          const outcomes = await Promise.all(Array.from({ length: writers }, (_, w) => {
            // Half the writers name the containers in the other order: no deadlock, one winner.
            const order = w % 2 === 0 ? hs : [...hs].reverse();
            const appends = order.map((h) => appendOf(forks.get(h.container)?.[w]?.frames ?? [], h.container, h, h.index === -1 ? 2 : 1));
            return store.transact(a.profileUdf, `round-${round}-${w}`, appends);
          }));
          const won = outcomes.flatMap((o, w) => (o.accepted ? [w] : []));
          expect(won).toHaveLength(1);
          accepted++;
          for (const c of current.keys()) current.set(c, forks.get(c)?.[won[0] as number] as FrameSource);
        }
        for (const [c, src] of current) {
          expect((await readAll(store, a.profileUdf, c, 2)).map(hex)).toEqual(src.frames.map((f) => hex(f.bytes)));
          expect((await store.heads(a.profileUdf, [c]))[0]?.index).toBe(accepted);
        }
      });
    });

    describe('read', () => {
      it('pages by maxFrames with next, and by maxBytes, with at least one frame', async () => {
        const a = await bound();
        const c = 'MMM_Outbound';
        await store.transact(a.profileUdf, 'r', [appendOf(frames, c, NO_HEAD(c), 10)]);
        const p1 = await store.read(a.profileUdf, c, 0, { maxFrames: 4, maxBytes: 1 << 20 });
        expect(p1.frames.map(hex)).toEqual(frames.slice(0, 4).map((f) => hex(f.bytes)));
        expect(p1.next).toBe(4);
        expect(p1.head.index).toBe(9);
        expect(hex(p1.head.apex)).toBe(hex(frames[9]?.apex ?? new Uint8Array()));
        const p2 = await store.read(a.profileUdf, c, 8, { maxFrames: 4, maxBytes: 1 << 20 });
        expect(p2.frames.map(hex)).toEqual(frames.slice(8, 10).map((f) => hex(f.bytes)));
        expect(p2.next).toBeUndefined();
        // Bytes: exactly the frames whose sizes add up to at most maxBytes.
        const sizes = frames.slice(3, 10).map((f) => f.bytes.length);
        const budget = (sizes[0] ?? 0) + (sizes[1] ?? 0) + (sizes[2] ?? 0) + Math.floor((sizes[3] ?? 0) / 2);
        const p3 = await store.read(a.profileUdf, c, 3, { maxFrames: 100, maxBytes: budget });
        expect(p3.frames.map(hex)).toEqual(frames.slice(3, 6).map((f) => hex(f.bytes)));
        expect(p3.next).toBe(6);
        const exact = await store.read(a.profileUdf, c, 3, { maxFrames: 100, maxBytes: (sizes[0] ?? 0) + (sizes[1] ?? 0) });
        expect(exact.frames).toHaveLength(2);
        // A budget smaller than the first frame still returns that frame.
        const p4 = await store.read(a.profileUdf, c, 5, { maxFrames: 100, maxBytes: 1 });
        expect(p4.frames.map(hex)).toEqual([hex(frames[5]?.bytes ?? new Uint8Array())]);
        expect(p4.next).toBe(6);
      });

      it('from past the head is empty with no next; a missing container is empty with index -1', async () => {
        const a = await bound();
        const c = 'MMM_Local';
        await store.transact(a.profileUdf, 'r', [appendOf(frames, c, NO_HEAD(c), 3)]);
        for (const from of [3, 50]) {
          const p = await store.read(a.profileUdf, c, from, { maxFrames: 10, maxBytes: 1 << 20 });
          expect(p.frames).toHaveLength(0);
          expect(p.next).toBeUndefined();
          expect(p.head.index).toBe(2);
        }
        const missing = await store.read(a.profileUdf, 'MMM_Member', 0, { maxFrames: 10, maxBytes: 1 << 20 });
        expect(missing.frames).toHaveLength(0);
        expect(missing.next).toBeUndefined();
        expect(headText(missing.head)).toBe(headText(NO_HEAD('MMM_Member')));
      });

      it('a page ends at the head it reports, and paging one frame at a time returns every frame', async () => {
        const a = await bound();
        const c = 'MMM_Application';
        await store.transact(a.profileUdf, 'r', [appendOf(frames, c, NO_HEAD(c), 25)]);
        expect((await readAll(store, a.profileUdf, c, 1)).map(hex)).toEqual(frames.slice(0, 25).map((f) => hex(f.bytes)));
      });
    });

    describe('replay cache', () => {
      it('a new id is true, the same id again false, an expired one true again', async () => {
        const now = Date.now();
        const id = `req-${randomBytes(8).toString('hex')}`;
        expect(await store.remember(id, now + 60_000)).toBe(true);
        expect(await store.remember(id, now + 60_000)).toBe(false);
        expect(await store.remember(id, now + 120_000)).toBe(false);
        const old = `req-${randomBytes(8).toString('hex')}`;
        expect(await store.remember(old, now - 1000)).toBe(true);
        expect(await store.remember(old, now + 60_000)).toBe(true);
        expect(await store.remember(old, now + 60_000)).toBe(false);
      });

      it('concurrent remembers of one id: exactly one is new', async () => {
        const id = `req-${randomBytes(8).toString('hex')}`;
        const results = await Promise.all(Array.from({ length: 8 }, () => store.remember(id, Date.now() + 60_000)));
        expect(results.filter((r) => r)).toHaveLength(1);
      });
    });

    describe('durability', () => {
      it('accounts, heads, frames, outcomes and the replay cache survive a reopen', async () => {
        const a = await bound();
        const t = appendOf(frames, 'MMM_Access', NO_HEAD('MMM_Access'), 6);
        await store.transact(a.profileUdf, 'durable', [t, appendOf(other, 'MMM_Contact', NO_HEAD('MMM_Contact'), 2)]);
        const id = `req-${randomBytes(8).toString('hex')}`;
        expect(await store.remember(id, Date.now() + 600_000)).toBe(true);
        store = await opened.reopen();
        expect(entryText(await store.account(a.profileUdf))).toBe(entryText(a));
        const hs = await store.heads(a.profileUdf, ['MMM_Access', 'MMM_Contact']);
        expect(hs.map(headText)).toEqual([headText(headAfter(t)), `MMM_Contact@1:${hex(other[1]?.apex ?? new Uint8Array())}`]);
        expect(hex(hs[0]?.frontier ?? new Uint8Array())).toBe(hex(frames[5]?.frontier ?? new Uint8Array()));
        expect((await readAll(store, a.profileUdf, 'MMM_Access')).map(hex)).toEqual(frames.slice(0, 6).map((f) => hex(f.bytes)));
        expect(await store.remember(id, Date.now() + 600_000)).toBe(false);
        const retry = await store.transact(a.profileUdf, 'durable', [t]);
        expect(retry.accepted).toBe(true);
        expect(await readAll(store, a.profileUdf, 'MMM_Access')).toHaveLength(6);
        expect((await store.status()).accounts).toBe(1);
      });
    });
  });
}
