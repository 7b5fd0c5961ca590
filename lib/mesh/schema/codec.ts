/**
 * Reading and writing Mesh objects in their tagged JSON form
 * (draft-hallambaker-mesh-schema-08 §10; docs/MESH.md §1): `{"ProfileUser": {...}}`.
 *
 * Reading is driven by the class table: each member is read by the kind of its field
 * (Binary as base64url with whitespace ignored, DateTime as RFC 3339, Struct untagged,
 * TStruct tagged, envelopes as JSON arrays); members the class does not have are kept in
 * `$unknown`, and a tag this implementation does not know inside a TStruct field is kept
 * whole as an {@link OpaqueObject}. A known tag that is not a subclass of the field's class
 * is MALFORMED: an object of one type is never read as another. `null` is read as absent.
 *
 * Input comes with a size and a depth limit, checked before parsing (LIMIT_EXCEEDED); every
 * other defect is MALFORMED. The drafts' inner payloads (indented JSON with raw line breaks
 * inside long base64url strings) are read as they are.
 * @module
 */
import {
  DareError, asBinary, base64urlEncode, decodeJson, encodeJson, encodeJsonReference, fromUtf8, isJsonObject, utf8,
  type JsonObject, type JsonValue,
} from '../../index.js';
import type { AnyMeshObject, ClassName, ConcreteClass, EnvelopeJson, FieldsOf, MeshObject, OpaqueObject, SubclassOf } from './classes.js';
import type { FieldKind, SingleKind } from './kinds.js';
import { classOf, derivesFrom, type ResolvedClass } from './registry.js';

/** Limits of one decode (docs/LIMITS.md "Mesh objects"). */
export interface MeshDecodeLimits {
  /** Largest input in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Deepest nesting of JSON arrays and objects (default 32). */
  maxDepth?: number;
}

export const MESH_MAX_BYTES = 1 << 20;
export const MESH_MAX_DEPTH = 32;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function malformed(where: string, why: string): never {
  throw new DareError('MALFORMED', `${where}: ${why}`);
}

/** Parses RFC 3339 date-time text (seconds 60 and sub-millisecond digits are not kept). */
export function parseDateTime(text: string, where = 'date'): Date {
  const m = RFC3339.exec(text);
  if (m === null) malformed(where, `not an RFC 3339 date-time: ${JSON.stringify(text.slice(0, 40))}`);
  const [, , mo, d, h, mi, s] = m.map(Number) as number[];
  if ((mo as number) < 1 || (mo as number) > 12 || (d as number) < 1 || (d as number) > 31 || (h as number) > 23 || (mi as number) > 59 || (s as number) > 60) {
    malformed(where, `date-time out of range: ${text}`);
  }
  const t = Date.parse(text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1').replace(/:60(\.|[Zz+-])/, ':59$1'));
  if (Number.isNaN(t)) malformed(where, `date-time out of range: ${text}`);
  return new Date(t);
}

/** RFC 3339 in UTC, with milliseconds only when there are any: 2021-08-05T16:37:43Z. */
export function formatDateTime(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError('expected a valid Date');
  return d.toISOString().replace('.000Z', 'Z');
}

function isEnvelopeArray(v: JsonValue): v is JsonValue[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > 3) return false;
  if (!isJsonObject(v[0])) return false;
  if (v.length >= 2 && typeof v[1] !== 'string' && !(v[1] instanceof Uint8Array)) return false;
  return v.length < 3 || isJsonObject(v[2]);
}

function readSingle(kind: SingleKind, v: JsonValue, where: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') malformed(where, 'expected a string');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') malformed(where, 'expected true or false');
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) malformed(where, 'expected an integer');
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) malformed(where, 'expected a number');
      return v;
    case 'binary':
      try {
        return asBinary(v);
      } catch (e) {
        throw new DareError('MALFORMED', `${where}: expected base64url binary data`, { cause: e });
      }
    case 'datetime':
      if (typeof v !== 'string') malformed(where, 'expected an RFC 3339 date-time string');
      return parseDateTime(v, where);
    default:
      break;
  }
  if (kind.t === 'struct') {
    if (!isJsonObject(v)) malformed(where, `expected a ${kind.cls} object`);
    return readBody(classOf(kind.cls) as ResolvedClass, v, where);
  }
  if (kind.t === 'tagged') return readTagged(v, [kind.base], where, true);
  if (!isEnvelopeArray(v)) malformed(where, 'expected a DARE envelope in JSON ([header, payload, trailer])');
  return { $envelope: v } satisfies EnvelopeJson;
}

