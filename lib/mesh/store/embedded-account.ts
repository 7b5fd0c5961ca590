/**
 * One account of the embedded store (mesh brief §5 "Service persistence, embedded default"):
 * its folder `accounts/<ProfileUdf>/` holds one DARE sequence per container
 * (`MMM_<label>.dcat`, spools `.dspl`), byte for byte the frames the devices uploaded, and
 * the journal (journal.ts). One writer at a time: every change runs in the account's queue.
 *
 * Heads come from the files themselves (lib/sequence replica-file.ts: O(log n) frames read,
 * the frontier checked against the last TreeDigest), cached after the first read. Transact:
 * expected heads compared, an intent fsynced, each container appended and fsynced, then a
 * commit; recovery rolls an unfinished intent forward (journal.ts). Outcomes of accepted
 * requests are remembered (durably, through the commits) for the retry window.
 * @module
 */
import {
  DareError, EMPTY_REPLICA, ReplicaAppender, checkFrames, cutSequence, decodeReplicaState, encodeReplicaState, listDirectory,
  makePrivateDirectory, pathKind, readReplicaState, type ReplicaState, type WriteLock,
} from '../../index.js';
import { isSpool, storeLabel } from '../labels.js';
import { Journal, readJournal, type IntentEntry, type JournalRecord } from './journal.js';
import type { ContainerAppend, ContainerHead, ContainerState, TransactOutcome } from './store.js';

export interface RetryWindow {
  /** How long an outcome is remembered for a retry (ms). */
  readonly ms: number;
  /** At most this many outcomes per account. */
  readonly max: number;
}

