/**
 * Mesh seeds and the keys derived from them (draft-hallambaker-mesh-schema-08 §6.1, §9.2;
 * the mesh brief §1.1; docs/MESH.md §3).
 *
 *   seed UDF = 0xC8 ‖ spec (2 bytes, big-endian) ‖ 32 random bytes      ('Z…', type 200)
 *   key      = HKDF-SHA-512(IKM = spec ‖ random bytes, salt = empty,
 *                           info = spec ‖ UTF-8(KeyName), L = 56 for X448/Ed448, 32 for 25519)
 *   KeyName  = Type ‖ Actor ‖ Operation, no separators: "BaseDeviceEncrypt"
 *
 * The reference's constants file writes `Type_Actor_Operation`; its code and the §9.2
 * example (`ZAAQ…`, reproduced: fixtures/mesh/vectors/seed-derivation.json) use no
 * separator. This recipe is not the one of udf-13 §4.4 (salt = key specifier, empty info).
 *
 * Ed448 keys are 56 bytes here, not RFC 8032's 57: the scalar is the pruned
 * SHAKE256(key, 114)[0:57] and the nonce prefix SHAKE256(key, 114)[57:114] (RFC 8032 §5.2.5
 * applied to 56 bytes; conformance/multiparty.md item 5). Signers take the scalar and the
 * prefix, so no conformant Ed448 library needs to accept a 56-byte seed.
 * @module
 */
import { DareError, formatUdf, parseUdf, utf8 } from '../../index.js';
import { hkdf } from '../../crypto/index.js';

/** The key specifiers of Mesh seeds (udf-13 §4.4 table, Mesh range). */
export const MESH_SEED_SPEC = {
  MeshProfileDevice: 256,
  MeshActivationDevice: 257,
  MeshProfileAccount: 258,
  MeshActivationAccount: 259,
  MeshProfileService: 260,
  MeshActivationService: 261,
} as const;

export type MeshSeedKind = keyof typeof MESH_SEED_SPEC;

/** The parts of a key name. */
export type MeshKeyType = 'Base' | 'Activation' | 'Complete';
export type MeshActor = 'Device' | 'Account' | 'Member' | 'Service' | 'Host';
export type MeshKeyOperation = 'Profile' | 'Encrypt' | 'Sign' | 'Authenticate' | 'AdminSign' | 'AdminEncrypt' | 'Escrow';

export type MeshCurve = 'X25519' | 'X448' | 'Ed25519' | 'Ed448';

/** The algorithm suite of a seed: 448 curves by default (mesh-cryptography-08 §3, [ref]). */
export type MeshSuite = '448' | '25519';

/** Signing operations use Ed*, the others (encryption, authentication, escrow) X*. */
export function curveOf(operation: MeshKeyOperation, suite: MeshSuite = '448'): MeshCurve {
  const signs = operation === 'Profile' || operation === 'Sign' || operation === 'AdminSign';
  if (suite === '448') return signs ? 'Ed448' : 'X448';
  if (suite === '25519') return signs ? 'Ed25519' : 'X25519';
  throw new TypeError(`unknown suite ${String(suite)}`);
}

/** A parsed Mesh seed. */
export interface MeshSeed {
  readonly udf: string;
  readonly kind: MeshSeedKind;
  readonly spec: number;
  /** The bytes after the type byte: spec ‖ random (the HKDF input keying material). */
  readonly ikm: Uint8Array;
}

const SEED_TYPE = 0xc8;
const SEED_BYTES = 32;

function kindOf(spec: number): MeshSeedKind | undefined {
  return (Object.keys(MESH_SEED_SPEC) as MeshSeedKind[]).find((k) => MESH_SEED_SPEC[k] === spec);
}

/** A fresh seed of `kind` with 32 random bytes. */
export function generateMeshSeed(kind: MeshSeedKind): MeshSeed {
  const spec = MESH_SEED_SPEC[kind];
  if (spec === undefined) throw new TypeError(`unknown mesh seed kind ${String(kind)}`);
  const random = crypto.getRandomValues(new Uint8Array(SEED_BYTES));
  const binary = Uint8Array.of(SEED_TYPE, spec >> 8, spec & 0xff, ...random);
  random.fill(0);
  const seed = { udf: formatUdf(binary), kind, spec, ikm: binary.slice(1) };
  binary.fill(0);
  return seed;
}

/**
 * Parses a seed UDF ('Z…'); `expected` names the kinds it may be. UDF_INVALID for another
 * type or a seed shorter than 16 random bytes, MISMATCH for a seed of another kind.
 */
export function parseMeshSeed(text: string, expected?: MeshSeedKind | readonly MeshSeedKind[]): MeshSeed {
  const u = parseUdf(text);
  if (u.type !== SEED_TYPE) throw new DareError('UDF_INVALID', `expected a seed udf (Z…), got type ${u.type}`);
  if (u.data.length < 2 + 16) throw new DareError('UDF_INVALID', 'seed udf carries fewer than 16 random bytes');
  const spec = ((u.data[0] as number) << 8) | (u.data[1] as number);
  const kind = kindOf(spec);
  if (kind === undefined) throw new DareError('UDF_INVALID', `seed udf of key specifier ${spec} is not a mesh seed`);
  const allowed = expected === undefined ? undefined : typeof expected === 'string' ? [expected] : expected;
  if (allowed !== undefined && !allowed.includes(kind)) throw new DareError('MISMATCH', `expected a ${allowed.join(' or ')} seed, got ${kind}`);
  return { udf: u.text, kind, spec, ikm: u.data };
}

/** The key name: Type ‖ Actor ‖ Operation, e.g. "CompleteAccountAdminSign". */
export function keyName(type: MeshKeyType, actor: MeshActor, operation: MeshKeyOperation): string {
  return type + actor + operation;
}

/** Bytes of a derived private key: 56 for the 448 curves, 32 for the 25519 ones. */
export function derivedKeyLength(curve: MeshCurve): number {
  return curve === 'X448' || curve === 'Ed448' ? 56 : 32;
}

/** The private key `name` of a seed, for `curve` (HKDF as in the module comment). */
export function deriveMeshPrivateKey(seed: MeshSeed, name: string, curve: MeshCurve): Uint8Array {
  const info = Uint8Array.of(seed.spec >> 8, seed.spec & 0xff, ...utf8(name));
  return hkdf('sha512', seed.ikm, undefined, info, derivedKeyLength(curve));
}
