/**
 * The per-frame metadata of catalogs and spools: which entry a frame is about and
 * what it does to it, carried in the frame's ContentMeta (draft-hallambaker-mesh-dare-12
 * §5.2.3: UniqueId, Event, First, Previous, MessageType, plus this project's Status).
 * The sequence writer puts ContentMeta in the cloaked EDS when the frame is encrypted,
 * so identifiers are never in the clear in an encrypted store (docs/FORMAT.md §2, §11).
 * @module
 */
import { DareError } from '../errors.js';
import type { ContentMeta } from '../envelope/content-meta.js';
import type { JsonObject, JsonValue } from '../encoding/value.js';

/** Longest identifier, in UTF-16 code units: Mesh ids are UDFs, addresses and service names. */
export const MAX_ID_LENGTH = 1024;

/** Longest status or message type name. */
const MAX_NAME_LENGTH = 64;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Event names: the reference's SequenceEvent tags (New, Update, Delete), and Status for spools. */
export type StoreEvent = 'New' | 'Update' | 'Delete' | 'Status';
const EVENTS: ReadonlySet<string> = new Set(['New', 'Update', 'Delete', 'Status']);

/** The store fields of one frame. */
export interface StoreMeta {
  uniqueId: string;
  event: StoreEvent;
  /** Frame index where the current instance (catalog) or the message (spool) begins. */
  first?: number;
  /** Frame index of the previous frame about the same identifier. */
  previous?: number;
  /** Spool message status (new in a Status frame, initial in a New frame). */
  status?: string;
  messageType?: string;
  contentType?: string;
  created?: string;
  modified?: string;
  /** In a batch written as one append (store.ts): how many frames of the batch follow this one. */
  batch?: number;
}

function wellFormed(s: string): boolean {
  try {
    encodeURIComponent(s); // throws URIError on a lone surrogate
    return true;
  } catch {
    return false;
  }
}

/** RangeError unless `id` can name an entry: 1 to MAX_ID_LENGTH units, well-formed UTF-16. */
export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new TypeError('an identifier must be a string');
  if (id.length === 0 || id.length > MAX_ID_LENGTH) throw new RangeError(`an identifier has 1 to ${MAX_ID_LENGTH} characters`);
  if (!wellFormed(id)) throw new RangeError('an identifier must be well-formed unicode (no lone surrogates)');
}

/** True when `s` is a valid status or message type name. */
export function isName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= MAX_NAME_LENGTH && NAME.test(s);
}

export function toContentMeta(m: StoreMeta): ContentMeta {
  const other: JsonObject = { UniqueId: m.uniqueId, Event: m.event };
  if (m.first !== undefined) other.First = m.first;
  if (m.previous !== undefined) other.Previous = m.previous;
  if (m.status !== undefined) other.Status = m.status;
  if (m.messageType !== undefined) other.MessageType = m.messageType;
  if (m.batch !== undefined) other.Batch = m.batch;
  const c: ContentMeta = { other };
  if (m.contentType !== undefined) c.contentType = m.contentType;
  if (m.created !== undefined) c.created = m.created;
  if (m.modified !== undefined) c.modified = m.modified;
  return c;
}

function bad(index: number, what: string): never {
  throw new DareError('HEADER_MALFORMED', `frame ${index}: ${what}`);
}

function frameRef(v: JsonValue | undefined, index: number, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v >= index) bad(index, `${field} must name an earlier frame`);
  return v;
}

/** The store fields of frame `index`, checked; HEADER_MALFORMED when absent or ill-typed. */
export function fromContentMeta(c: ContentMeta | undefined, index: number): StoreMeta {
  const o = c?.other;
  if (!o) bad(index, 'no UniqueId and Event in the content metadata');
  const id = o.UniqueId;
  if (typeof id !== 'string' || id.length === 0) bad(index, 'UniqueId must be a non-empty string');
  if (id.length > MAX_ID_LENGTH) throw new DareError('LIMIT_EXCEEDED', `frame ${index}: UniqueId longer than ${MAX_ID_LENGTH} characters`);
  if (!wellFormed(id)) bad(index, 'UniqueId is not well-formed unicode');
  const event = o.Event;
  if (typeof event !== 'string' || !EVENTS.has(event)) bad(index, `unsupported Event ${JSON.stringify(typeof event === 'string' ? event.slice(0, 32) : event)}`);
  const m: StoreMeta = { uniqueId: id, event: event as StoreEvent };
  const first = frameRef(o.First, index, 'First');
  const previous = frameRef(o.Previous, index, 'Previous');
  if (first !== undefined) m.first = first;
  if (previous !== undefined) m.previous = previous;
  if (o.Status !== undefined) {
    if (!isName(o.Status)) bad(index, 'Status must be a name of letters, digits, _ . -');
    m.status = o.Status;
  }
  if (o.MessageType !== undefined) {
    if (!isName(o.MessageType)) bad(index, 'MessageType must be a name of letters, digits, _ . -');
    m.messageType = o.MessageType;
  }
  if (o.Batch !== undefined && o.Batch !== null) {
    if (typeof o.Batch !== 'number' || !Number.isSafeInteger(o.Batch) || o.Batch < 1) bad(index, 'Batch must be a positive integer');
    m.batch = o.Batch;
  }
  if (c.contentType !== undefined) m.contentType = c.contentType;
  if (c.created !== undefined) m.created = c.created;
  if (c.modified !== undefined) m.modified = c.modified;
  return m;
}
