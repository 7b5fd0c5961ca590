/**
 * The embedded store driver (issue 15 "Store, the embedded default"; mesh brief §5 "Service
 * persistence, embedded default"): the {@link AccountStore} of `meshd --root DIR`, in files.
 *
 * ```
 * DIR/meshd.lock                      one process writes a root (lib/platform lock: pid, host)
 * DIR/accounts.dcat                   the accounts: a catalog keyed by profile UDF
 * DIR/replay.dlog                     the replay cache (embedded-replay.ts)
 * DIR/accounts/<ProfileUdf>/MMM_*.dcat|dspl   containers, byte-identical to the devices' replicas
 * DIR/accounts/<ProfileUdf>/journal.dlog     the account's Transact journal (journal.ts)
 * ```
 * The accounts are a DARE catalog (lib/catalog) rather than a JSON-lines file: it is already
 * durable per change (fsync), cuts a torn append at open and checks its Merkle tree, so a
 * second format with its own recovery would add nothing. Values are JSON; in memory only the
 * address index and the catalog's own index (entries are read from the file on demand).
 *
 * Profile UDFs name folders only when they are canonical UDF text (base32 letters in dashed
 * groups), and container names only when they are store labels (lib/mesh/labels.ts): nothing
 * is written outside the root. At open: folders of accounts no longer bound (an unbind cut
 * short) are removed, and every account whose journal does not end with a checkpoint (the
 * process was killed) replays the Transacts after its last checkpoint (journal.ts). Open accounts (their journal open, heads cached) are bounded; idle ones are
 * closed first.
 * @module
 */
import {
  CATALOG_CONTENT_TYPE, Catalog, DareError, MAX_UDF_CHARS, acquireLock, base64urlDecode, base64urlEncode, fromUtf8, listDirectory, makePrivateDirectory, normalizeUdf,
  pathKind, readFrames, removePath, syncDirectory, utf8, type WriteLock,
} from '../../index.js';
import { Account, type RetryWindow } from './embedded-account.js';
import { ReplayCache } from './embedded-replay.js';
import { createSequenceFile, lastRecord, removeTemporaries } from './journal.js';
import type { AccountEntry, AccountStore, ContainerAppend, ContainerState, FramePage, ReadLimits, StoreStatus, TransactOutcome } from './store.js';

export interface EmbeddedStoreOptions {
  /** How long an accepted Transact's outcome answers a retry (default 10 minutes). */
  readonly retryWindowMs?: number;
  /** Outcomes remembered per account (default 1000). */
  readonly maxOutcomes?: number;
  /** Live request ids the replay cache holds (default 250,000). */
  readonly maxReplayIds?: number;
  /** Live request ids one owner (account) may hold (default: min(30 000, an eighth of maxReplayIds)). */
  readonly maxReplayIdsPerAccount?: number;
  /** Accounts kept open at once (default 256). */
  readonly maxOpenAccounts?: number;
}

const UDF_TEXT = /^[A-Z2-7]{4}(-[A-Z2-7]{1,4})*$/;

