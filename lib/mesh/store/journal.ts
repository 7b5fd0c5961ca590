/**
 * The journal of one account of the embedded store (mesh brief §5 "Service persistence,
 * embedded default": `accounts/<udf>/journal.dlog`; §6 #7): what makes a Transact across
 * several containers all or nothing when the process is killed in the middle of it.
 *
 * The journal is itself a DARE Merkle sequence (plaintext: it holds only frames that the
 * containers hold anyway), one record per frame:
 * - `intent`: the request id and, per container, the head it builds on (index, apex, end
 *   offset), the frames (their bytes, in the frame's payload after the JSON part), and the
 *   head after them. Written and fsynced before any container is touched.
 * - `commit`: the request id and the heads after it, once every container is fsynced: the
 *   request's remembered outcome (idempotent retries survive a restart).
 * - `abort`: the containers were cut back after a failure (no space, an I/O error).
 * - `checkpoint`: every container written before it is fsynced.
 * The intent's fsync is the Transact's only one: containers are written without (a kill -9
 * keeps what was written; a power cut may not), and fsynced in a checkpoint every few
 * Transacts, before a compaction and at close. Recovery (embedded-account.ts) replays every
 * intent after the last checkpoint that was not aborted, in order: each container cut to
 * the head the intent names and the intent's frames appended (the same bytes again when they
 * were there). Frames are written only after their intent is durable, so a torn intent (cut
 * off by the reopened writer) has nothing to roll back. Commits are not fsynced either: a
 * lost one is an intent replayed again.
 * The journal is rewritten (a new file renamed over it) when it grows past a bound, keeping
 * the commits the retry window needs.
 * @module
 */
import {
  DareError, SequenceReader, SequenceWriter, base64urlDecode, base64urlEncode, fromUtf8, listDirectory, pathKind, renamePath, removePath, temporaryName, utf8,
  type WriteLock,
} from '../../index.js';
import type { ContainerHead } from './store.js';

/** One container's part of an intent. */
export interface IntentEntry {
  readonly container: string;
  readonly expected: ContainerHead;
  /** End offset of the container file at the expected head. */
  readonly expectedEnd: number;
  readonly frames: readonly Uint8Array[];
  readonly next: ContainerHead;
}

export type JournalRecord =
  | { readonly kind: 'intent'; readonly requestId: string; readonly at: number; readonly entries: readonly IntentEntry[] }
  | { readonly kind: 'commit'; readonly requestId: string; readonly at: number; readonly heads: readonly ContainerHead[] }
  | { readonly kind: 'abort'; readonly requestId: string; readonly at: number }
  | { readonly kind: 'checkpoint'; readonly requestId: ''; readonly at: number };

/** The journal is rewritten once it holds more than this (intents carry frames). */
export const JOURNAL_COMPACT_BYTES = 4 << 20;

interface HeadJson {
  C: string;
  I: number;
  A: string;
}

const headJson = (h: ContainerHead): HeadJson => ({ C: h.container, I: h.index, A: base64urlEncode(h.apex) });

function damaged(path: string, what: string): never {
  throw new DareError('HEADER_MALFORMED', `${path}: journal record ${what}`);
}

function headOf(path: string, v: unknown): ContainerHead {
  const o = v as Partial<HeadJson> | null;
  if (typeof o !== 'object' || o === null || typeof o.C !== 'string' || !Number.isSafeInteger(o.I) || typeof o.A !== 'string') damaged(path, 'has a malformed head');
  return { container: o.C, index: o.I as number, apex: base64urlDecode(o.A) };
}

/** The payload of a record: a 4-byte length, the JSON part, then the frames' bytes. */
export function encodeRecord(r: JournalRecord): Uint8Array {
  let json: object;
  const blobs: Uint8Array[] = [];
  if (r.kind === 'intent') {
    json = {
      Kind: 'intent', Id: r.requestId, At: r.at,
      Entries: r.entries.map((e) => {
        blobs.push(...e.frames);
        return { Expected: headJson(e.expected), End: e.expectedEnd, Lengths: e.frames.map((f) => f.length), Next: headJson(e.next) };
      }),
    };
  } else if (r.kind === 'commit') json = { Kind: 'commit', Id: r.requestId, At: r.at, Heads: r.heads.map(headJson) };
  else json = { Kind: r.kind, Id: r.requestId, At: r.at };
  const text = utf8(JSON.stringify(json));
  const size = 4 + text.length + blobs.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, 4);
  let at = 4 + text.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export function decodeRecord(path: string, b: Uint8Array): JournalRecord {
  if (b.length < 4) damaged(path, 'is too short');
  const n = new DataView(b.buffer, b.byteOffset, b.length).getUint32(0);
  if (4 + n > b.length) damaged(path, 'is cut off');
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(fromUtf8(b.subarray(4, 4 + n))) as Record<string, unknown>;
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', `${path}: journal record is not JSON`, { cause: e });
  }
  const requestId = o.Id;
  const at = o.At;
  if (typeof requestId !== 'string' || typeof at !== 'number') damaged(path, 'has no Id or At');
  if (o.Kind === 'abort') return { kind: 'abort', requestId, at };
  if (o.Kind === 'checkpoint') return { kind: 'checkpoint', requestId: '', at };
  if (o.Kind === 'commit') {
    if (!Array.isArray(o.Heads)) damaged(path, 'has no Heads');
    return { kind: 'commit', requestId, at, heads: o.Heads.map((h) => headOf(path, h)) };
  }
  if (o.Kind !== 'intent' || !Array.isArray(o.Entries)) damaged(path, 'of an unknown kind');
  let p = 4 + n;
  const entries = o.Entries.map((v): IntentEntry => {
    const e = v as { Expected?: unknown; End?: unknown; Lengths?: unknown; Next?: unknown };
    if (!Number.isSafeInteger(e.End) || !Array.isArray(e.Lengths)) damaged(path, 'has a malformed entry');
    const expected = headOf(path, e.Expected);
    const frames = (e.Lengths as unknown[]).map((l) => {
      if (!Number.isSafeInteger(l) || (l as number) < 0 || p + (l as number) > b.length) damaged(path, 'has frames past its end');
      const f = b.slice(p, p + (l as number));
      p += l as number;
      return f;
    });
    return { container: expected.container, expected, expectedEnd: e.End as number, frames, next: headOf(path, e.Next) };
  });
  if (p !== b.length) damaged(path, 'has bytes after its frames');
  return { kind: 'intent', requestId, at, entries };
}

