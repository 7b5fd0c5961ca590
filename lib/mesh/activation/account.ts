/**
 * ActivationAccount (draft-hallambaker-mesh-schema-08 §10.2.23): the account keys and store
 * keys a device is granted, as private KeyData, built from the rights of its roles
 * (rights.ts) and read back on the device, where every account key must be the private key
 * of the matching ProfileUser public key (docs/MESH.md §6). The record travels signed by
 * the AdministratorSignature key and encrypted to the device's combined encryption key.
 * @module
 */
import { DareError } from '../../index.js';
import type { MeshObject } from '../schema/index.js';
import { privateKeyDataOf, privateKeyOfKeyData, publicKeyOfKeyData } from '../keys/key-data.js';
import { samePublicKey, type MeshPrivateKey } from '../keys/mesh-key.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import { ACCOUNT_KEY_NAMES, type AccountKeyName, type Rights } from './rights.js';

/** What a device holds of an account: account private keys and store keys. */
export interface AccountKeys {
  readonly keys: Partial<Record<AccountKeyName, MeshPrivateKey>>;
  readonly stores: ReadonlyMap<StoreLabel, MeshPrivateKey>;
}

/**
 * The ActivationAccount granting `rights` out of what the granting device holds.
 * NO_MATCHING_KEY when a granted account key is not held; CONFLICT for rights that need a
 * Mesh service (threshold shares: a later issue). Stores the account does not have
 * (no key held) are not granted.
 */
export function buildActivationAccount(rights: Rights, held: AccountKeys): MeshObject<'ActivationAccount'> {
  if (rights.servicedKeys.size > 0) {
    throw new DareError('CONFLICT', `role ${rights.roles.join(', ')} grants account keys as shares held with a Mesh service; this account has none bound`);
  }
  const a: MeshObject<'ActivationAccount'> = { $type: 'ActivationAccount' };
  for (const name of ACCOUNT_KEY_NAMES) {
    if (!rights.keys.has(name)) continue;
    const k = held.keys[name];
    if (k === undefined) throw new DareError('NO_MATCHING_KEY', `cannot grant ${name}: this device does not hold it`);
    a[name] = privateKeyDataOf(k);
  }
  const entries = [...rights.stores].filter((l) => held.stores.has(l)).map((label) => ({
    $type: 'ActivationEntry' as const, Resource: label, Key: privateKeyDataOf(held.stores.get(label) as MeshPrivateKey),
  }));
  if (entries.length) a.Entries = entries;
  return a;
}

/**
 * The keys an ActivationAccount grants, each account key checked against the profile's
 * public key of the same name (KEY_INVALID when it is another key). Entries for stores this
 * implementation does not know are skipped.
 */
export function readActivationAccount(
  activation: MeshObject<'ActivationAccount'>, profile: MeshObject<'ProfileUser'> | MeshObject<'ProfileGroup'>,
): AccountKeys {
  const keys: Partial<Record<AccountKeyName, MeshPrivateKey>> = {};
  for (const name of ACCOUNT_KEY_NAMES) {
    const kd = activation[name];
    if (kd === undefined) continue;
    const priv = privateKeyOfKeyData(kd, name);
    const pub = publicKeyOfKeyData((profile as Record<string, unknown>)[name] as MeshObject<'KeyData'> | undefined, `profile ${name}`);
    if (!samePublicKey(priv.publicKey, pub)) throw new DareError('KEY_INVALID', `granted ${name} is not the account's ${name} key`);
    keys[name] = priv;
  }
  const stores = new Map<StoreLabel, MeshPrivateKey>();
  for (const e of activation.Entries ?? []) {
    const label = e.Resource === undefined ? undefined : storeLabel(e.Resource);
    if (label === undefined) continue;
    if (stores.has(label)) throw new DareError('MALFORMED', `ActivationAccount grants ${label} twice`);
    stores.set(label, privateKeyOfKeyData(e.Key, `${label} key`));
  }
  return { keys, stores };
}
