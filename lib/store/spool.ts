/**
 * Spools (draft-hallambaker-mesh-dare-12 §7.2, mesh-schema-08 §5, mesh-protocol-09 §8.2;
 * docs/FORMAT.md §11): messages that are immutable once posted, each with a status that
 * later frames change. A message frame (Event New) carries the message bytes (usually
 * a signed, encrypted envelope) and its identifier; a status frame (Event Status) is a
 * small frame naming the message and its new status, optionally with a payload (e.g.
 * the MessageComplete envelope that justifies it). Statuses may go back (Read to
 * Initial, Deleted to Read: schema §5.2, protocol §8.2).
 *
 * Memory: one small record per message (frame positions, status, type, time); message
 * bytes are read from the file on demand.
 * @module
 */
import { DareError } from '../errors.js';
import { removePath } from '../platform/directory.js';
import { checkId, isName, type StoreMeta } from './meta.js';
import { Store, type StoreCreateOptions, type StoreFrame, type StoreOpenOptions } from './store.js';

/** Content type of frame 0 of a spool. */
export const SPOOL_CONTENT_TYPE = 'application/mmm-spool';

/**
 * Statuses the drafts name. Initial: as posted (also "unread"). Inbound: Read. Outbound
 * (set by the service): Sent, Received, Refused. Local: Closed. Any spool: Deleted
 * (storage may be reclaimed by a purge). Accepted/Rejected: answered by the user
 * (the Relationship values Accept/Reject of mesh-schema-08 §10.3.14).
 */
export const SPOOL_STATUS = {
  initial: 'Initial', read: 'Read', sent: 'Sent', received: 'Received', refused: 'Refused',
  closed: 'Closed', deleted: 'Deleted', accepted: 'Accepted', rejected: 'Rejected',
} as const;

/** A status name: one of {@link SPOOL_STATUS}, or an application's own (letters, digits, `_ . -`, up to 64). */
export type SpoolStatus = string;

/** The statuses valid in each Mesh spool (mesh-schema-08 §5.1-§5.3), for the `statuses` option. */
export const SPOOL_STATUSES = {
  inbound: ['Initial', 'Read', 'Accepted', 'Rejected', 'Deleted'],
  outbound: ['Initial', 'Sent', 'Received', 'Refused', 'Deleted'],
  local: ['Initial', 'Closed', 'Deleted'],
} as const satisfies Record<string, readonly SpoolStatus[]>;

export interface SpoolCreateOptions extends StoreCreateOptions {
  /** Statuses `post` and `mark` accept (default: any valid name). Not stored in the file. */
  statuses?: readonly SpoolStatus[];
}

export interface SpoolOpenOptions extends StoreOpenOptions {
  statuses?: readonly SpoolStatus[];
}

export interface SpoolCopyOptions {
  /** Keys and signer of the copy (default: this spool's). */
  keys?: SpoolCreateOptions;
  /** Leave out messages in these statuses. */
  omit?: readonly SpoolStatus[];
}

export interface PostOptions {
  /** Initial status (default Initial). */
  status?: SpoolStatus;
  /** The Mesh message type (ContentMeta MessageType), e.g. MessageContact. */
  messageType?: string;
  contentType?: string;
}

export interface MarkOptions {
  /** Bytes carried by the status frame (e.g. a signed MessageComplete). */
  payload?: Uint8Array;
}

/** What the spool knows about a message without reading it. */
export interface SpoolMessageInfo {
  readonly id: string;
  /** Frame index of the message. */
  readonly index: number;
  readonly status: SpoolStatus;
  /** Frame index of the last change: the message frame, or its last status frame. */
  readonly changed: number;
  readonly messageType?: string;
  readonly contentType?: string;
  /** When it was posted (RFC 3339). */
  readonly posted?: string;
  /** When the status last changed (RFC 3339). */
  readonly modified?: string;
}

/** One frame of a message's life: its post, then each status change. */
export interface SpoolEvent {
  readonly index: number;
  readonly event: 'New' | 'Status';
  readonly status: SpoolStatus;
  readonly modified?: string;
  /** The status frame's payload, if any (the message itself is read with `get`). */
  readonly payload?: Uint8Array;
}

export interface MessageFilter {
  /** Only messages in this status (or one of these). */
  status?: SpoolStatus | readonly SpoolStatus[];
  /** Only messages posted or changed after this frame index (for incremental sync). */
  since?: number;
}

interface MessageRecord {
  index: number;
  position: number;
  status: SpoolStatus;
  changed: number;
  messageType?: string;
  contentType?: string;
  posted?: string;
  modified?: string;
}

function inconsistent(index: number, what: string): never {
  throw new DareError('SEQUENCE_ORDER', `frame ${index}: ${what}`);
}

class SpoolState {
  readonly messages = new Map<string, MessageRecord>();
  linked = true;

