/**
 * The Mesh object schema (draft-hallambaker-mesh-schema-08 §10): class tables, the types
 * derived from them and the tagged JSON codec.
 * @module
 */
export { CLASSES } from './classes.js';
export type {
  ClassName, ConcreteClass, MeshObject, AnyMeshObject, FieldsOf, OpaqueObject, EnvelopeJson, SubclassOf, Lineage,
} from './classes.js';
export {
  decodeMeshObject, fromJsonValue, toJsonValue, encodeMeshObject, meshObject, parseMeshJson, parseDateTime, formatDateTime,
  MESH_MAX_BYTES, MESH_MAX_DEPTH,
} from './codec.js';
export type { MeshDecodeLimits, MeshEncodeOptions, Decoded } from './codec.js';
export { classOf, classNames, subclassesOf, derivesFrom } from './registry.js';
export type { ResolvedClass } from './registry.js';
export type { FieldKind, ClassDef } from './kinds.js';
