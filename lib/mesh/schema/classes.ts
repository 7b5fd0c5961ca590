/**
 * All Mesh classes (draft-hallambaker-mesh-schema-08 §10) in one table, and the
 * TypeScript types derived from it: `MeshObject<'ProfileUser'>` has every field of
 * ProfileUser, ProfileAccount, Profile and Assertion, each typed by its kind.
 *
 * An object is a plain record with its class in `$type` and the members this
 * implementation does not know in `$unknown` (kept as read, written back after the known
 * fields), so a round trip through an older or newer peer loses nothing.
 * @module
 */
import type { JsonObject, JsonValue } from '../../index.js';
import type { ClassDef, FieldKind, ListKind, SingleKind } from './kinds.js';
import { KEY_CLASSES } from './tables/keys.js';
import { ASSERTION_CLASSES } from './tables/assertions.js';
import { CONTACT_CLASSES } from './tables/contacts.js';
import { CATALOG_CLASSES } from './tables/catalog.js';
import { MESSAGE_CLASSES } from './tables/messages.js';

export const CLASSES = {
  ...KEY_CLASSES, ...ASSERTION_CLASSES, ...CONTACT_CLASSES, ...CATALOG_CLASSES, ...MESSAGE_CLASSES,
} as const satisfies Record<string, ClassDef>;

type Table = typeof CLASSES;
export type ClassName = keyof Table;

/** Classes that may appear as a tag (`{"<Class>": {...}}`). */
export type ConcreteClass = { [C in ClassName]: Table[C] extends { abstract: true } ? never : C }[ClassName];

type ParentOf<C extends ClassName> = Table[C] extends { parent: infer P extends ClassName } ? P : never;

/** C and every class it derives from. */
export type Lineage<C extends ClassName> = C | ([ParentOf<C>] extends [never] ? never : Lineage<ParentOf<C>>);

type OwnFields<C extends ClassName> = Table[C]['fields'];
type AllFieldsOf<C extends ClassName> = C extends ClassName ? OwnFields<C> & ([ParentOf<C>] extends [never] ? unknown : AllFieldsOf<ParentOf<C>>) : never;

/** The concrete classes that derive from (or are) B: what a TStruct B field may hold. */
export type SubclassOf<B extends ClassName> = { [C in ConcreteClass]: B extends Lineage<C> ? C : never }[ConcreteClass];

/** A tagged value whose tag this implementation does not know: kept whole, written back as read. */
export interface OpaqueObject {
  readonly $type: string;
  readonly $opaque: true;
  readonly $unknown: JsonObject;
}

/**
 * A DARE envelope in JSON as carried inside a Mesh object (`[header, payload, trailer]`).
 * The type parameter names the class its payload should hold, as documentation only: what
 * it holds is known once `open` (enveloped.ts) has checked it against what the caller expects.
 */
export interface EnvelopeJson<C extends string = string> {
  readonly $envelope: readonly JsonValue[];
  /** Phantom: the classes the payload should hold (checked only when it is opened). */
  readonly $of?: C;
}

type SingleValue<K> =
  K extends 'string' ? string
  : K extends 'boolean' ? boolean
  : K extends 'integer' | 'float' ? number
  : K extends 'binary' ? Uint8Array
  : K extends 'datetime' ? Date
  : K extends { t: 'struct'; cls: infer C extends ClassName } ? MeshObject<C>
  : K extends { t: 'tagged'; base: infer C extends ClassName } ? AnyMeshObject<SubclassOf<C>> | OpaqueObject
  : K extends { t: 'enveloped'; cls: infer C extends string } ? EnvelopeJson<C extends ClassName ? SubclassOf<C> : string>
  : never;

export type FieldValue<K extends FieldKind> = K extends ListKind<infer E extends SingleKind> ? SingleValue<E>[] : SingleValue<K>;

type Fields<C extends ClassName> = { -readonly [F in keyof AllFieldsOf<C>]?: AllFieldsOf<C>[F] extends FieldKind ? FieldValue<AllFieldsOf<C>[F]> : never };

/** An object of class C: every field optional, as in the schema. */
export type MeshObject<C extends ClassName> = { readonly $type: C; $unknown?: JsonObject } & Fields<C>;

/** One of several classes, discriminated by `$type`. */
export type AnyMeshObject<C extends ClassName = ConcreteClass> = C extends ClassName ? MeshObject<C> : never;

/** The fields of C (without `$type`), for constructors. */
export type FieldsOf<C extends ClassName> = Fields<C> & { $unknown?: JsonObject };