interface Head {
  readonly state: ContainerState;
  readonly replica: ReplicaState;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The canonical label of a container name; MALFORMED when it names none. */
export function containerLabel(name: unknown): string {
  const label = typeof name === 'string' ? storeLabel(name) : undefined;
  if (label === undefined) throw new DareError('MALFORMED', `not a store label: ${JSON.stringify(typeof name === 'string' ? name.slice(0, 64) : name)}`);
  return label;
}

const fileOf = (label: string) => `${label}.${isSpool(label as Parameters<typeof isSpool>[0]) ? 'dspl' : 'dcat'}`;
const FILE = /^(MMM_[A-Za-z]+)\.(dcat|dspl)$/;

function stateOf(label: string, r: ReplicaState): ContainerState {
  return { container: label, index: r.index, apex: r.apex, frontier: encodeReplicaState(r) };
}

const headOnly = (h: ContainerHead): ContainerHead => ({ container: h.container, index: h.index, apex: h.apex });

const isHead = (h: unknown): boolean => {
  const o = h as Partial<ContainerHead> | null;
  return typeof o === 'object' && o !== null && Number.isSafeInteger(o.index) && (o.index as number) >= -1 && o.apex instanceof Uint8Array;
};

/** The shape of one append (the service builds them; a bug there is a clear error here, not a crash). */
function wellFormed(a: unknown): boolean {
  const o = a as Partial<ContainerAppend> | null;
  return typeof o === 'object' && o !== null && typeof o.container === 'string' && isHead(o.expected) && isHead(o.next)
    && (o.next as ContainerState).frontier instanceof Uint8Array && Array.isArray(o.frames) && o.frames.every((f) => f instanceof Uint8Array);
}

/** Transacts between checkpoints (journal.ts): what recovery may replay. */
const CHECKPOINT_EVERY = 32;

export class Account {
  readonly udf: string;
  readonly dir: string;
  private readonly journal: Journal;
  private readonly window: RetryWindow;
  private readonly heads = new Map<string, Head>();
  private readonly appenders = new Map<string, ReplicaAppender>();
  /** Containers written since the last checkpoint, and how many Transacts. */
  private readonly unsynced = new Set<string>();
  private sinceCheckpoint = 0;
  private readonly outcomes = new Map<string, { outcome: TransactOutcome; at: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running (an idle account may be closed). */
  pending = 0;
  /** Set, synchronously, when the store starts closing the account: callers open it anew. */
  closing = false;
  private failed?: unknown;

  private constructor(udf: string, dir: string, journal: Journal, window: RetryWindow) {
    this.udf = udf;
    this.dir = dir;
    this.journal = journal;
    this.window = window;
  }

  /** Opens the account's folder: the journal read, an unfinished Transact rolled forward. */
  static async open(udf: string, dir: string, lock: WriteLock, window: RetryWindow): Promise<Account> {
    await makePrivateDirectory(dir);
    const path = `${dir}/journal.dlog`;
    const records = await readJournal(path);
    const size = records.reduce((n, r) => n + (r.kind === 'intent' ? r.entries.reduce((m, e) => m + e.frames.reduce((k, f) => k + f.length, 0), 0) : 0), 0);
    const a = new Account(udf, dir, await Journal.open(path, lock, size), window);
    try {
      for (const r of records) if (r.kind === 'commit') a.keep(r.requestId, { accepted: true, heads: r.heads }, r.at);
      await a.replay(records);
    } catch (e) {
      await a.closeFiles();
      throw e;
    }
    return a;
  }

  private path(label: string): string {
    return `${this.dir}/${fileOf(label)}`;
  }

  private async appender(label: string): Promise<ReplicaAppender> {
    let a = this.appenders.get(label);
    if (!a) {
      a = await ReplicaAppender.open(this.path(label), { locked: true });
      this.appenders.set(label, a);
    }
    return a;
  }

  /** Closes (and so fsyncs) a container's appender, before the file is changed by name. */
  private async dropAppender(label: string): Promise<void> {
    const a = this.appenders.get(label);
    this.appenders.delete(label);
    await a?.close();
  }

  /** Fsyncs the containers written since the last checkpoint, then records one. */
  private async checkpoint(): Promise<void> {
    for (const l of this.unsynced) await this.appenders.get(l)?.sync();
    this.unsynced.clear();
    this.sinceCheckpoint = 0;
    await this.journal.append({ kind: 'checkpoint', requestId: '', at: Date.now() }, false);
  }

  /** Runs `fn` after every change queued before it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const p = this.queue.then(fn).finally(() => this.pending--);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The head of a container, from the cache or the file (in the queue: a torn tail is cut). */
  private async head(label: string): Promise<Head> {
    const known = this.heads.get(label);
    if (known) return known;
    const path = this.path(label);
    let replica = EMPTY_REPLICA;
    if ((await pathKind(path)) !== undefined) {
      const r = await readReplicaState(path);
      // Torn bytes come only from a write cut short, which recovery at open has undone, so
      // none should be here; cut them anyway rather than serve or build on them.
      if (r.tornBytes > 0) {
        await this.dropAppender(label);
        await cutSequence(path, r.state, { locked: true });
      }
      replica = r.state;
    }
    const h = { state: stateOf(label, replica), replica };
    this.heads.set(label, h);
    return h;
  }

  /** The heads of `containers`, or of every container on file. */
  containerHeads(containers?: readonly string[]): Promise<ContainerState[]> {
    return this.run(async () => {
      const labels = containers ? containers.map(containerLabel)
        : (await listDirectory(this.dir)).map((n) => FILE.exec(n)?.[1]).filter((l): l is string => l !== undefined && storeLabel(l) === l);
      const out: ContainerState[] = [];
      for (const l of labels) out.push((await this.head(l)).state);
      return out;
    });
  }

  /** The head a reader may read up to, and the file. */
  async readable(container: string): Promise<{ path: string; head: ContainerHead; end: number }> {
    const label = containerLabel(container);
    const h = this.heads.get(label) ?? (await this.run(() => this.head(label)));
    return { path: this.path(label), head: headOnly(h.state), end: h.replica.end };
  }

  private keep(requestId: string, outcome: TransactOutcome, at: number): void {
    this.outcomes.delete(requestId);
    this.outcomes.set(requestId, { outcome, at });
    const old = Date.now() - this.window.ms;
    for (const [id, o] of this.outcomes) {
      if (this.outcomes.size <= this.window.max && o.at >= old) break;
      this.outcomes.delete(id);
    }
  }

  transact(requestId: string, appends: readonly ContainerAppend[]): Promise<TransactOutcome> {
    if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 512) throw new DareError('MALFORMED', 'a request id has 1 to 512 characters');
    if (!Array.isArray(appends) || !appends.every(wellFormed)) throw new DareError('MALFORMED', 'a Transact takes a list of appends: container, expected head, frames, next state');
    return this.run(async () => {
      if (this.failed !== undefined) throw new DareError('UNAVAILABLE', `account ${this.udf}: an earlier write failed and could not be undone; restart the service`, { cause: this.failed });
      const prior = this.outcomes.get(requestId);
      if (prior && prior.at >= Date.now() - this.window.ms) return prior.outcome;
      const labels = appends.map((a) => containerLabel(a.container));
      if (new Set(labels).size !== labels.length) throw new DareError('MALFORMED', 'a Transact names a container twice');
      const heads = await Promise.all(labels.map((l) => this.head(l)));
      const conflicts = heads.filter((h, i) => {
        const e = (appends[i] as ContainerAppend).expected;
        return h.state.index !== e.index || !same(h.state.apex, e.apex);
      }).map((h) => headOnly(h.state));
      if (conflicts.length) {
        const outcome: TransactOutcome = { accepted: false, conflicts };
        this.keep(requestId, outcome, Date.now());
        return outcome;
      }
      const plan = appends.map((a, i) => this.planOf(labels[i] as string, a, heads[i] as Head));
      const at = Date.now();
      await this.journal.append({ kind: 'intent', requestId, at, entries: plan.map((p) => p.entry) });
      let done = 0;
      try {
        for (const p of plan) {
          // Not fsynced: the intent holds the frames durably until the next checkpoint.
          this.unsynced.add(p.label);
          await (await this.appender(p.label)).append({ from: p.from.replica, frames: p.entry.frames, state: p.to }, false);
          done++;
        }
      } catch (e) {
        await this.rollBack(requestId, plan.slice(0, done + 1), e);
        throw e;
      }
      for (const p of plan) this.heads.set(p.label, { state: stateOf(p.label, p.to), replica: p.to });
      const outcome: TransactOutcome = { accepted: true, heads: plan.map((p) => p.entry.next) };
      await this.journal.append({ kind: 'commit', requestId, at, heads: outcome.heads }, false);
      this.keep(requestId, outcome, at);
      if (++this.sinceCheckpoint >= CHECKPOINT_EVERY) await this.checkpoint();
      if (this.journal.large) await this.compact();
      return outcome;
    });
  }

