/**
 * The run-time view of the class table (classes.ts): every class with its fields resolved
 * through its parents (parent fields first, the order the drafts' examples print), its
 * aliases, and which classes derive from which. Built once from the data.
 * @module
 */
import { CLASSES, type ClassName } from './classes.js';
import type { ClassDef, FieldKind } from './kinds.js';

export interface ResolvedClass {
  readonly name: ClassName;
  readonly abstract: boolean;
  /** Every field, parent first, with its kind. */
  readonly fields: ReadonlyMap<string, FieldKind>;
  /** Alias wire name -> field name. */
  readonly aliases: ReadonlyMap<string, string>;
  /** This class and all its ancestors. */
  readonly lineage: ReadonlySet<string>;
}

const TABLE: Readonly<Record<string, ClassDef>> = CLASSES;
const resolved = new Map<string, ResolvedClass>();

function resolve(name: string, seen: Set<string> = new Set()): ResolvedClass {
  const done = resolved.get(name);
  if (done) return done;
  const def = TABLE[name];
  if (def === undefined) throw new TypeError(`no class ${name} in the mesh schema`);
  if (seen.has(name)) throw new TypeError(`class ${name} inherits from itself`);
  seen.add(name);
  const parent = def.parent === undefined ? undefined : resolve(def.parent, seen);
  const fields = new Map<string, FieldKind>(parent?.fields ?? []);
  for (const [f, k] of Object.entries(def.fields)) fields.set(f, k);
  const aliases = new Map<string, string>(parent?.aliases ?? []);
  for (const [a, f] of Object.entries(def.aliases ?? {})) {
    if (!fields.has(f)) throw new TypeError(`alias ${a} of ${name} names no field ${f}`);
    aliases.set(a, f);
  }
  const lineage = new Set<string>(parent?.lineage ?? []);
  lineage.add(name);
  const r: ResolvedClass = { name: name as ClassName, abstract: def.abstract === true, fields, aliases, lineage };
  resolved.set(name, r);
  return r;
}

for (const name of Object.keys(TABLE)) resolve(name);

/** The resolved class, or undefined for a name the schema does not have. */
export function classOf(name: string): ResolvedClass | undefined {
  return Object.prototype.hasOwnProperty.call(TABLE, name) ? resolve(name) : undefined;
}

/** True when `name` is `base` or derives from it. */
export function derivesFrom(name: string, base: string): boolean {
  return classOf(name)?.lineage.has(base) ?? false;
}

/** Every class name in the schema. */
export function classNames(): ClassName[] {
  return Object.keys(TABLE) as ClassName[];
}

/** The concrete classes deriving from (or equal to) `base`. */
export function subclassesOf(base: string): ClassName[] {
  return classNames().filter((c) => !resolve(c).abstract && resolve(c).lineage.has(base));
}