function readField(kind: FieldKind, v: JsonValue, where: string): unknown {
  if (typeof kind === 'object' && kind.t === 'list') {
    if (!Array.isArray(v)) malformed(where, 'expected a list');
    return v.map((x, i) => readSingle(kind.of, x, `${where}[${i}]`));
  }
  return readSingle(kind, v, where);
}

function readBody(cls: ResolvedClass, body: JsonObject, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = { $type: cls.name };
  let unknown: JsonObject | undefined;
  for (const [member, v] of Object.entries(body)) {
    const name = cls.fields.has(member) ? member : cls.aliases.get(member);
    if (name === undefined) {
      (unknown ??= {})[member] = v;
      continue;
    }
    if (v === null) continue;
    if (out[name] !== undefined) malformed(where, `field ${name} given twice (as ${member})`);
    out[name] = readField(cls.fields.get(name) as FieldKind, v, `${where}.${member}`);
  }
  if (unknown !== undefined) out.$unknown = unknown;
  return out;
}

function readTagged(v: JsonValue, bases: readonly string[], where: string, allowOpaque: boolean): AnyMeshObject | OpaqueObject {
  if (!isJsonObject(v)) malformed(where, 'expected a tagged object {"<Class>": {...}}');
  const keys = Object.keys(v);
  if (keys.length !== 1) malformed(where, `a tagged object has exactly one member, got ${keys.length}`);
  const tag = keys[0] as string;
  const body = v[tag] as JsonValue;
  if (!isJsonObject(body)) malformed(where, `the body of ${tag} must be an object`);
  const cls = classOf(tag);
  if (cls === undefined) {
    if (!allowOpaque) malformed(where, `expected ${bases.join(' or ')}, got unknown class ${JSON.stringify(tag.slice(0, 64))}`);
    return { $type: tag, $opaque: true, $unknown: body };
  }
  if (cls.abstract || !bases.some((b) => cls.lineage.has(b))) malformed(where, `expected ${bases.join(' or ')}, got ${tag}`);
  return readBody(cls, body, `${where}.${tag}`) as AnyMeshObject;
}

/**
 * Reads a tagged object from a JSON value. `expected` names the classes (or bases) it must
 * be; a different or unknown tag is MALFORMED.
 */
export function fromJsonValue<C extends ClassName>(v: JsonValue, expected: C | readonly C[]): Decoded<C> {
  return readTagged(v, typeof expected === 'string' ? [expected] : expected, 'object', false) as Decoded<C>;
}

/** What reading a tag of C (or of its subclasses) gives. */
export type Decoded<C extends ClassName> = AnyMeshObject<C extends ClassName ? SubclassOf<C> : never>;