  apply(f: StoreFrame): void {
    const m = f.meta;
    const r = this.messages.get(m.uniqueId);
    if (m.event === 'New') {
      if (r) inconsistent(f.index, `message ${JSON.stringify(m.uniqueId)} posted twice`);
      if (m.first !== undefined || m.previous !== undefined) inconsistent(f.index, 'a posted message has no First or Previous');
      this.messages.set(m.uniqueId, {
        index: f.index, position: f.position, status: m.status ?? SPOOL_STATUS.initial, changed: f.index,
        messageType: m.messageType, contentType: m.contentType, posted: m.created, modified: m.created,
      });
      return;
    }
    if (m.event !== 'Status') inconsistent(f.index, `a spool has no ${m.event} frames`);
    if (!r) inconsistent(f.index, `status of the unknown message ${JSON.stringify(m.uniqueId)}`);
    if (m.status === undefined) throw new DareError('HEADER_MALFORMED', `frame ${f.index}: a status frame without Status`);
    if (m.first !== undefined && m.first !== r.index) inconsistent(f.index, `First ${m.first} should be ${r.index}`);
    if (m.previous !== undefined && m.previous !== r.changed) inconsistent(f.index, `Previous ${m.previous} should be ${r.changed}`);
    if (m.previous === undefined) this.linked = false;
    r.status = m.status;
    r.changed = f.index;
    r.modified = m.modified;
  }
}

function info(id: string, r: MessageRecord): SpoolMessageInfo {
  return { id, index: r.index, status: r.status, changed: r.changed, messageType: r.messageType, contentType: r.contentType, posted: r.posted, modified: r.modified };
}

export class Spool {
  private readonly store: Store;
  private readonly options: SpoolOpenOptions;
  private readonly state: SpoolState;
  private readonly allowed?: ReadonlySet<string>;

  private constructor(store: Store, options: SpoolOpenOptions, state: SpoolState) {
    this.store = store;
    this.options = options;
    this.state = state;
    if (options.statuses) this.allowed = new Set(options.statuses);
  }

  private static checkStatuses(o: SpoolOpenOptions): void {
    for (const s of o.statuses ?? []) if (!isName(s)) throw new RangeError(`invalid status name ${JSON.stringify(s)}`);
  }

  /** Creates a new, empty spool file (OUTPUT_EXISTS if the path exists). */
  static async create(path: string, options: SpoolCreateOptions = {}): Promise<Spool> {
    Spool.checkStatuses(options);
    const store = await Store.create(path, options.contentType ?? SPOOL_CONTENT_TYPE, options);
    return new Spool(store, options, new SpoolState());
  }

  /** Opens a spool and computes every message's status (typed errors as Catalog.open). */
  static async open(path: string, options: SpoolOpenOptions = {}): Promise<Spool> {
    Spool.checkStatuses(options);
    const state = new SpoolState();
    const store = await Store.open(path, options.contentType ?? SPOOL_CONTENT_TYPE, options, (f) => state.apply(f));
    return new Spool(store, options, state);
  }

  get path(): string {
    return this.store.path;
  }

  get tornBytes(): number {
    return this.store.tornBytes;
  }

  get frameCount(): number {
    return this.store.frameCount;
  }

  /** Number of messages (whatever their status). */
  get size(): number {
    return this.state.messages.size;
  }

  has(id: string): boolean {
    return this.state.messages.has(id);
  }

  status(id: string): SpoolStatus | undefined {
    return this.state.messages.get(id)?.status;
  }

  info(id: string): SpoolMessageInfo | undefined {
    const r = this.state.messages.get(id);
    return r && info(id, r);
  }

  /** Messages in post order, filtered by status and by last change. */
  messages(filter: MessageFilter = {}): SpoolMessageInfo[] {
    const st = filter.status;
    const want = st === undefined ? undefined : new Set<string>(typeof st === 'string' ? [st] : st);
    const since = filter.since ?? -1;
    const out: SpoolMessageInfo[] = [];
    for (const [id, r] of this.state.messages) {
      if (want && !want.has(r.status)) continue;
      if (r.changed <= since) continue;
      out.push(info(id, r));
    }
    return out;
  }

  /** The message bytes, read from the file (digest and MAC checked), or undefined. */
  async get(id: string): Promise<Uint8Array | undefined> {
    const r = this.state.messages.get(id);
    if (!r) return undefined;
    const f = await this.store.readAt(r.position);
    if (f.meta.uniqueId !== id || f.meta.event !== 'New') inconsistent(f.index, 'the file changed under the spool');
    return f.payload;
  }

  private checkStatus(s: unknown): asserts s is SpoolStatus {
    if (!isName(s)) throw new RangeError(`invalid status name ${JSON.stringify(s)}`);
    if (this.allowed && !this.allowed.has(s)) throw new DareError('CONFLICT', `status ${s} is not valid in this spool`);
  }

  /** Posts a message; CONFLICT if the identifier was posted before. */
  async post(id: string, message: Uint8Array, options: PostOptions = {}): Promise<SpoolMessageInfo> {
    checkId(id);
    if (!(message instanceof Uint8Array)) throw new TypeError('a message must be a Uint8Array');
    const status = options.status ?? SPOOL_STATUS.initial;
    this.checkStatus(status);
    if (options.messageType !== undefined && !isName(options.messageType)) throw new RangeError(`invalid message type ${JSON.stringify(options.messageType)}`);
    return this.store.exclusive(async () => this.postNow(id, message, options, status));
  }

