/**
 * Connecting a device to an account, device side (mesh brief §2.2 step 7, §6 #1-2): a
 * CatalogedDevice is accepted only when the whole chain holds, checked against what the
 * device itself knows (its own profile and keys, and the account UDF it pinned), never
 * against what the entry says about itself:
 *
 * - EnvelopedProfileUser is a valid profile whose UDF is the pinned account UDF;
 * - EnvelopedProfileDevice is this device's own profile (its UDF and its keys);
 * - ConnectionDevice, ConnectionAddress, ActivationDevice and ActivationAccount are signed
 *   by that profile's AdministratorSignature key, and name this device and this account;
 * - the device keys are recomputed: each combined private key a = d + m (the base key and
 *   the contribution derived from the ActivationDevice seed) must have exactly the public
 *   key the ConnectionDevice certifies (KEY_INVALID otherwise);
 * - every account key granted is the private key of the profile's public key.
 * The CatalogedDevice's own Udf fields must agree. Failures are DareErrors:
 * SIGNATURE_INVALID, KEY_INVALID, MISMATCH, NO_MATCHING_KEY, MALFORMED.
 * @module
 */
import { DareError, udfMatches } from '../../index.js';
import type { MeshObject } from '../schema/index.js';
import { publicKeyOfKeyData } from '../keys/key-data.js';
import { combinePrivateKeys, keyUdf, samePublicKey, type MeshPrivateKey, type MeshPublicKey } from '../keys/mesh-key.js';
import { parseMeshSeed } from '../keys/seed.js';
import { keyIdentity } from '../keys/identity.js';
import { open } from '../enveloped.js';
import { openProfile, profileUdf } from '../profiles/profile.js';
import { deriveScheduledKeys, type ScheduledKeys } from '../profiles/key-schedule.js';
import { readActivationAccount, type AccountKeys } from './account.js';

/** What the device knows before it sees the entry: its own profile UDF and base keys. */
export interface DeviceSelf {
  readonly udf: string;
  readonly keys: ScheduledKeys<'ProfileDevice'>;
}

export interface AcceptedConnection {
  readonly profileUser: MeshObject<'ProfileUser'>;
  readonly profileDevice: MeshObject<'ProfileDevice'> | MeshObject<'ProfileHost'>;
  readonly connectionDevice: MeshObject<'ConnectionDevice'>;
  /** The device's combined private keys, checked against the ConnectionDevice. */
  readonly deviceKeys: { readonly Encryption: MeshPrivateKey; readonly Signature: MeshPrivateKey; readonly Authentication: MeshPrivateKey };
  /** The account keys and store keys granted. */
  readonly account: AccountKeys;
}

const FIELDS = ['Encryption', 'Signature', 'Authentication'] as const;

function mismatch(message: string): DareError {
  return new DareError('MISMATCH', message);
}

function sameUdf(a: string | undefined, b: string): boolean {
  try {
    return a !== undefined && udfMatches(a, b);
  } catch {
    return false;
  }
}

export interface AcceptOptions {
  /** Accept legacy (reference) signatures on the account profile (they cover the payload only). */
  readonly acceptLegacyProfile?: boolean;
}