/** Parses JSON text or UTF-8 bytes within the limits; LIMIT_EXCEEDED or MALFORMED on hostile input. */
export function parseMeshJson(input: Uint8Array | string, limits: MeshDecodeLimits = {}): JsonValue {
  const maxBytes = limits.maxBytes ?? MESH_MAX_BYTES;
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > maxBytes) throw new DareError('LIMIT_EXCEEDED', `mesh object of ${size} bytes is larger than the limit ${maxBytes}`);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = fromUtf8(input);
    } catch {
      throw new DareError('MALFORMED', 'mesh object is not valid UTF-8');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return decodeJson(text, { maxDepth: limits.maxDepth ?? MESH_MAX_DEPTH });
  } catch (e) {
    if (e instanceof DareError && e.code === 'LIMIT_EXCEEDED') throw e;
    if (e instanceof DareError) throw new DareError('MALFORMED', `mesh object: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Reads a tagged Mesh object from JSON bytes or text (see {@link fromJsonValue}). */
export function decodeMeshObject<C extends ClassName>(
  input: Uint8Array | string, expected: C | readonly C[], limits: MeshDecodeLimits = {},
): Decoded<C> {
  return fromJsonValue(parseMeshJson(input, limits), expected);
}

/** How binary values are written: base64url text (JSON) or bytes (for writers that lay them out). */
type BinaryForm = 'text' | 'bytes';

function writeSingle(kind: SingleKind, v: unknown, where: string, bin: BinaryForm): JsonValue {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new TypeError(`${where}: expected a string`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new TypeError(`${where}: expected a boolean`);
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${where}: expected a safe integer`);
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}: expected a finite number`);
      return v;
    case 'binary':
      if (!(v instanceof Uint8Array)) throw new TypeError(`${where}: expected a Uint8Array`);
      return bin === 'bytes' ? v : base64urlEncode(v);
    case 'datetime':
      if (!(v instanceof Date)) throw new TypeError(`${where}: expected a Date`);
      return formatDateTime(v);
    default:
      break;
  }
  if (kind.t === 'enveloped') {
    const env = (v as EnvelopeJson | undefined)?.$envelope;
    if (!Array.isArray(env) || !isEnvelopeArray(env)) throw new TypeError(`${where}: expected an envelope ({ $envelope: [...] })`);
    return env;
  }
  if (typeof v !== 'object' || v === null || typeof (v as { $type?: unknown }).$type !== 'string') {
    throw new TypeError(`${where}: expected a mesh object`);
  }
  const o = v as { $type: string };
  if (kind.t === 'struct') {
    if (o.$type !== kind.cls) throw new TypeError(`${where}: expected a ${kind.cls}, got ${o.$type}`);
    return writeBody(o, where, bin);
  }
  if (!(o as Partial<OpaqueObject>).$opaque && !derivesFrom(o.$type, kind.base)) throw new TypeError(`${where}: ${o.$type} is not a ${kind.base}`);
  return { [o.$type]: writeBody(o, o.$type, bin) };
}

function writeBody(o: { $type: string }, where: string, bin: BinaryForm): JsonObject {
  const r = o as Record<string, unknown> & { $unknown?: JsonObject; $opaque?: boolean };
  if (r.$opaque) return { ...(r.$unknown ?? {}) };
  const cls = classOf(o.$type);
  if (cls === undefined || cls.abstract) throw new TypeError(`${where}: ${o.$type} is not a concrete mesh class`);
  const out: JsonObject = {};
  for (const [name, kind] of cls.fields) {
    const v = r[name];
    if (v === undefined || v === null) continue;
    if (typeof kind === 'object' && kind.t === 'list') {
      if (!Array.isArray(v)) throw new TypeError(`${where}.${name}: expected an array`);
      out[name] = v.map((x, i) => writeSingle(kind.of, x, `${where}.${name}[${i}]`, bin));
    } else out[name] = writeSingle(kind, v, `${where}.${name}`, bin);
  }
  for (const k of Object.keys(r)) {
    if (k !== '$type' && k !== '$unknown' && !cls.fields.has(k) && r[k] !== undefined) throw new TypeError(`${where}: ${o.$type} has no field ${k}`);
  }
  for (const [k, v] of Object.entries(r.$unknown ?? {})) if (!(k in out)) out[k] = v;
  return out;
}

/** The tagged JSON value of an object: `{"<Class>": {...}}` (binary as base64url text, or as bytes). */
export function toJsonValue(o: AnyMeshObject | OpaqueObject, binary: BinaryForm = 'text'): JsonObject {
  return { [o.$type]: writeBody(o, o.$type, binary) };
}

export interface MeshEncodeOptions {
  /** 'compact' (default), or 'reference': the C# reference's indented layout with long base64url broken across lines. */
  readonly layout?: 'compact' | 'reference';
}

/** The tagged JSON text of an object as UTF-8. */
export function encodeMeshObject(o: AnyMeshObject | OpaqueObject, options: MeshEncodeOptions = {}): Uint8Array {
  if (options.layout === 'reference') return utf8(encodeJsonReference(toJsonValue(o, 'bytes')));
  return utf8(encodeJson(toJsonValue(o)));
}

/** Builds an object of class C (a typed constructor: `meshObject('CatalogedBookmark', { Uri })`). */
export function meshObject<C extends ConcreteClass>(cls: C, fields: FieldsOf<C>): MeshObject<C> {
  const def = classOf(cls);
  if (def === undefined || def.abstract) throw new TypeError(`${cls} is not a concrete mesh class`);
  return { ...fields, $type: cls } as MeshObject<C>;
}