/** Every intact record of a journal file, in order (none when there is no file). */
export async function readJournal(path: string): Promise<JournalRecord[]> {
  if ((await pathKind(path)) === undefined) return [];
  const r = await SequenceReader.open(path);
  try {
    const out: JournalRecord[] = [];
    for await (const f of r.frames(1)) out.push(decodeRecord(path, await r.readPayload(await r.open(f), 1 << 30)));
    return out;
  } finally {
    await r.close();
  }
}

/** The last intact record of a journal file, read without the others (recovery at open). */
export async function lastRecord(path: string): Promise<JournalRecord | undefined> {
  if ((await pathKind(path)) === undefined) return undefined;
  const r = await SequenceReader.open(path);
  try {
    if (r.last.index === 0) return undefined;
    return decodeRecord(path, await r.readPayload(await r.open(r.last), 1 << 30));
  } finally {
    await r.close();
  }
}

/**
 * Creates a plaintext Merkle sequence at `path` whole or not at all: written (frame 0,
 * fsynced) under a temporary name in the same folder and renamed into place, so that a kill
 * never leaves an empty or torn file that would not open again. Temporaries of earlier
 * attempts (`.<name>.*`) are removed first.
 */
export async function createSequenceFile(path: string, lock: WriteLock, contentType?: string): Promise<void> {
  await removeTemporaries(path);
  const temp = temporaryName(path, 'new');
  try {
    const w = await SequenceWriter.create(temp, { type: 'Merkle', lock, mode: 0o600, contentMeta: contentType ? { contentType } : undefined });
    await w.close();
    await renamePath(temp, path);
  } catch (e) {
    await removePath(temp);
    throw e;
  }
}

/**
 * Compaction: replaces the sequence at `path`, open in `writer`, by a new one holding
 * `payloads` (written to a temporary renamed over it); `reopened` receives the writer open on
 * what is at `path` afterwards: the new file, or the old one when the rename failed.
 */
export async function rewriteSequenceFile(
  path: string, lock: WriteLock, writer: SequenceWriter, payloads: Iterable<Uint8Array>, reopened: (w: SequenceWriter) => void,
): Promise<void> {
  const temp = temporaryName(path, 'dlog');
  let closed = false;
  try {
    const w = await SequenceWriter.create(temp, { type: 'Merkle', lock, mode: 0o600 });
    try {
      for (const p of payloads) await w.append(p);
    } finally {
      await w.close();
    }
    await writer.close();
    closed = true;
    await renamePath(temp, path, true);
  } catch (e) {
    await removePath(temp);
    throw e;
  } finally {
    if (closed) reopened(await SequenceWriter.open(path, { lock }));
  }
}

/** Removes what {@link createSequenceFile} and compaction leave beside `path` when killed. */
export async function removeTemporaries(path: string): Promise<void> {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const prefix = `.${path.slice(slash + 1).slice(0, 100)}.`;
  for (const n of await listDirectory(dir)) if (n.startsWith(prefix)) await removePath(`${dir}/${n}`);
}

/** An open journal, appended to by one writer (the account's mutex). */
export class Journal {
  readonly path: string;
  private writer: SequenceWriter;
  private readonly lock: WriteLock;
  private bytes: number;

  private constructor(path: string, writer: SequenceWriter, lock: WriteLock, bytes: number) {
    this.path = path;
    this.writer = writer;
    this.lock = lock;
    this.bytes = bytes;
  }

  /** Opens (a torn last record is cut off) or creates the journal; `lock` is the store's. */
  static async open(path: string, lock: WriteLock, bytes: number): Promise<Journal> {
    if ((await pathKind(path)) === undefined) await createSequenceFile(path, lock);
    else await removeTemporaries(path);
    return new Journal(path, await SequenceWriter.open(path, { lock }), lock, bytes);
  }

  /** Appends a record; fsynced unless `durable` is false (then it goes out with the next one). */
  async append(r: JournalRecord, durable = true): Promise<void> {
    const payload = encodeRecord(r);
    await this.writer.append(payload);
    this.bytes += payload.length;
    if (durable) await this.writer.flush();
  }

  /** Whether the journal should be rewritten. */
  get large(): boolean {
    return this.bytes > JOURNAL_COMPACT_BYTES;
  }

  /** Rewrites the journal with only `keep` (commits of the retry window), atomically. */
  async compact(keep: readonly JournalRecord[]): Promise<void> {
    const records = keep.map(encodeRecord);
    await rewriteSequenceFile(this.path, this.lock, this.writer, records, (w) => (this.writer = w));
    const bytes = records.reduce((n, r) => n + r.length, 0);
    this.bytes = bytes;
  }

  async close(): Promise<void> {
    await this.writer.close();
  }
}