  private async postNow(id: string, message: Uint8Array, o: PostOptions, status: SpoolStatus, created = new Date().toISOString()): Promise<SpoolMessageInfo> {
    if (this.state.messages.has(id)) throw new DareError('CONFLICT', `message ${JSON.stringify(id)} is already in the spool`);
    const meta: StoreMeta = {
      uniqueId: id, event: 'New', status: status === SPOOL_STATUS.initial ? undefined : status,
      messageType: o.messageType, contentType: o.contentType, created,
    };
    const f = await this.store.append(meta, message);
    this.state.apply({ index: f.index, position: f.position, meta, carried: message.length });
    return this.info(id) as SpoolMessageInfo;
  }

  /** Changes a message's status; NOT_FOUND if no such message. */
  async mark(id: string, status: SpoolStatus, options: MarkOptions = {}): Promise<SpoolMessageInfo> {
    checkId(id);
    this.checkStatus(status);
    const payload = options.payload ?? new Uint8Array(0);
    if (!(payload instanceof Uint8Array)) throw new TypeError('a status payload must be a Uint8Array');
    return this.store.exclusive(async () => {
      const r = this.state.messages.get(id);
      if (!r) throw new DareError('NOT_FOUND', `no message ${JSON.stringify(id)} in the spool`);
      const meta: StoreMeta = { uniqueId: id, event: 'Status', status, first: r.index, previous: r.changed, modified: new Date().toISOString() };
      const f = await this.store.append(meta, payload);
      this.state.apply({ index: f.index, position: f.position, meta, carried: payload.length });
      return info(id, r);
    });
  }

  /** The post and every status change of a message, oldest first ([] if unknown). */
  async history(id: string): Promise<SpoolEvent[]> {
    const r = this.state.messages.get(id);
    if (!r) return [];
    const out: SpoolEvent[] = [];
    const event = (index: number, m: StoreMeta, payload: Uint8Array): SpoolEvent => m.event === 'New'
      ? { index, event: 'New', status: m.status ?? SPOOL_STATUS.initial, modified: m.created }
      : { index, event: 'Status', status: m.status as string, modified: m.modified, payload: payload.length ? payload : undefined };
    if (!this.state.linked) {
      const frames: StoreFrame[] = [];
      for await (const f of this.store.scan()) if (f.meta.uniqueId === id) frames.push(f);
      for (const f of frames) {
        const payload = f.meta.event === 'Status' ? (await this.store.readAt(f.position)).payload : new Uint8Array(0);
        out.push(event(f.index, f.meta, payload));
      }
      return out;
    }
    let at: number | undefined = r.changed;
    while (at !== undefined) {
      const isPost: boolean = at === r.index;
      const f = await this.store.readIndex(at, !isPost);
      if (f.meta.uniqueId !== id) inconsistent(f.index, `Previous leads to the message ${JSON.stringify(f.meta.uniqueId)}`);
      out.push(event(f.index, f.meta, f.payload));
      at = isPost ? undefined : f.meta.previous;
    }
    return out.reverse();
  }

  /**
   * Writes a new spool at `path` with every message (all but those whose status is in
   * `omit`, e.g. Deleted: a purge), each posted with its current status and no status
   * frames. The copy's keys and signer: `keys` exactly when given (`{}`: plaintext;
   * new keys: re-keying), else this spool's. A failed copy leaves no file.
   */
  async copyTo(path: string, options: SpoolCopyOptions = {}): Promise<void> {
    const o: SpoolCreateOptions = options.keys ?? {
      recipients: this.options.recipients ?? this.store.policyRecipients,
      secret: this.options.secret, signer: this.options.signer, statuses: this.options.statuses,
      contentType: this.options.contentType, maxValueBytes: this.options.maxValueBytes,
    };
    const omit = new Set(options.omit ?? []);
    const copy = await Spool.create(path, o);
    try {
      for (const [id, r] of [...this.state.messages]) {
        if (omit.has(r.status)) continue;
        const f = await this.store.readAt(r.position);
        if (f.meta.uniqueId !== id) inconsistent(f.index, 'the file changed under the spool');
        const po: PostOptions = { messageType: r.messageType, contentType: r.contentType };
        await copy.store.exclusive(() => copy.postNow(id, f.payload, po, r.status, r.posted));
      }
      await copy.close();
    } catch (e) {
      await copy.close().catch(() => undefined);
      await removePath(path).catch(() => undefined);
      throw e;
    }
  }

  /** The messages and statuses another writer appended to the file since (store.ts refresh). */
  refresh(): Promise<number> {
    return this.store.refresh();
  }

  /** Another copy's frames, verbatim, checked without keys, then applied (store.ts appendFrames). */
  appendFrames(frames: readonly Uint8Array[]): Promise<number> {
    return this.store.appendFrames(frames);
  }

  seal(): Promise<void> {
    return this.store.seal();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
