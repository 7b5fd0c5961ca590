/**
 * Profiles (draft-hallambaker-mesh-schema-08 §7.2, §10.2.8-14): ProfileDevice, ProfileHost,
 * ProfileUser, ProfileGroup and ProfileService, created from a seed (key-schedule.ts),
 * self-signed by their ProfileSignature key, and opened only against a UDF the caller
 * expects.
 *
 * A profile is valid iff its self-signature verifies *and* the UDF of its ProfileSignature
 * key is the one the caller pinned (a contact's anchor, ProfileUser.ServiceUdf, an account
 * entry): a correctly self-signed profile of another key is not the profile asked for
 * (mesh brief §6 #1). Both failures are SIGNATURE_INVALID.
 * @module
 */
import { DareError, udfMatches } from '../../index.js';
import { meshObject, type AnyMeshObject, type EnvelopeJson, type FieldsOf, type MeshDecodeLimits, type MeshObject } from '../schema/index.js';
import { keyDataOf, publicKeyOfKeyData } from '../keys/key-data.js';
import { keyUdf, type MeshPublicKey } from '../keys/mesh-key.js';
import { localSigner } from '../keys/signer.js';
import type { MeshSeed, MeshSuite } from '../keys/seed.js';
import { open, peek, seal } from '../enveloped.js';
import { deriveScheduledKeys, type ScheduledKeys } from './key-schedule.js';

export type ProfileClass = 'ProfileDevice' | 'ProfileHost' | 'ProfileUser' | 'ProfileGroup' | 'ProfileService';

/** The fields a caller gives; the key fields come from the seed. */
export type ProfileFields<C extends ProfileClass> = Omit<FieldsOf<C>, keyof ScheduledKeys<C>>;

export interface CreatedProfile<C extends ProfileClass> {
  readonly profile: MeshObject<C>;
  /** The signed profile, as it travels and is stored. */
  readonly envelope: EnvelopeJson<C>;
  /** The profile's permanent identifier: the UDF of its ProfileSignature key. */
  readonly udf: string;
  /** The private keys, by profile field. */
  readonly keys: ScheduledKeys<C>;
}

export interface CreateProfileOptions {
  readonly suite?: MeshSuite;
  readonly created?: Date;
}

/** Creates and self-signs a profile of class `cls` from `seed` (of the kind its schedule names). */
export async function createProfile<C extends ProfileClass>(
  cls: C, seed: MeshSeed, fields: ProfileFields<C>, options: CreateProfileOptions = {},
): Promise<CreatedProfile<C>> {
  const keys = deriveScheduledKeys(cls, seed, options.suite);
  const keyFields: Record<string, unknown> = {};
  for (const [f, k] of Object.entries(keys)) keyFields[f] = keyDataOf(k.publicKey);
  const profile = meshObject(cls, { ...fields, ...keyFields } as FieldsOf<C>);
  const signing = (keys as unknown as { ProfileSignature: Parameters<typeof localSigner>[0] }).ProfileSignature;
  const envelope = await seal(profile as AnyMeshObject<C>, { signer: localSigner(signing), created: options.created });
  return { profile, envelope, udf: keyUdf(signing.publicKey), keys };
}

/** The ProfileSignature key of a profile (checked against its Udf). */
export function profileSignatureKey(profile: MeshObject<ProfileClass>): MeshPublicKey {
  return publicKeyOfKeyData(profile.ProfileSignature, 'ProfileSignature', ['Ed25519', 'Ed448']);
}

/** The UDF of a profile: the UDF of its ProfileSignature key. */
export function profileUdf(profile: MeshObject<ProfileClass>): string {
  return keyUdf(profileSignatureKey(profile));
}

export interface OpenedProfile<C extends ProfileClass> {
  readonly profile: MeshObject<C>;
  readonly udf: string;
  /** The profile's signature is a legacy one (the reference's): it covers the payload only. */
  readonly legacy: boolean;
}

export interface OpenProfileOptions {
  /** Accept the C# reference's signatures (no purpose; they cover the payload only). */
  readonly acceptLegacy?: boolean;
  readonly limits?: MeshDecodeLimits;
}

/**
 * Opens a signed profile of an expected class whose UDF must be `expectedUdf` (a prefix of
 * at least the default 140 bits, as UDFs are compared). SIGNATURE_INVALID when the UDF is
 * another or the self-signature does not verify.
 */
export async function openProfile<C extends ProfileClass>(
  env: EnvelopeJson, expect: C | readonly C[], expectedUdf: string, options: OpenProfileOptions = {},
): Promise<OpenedProfile<C>> {
  const claimed = await peek(env, expect, options.limits);
  const key = profileSignatureKey(claimed as MeshObject<ProfileClass>);
  const udf = keyUdf(key);
  let same: boolean;
  try {
    same = expectedUdf.replace(/-/g, '').length >= 28 && udfMatches(expectedUdf, udf);
  } catch {
    same = false;
  }
  if (!same) throw new DareError('SIGNATURE_INVALID', `profile ${udf} is not the expected ${expectedUdf.slice(0, 40)}`);
  const opened = await open(env, { expect, signers: [key], acceptLegacy: options.acceptLegacy, limits: options.limits });
  if (profileUdf(opened.object as MeshObject<ProfileClass>) !== udf) throw new DareError('SIGNATURE_INVALID', 'profile changed between reads');
  return { profile: opened.object as unknown as MeshObject<C>, udf, legacy: opened.legacy };
}
