/**
 * Content metadata (draft-hallambaker-mesh-dare-12 §5.2.3 ContentMeta): the
 * payload's type, file name and times. It travels as JSON text in the header's
 * ContentMetaData (plaintext envelopes, as the reference writes it) or inside
 * the cloaked EDS (encrypted envelopes written here; docs/FORMAT.md §2).
 * @module
 */
import { DareError } from '../errors.js';
import { decodeJson, encodeJson } from '../encoding/json.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../encoding/value.js';
import { fromUtf8, utf8 } from '../internal/bytes.js';

export interface ContentMeta {
  /** IANA media type (`cty`). */
  contentType?: string;
  /** Original file name (`Filename`). */
  filename?: string;
  /** Creation and modification times, RFC 3339 (`Created`, `Modified`). */
  created?: string;
  modified?: string;
  /** Application labels (`Labels`). */
  labels?: string[];
  /** Fields this implementation does not model, kept as read. */
  other?: JsonObject;
}

const KNOWN = new Set(['cty', 'Filename', 'Created', 'Modified', 'Labels']);

export function encodeContentMeta(m: ContentMeta): Uint8Array {
  const o: JsonObject = { ...(m.other ?? {}) };
  if (m.contentType !== undefined) o.cty = m.contentType;
  if (m.filename !== undefined) o.Filename = m.filename;
  if (m.created !== undefined) o.Created = m.created;
  if (m.modified !== undefined) o.Modified = m.modified;
  if (m.labels !== undefined) o.Labels = m.labels;
  return utf8(encodeJson(o));
}

function optString(o: JsonObject, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DareError('HEADER_MALFORMED', `content metadata field ${k} must be a string`);
  return v;
}

export function decodeContentMeta(bytes: Uint8Array): ContentMeta {
  let v: JsonValue;
  try {
    v = decodeJson(fromUtf8(bytes));
  } catch (e) {
    throw new DareError('HEADER_MALFORMED', 'content metadata is not json', { cause: e });
  }
  if (!isJsonObject(v)) throw new DareError('HEADER_MALFORMED', 'content metadata must be a json object');
  const labels = v.Labels;
  if (labels !== undefined && (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string'))) {
    throw new DareError('HEADER_MALFORMED', 'content metadata Labels must be a list of strings');
  }
  const other: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!KNOWN.has(k)) other[k] = x;
  return {
    contentType: optString(v, 'cty'),
    filename: optString(v, 'Filename'),
    created: optString(v, 'Created'),
    modified: optString(v, 'Modified'),
    labels: labels as string[] | undefined,
    other: Object.keys(other).length > 0 ? other : undefined,
  };
}
