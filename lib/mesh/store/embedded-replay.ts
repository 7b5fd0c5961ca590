/**
 * The replay cache of the embedded store (mesh brief §3 "Freshness": a request's EnvelopeId
 * kept for 10 minutes; issue 15 "replays ... refused"): `replay.dlog`, a plaintext DARE
 * sequence whose frames each hold a JSON list of [id, until] pairs, so that a restart
 * (even after kill -9) still refuses a request it accepted before.
 *
 * - Group commit: ids remembered while a write is in flight go out together, one write and
 *   one fsync for all of them; remember() returns only once its id is durable.
 * - Bounded: at most `maxEntries` live ids in memory (expired ones are dropped first; a
 *   cache still full refuses with UNAVAILABLE, the service's "busy"); the file is rewritten
 *   with only the live ids when it holds many more frames than those.
 * - Shared fairly: an id remembered for an owner (the authenticated account) takes a place in
 *   that owner's share, at most `maxPerOwner` live ids (default: an account's 50 requests/s
 *   over the 10-minute window, and at most an eighth of the cache), so one account filling its
 *   share is refused (UNAVAILABLE) alone and the others still get in. Owners are kept in
 *   memory only: ids read back after a restart count toward the whole bound, not a share.
 * @module
 */
import { DareError, SequenceReader, SequenceWriter, fromUtf8, pathKind, utf8, type WriteLock } from '../../index.js';
import { createSequenceFile, removeTemporaries, rewriteSequenceFile } from './journal.js';

/** Longest request id kept (a UDF-like nonce is far shorter). */
export const MAX_REPLAY_ID = 512;

type Entry = [string, number];

function entriesOf(path: string, b: Uint8Array): Entry[] {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(b));
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', `${path}: a replay record is not JSON`, { cause: e });
  }
  if (!Array.isArray(v) || !v.every((x) => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number')) {
    throw new DareError('HEADER_MALFORMED', `${path}: a replay record is not a list of [id, until]`);
  }
  return v as Entry[];
}

/** An account's share: 50 requests/s for the 10-minute window, at most an eighth of the cache. */
export function defaultShare(maxEntries: number): number {
  return Math.max(1, Math.min(50 * 600, Math.floor(maxEntries / 8)));
}

export class ReplayCache {
  private readonly path: string;
  private readonly lock: WriteLock;
  private readonly max: number;
  private writer: SequenceWriter;
  private readonly ids = new Map<string, number>();
  private readonly maxPerOwner: number;
  private readonly owned = new Map<string, Map<string, number>>();
  private frames: number;
  private pending: { entry: Entry; done: (e?: unknown) => void }[] = [];
  private draining?: Promise<void>;

  private constructor(path: string, lock: WriteLock, max: number, writer: SequenceWriter, frames: number, maxPerOwner: number) {
    this.path = path;
    this.lock = lock;
    this.max = max;
    this.maxPerOwner = maxPerOwner;
    this.writer = writer;
    this.frames = frames;
  }

  static async open(path: string, lock: WriteLock, maxEntries: number, maxPerOwner = defaultShare(maxEntries)): Promise<ReplayCache> {
    const now = Date.now();
    const live = new Map<string, number>();
    let frames = 0;
    if ((await pathKind(path)) !== undefined) {
      const r = await SequenceReader.open(path);
      try {
        for await (const f of r.frames(1)) {
          frames++;
          for (const [id, until] of entriesOf(path, await r.readPayload(await r.open(f), 64 << 20))) {
            if (until > now && until > (live.get(id) ?? 0)) live.set(id, until);
          }
        }
      } finally {
        await r.close();
      }
    }
    if ((await pathKind(path)) === undefined) await createSequenceFile(path, lock);
    else await removeTemporaries(path);
    const writer = await SequenceWriter.open(path, { lock });
    const c = new ReplayCache(path, lock, maxEntries, writer, frames, maxPerOwner);
    for (const [id, until] of live) c.ids.set(id, until);
    if (frames > 2 * live.size + 1024) await c.compact();
    return c;
  }

  /** Records `id` until `until` (ms since the epoch) and returns true once durable; false for an id still recorded. */
  async remember(id: string, until: number, owner?: string): Promise<boolean> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_REPLAY_ID) throw new DareError('MALFORMED', `a request id has 1 to ${MAX_REPLAY_ID} characters`);
    if (!Number.isFinite(until)) throw new DareError('MALFORMED', 'the time to remember a request id until must be a number');
    const now = Date.now();
    const known = this.ids.get(id);
    if (known !== undefined && known > now) return false;
    if (until <= now) return true; // already expired: nothing to refuse later
    if (this.ids.size >= this.max) this.prune(now);
    if (this.ids.size >= this.max) throw new DareError('UNAVAILABLE', `the replay cache holds ${this.max} request ids: try again later`);
    const share = owner === undefined ? undefined : this.shareOf(owner, now);
    if (share !== undefined && share.size >= this.maxPerOwner) {
      throw new DareError('UNAVAILABLE', `this account holds ${this.maxPerOwner} request ids of the replay cache: try again later`);
    }
    // Recorded at once, so that a copy of the request arriving meanwhile is refused.
    this.ids.set(id, until);
    share?.set(id, until);
    try {
      await new Promise<void>((resolve, reject) => {
        this.pending.push({ entry: [id, until], done: (e) => (e === undefined ? resolve() : reject(e)) });
        this.draining ??= this.drain();
      });
    } catch (e) {
      this.ids.delete(id);
      share?.delete(id);
      throw e;
    }
    return true;
  }

  /** The owner's live ids (its expired ones dropped when the share looks full). */
  private shareOf(owner: string, now: number): Map<string, number> {
    let share = this.owned.get(owner);
    if (share === undefined) {
      share = new Map();
      this.owned.set(owner, share);
    } else if (share.size >= this.maxPerOwner) {
      for (const [id, until] of share) if (until <= now || this.ids.get(id) !== until) share.delete(id);
    }
    return share;
  }

  private prune(now: number): void {
    for (const [id, until] of this.ids) if (until <= now) this.ids.delete(id);
    for (const [owner, share] of this.owned) {
      for (const [id, until] of share) if (until <= now) share.delete(id);
      if (share.size === 0) this.owned.delete(owner);
    }
  }

  /** Writes what is pending, a batch at a time: one frame and one fsync per batch. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.writer.append(utf8(JSON.stringify(batch.map((b) => b.entry))));
          await this.writer.flush();
          this.frames++;
          for (const b of batch) b.done();
        } catch (e) {
          for (const b of batch) b.done(e);
        }
        if (this.frames > 2 * this.ids.size + 1024) {
          this.prune(Date.now());
          await this.compact().catch(() => undefined); // tried again after the next batch
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Rewrites the file with the live ids only (a new file renamed over the old one). */
  private async compact(): Promise<void> {
    const live = [...this.ids];
    const frames: Uint8Array[] = [];
    for (let i = 0; i < live.length; i += 10_000) frames.push(utf8(JSON.stringify(live.slice(i, i + 10_000))));
    await rewriteSequenceFile(this.path, this.lock, this.writer, frames, (w) => (this.writer = w));
    this.frames = Math.ceil(live.length / 10_000);
  }

  /** Live ids in memory. */
  get size(): number {
    return this.ids.size;
  }

  async close(): Promise<void> {
    await this.draining;
    await this.writer.close();
  }
}