/** RangeError unless `udf` is canonical UDF text (what may name a folder). */
export function checkProfileUdf(udf: unknown): asserts udf is string {
  let ok = typeof udf === 'string' && udf.length <= MAX_UDF_CHARS && UDF_TEXT.test(udf);
  if (ok) {
    try {
      ok = normalizeUdf(udf as string) === udf;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new DareError('UDF_INVALID', `not a canonical profile UDF: ${JSON.stringify(typeof udf === 'string' ? udf.slice(0, 80) : udf)}`);
}

/** The canonical form of an account address: `local@domain`, the domain in lower case (brief §6 #12). */
export function canonicalAddress(address: unknown): string {
  const bad = (): never => {
    throw new DareError('MALFORMED', `not an account address: ${JSON.stringify(typeof address === 'string' ? address.slice(0, 80) : address)}`);
  };
  if (typeof address !== 'string' || address.length > 320 || /[\s\p{Cc}]/u.test(address)) bad();
  const s = address as string;
  const at = s.lastIndexOf('@');
  if (at < 1 || at === s.length - 1) bad();
  return `${s.slice(0, at)}@${s.slice(at + 1).toLowerCase()}`;
}

interface EntryJson {
  ProfileUdf: string;
  Address: string;
  Kind: string;
  Status: string;
  Profile: string;
  Created: string;
}

function encodeEntry(e: AccountEntry): Uint8Array {
  const j: EntryJson = { ProfileUdf: e.profileUdf, Address: e.address, Kind: e.kind, Status: e.status, Profile: base64urlEncode(e.profile), Created: e.created };
  return utf8(JSON.stringify(j));
}

function decodeEntry(b: Uint8Array): AccountEntry {
  const j = JSON.parse(fromUtf8(b)) as EntryJson;
  return { profileUdf: j.ProfileUdf, address: j.Address, kind: j.Kind as AccountEntry['kind'], status: j.Status as AccountEntry['status'], profile: base64urlDecode(j.Profile), created: j.Created };
}

class EmbeddedStore implements AccountStore {
  private readonly root: string;
  private readonly lock: WriteLock;
  private readonly catalog: Catalog;
  private readonly replay: ReplayCache;
  private readonly window: RetryWindow;
  private readonly maxOpen: number;
  private readonly byAddress = new Map<string, string>();
  private readonly open = new Map<string, Promise<Account>>();
  /** Accounts being closed: opened again only once closed (their journal is written by one writer). */
  private readonly closing = new Map<string, Promise<void>>();
  /** Binds and unbinds, one at a time (check-then-write on the address index). */
  private accountsQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(root: string, lock: WriteLock, catalog: Catalog, replay: ReplayCache, o: EmbeddedStoreOptions) {
    this.root = root;
    this.lock = lock;
    this.catalog = catalog;
    this.replay = replay;
    this.window = { ms: o.retryWindowMs ?? 600_000, max: o.maxOutcomes ?? 1000 };
    this.maxOpen = o.maxOpenAccounts ?? 256;
  }

  static async open(root: string, o: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    await makePrivateDirectory(`${root}/accounts`);
    const lock = acquireLock(`${root}/meshd.lock`, `the service root ${root}`);
    let catalog: Catalog | undefined;
    let replay: ReplayCache | undefined;
    try {
      const path = `${root}/accounts.dcat`;
      if ((await pathKind(path)) === undefined) await createSequenceFile(path, lock, CATALOG_CONTENT_TYPE);
      else await removeTemporaries(path);
      catalog = await Catalog.open(path);
      replay = await ReplayCache.open(`${root}/replay.dlog`, lock, o.maxReplayIds ?? 250_000, o.maxReplayIdsPerAccount);
      const s = new EmbeddedStore(root, lock, catalog, replay, o);
      await s.recover();
      return s;
    } catch (e) {
      await replay?.close().catch(() => undefined);
      await catalog?.close().catch(() => undefined);
      lock.release();
      throw e;
    }
  }

  private dir(udf: string): string {
    return `${this.root}/accounts/${udf}`;
  }

  /** The address index; folders of unbound accounts removed; unfinished Transacts rolled forward. */
  private async recover(): Promise<void> {
    for (const udf of this.catalog.ids()) {
      const e = decodeEntry((await this.catalog.get(udf)) as Uint8Array);
      this.byAddress.set(e.address, udf);
    }
    for (const name of await listDirectory(`${this.root}/accounts`)) {
      if (!this.catalog.has(name)) {
        await removePath(this.dir(name));
        continue;
      }
      const last = await lastRecord(`${this.dir(name)}/journal.dlog`);
      if (last !== undefined && last.kind !== 'checkpoint') {
        const a = await Account.open(name, this.dir(name), this.lock, this.window);
        await a.close();
      }
    }
  }

  private usable(): void {
    if (this.closed) throw new DareError('UNAVAILABLE', 'the store is closed');
  }

  /**
   * Runs `fn` on the open account `udf` (opened if need be; NOT_FOUND when it is not bound).
   * `fn` starts in the same turn as the check that the account is not closing, so an idle
   * account is either closed before `fn` queues on it, or not closed.
   */
  private async withAccount<T>(udf: string, fn: (a: Account) => Promise<T>): Promise<T> {
    for (;;) {
      const a = await this.opened(udf);
      if (!a.closing) return fn(a);
    }
  }

  private async opened(udf: string): Promise<Account> {
    this.usable();
    checkProfileUdf(udf);
    await this.closing.get(udf);
    const known = this.open.get(udf);
    if (known) {
      // Most recently used last, so the first idle one is the one closed.
      this.open.delete(udf);
      this.open.set(udf, known);
      return known;
    }
    if (!this.catalog.has(udf)) throw new DareError('NOT_FOUND', `no account ${udf} is bound here`);
    const p = Account.open(udf, this.dir(udf), this.lock, this.window);
    this.open.set(udf, p);
    p.catch(() => this.open.delete(udf));
    if (this.open.size > this.maxOpen) void this.closeIdle();
    return p;
  }

  private async closeIdle(): Promise<void> {
    for (const [udf, p] of this.open) {
      if (this.open.size <= this.maxOpen) return;
      const a = await p.catch(() => undefined);
      if (a && a.pending === 0 && !a.closing && this.open.get(udf) === p) {
        this.open.delete(udf);
        await this.closeAccount(udf, a);
      }
    }
  }

  private async closeAccount(udf: string, a: Account): Promise<void> {
    const done = a.close().finally(() => this.closing.delete(udf));
    this.closing.set(udf, done);
    await done;
  }

  private inAccounts<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.accountsQueue.then(() => {
      this.usable();
      return fn();
    });
    this.accountsQueue = p.catch(() => undefined);
    return p;
  }

  bind(entry: AccountEntry): Promise<void> {
    return this.inAccounts(async () => {
      checkProfileUdf(entry.profileUdf);
      const address = canonicalAddress(entry.address);
      if (entry.kind !== 'user' && entry.kind !== 'group') throw new DareError('MALFORMED', `account kind ${String(entry.kind)} is neither user nor group`);
      if (entry.status !== 'active' && entry.status !== 'hold') throw new DareError('MALFORMED', `account status ${String(entry.status)} is neither active nor hold`);
      if (!(entry.profile instanceof Uint8Array)) throw new DareError('MALFORMED', 'the account profile must be bytes');
      if (this.catalog.has(entry.profileUdf)) throw new DareError('CONFLICT', `the profile ${entry.profileUdf} is bound already`);
      if (this.byAddress.has(address)) throw new DareError('CONFLICT', `the address ${address} is bound already`);
      // A folder left by an unbind cut short must not give the new account old containers.
      await removePath(this.dir(entry.profileUdf));
      await this.catalog.add(entry.profileUdf, encodeEntry({ ...entry, address }), { contentType: 'application/json' });
      this.byAddress.set(address, entry.profileUdf);
      // The folder's name synced too: its containers must not vanish with it in a power cut.
      if (await makePrivateDirectory(this.dir(entry.profileUdf))) await syncDirectory(`${this.root}/accounts`);
    });
  }

  unbind(profileUdf: string): Promise<boolean> {
    return this.inAccounts(async () => {
      checkProfileUdf(profileUdf);
      if (!this.catalog.has(profileUdf)) return false;
      await this.closing.get(profileUdf);
      const open = this.open.get(profileUdf);
      this.open.delete(profileUdf);
      const a = await open?.catch(() => undefined);
      if (a) await this.closeAccount(profileUdf, a);
      const e = decodeEntry((await this.catalog.get(profileUdf)) as Uint8Array);
      await this.catalog.delete(profileUdf);
      this.byAddress.delete(e.address);
      await removePath(this.dir(profileUdf));
      return true;
    });
  }

  async account(profileUdf: string): Promise<AccountEntry | undefined> {
    this.usable();
    checkProfileUdf(profileUdf);
    const b = await this.catalog.get(profileUdf);
    return b && decodeEntry(b);
  }

  async accountByAddress(address: string): Promise<AccountEntry | undefined> {
    this.usable();
    const udf = this.byAddress.get(canonicalAddress(address));
    return udf === undefined ? undefined : this.account(udf);
  }

  async *accounts(): AsyncIterable<AccountEntry> {
    this.usable();
    for (const udf of this.catalog.ids()) {
      const b = await this.catalog.get(udf);
      if (b) yield decodeEntry(b);
    }
  }

  async heads(profileUdf: string, containers?: readonly string[]): Promise<readonly ContainerState[]> {
    return this.withAccount(profileUdf, (a) => a.containerHeads(containers));
  }

  async read(profileUdf: string, container: string, from: number, limits: ReadLimits): Promise<FramePage> {
    if (!Number.isSafeInteger(from) || from < 0) throw new DareError('MALFORMED', 'a read starts at a non-negative frame index');
    if (!Number.isSafeInteger(limits.maxFrames) || limits.maxFrames < 1 || !Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) {
      throw new DareError('MALFORMED', 'read limits must be positive integers');
    }
    const { path, head, end } = await this.withAccount(profileUdf, (a) => a.readable(container));
    if (head.index < 0 || from > head.index) return { frames: [], head };
    const page = await readFrames(path, from, { maxFrames: limits.maxFrames, maxBytes: limits.maxBytes, end });
    return page.next === undefined ? { frames: page.frames, head } : { frames: page.frames, head, next: page.next };
  }

  async transact(profileUdf: string, requestId: string, appends: readonly ContainerAppend[]): Promise<TransactOutcome> {
    return this.withAccount(profileUdf, (a) => a.transact(requestId, appends));
  }

  remember(id: string, until: number, owner?: string): Promise<boolean> {
    this.usable();
    return this.replay.remember(id, until, owner);
  }

  async status(): Promise<StoreStatus> {
    this.usable();
    return { driver: 'embedded', accounts: this.catalog.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.accountsQueue;
    this.closed = true;
    try {
      for (const [udf, p] of this.open) {
        const a = await p.catch(() => undefined);
        if (a) await this.closeAccount(udf, a);
      }
      this.open.clear();
      await Promise.all(this.closing.values());
      await this.replay.close();
      await this.catalog.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Opens (creating it when need be) the embedded store under `root`. CONFLICT when another
 * live process holds the root; the lock of a process that was killed is taken over.
 */
export async function openEmbeddedStore(root: string, options: EmbeddedStoreOptions = {}): Promise<AccountStore> {
  if (typeof root !== 'string' || root.length === 0) throw new TypeError('the store root must be a path');
  return EmbeddedStore.open(root.replace(/\/+$/, '') || '/', options);
}
