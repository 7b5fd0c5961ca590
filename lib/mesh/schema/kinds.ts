/**
 * The vocabulary of the Mesh class tables (draft-hallambaker-mesh-schema-08 §10): the kinds
 * a field can have and the shape of one class definition. Every class is data (a
 * {@link ClassDef}); the codec (`codec.ts`) and the TypeScript types (`types.ts`) are derived
 * from the tables, so adding a class is adding a table entry.
 *
 * Kinds, as the schema names them:
 * - String, Boolean, Integer, Float: JSON scalars.
 * - Binary: base64url text in JSON (whitespace inside ignored, as the reference breaks lines).
 * - DateTime: RFC 3339 text, held as a `Date`.
 * - Struct C: an object of class C, untagged (the field's class is known).
 * - TStruct C: a tagged object `{"<Class>": {...}}` of C or any class derived from it.
 * - Enveloped<C> / DareEnvelope: a DARE envelope in JSON (an array), opened by `Enveloped`.
 * - Multiple: a list of any of the above.
 * @module
 */

export type ScalarKind = 'string' | 'boolean' | 'integer' | 'float' | 'binary' | 'datetime';

export interface StructKind<C extends string = string> {
  readonly t: 'struct';
  readonly cls: C;
}
export interface TaggedKind<C extends string = string> {
  readonly t: 'tagged';
  readonly base: C;
}
export interface EnvelopedKind<C extends string = string> {
  readonly t: 'enveloped';
  /** The class the envelope's payload holds; '' for a DareEnvelope of any content. */
  readonly cls: C;
}
export type SingleKind = ScalarKind | StructKind | TaggedKind | EnvelopedKind;
export interface ListKind<K extends SingleKind = SingleKind> {
  readonly t: 'list';
  readonly of: K;
}
export type FieldKind = SingleKind | ListKind;

/** One class: its parent (fields are inherited, parent first), own fields, and flags. */
export interface ClassDef {
  readonly parent?: string;
  /** Own fields in wire order (the order the reference writes them). */
  readonly fields: Readonly<Record<string, FieldKind>>;
  /** True when the class is only a base: never a tag of its own. */
  readonly abstract?: boolean;
  /** Other wire names read as a field (prose names the drafts' examples do not use). */
  readonly aliases?: Readonly<Record<string, string>>;
}

export const S = 'string';
export const B = 'boolean';
export const I = 'integer';
export const F = 'float';
export const BIN = 'binary';
export const DT = 'datetime';

export function struct<const C extends string>(cls: C): StructKind<C> {
  return { t: 'struct', cls };
}
export function tagged<const C extends string>(base: C): TaggedKind<C> {
  return { t: 'tagged', base };
}
export function enveloped<const C extends string>(cls: C): EnvelopedKind<C> {
  return { t: 'enveloped', cls };
}
/** A DareEnvelope field: an envelope whose content type says what it holds. */
export const ENVELOPE: EnvelopedKind<''> = { t: 'enveloped', cls: '' };
export function list<const K extends SingleKind>(of: K): ListKind<K> {
  return { t: 'list', of };
}