  /** The intent entry of one append and the replica state after it, checked for consistency. */
  private planOf(label: string, a: ContainerAppend, h: Head): { label: string; from: Head; to: ReplicaState; entry: IntentEntry } {
    const to = decodeReplicaState(a.next.frontier);
    const bytes = a.frames.reduce((n, f) => n + f.length, 0);
    if (to.index !== h.replica.index + a.frames.length || to.index !== a.next.index || !same(to.apex, a.next.apex) || to.end !== h.replica.end + bytes) {
      throw new DareError('MALFORMED', `${label}: the next state does not follow from the expected head and the frames`);
    }
    return {
      label, from: h, to,
      entry: { container: label, expected: headOnly(h.state), expectedEnd: h.replica.end, frames: a.frames, next: { container: label, index: to.index, apex: to.apex } },
    };
  }

  /** After a failed append: every container cut back to its expected head, an abort recorded. */
  private async rollBack(requestId: string, plan: readonly { label: string; from: Head }[], cause: unknown): Promise<void> {
    try {
      for (const p of plan) {
        const a = this.appenders.get(p.label);
        if (a) await a.cut(p.from.replica);
      }
      await this.journal.append({ kind: 'abort', requestId, at: Date.now() });
    } catch (e) {
      // Left as it is, the next start rolls the intent forward; until then, no more writes.
      this.failed = e;
      throw new DareError('IO', `account ${this.udf}: a failed Transact could not be undone`, { cause });
    }
  }