/** Checks a CatalogedDevice on the device it is for (see the module comment). */
export async function acceptConnection(
  entry: MeshObject<'CatalogedDevice'>, self: DeviceSelf, accountUdf: string, options: AcceptOptions = {},
): Promise<AcceptedConnection> {
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new DareError('MALFORMED', `CatalogedDevice has no ${what}`);
    return v;
  };
  if (entry.DeviceUdf !== undefined && !sameUdf(entry.DeviceUdf, self.udf)) throw mismatch(`the entry is for device ${entry.DeviceUdf}, not this one (${self.udf})`);
  const { profile: profileUser } = await openProfile(need(entry.EnvelopedProfileUser, 'EnvelopedProfileUser'), 'ProfileUser', accountUdf, { acceptLegacy: options.acceptLegacyProfile });
  const { profile: profileDevice } = await openProfile(need(entry.EnvelopedProfileDevice, 'EnvelopedProfileDevice'), ['ProfileDevice', 'ProfileHost'], self.udf);
  for (const f of ['ProfileSignature', ...FIELDS] as const) {
    const theirs = publicKeyOfKeyData(profileDevice[f], `device ${f}`);
    if (!samePublicKey(theirs, (self.keys[f] as MeshPrivateKey).publicKey)) throw mismatch(`the entry's device profile has another ${f} key than this device`);
  }
  const admin = publicKeyOfKeyData(profileUser.AdministratorSignature, 'AdministratorSignature', ['Ed25519', 'Ed448']);
  const signers = [admin];

  const { object: connection } = await open(need(entry.EnvelopedConnectionDevice, 'EnvelopedConnectionDevice'), { expect: 'ConnectionDevice', signers });
  const connectionDevice = connection as MeshObject<'ConnectionDevice'>;
  if (!sameUdf(connectionDevice.Subject, self.udf)) throw mismatch('ConnectionDevice names another device');
  if (!sameUdf(connectionDevice.Authority, accountUdf)) throw mismatch('ConnectionDevice names another account');
  if (connectionDevice.Account !== profileUser.AccountAddress) throw mismatch('ConnectionDevice names another account address');

  const { object: act } = await open(need(entry.EnvelopedActivationDevice, 'EnvelopedActivationDevice'), {
    expect: 'ActivationDevice', signers, keys: [keyIdentity(self.keys.Encryption)],
  });
  const activation = act as MeshObject<'ActivationDevice'>;
  if (!sameUdf(activation.AccountUdf, accountUdf)) throw mismatch('ActivationDevice is for another account');
  const seed = parseMeshSeed(need(activation.ActivationKey, 'ActivationDevice.ActivationKey'), 'MeshActivationDevice');
  const suite = self.keys.Encryption.crv === 'X448' ? '448' : '25519';
  const contribution = deriveScheduledKeys(profileDevice.$type === 'ProfileHost' ? 'ActivationHost' : 'ActivationDevice', seed, suite);
  const deviceKeys = {} as Record<(typeof FIELDS)[number], MeshPrivateKey>;
  for (const f of FIELDS) {
    const a = combinePrivateKeys(self.keys[f].crv, [self.keys[f], contribution[f] as MeshPrivateKey]);
    const certified: MeshPublicKey = publicKeyOfKeyData(connectionDevice[f], `ConnectionDevice ${f}`);
    if (!samePublicKey(a.publicKey, certified) || a.publicKey.public.length !== certified.public.length) {
      throw new DareError('KEY_INVALID', `the ${f} key the connection certifies is not base + activation`);
    }
    deviceKeys[f] = a;
  }

  const { object: aa } = await open(need(entry.EnvelopedActivationAccount, 'EnvelopedActivationAccount'), {
    expect: 'ActivationAccount', signers, keys: [keyIdentity(deviceKeys.Encryption)],
  });
  const account = readActivationAccount(aa as MeshObject<'ActivationAccount'>, profileUser);

  if (entry.EnvelopedConnectionAddress !== undefined) {
    const { object: ca } = await open(entry.EnvelopedConnectionAddress, { expect: 'ConnectionAddress', signers });
    const c = ca as MeshObject<'ConnectionAddress'>;
    const auth = publicKeyOfKeyData(c.Authentication, 'ConnectionAddress Authentication');
    if (c.Subject !== connectionDevice.Subject || c.Authority !== connectionDevice.Authority || c.Account !== connectionDevice.Account
      || !samePublicKey(auth, deviceKeys.Authentication.publicKey)) throw mismatch('ConnectionAddress does not match ConnectionDevice');
  }
  if (entry.Udf !== undefined && !sameUdf(entry.Udf, keyUdf(deviceKeys.Signature.publicKey))) throw mismatch('CatalogedDevice Udf is not the device signature key');
  if (entry.SignatureUdf !== undefined && !sameUdf(entry.SignatureUdf, keyUdf(admin))) throw mismatch('CatalogedDevice SignatureUdf is not the administrator key');
  if (profileUdf(profileDevice) !== keyUdf(self.keys.ProfileSignature.publicKey)) throw mismatch('device profile UDF');
  return { profileUser, profileDevice, connectionDevice, deviceKeys, account };
}