  /**
   * Recovery (journal.ts): every intent after the last checkpoint that was not aborted is
   * replayed in order (its containers cut to the heads it names, its frames appended: the
   * same bytes again when they were there), then a checkpoint is written.
   */
  private async replay(records: readonly JournalRecord[]): Promise<void> {
    let from = records.length;
    while (from > 0 && records[from - 1]?.kind !== 'checkpoint') from--;
    const tail = records.slice(from);
    if (tail.length === 0) return;
    const aborted = new Set(tail.filter((r) => r.kind === 'abort').map((r) => r.requestId));
    for (const r of tail) if (r.kind === 'intent' && !aborted.has(r.requestId)) await this.rollForward(r);
    await this.checkpoint();
  }

  /** One intent replayed: each container cut to the intent's expected head, its frames appended. */
  private async rollForward(r: Extract<JournalRecord, { kind: 'intent' }>): Promise<void> {
    for (const e of r.entries) {
      const label = containerLabel(e.container);
      const path = this.path(label);
      let from = EMPTY_REPLICA;
      await this.dropAppender(label);
      if ((await pathKind(path)) !== undefined) {
        const found = await readReplicaState(path);
        if (found.state.end + found.tornBytes < e.expectedEnd) {
          throw new DareError('SEQUENCE_ORDER', `${path}: shorter than the journal says it was before a Transact`);
        }
        await cutSequence(path, { ...EMPTY_REPLICA, end: e.expectedEnd }, { locked: true });
        if (e.expectedEnd > 0) from = (await readReplicaState(path)).state;
      } else if (e.expectedEnd > 0) throw new DareError('NOT_FOUND', `${path}: missing, the journal says it had frames`);
      if (from.index !== e.expected.index || !same(from.apex, e.expected.apex)) {
        throw new DareError('MERKLE_MISMATCH', `${path}: not at the head the journal names before a Transact`);
      }
      // Checked again: the journal is on disk, and a damaged one must not reach a container.
      const checked = await checkFrames(from, e.frames);
      if (checked.state.index !== e.next.index || !same(checked.state.apex, e.next.apex)) throw new DareError('MERKLE_MISMATCH', `${path}: the journal's frames do not give its next head`);
      await (await this.appender(label)).append(checked, false);
      this.unsynced.add(label);
      this.heads.delete(label);
    }
    const heads = r.entries.map((e) => e.next);
    if (!this.outcomes.has(r.requestId)) {
      await this.journal.append({ kind: 'commit', requestId: r.requestId, at: r.at, heads }, false);
      this.keep(r.requestId, { accepted: true, heads }, r.at);
    }
  }

  /** Rewrites the journal with the commits of the retry window. */
  private async compact(): Promise<void> {
    // Only what a checkpoint covers is dropped.
    await this.checkpoint();
    const keep: JournalRecord[] = [];
    for (const [requestId, o] of this.outcomes) if (o.outcome.accepted) keep.push({ kind: 'commit', requestId, at: o.at, heads: o.outcome.heads });
    await this.journal.compact(keep);
  }

  /** Waits for the queue, writes a checkpoint and closes the files. */
  async close(): Promise<void> {
    this.closing = true;
    await this.run(async () => {
      if (this.failed === undefined && this.sinceCheckpoint + this.unsynced.size > 0) await this.checkpoint();
    });
    await this.closeFiles();
  }

  private async closeFiles(): Promise<void> {
    for (const a of this.appenders.values()) await a.close().catch(() => undefined);
    this.appenders.clear();
    await this.journal.close();
  }
}
